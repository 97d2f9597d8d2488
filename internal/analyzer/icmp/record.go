package icmp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_icmp_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit     *int   `json:"limit,omitempty" jsonschema:"packets per page (default 20; 0: none)"`
	Offset    int    `json:"offset,omitempty"`
	SrcIP     string `json:"src_ip,omitempty" jsonschema:"source address"`
	DstIP     string `json:"dst_ip,omitempty" jsonschema:"destination address"`
	ICMPType  string `json:"icmp_type,omitempty" jsonschema:"type number, or a name matching both families (echo request: v4 8, v6 128)"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), filled
	// by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_icmp_packets, summary first: identity
// and totals, notes and warnings, statistics, anomalies, the per host pair
// and traceroute lists, then the paged packets, filters and thresholds.
// The keys mcpcap returns keep their names and meaning
// (unreachable_destinations are the hosts that could not be reached, read
// from the quoted datagram); the rest are additions.
type Output struct {
	File                string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp   string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets        int      `json:"total_packets" jsonschema:"frames in the capture"`
	ICMPPacketsFound    int      `json:"icmp_packets_found" jsonschema:"ICMP and ICMPv6 messages in the capture"`
	ICMPPacketsAnalyzed int      `json:"icmp_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note                string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message             string   `json:"message,omitempty" jsonschema:"set when the capture holds no ICMP"`
	Warnings            []string `json:"warnings" jsonschema:"damage to the capture, and tables cut under the state budget (what is partial)"`

	Statistics       Statistics          `json:"statistics"`
	Anomalies        []result.Finding    `json:"anomalies" jsonschema:"findings over the whole capture, most severe first; per type the 5 most significant, the rest folded into one"`
	HostPairs        []HostPair          `json:"host_pairs" jsonschema:"echo statistics per host pair: sent, received, loss, RTT (busiest first, first 20; fewer when the response would pass 32 KiB)"`
	PairsTotal       int                 `json:"host_pairs_total"`
	Traceroutes      []Traceroute        `json:"traceroutes" jsonschema:"paths reconstructed from time-exceeded replies, per source and destination (first 10; fewer when the response would pass 32 KiB)"`
	TraceroutesTotal int                 `json:"traceroutes_total"`
	Packets          []Packet            `json:"packets" jsonschema:"ICMP messages that match the filters, paged by limit/offset"`
	PacketsPage      result.Page         `json:"packets_page"`
	Filters          Filters             `json:"filters"`
	Thresholds       analyzer.Thresholds `json:"thresholds"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	ICMPTypeCounts          map[string]int       `json:"icmp_type_counts" jsonschema:"messages per type name; ICMPv6 type names begin with \"ICMPv6 \"; past 24 types the rarest are summed under \"Other types (N)\""`
	UniqueSourcesCount      int                  `json:"unique_sources_count"`
	UniqueDestinationsCount int                  `json:"unique_destinations_count"`
	UniqueSources           []string             `json:"unique_sources" jsonschema:"first 20, in order of appearance"`
	UniqueDestinations      []string             `json:"unique_destinations" jsonschema:"first 20, in order of appearance"`
	EchoSessions            int                  `json:"echo_sessions" jsonschema:"echo exchanges: distinct (source, destination, identifier)"`
	EchoPairs               map[string]EchoCount `json:"echo_pairs" jsonschema:"echo exchanges keyed 'source > destination id N' (the 20 busiest)"`
	UnreachableDestsCount   int                  `json:"unreachable_destinations_count" jsonschema:"distinct hosts reported unreachable"`
	UnreachableDests        []string             `json:"unreachable_destinations" jsonschema:"hosts that could not be reached, from the datagram the error quotes (first 20)"`

	ByVersion       map[string]int  `json:"by_version" jsonschema:"ICMPv4 and ICMPv6 messages"`
	EchoRequests    int             `json:"echo_requests"`
	EchoReplies     int             `json:"echo_replies"`
	EchoLost        int             `json:"echo_unanswered" jsonschema:"echo requests with no reply"`
	RTTMs           *result.Latency `json:"rtt_ms" jsonschema:"echo round-trip times; null when none"`
	Errors          int             `json:"errors" jsonschema:"error messages (unreachable, time exceeded, parameter problem, packet too big, redirect)"`
	UnreachableByCo map[string]int  `json:"unreachable_by_code" jsonschema:"destination unreachable messages per code name (past 24, the rarest summed under \"Other codes (N)\")"`
	Malformed       int             `json:"malformed"`
}

// EchoCount is one echo exchange.
type EchoCount struct {
	Requests int      `json:"requests"`
	Replies  int      `json:"replies"`
	AvgRTTMs *float64 `json:"avg_rtt_ms,omitempty"`
}

// Quoted is the datagram an ICMP error carries: what could not be
// delivered.
type Quoted struct {
	Src      string `json:"src_ip"`
	Dst      string `json:"dst_ip" jsonschema:"the host the original datagram was for"`
	Protocol string `json:"protocol" jsonschema:"UDP, TCP, ICMP, ICMPv6, or a number"`
	SrcPort  *int   `json:"src_port,omitempty"`
	DstPort  *int   `json:"dst_port,omitempty" jsonschema:"the port that could not be reached, for UDP/TCP"`
	TTL      int    `json:"ttl" jsonschema:"TTL or hop limit the datagram had where it failed"`
	Length   int    `json:"length" jsonschema:"the datagram's length from its IP header"`
	ICMPType *int   `json:"icmp_type,omitempty" jsonschema:"for a quoted ICMP echo"`
	ICMPID   *int   `json:"icmp_id,omitempty"`
	ICMPSeq  *int   `json:"icmp_seq,omitempty"`
}

// Packet is one ICMP or ICMPv6 message.
type Packet struct {
	PacketNumber  int      `json:"packet_number" jsonschema:"frame number in the capture"`
	Timestamp     string   `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SrcIP         string   `json:"src_ip"`
	DstIP         string   `json:"dst_ip"`
	IPVersion     int      `json:"ip_version"`
	TTL           *int     `json:"ttl,omitempty" jsonschema:"IPv4 TTL"`
	HopLimit      *int     `json:"hop_limit,omitempty" jsonschema:"IPv6 hop limit"`
	PacketSize    int      `json:"packet_size" jsonschema:"frame length on the wire"`
	ICMPType      int      `json:"icmp_type"`
	ICMPCode      int      `json:"icmp_code"`
	ICMPTypeName  string   `json:"icmp_type_name"`
	ICMPCodeName  string   `json:"icmp_code_name"`
	ICMPID        *int     `json:"icmp_id" jsonschema:"echo identifier"`
	ICMPSeq       *int     `json:"icmp_seq" jsonschema:"echo sequence number"`
	Checksum      int      `json:"checksum"`
	PayloadSize   int      `json:"payload_size" jsonschema:"bytes after the ICMP header"`
	RTTMs         *float64 `json:"rtt_ms,omitempty" jsonschema:"for an echo reply: time since its request"`
	RequestPacket *int     `json:"request_packet,omitempty" jsonschema:"for an echo reply: frame of its request"`
	Original      *Quoted  `json:"original,omitempty" jsonschema:"for an error: the datagram it quotes"`
	MTU           *int     `json:"mtu,omitempty" jsonschema:"next-hop MTU of fragmentation needed / packet too big"`
	Gateway       string   `json:"gateway,omitempty" jsonschema:"for a redirect: the better first hop"`
	Pointer       *int     `json:"pointer,omitempty" jsonschema:"for a parameter problem: offset of the bad byte"`
	NDP           *NDP     `json:"ndp,omitempty" jsonschema:"neighbor discovery fields (router/neighbor solicitation and advertisement, redirect)"`
	MLD           *MLD     `json:"mld,omitempty" jsonschema:"multicast listener discovery fields"`
	Malformed     string   `json:"malformed,omitempty"`
}

// NDP holds neighbor discovery fields (RFC 4861).
type NDP struct {
	Target         string   `json:"target,omitempty" jsonschema:"target address (NS, NA, redirect)"`
	Destination    string   `json:"destination,omitempty" jsonschema:"redirect destination"`
	Flags          []string `json:"flags,omitempty" jsonschema:"NA: router, solicited, override; RA: managed, other"`
	SourceLinkAddr string   `json:"source_link_address,omitempty"`
	TargetLinkAddr string   `json:"target_link_address,omitempty"`
	Prefixes       []string `json:"prefixes,omitempty" jsonschema:"RA prefix information (first 8)"`
	PrefixesTotal  int      `json:"prefixes_total,omitempty" jsonschema:"set when prefixes is cut: how many there were"`
	MTU            *int     `json:"mtu,omitempty"`
	RDNSS          []string `json:"dns_servers,omitempty" jsonschema:"RA recursive DNS servers (RFC 8106; first 8)"`
	RDNSSTotal     int      `json:"dns_servers_total,omitempty" jsonschema:"set when dns_servers is cut: how many there were"`
	RouterLifetime *int     `json:"router_lifetime,omitempty" jsonschema:"RA router lifetime, seconds"`
	CurHopLimit    *int     `json:"cur_hop_limit,omitempty"`
	OtherOptions   []int    `json:"other_options,omitempty" jsonschema:"codes of other options (first 8)"`
	OtherTotal     int      `json:"other_options_total,omitempty" jsonschema:"set when other_options is cut: how many there were"`
}

// MLD holds multicast listener discovery fields (RFC 2710, RFC 3810).
type MLD struct {
	Version     int      `json:"version"`
	Groups      []string `json:"groups" jsonschema:"multicast addresses queried or reported (first 8)"`
	GroupsTotal int      `json:"groups_total,omitempty" jsonschema:"set when groups is cut: how many there were"`
}

// HostPair is echo traffic between two hosts.
type HostPair struct {
	Source      string   `json:"source" jsonschema:"the host that sent the requests"`
	Destination string   `json:"destination"`
	Sent        int      `json:"sent" jsonschema:"echo requests"`
	Received    int      `json:"received" jsonschema:"requests answered by an echo reply"`
	Errored     int      `json:"answered_by_error" jsonschema:"requests answered by an ICMP error instead (time exceeded, unreachable), e.g. traceroute probes"`
	LossPercent float64  `json:"loss_percent" jsonschema:"requests with no answer at all, in percent of requests"`
	MinRTTMs    *float64 `json:"min_rtt_ms"`
	AvgRTTMs    *float64 `json:"avg_rtt_ms"`
	MaxRTTMs    *float64 `json:"max_rtt_ms"`
	Identifiers int      `json:"identifiers" jsonschema:"distinct echo identifiers (ping runs)"`
}

// Traceroute is a path toward one destination seen in time-exceeded replies.
type Traceroute struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Protocol    string `json:"protocol" jsonschema:"protocol of the probes: UDP, ICMP, TCP"`
	Hops        []Hop  `json:"hops" jsonschema:"routers in hop order, then the destination when it answered"`
	Reached     bool   `json:"reached" jsonschema:"the destination answered (port unreachable or echo reply); its hop is the last"`
}

// Hop is one router on a path, with every probe it answered.
type Hop struct {
	TTL    int       `json:"ttl" jsonschema:"the probe TTL when the probes were captured; otherwise the order of appearance"`
	Router string    `json:"router" jsonschema:"the router that answered; on the last hop of a path that reached its destination, the destination"`
	RTTMs  []float64 `json:"rtt_ms" jsonschema:"probe to answer, per answer whose probe was captured (first 5)"`
	Probes int       `json:"probes" jsonschema:"answers from this router at this TTL (time exceeded; from the destination, unreachable or echo reply)"`
	Packet int       `json:"packet" jsonschema:"frame of the first answer"`
}

// Filters echoes the filters applied.
type Filters struct {
	SrcIP     string `json:"src_ip,omitempty"`
	DstIP     string `json:"dst_ip,omitempty"`
	ICMPType  string `json:"icmp_type,omitempty" jsonschema:"the type selected: a number, or per family for a name"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
