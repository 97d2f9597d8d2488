package ntp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_ntp_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit     *int   `json:"limit,omitempty" jsonschema:"packets per page (default 20; 0: none)"`
	Offset    int    `json:"offset,omitempty"`
	IP        string `json:"ip,omitempty" jsonschema:"only packets from or to this address"`
	Mode      string `json:"mode,omitempty" jsonschema:"only this mode: a number 0-7 or a name (client, server, symmetric active, symmetric passive, broadcast, control, private)"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), filled
	// by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_ntp_packets, summary first: identity and
// totals, notes and warnings, statistics, anomalies, the servers, then the
// paged packets, filters and thresholds.
type Output struct {
	File               string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets       int      `json:"total_packets" jsonschema:"frames in the capture"`
	NTPPacketsFound    int      `json:"ntp_packets_found" jsonschema:"UDP datagrams to or from port 123"`
	NTPPacketsAnalyzed int      `json:"ntp_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note               string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message            string   `json:"message,omitempty" jsonschema:"set when the capture holds no NTP"`
	Warnings           []string `json:"warnings" jsonschema:"damage to the capture, and tables cut under the state budget (what is partial)"`

	Statistics   Statistics          `json:"statistics"`
	Anomalies    []result.Finding    `json:"anomalies" jsonschema:"findings over the whole capture, most severe first; per type the 5 most significant, the rest folded into one"`
	Servers      []Server            `json:"servers" jsonschema:"per server: requests, responses, clients, stratum, reference, offsets and delays (busiest first, first 20; fewer when the response would pass 32 KiB)"`
	ServersTotal int                 `json:"servers_total"`
	Packets      []Packet            `json:"packets" jsonschema:"NTP messages that match the filters, paged by limit/offset"`
	PacketsPage  result.Page         `json:"packets_page"`
	Filters      Filters             `json:"filters"`
	Thresholds   analyzer.Thresholds `json:"thresholds"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	ByMode    map[string]int `json:"by_mode" jsonschema:"messages per mode name"`
	ByVersion map[string]int `json:"by_version" jsonschema:"messages per version (\"v4\")"`
	ByStratum map[string]int `json:"by_stratum" jsonschema:"server and peer messages (modes 1, 2, 4, 5) per stratum; 0 is unspecified or a kiss code, 16 unsynchronized"`
	ByLeap    map[string]int `json:"by_leap" jsonschema:"server and peer messages per leap indicator name"`

	Requests           int             `json:"client_requests" jsonschema:"mode 3 messages"`
	Responses          int             `json:"server_responses" jsonschema:"mode 4 messages"`
	Exchanges          int             `json:"exchanges" jsonschema:"requests matched to their response (the response's origin timestamp is the request's transmit timestamp)"`
	Unanswered         int             `json:"unanswered_requests" jsonschema:"client requests with no matching response"`
	UnmatchedResponses int             `json:"unmatched_responses" jsonschema:"server responses whose request was not captured"`
	OffsetMs           *result.Latency `json:"offset_ms" jsonschema:"clock offsets of the clients against their servers, from the four timestamps (RFC 5905 §8); null when no exchange"`
	DelayMs            *result.Latency `json:"delay_ms" jsonschema:"round-trip delays of the exchanges, RFC 5905 §8; null when none"`
	KissCodes          map[string]int  `json:"kiss_codes" jsonschema:"stratum-0 server and peer messages per reference id text (RATE, DENY, RSTR are kiss-o'-death; INIT, STEP states)"`
	ControlRequests    int             `json:"control_requests" jsonschema:"mode 6 requests (ntpq)"`
	ControlResponses   int             `json:"control_responses"`
	PrivateRequests    int             `json:"private_requests" jsonschema:"mode 7 requests (ntpdc)"`
	PrivateResponses   int             `json:"private_responses"`
	MonlistResponses   int             `json:"monlist_responses" jsonschema:"mode 7 MON_GETLIST responses: the answer reflection attacks abuse"`
	UniqueServers      int             `json:"unique_servers" jsonschema:"addresses that sent server, control or private responses"`
	UniqueClients      int             `json:"unique_clients" jsonschema:"addresses that sent client requests"`
	Malformed          int             `json:"malformed"`
}

// Server is what one server answered.
type Server struct {
	Address          string          `json:"address"`
	Requests         int             `json:"requests" jsonschema:"client requests sent to it"`
	Responses        int             `json:"responses" jsonschema:"server responses it sent"`
	Unanswered       int             `json:"unanswered" jsonschema:"requests to it with no matching response"`
	Clients          int             `json:"clients" jsonschema:"distinct addresses it answered or was asked by (counted up to 10,000)"`
	Versions         []int           `json:"versions" jsonschema:"versions of its responses"`
	Stratum          *int            `json:"stratum" jsonschema:"in its last response"`
	ReferenceID      string          `json:"reference_id,omitempty" jsonschema:"in its last response: text for stratum 0 and 1, an IPv4 address above"`
	Leap             string          `json:"leap,omitempty" jsonschema:"leap indicator of its last response"`
	RootDelayMs      *float64        `json:"root_delay_ms,omitempty" jsonschema:"in its last response"`
	RootDispersionMs *float64        `json:"root_dispersion_ms,omitempty" jsonschema:"in its last response"`
	KissCodes        map[string]int  `json:"kiss_codes,omitempty" jsonschema:"stratum-0 responses per code"`
	OffsetMs         *result.Latency `json:"offset_ms" jsonschema:"offsets of its clients against it; null when no exchange"`
	DelayMs          *result.Latency `json:"delay_ms" jsonschema:"round-trip delays to it"`
	ControlBytes     int             `json:"control_private_response_bytes,omitempty" jsonschema:"bytes of mode 6 and 7 responses it sent"`
	FirstSeen        string          `json:"first_seen"`
	LastSeen         string          `json:"last_seen"`
}

// Packet is one NTP message.
type Packet struct {
	PacketNumber int    `json:"packet_number" jsonschema:"frame number in the capture"`
	Timestamp    string `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SrcIP        string `json:"src_ip"`
	DstIP        string `json:"dst_ip"`
	SrcPort      int    `json:"src_port"`
	DstPort      int    `json:"dst_port"`
	Size         int    `json:"size" jsonschema:"UDP payload bytes"`
	Version      int    `json:"version"`
	Mode         int    `json:"mode"`
	ModeName     string `json:"mode_name"`

	// Modes 0 to 5.
	Leap             string   `json:"leap,omitempty" jsonschema:"leap indicator name"`
	Stratum          *int     `json:"stratum,omitempty"`
	PollSeconds      *float64 `json:"poll_seconds,omitempty" jsonschema:"2^poll"`
	Precision        *float64 `json:"precision_seconds,omitempty" jsonschema:"2^precision"`
	RootDelayMs      *float64 `json:"root_delay_ms,omitempty"`
	RootDispersionMs *float64 `json:"root_dispersion_ms,omitempty"`
	ReferenceID      string   `json:"reference_id,omitempty" jsonschema:"text for stratum 0 (kiss code) and 1 (clock source), an IPv4 address above"`
	KissCode         string   `json:"kiss_code_meaning,omitempty" jsonschema:"for stratum 0: what the code means (RFC 5905 §7.4)"`
	ReferenceTime    string   `json:"reference_time,omitempty" jsonschema:"omitted when zero"`
	OriginTime       string   `json:"origin_time,omitempty"`
	ReceiveTime      string   `json:"receive_time,omitempty"`
	TransmitTime     string   `json:"transmit_time,omitempty"`
	TrailerBytes     int      `json:"trailer_bytes,omitempty" jsonschema:"extension fields and MAC after the header"`

	// A response matched to its request.
	RequestPacket *int     `json:"request_packet,omitempty" jsonschema:"frame of the request this response answers"`
	OffsetMs      *float64 `json:"offset_ms,omitempty" jsonschema:"the client's clock offset against the server: ((T2-T1)+(T3-T4))/2, T4 taken as T1 plus the capture time between request and response"`
	DelayMs       *float64 `json:"delay_ms,omitempty" jsonschema:"round-trip delay: (T4-T1)-(T3-T2)"`

	// Mode 6.
	Control *Control `json:"control,omitempty"`
	// Mode 7.
	Private *Private `json:"private,omitempty"`

	Malformed string `json:"malformed,omitempty"`
}

// Control is the header of a mode 6 message.
type Control struct {
	Response      bool   `json:"response"`
	Error         bool   `json:"error"`
	More          bool   `json:"more"`
	Opcode        int    `json:"opcode"`
	OpcodeName    string `json:"opcode_name"`
	Sequence      int    `json:"sequence"`
	Status        int    `json:"status"`
	AssociationID int    `json:"association_id"`
	Offset        int    `json:"offset"`
	Count         int    `json:"count" jsonschema:"data bytes"`
}

// Private is the header of a mode 7 message.
type Private struct {
	Response       bool   `json:"response"`
	More           bool   `json:"more"`
	Authenticated  bool   `json:"authenticated"`
	Sequence       int    `json:"sequence"`
	Implementation int    `json:"implementation"`
	RequestCode    int    `json:"request_code"`
	RequestName    string `json:"request_name"`
	Error          int    `json:"error"`
	Items          int    `json:"items"`
	ItemSize       int    `json:"item_size"`
	// Peers are the items of a PEER_LIST_SUM response (ntpdc's peers).
	Peers      []Peer `json:"peers,omitempty" jsonschema:"items of a PEER_LIST_SUM response (first 8)"`
	PeersTotal int    `json:"peers_total,omitempty" jsonschema:"set when peers is cut: how many there were"`
}

// Peer is one item of a mode 7 PEER_LIST_SUM response: a peer of the
// server (ntpd's struct info_peer_summary).
type Peer struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
	Stratum int    `json:"stratum"`
	Reach   int    `json:"reach" jsonschema:"reachability register: the last 8 polls, one bit each"`
}

// Filters echoes the filters applied.
type Filters struct {
	IP        string `json:"ip,omitempty"`
	Mode      string `json:"mode,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
