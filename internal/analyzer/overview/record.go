package overview

import "github.com/mcpacket/mcpacket/internal/result"

// Input is the argument object of analyze_overview. Every list has its own
// limit and offset; the flow filters select flows only.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	FindingsLimit  int `json:"findings_limit,omitempty" jsonschema:"findings (default 10)"`
	FindingsOffset int `json:"findings_offset,omitempty"`

	ProtocolsLimit  int `json:"protocols_limit,omitempty" jsonschema:"hierarchy nodes (default 60)"`
	ProtocolsOffset int `json:"protocols_offset,omitempty"`

	Buckets int `json:"buckets,omitempty" jsonschema:"time profile buckets (default 60)"`
	// ProtocolSeries adds time_profile.by_protocol (for plot_traffic's
	// timeline).
	ProtocolSeries bool `json:"protocol_series,omitempty" jsonschema:"add frames per bucket of each innermost protocol"`

	ConversationType    string `json:"conversation_type,omitempty" jsonschema:"eth, ipv4, ipv6, tcp or udp"`
	ConversationsSort   string `json:"conversations_sort,omitempty" jsonschema:"bytes (default), frames or duration"`
	ConversationsLimit  int    `json:"conversations_limit,omitempty" jsonschema:"conversations per type (default 5)"`
	ConversationsOffset int    `json:"conversations_offset,omitempty"`

	HostsLimit  int `json:"hosts_limit,omitempty" jsonschema:"hosts (default 10)"`
	HostsOffset int `json:"hosts_offset,omitempty"`

	Address   string `json:"address,omitempty" jsonschema:"flows with this IP"`
	Port      int    `json:"port,omitempty" jsonschema:"flows with this port (ICMP: type, code)"`
	Protocol  string `json:"protocol,omitempty" jsonschema:"tcp, udp or icmp"`
	Service   string `json:"service,omitempty" jsonschema:"dns, dhcp, sip, tls, http, ssh, quic, ntp, or none"`
	State     string `json:"state,omitempty" jsonschema:"Zeek conn_state: S0, SF, REJ, RSTO, ..."`
	StartTime string `json:"start_time,omitempty" jsonschema:"flows active from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"flows active up to this time"`
	FlowsSort string `json:"flows_sort,omitempty" jsonschema:"bytes (default), packets, duration or start"`

	FlowsLimit  int `json:"flows_limit,omitempty" jsonschema:"flows (default 10)"`
	FlowsOffset int `json:"flows_offset,omitempty"`
}

// Output is the result of analyze_overview: what the capture holds, most
// useful first.
type Output struct {
	File string `json:"file" jsonschema:"the capture reference as given"`
	// Summary is the capture in a few sentences.
	Summary []string `json:"summary" jsonschema:"the capture in a few sentences: size, span, main protocols, top talkers, findings"`
	Capture Capture  `json:"capture" jsonschema:"capture essentials"`

	Findings      []Finding       `json:"findings" jsonschema:"every module's findings, most severe first, then most evidence"`
	FindingsPage  result.Page     `json:"findings_page" jsonschema:"paging of findings"`
	FindingCounts map[string]int  `json:"finding_counts" jsonschema:"findings per severity (high, medium, low) over all modules"`
	Modules       []ModuleRun     `json:"modules" jsonschema:"the modules that ran in the same pass, with their findings"`
	NextSteps     []ToolCall      `json:"next_steps" jsonschema:"3 to 5 tool calls most worth making next, with their arguments"`
	Protocols     []ProtocolNode  `json:"protocols" jsonschema:"protocol hierarchy as tshark -z io,phs shows it, depth first, children in order of first appearance"`
	ProtocolsPage result.Page     `json:"protocols_page" jsonschema:"paging of protocols"`
	TimeProfile   TimeProfile     `json:"time_profile" jsonschema:"packets and bytes over time in equal buckets"`
	Conversations []Conversations `json:"conversations" jsonschema:"conversation tables as tshark -z conv,<type> delimits them: eth, ipv4, ipv6, tcp, udp"`
	Hosts         []Host          `json:"hosts" jsonschema:"IP addresses seen, most bytes first"`
	HostsPage     result.Page     `json:"hosts_page" jsonschema:"paging of hosts"`
	FlowSummary   FlowSummary     `json:"flow_summary" jsonschema:"flows over the whole capture, whatever the filters: by protocol, conn_state and service"`
	Flows         []Flow          `json:"flows" jsonschema:"flows like Zeek's conn.log that match the filters"`
	FlowsPage     result.Page     `json:"flows_page" jsonschema:"paging of flows"`
	Limits        Limits          `json:"limits" jsonschema:"the bounds the tables were kept within"`
	Warnings      []string        `json:"warnings" jsonschema:"problems reading the capture, and any table that reached its bound"`
}

// Capture is the capture's essentials.
type Capture struct {
	Format          string     `json:"format" jsonschema:"pcap, nsecpcap or pcapng, with (gzip) when compressed"`
	FileSizeBytes   int64      `json:"file_size_bytes" jsonschema:"bytes read from the file"`
	Packets         int        `json:"packets" jsonschema:"frames in the capture"`
	DataSizeBytes   int64      `json:"data_size_bytes" jsonschema:"sum of the frames' lengths on the wire"`
	CapturedBytes   int64      `json:"captured_bytes" jsonschema:"sum of the frames' captured lengths"`
	FirstPacketTime string     `json:"first_packet_time" jsonschema:"earliest frame, RFC 3339 UTC; empty when there are none"`
	LastPacketTime  string     `json:"last_packet_time" jsonschema:"latest frame, RFC 3339 UTC"`
	DurationSeconds float64    `json:"duration_seconds" jsonschema:"seconds from the earliest to the latest frame"`
	LinkTypes       []LinkType `json:"link_types" jsonschema:"frames per link-layer type"`
	NonIPFrames     int        `json:"non_ip_frames" jsonschema:"frames without an IP layer (ARP, LLDP, STP, ...)"`
	IPFragments     int        `json:"ip_fragments" jsonschema:"IP fragments that did not complete a datagram"`
	UndecodedFrames int        `json:"undecoded_frames" jsonschema:"frames of a link type no module decodes"`
	DecodeErrors    int        `json:"decode_errors" jsonschema:"frames with a malformed link, network or transport header"`
	TruncatedFrames int        `json:"truncated_frames" jsonschema:"frames whose headers announce more bytes than were captured"`
}

// LinkType counts the frames of one link-layer type.
type LinkType struct {
	LinkType int    `json:"link_type" jsonschema:"LINKTYPE_ number"`
	Name     string `json:"name" jsonschema:"Wireshark's name for it"`
	Frames   int    `json:"frames"`
}

// Finding is one module's finding, with the call that shows its details.
type Finding struct {
	Module              string   `json:"module" jsonschema:"the module that found it"`
	Type                string   `json:"type" jsonschema:"the finding's kind, as the module names it"`
	Severity            string   `json:"severity" jsonschema:"high, medium or low"`
	Summary             string   `json:"summary"`
	EvidenceFrames      []int    `json:"evidence_frames" jsonschema:"the first frames that show it (at most 5)"`
	EvidenceFramesTotal int      `json:"evidence_frames_total" jsonschema:"frames that show it in all"`
	Details             ToolCall `json:"details" jsonschema:"the tool call that shows its details"`
}

// ModuleRun is one module that ran in the pass.
type ModuleRun struct {
	Module   string `json:"module"`
	Tool     string `json:"tool" jsonschema:"the module's main tool"`
	Findings int    `json:"findings" jsonschema:"its findings on this capture"`
}

// ToolCall is a tool to call and its arguments.
type ToolCall struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	Reason    string         `json:"reason,omitempty" jsonschema:"why it is worth calling"`
}

// ProtocolNode is one node of the protocol hierarchy.
type ProtocolNode struct {
	Path     string   `json:"path" jsonschema:"protocol path from the link layer, slash-separated (eth/ip/udp/dns); names as tshark's protocol hierarchy prints them"`
	Frames   uint64   `json:"frames" jsonschema:"frames that carry this path"`
	Bytes    uint64   `json:"bytes" jsonschema:"their bytes on the wire"`
	TopPorts []string `json:"top_ports,omitempty" jsonschema:"for unrecognised data under a transport: its most frequent (lower) ports, as port:frames"`
}

// TimeProfile is packets and bytes over time. Bucket i covers
// [start_time + i*bucket_seconds, start_time + (i+1)*bucket_seconds).
type TimeProfile struct {
	StartTime     string     `json:"start_time" jsonschema:"start of the first bucket, RFC 3339 UTC"`
	BucketSeconds float64    `json:"bucket_seconds" jsonschema:"width of each bucket"`
	Packets       []uint64   `json:"packets" jsonschema:"frames per bucket"`
	Bytes         []uint64   `json:"bytes" jsonschema:"bytes per bucket"`
	TopProtocols  [][]string `json:"top_protocols" jsonschema:"per bucket, its most frequent innermost protocols (at most 3)"`
	Busiest       *Bucket    `json:"busiest,omitempty" jsonschema:"the bucket with the most frames"`
	// ByProtocol is set when the input asks for protocol_series.
	ByProtocol []ProtocolSeries `json:"by_protocol,omitempty" jsonschema:"with protocol_series: frames per bucket of each innermost protocol, most frames first"`
}

// ProtocolSeries is the frames of one innermost protocol per time bucket;
// the series of all protocols add up to the packets per bucket.
type ProtocolSeries struct {
	Protocol string   `json:"protocol" jsonschema:"innermost protocol, as the hierarchy names it (none: no IP or link layer decoded)"`
	Frames   uint64   `json:"frames" jsonschema:"its frames over the whole capture"`
	Packets  []uint64 `json:"packets" jsonschema:"its frames per bucket"`
}

// Bucket is one bucket of the time profile.
type Bucket struct {
	Index        int      `json:"index"`
	StartTime    string   `json:"start_time"`
	Packets      uint64   `json:"packets"`
	Bytes        uint64   `json:"bytes"`
	TopProtocols []string `json:"top_protocols" jsonschema:"its most frequent innermost protocols, as name:frames"`
}

// Conversations is one conversation table.
type Conversations struct {
	Type     string         `json:"type" jsonschema:"eth, ipv4, ipv6, tcp or udp"`
	Total    int            `json:"total" jsonschema:"conversations of this type in the capture"`
	Frames   uint64         `json:"frames" jsonschema:"frames in all of them"`
	Bytes    uint64         `json:"bytes" jsonschema:"bytes in all of them"`
	Coverage string         `json:"coverage" jsonschema:"what the returned rows cover of the whole"`
	Items    []Conversation `json:"items"`
	Page     result.Page    `json:"page"`
}

// Conversation is one row of a conversation table. A is the side that sent
// the first frame. Addresses are MAC addresses for eth; ports are set for
// tcp and udp.
type Conversation struct {
	AAddr           string  `json:"a_addr" jsonschema:"A: the side that sent the first frame (a MAC address for eth, an IP address otherwise)"`
	APort           *int    `json:"a_port,omitempty"`
	BAddr           string  `json:"b_addr"`
	BPort           *int    `json:"b_port,omitempty"`
	FramesAToB      uint64  `json:"frames_a_to_b"`
	BytesAToB       uint64  `json:"bytes_a_to_b"`
	FramesBToA      uint64  `json:"frames_b_to_a"`
	BytesBToA       uint64  `json:"bytes_b_to_a"`
	Frames          uint64  `json:"frames"`
	Bytes           uint64  `json:"bytes"`
	RelStartSeconds float64 `json:"rel_start_seconds" jsonschema:"first frame, seconds after the capture's first frame"`
	DurationSeconds float64 `json:"duration_seconds"`
}

// Host is one IP address and what the traffic says about it.
type Host struct {
	IP       string     `json:"ip"`
	Frames   uint64     `json:"frames" jsonschema:"frames sent or received, as tshark -z endpoints counts them"`
	Bytes    uint64     `json:"bytes"`
	TxFrames uint64     `json:"tx_frames"`
	TxBytes  uint64     `json:"tx_bytes"`
	RxFrames uint64     `json:"rx_frames"`
	RxBytes  uint64     `json:"rx_bytes"`
	Peers    int        `json:"peers" jsonschema:"addresses it exchanged IP packets with"`
	MACs     []string   `json:"macs,omitempty" jsonschema:"source MAC addresses of its packets (a router's when it is remote; several when it moved or is spoofed)"`
	Names    []HostName `json:"names,omitempty" jsonschema:"names the traffic gave it (packet text, escaped)"`
	Roles    []string   `json:"roles,omitempty" jsonschema:"roles seen: servers of detected services, and servers named by the modules' summaries"`
	Services []Service  `json:"services,omitempty" jsonschema:"ports it answered on (responder of flows that got a reply)"`
	TTL      *TTLHint   `json:"ttl,omitempty" jsonschema:"largest IP TTL (hop limit) it sent with, and the initial TTL that suggests"`
}

// HostName is a name learned for a host.
type HostName struct {
	Name   string `json:"name"`
	Source string `json:"source" jsonschema:"dns (A/AAAA answer), dns_ptr, mdns, llmnr, netbios, dhcp, lldp or cdp"`
}

// Service is a port a host answered on.
type Service struct {
	Proto   string `json:"proto" jsonschema:"tcp or udp"`
	Port    int    `json:"port"`
	Service string `json:"service,omitempty" jsonschema:"service its content showed"`
	Flows   int    `json:"flows" jsonschema:"flows it answered"`
}

// TTLHint is what a host's TTL suggests.
type TTLHint struct {
	Max     int    `json:"max" jsonschema:"largest TTL or hop limit seen from it"`
	Initial int    `json:"initial" jsonschema:"the nearest initial TTL at or above it: 32, 64, 128 or 255"`
	Hint    string `json:"hint" jsonschema:"what that initial TTL usually means; remote hosts lose hops on the way"`
}

// FlowSummary counts flows over the whole capture.
type FlowSummary struct {
	Total     int            `json:"total" jsonschema:"flows tracked"`
	ByProto   map[string]int `json:"by_proto"`
	ByState   map[string]int `json:"by_state" jsonschema:"TCP flows per conn_state (UDP and ICMP in by_proto only)"`
	ByService map[string]int `json:"by_service" jsonschema:"flows per service found in their content"`
}

// Flow is one connection, as a row of Zeek's conn.log.
type Flow struct {
	ID              string  `json:"id" jsonschema:"stable id: F and the frame number of its first packet"`
	CommunityID     string  `json:"community_id" jsonschema:"Community ID v1 (seed 0, base64), as Zeek and Wireshark compute it"`
	Proto           string  `json:"proto" jsonschema:"tcp, udp or icmp"`
	Service         string  `json:"service,omitempty" jsonschema:"service its content showed"`
	ServerName      string  `json:"server_name,omitempty" jsonschema:"the server name (TLS, QUIC or DTLS SNI) its client asked for, from the tls module"`
	OrigIP          string  `json:"orig_ip"`
	OrigPort        int     `json:"orig_port" jsonschema:"for ICMP, the message type"`
	RespIP          string  `json:"resp_ip"`
	RespPort        int     `json:"resp_port" jsonschema:"for ICMP, the code, or the counterpart type of a request or reply"`
	StartTime       string  `json:"start_time" jsonschema:"first packet, RFC 3339 UTC (Zeek's ts)"`
	DurationSeconds float64 `json:"duration_seconds"`
	OrigBytes       uint64  `json:"orig_bytes" jsonschema:"payload bytes the originator sent (TCP: from sequence numbers)"`
	RespBytes       uint64  `json:"resp_bytes"`
	ConnState       string  `json:"conn_state" jsonschema:"Zeek's conn_state"`
	History         string  `json:"history" jsonschema:"Zeek's history: upper case originator, lower case responder"`
	MissedBytes     uint64  `json:"missed_bytes" jsonschema:"bytes acknowledged but never captured"`
	OrigPkts        uint32  `json:"orig_pkts"`
	OrigIPBytes     uint64  `json:"orig_ip_bytes"`
	RespPkts        uint32  `json:"resp_pkts"`
	RespIPBytes     uint64  `json:"resp_ip_bytes"`
	FirstFrame      int     `json:"first_frame"`
	LastFrame       int     `json:"last_frame"`
}

// Limits are the table bounds and what reached them.
type Limits struct {
	MaxFlows                    int    `json:"max_flows"`
	MaxConversations            int    `json:"max_conversations" jsonschema:"per conversation type"`
	MaxHosts                    int    `json:"max_hosts" jsonschema:"addresses with names kept"`
	FlowPacketsUntracked        uint64 `json:"flow_packets_untracked,omitempty" jsonschema:"packets of flows past max_flows"`
	ConversationFramesUntracked uint64 `json:"conversation_frames_untracked,omitempty" jsonschema:"frames of conversations past max_conversations"`
}
