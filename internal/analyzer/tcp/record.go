package tcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// ConnectionsOutput is the result of analyze_tcp_connections. mcpcap's keys
// keep their names and meaning; the rest are additions.
type ConnectionsOutput struct {
	File              string       `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp string       `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets      int          `json:"total_packets" jsonschema:"frames in the capture"`
	TCPPacketsFound   int          `json:"tcp_packets_found" jsonschema:"TCP segments of the connections that match the filters"`
	Message           string       `json:"message,omitempty" jsonschema:"set when no connection matched"`
	Warnings          []string     `json:"warnings"`
	Summary           Summary      `json:"summary" jsonschema:"over the connections that match the filters"`
	Issues            []string     `json:"issues" jsonschema:"one line per anomaly found (see analyze_tcp_anomalies for evidence)"`
	Connections       []Connection `json:"connections" jsonschema:"connections that match the filters, in sort_by order, paged by limit/offset"`
	Page              result.Page  `json:"connections_page"`
	Filter            Filter       `json:"filter"`
}

// Summary counts connections by outcome.
type Summary struct {
	TotalConnections      int            `json:"total_connections" jsonschema:"TCP conversations as Wireshark counts them (values of tcp.stream): a new SYN with a new ISN on a used address pair starts a new one"`
	SuccessfulHandshakes  int            `json:"successful_handshakes" jsonschema:"SYN, SYN-ACK, and the client's ACK of the SYN-ACK all seen"`
	FailedHandshakes      int            `json:"failed_handshakes" jsonschema:"a SYN was seen but the handshake never completed (refused, unanswered, or the SYN-ACK never acknowledged)"`
	EstablishedConns      int            `json:"established_connections" jsonschema:"equal to successful_handshakes, as in mcpcap"`
	ResetConnections      int            `json:"reset_connections" jsonschema:"connections with a RST (refusals included)"`
	NormalClose           int            `json:"normal_close" jsonschema:"closed by FIN in both directions, without RST"`
	ActiveConnections     int            `json:"active_connections" jsonschema:"neither FIN nor RST seen"`
	RefusedConnections    int            `json:"refused_connections" jsonschema:"SYN answered by RST"`
	UnansweredSyns        int            `json:"unanswered_syns" jsonschema:"SYN never answered"`
	HalfOpen              int            `json:"half_open" jsonschema:"SYN-ACK sent but never acknowledged, no data"`
	Midstream             int            `json:"midstream" jsonschema:"no handshake captured: the capture began after it"`
	ReusedPorts           int            `json:"reused_ports" jsonschema:"connections that reused the address pair of an earlier one"`
	SeenOnlyInICMP        int            `json:"seen_only_in_icmp_errors" jsonschema:"connections known only from TCP headers quoted in ICMP errors"`
	HandshakeRTTMsMedian  *float64       `json:"handshake_rtt_ms_median" jsonschema:"median SYN to final ACK time of completed handshakes; null when none"`
	TotalRetransmissions  int            `json:"total_retransmissions" jsonschema:"segments Wireshark flags tcp.analysis.retransmission (fast and spurious included)"`
	UntrackedSegments     int            `json:"untracked_segments,omitempty" jsonschema:"segments of connections past the tracking limit"`
	ConnectionsByTCPState map[string]int `json:"by_tcp_state" jsonschema:"connections per tcp_state"`
}

// Connection is one TCP conversation, oriented client to server.
type Connection struct {
	Stream          int    `json:"stream" jsonschema:"Wireshark's tcp.stream of this connection (filter tcp.stream eq N)"`
	Client          string `json:"client" jsonschema:"ip:port"`
	Server          string `json:"server" jsonschema:"ip:port"`
	DirectionSource string `json:"direction_source" jsonschema:"how client and server were told apart: syn (who sent the SYN), syn_ack (who sent the SYN-ACK), server_filter (server_ip/server_port), port (the lower, or well-known, port is the server), first_packet"`

	State             string `json:"state" jsonschema:"mcpcap's: closed (FIN or RST seen) or active"`
	TCPState          string `json:"tcp_state" jsonschema:"syn_sent (no answer), refused (SYN answered by RST), syn_received (SYN-ACK never acknowledged), established, half_closed (FIN one way), closed (FIN both ways), reset, midstream (no handshake captured, still open)"`
	HandshakeComplete bool   `json:"handshake_completed" jsonschema:"SYN, SYN-ACK and the client's ACK of it all seen"`
	SynCount          int    `json:"syn_count" jsonschema:"SYNs without ACK (retransmitted SYNs included)"`
	SynAckCount       int    `json:"syn_ack_count"`
	AckCount          int    `json:"ack_count" jsonschema:"segments with the ACK flag"`
	RstCount          int    `json:"rst_count"`
	FinCount          int    `json:"fin_count"`
	DataPackets       int    `json:"data_packets" jsonschema:"segments with payload"`
	Retransmissions   int    `json:"retransmissions" jsonschema:"segments flagged tcp.analysis.retransmission"`
	CloseReason       string `json:"close_reason" jsonschema:"reset, refused, normal (FIN both ways), half_closed, unanswered, or active"`
	PacketCount       int    `json:"packet_count"`

	FirstPacket     int      `json:"first_packet" jsonschema:"frame number"`
	LastPacket      int      `json:"last_packet"`
	StartTime       string   `json:"start_time"`
	EndTime         string   `json:"end_time"`
	DurationSeconds float64  `json:"duration_seconds"`
	BytesToServer   int64    `json:"bytes_client_to_server" jsonschema:"frame bytes on the wire, as Wireshark's conversation table counts"`
	BytesToClient   int64    `json:"bytes_server_to_client"`
	PayloadToServer int64    `json:"payload_client_to_server" jsonschema:"TCP payload bytes, retransmissions included"`
	PayloadToClient int64    `json:"payload_server_to_client"`
	HandshakeRTTMs  *float64 `json:"handshake_rtt_ms" jsonschema:"SYN (the last one before the SYN-ACK) to the client's ACK; null without a complete handshake"`
	ResetBy         string   `json:"reset_by,omitempty" jsonschema:"client or server: who sent the first RST"`
	ResetInState    string   `json:"reset_in_state,omitempty" jsonschema:"the connection's state when the first RST came: syn_sent, syn_received, established, closing, midstream"`
	ResetPacket     int      `json:"reset_packet,omitempty"`
	ReusedPorts     bool     `json:"reused_ports,omitempty" jsonschema:"started by a SYN on the address pair of an earlier connection"`
	SeenOnlyInICMP  bool     `json:"seen_only_in_icmp_errors,omitempty"`

	Analysis map[string]int `json:"analysis" jsonschema:"segments per Wireshark analysis flag (non-zero ones)"`
	Detail   *ConnDetail    `json:"detail,omitempty" jsonschema:"with detailed=true"`
}

// ConnDetail is the per-direction detail of a connection.
type ConnDetail struct {
	Handshake      Handshake `json:"handshake"`
	ClientToServer Direction `json:"client_to_server"`
	ServerToClient Direction `json:"server_to_client"`
}

// Handshake times the three-way handshake.
type Handshake struct {
	SynPacket      int      `json:"syn_packet,omitempty" jsonschema:"frame of the first SYN"`
	SynAckPacket   int      `json:"syn_ack_packet,omitempty"`
	AckPacket      int      `json:"ack_packet,omitempty" jsonschema:"frame of the client's first ACK of the SYN-ACK"`
	SynToSynAckMs  *float64 `json:"syn_to_syn_ack_ms" jsonschema:"server side of the RTT as seen where the capture was taken"`
	SynAckToAckMs  *float64 `json:"syn_ack_to_ack_ms" jsonschema:"client side of the RTT"`
	WiresharkIRTMs *float64 `json:"initial_rtt_ms" jsonschema:"Wireshark's tcp.analysis.initial_rtt: the latest SYN to the first pure ACK"`
}

// Direction is one direction of a connection.
type Direction struct {
	Packets          int            `json:"packets"`
	Bytes            int64          `json:"bytes"`
	PayloadBytes     int64          `json:"payload_bytes"`
	DataPackets      int            `json:"data_packets"`
	ThroughputBps    float64        `json:"throughput_bps" jsonschema:"payload bits per second over the connection's duration"`
	Syn              int            `json:"syn"`
	Fin              int            `json:"fin"`
	Rst              int            `json:"rst"`
	MSS              int            `json:"mss,omitempty" jsonschema:"MSS option of its SYN or SYN-ACK"`
	WindowScale      *int           `json:"window_scale" jsonschema:"window scale shift offered; null when not offered or no SYN seen"`
	SackPermitted    bool           `json:"sack_permitted"`
	Timestamps       bool           `json:"timestamps"`
	Analysis         map[string]int `json:"analysis" jsonschema:"segments per analysis flag"`
	ZeroWindowMaxMs  float64        `json:"zero_window_max_ms" jsonschema:"longest time this side advertised a zero window"`
	EndsInZeroWindow bool           `json:"ends_in_zero_window,omitempty" jsonschema:"its window was still zero at its last segment"`
}

// AnomaliesOutput is the result of analyze_tcp_anomalies.
type AnomaliesOutput struct {
	File              string              `json:"file"`
	AnalysisTimestamp string              `json:"analysis_timestamp"`
	Warnings          []string            `json:"warnings"`
	Statistics        AnomalyStatistics   `json:"statistics"`
	AnalysisCounts    map[string]int      `json:"analysis_counts" jsonschema:"segments per Wireshark analysis flag (tcp.analysis.*), every flag listed"`
	Summary           PatternSummary      `json:"summary"`
	Anomalies         []result.Finding    `json:"anomalies" jsonschema:"detector findings with evidence frames, most severe first"`
	Patterns          []Pattern           `json:"patterns" jsonschema:"mcpcap's observations: rst_directional_asymmetry, packet_retransmission, handshake_completion, abnormal_termination, syn_response_imbalance"`
	Segments          []FlaggedSegment    `json:"segments" jsonschema:"segments with analysis flags, in capture order, paged by limit/offset and filtered by analysis_flag and stream"`
	SegmentsPage      result.Page         `json:"segments_page"`
	Filter            Filter              `json:"filter"`
	Thresholds        analyzer.Thresholds `json:"thresholds" jsonschema:"the detectors' thresholds in effect"`
}

// AnomalyStatistics are mcpcap's statistics, counted correctly.
type AnomalyStatistics struct {
	TotalConnections int             `json:"total_connections"`
	TotalPackets     int             `json:"total_packets" jsonschema:"TCP segments of the matching connections"`
	Handshake        HandshakeCounts `json:"handshake"`
	Flags            FlagCounts      `json:"flags"`
	RstDistribution  RstDistribution `json:"rst_distribution"`
	Retransmissions  RetransStats    `json:"retransmissions"`
	ConnectionStates map[string]int  `json:"connection_states" jsonschema:"established (handshake complete, no RST), reset, closed (FIN without RST), unknown"`
}

// HandshakeCounts counts handshake outcomes.
type HandshakeCounts struct {
	Successful int `json:"successful"`
	Failed     int `json:"failed" jsonschema:"SYN seen, handshake never completed"`
	Incomplete int `json:"incomplete" jsonschema:"no SYN captured (midstream), so completion is unknown"`
}

// FlagCounts counts segments by TCP flag.
type FlagCounts struct {
	Syn    int `json:"syn" jsonschema:"SYN without ACK"`
	SynAck int `json:"syn_ack"`
	Rst    int `json:"rst"`
	Fin    int `json:"fin"`
	Ack    int `json:"ack" jsonschema:"segments with ACK set"`
}

// RstDistribution says who resets connections.
type RstDistribution struct {
	BySource              map[string]int `json:"by_source" jsonschema:"RST segments per sender address (top 20)"`
	ByDirection           map[string]int `json:"by_direction" jsonschema:"RST segments to_server (sent by the client), from_server, unknown"`
	ConnectionsWithRst    []string       `json:"connections_with_rst" jsonschema:"client <-> server of reset connections (first 50)"`
	ConnectionsWithRstLen int            `json:"connections_with_rst_total"`
}

// RetransStats summarises retransmissions.
type RetransStats struct {
	Total        int            `json:"total"`
	ByConnection map[string]int `json:"by_connection" jsonschema:"retransmissions per connection, client <-> server (top 20)"`
	Rate         float64        `json:"rate" jsonschema:"retransmissions / segments"`
}

// Pattern is one of mcpcap's observations.
type Pattern struct {
	Pattern      string         `json:"pattern"`
	Category     string         `json:"category"`
	Observations map[string]any `json:"observations"`
	Description  string         `json:"description"`
}

// PatternSummary summarises the patterns.
type PatternSummary struct {
	TotalPatterns int            `json:"total_patterns"`
	ByCategory    map[string]int `json:"by_category"`
	Notable       []Notable      `json:"notable_observations"`
}

// Notable is one notable observation.
type Notable struct {
	Type   string `json:"type" jsonschema:"strong_rst_asymmetry or high_retransmission"`
	Detail string `json:"detail"`
}

// FlaggedSegment is a segment with analysis flags.
type FlaggedSegment struct {
	PacketNumber int      `json:"packet_number"`
	Timestamp    string   `json:"timestamp"`
	Stream       int      `json:"stream"`
	Src          string   `json:"src" jsonschema:"ip:port of the sender"`
	Dst          string   `json:"dst"`
	Direction    string   `json:"direction" jsonschema:"client_to_server or server_to_client"`
	TCPFlags     string   `json:"tcp_flags" jsonschema:"the segment's TCP header flags in Wireshark's order, e.g. SYN ACK, PSH ACK"`
	Flags        []string `json:"flags" jsonschema:"Wireshark analysis flags of the segment"`
	Seq          uint32   `json:"seq" jsonschema:"relative sequence number, as Wireshark shows it"`
	Len          uint32   `json:"len" jsonschema:"payload bytes"`
}

// RetransmissionsOutput is the result of analyze_tcp_retransmissions.
type RetransmissionsOutput struct {
	File                 string           `json:"file"`
	AnalysisTimestamp    string           `json:"analysis_timestamp"`
	TotalPackets         int              `json:"total_packets" jsonschema:"TCP segments of the matching connections"`
	TotalRetransmissions int              `json:"total_retransmissions" jsonschema:"segments Wireshark flags tcp.analysis.retransmission (fast and spurious included)"`
	RetransmissionRate   float64          `json:"retransmission_rate"`
	Threshold            float64          `json:"threshold"`
	ExceedsThreshold     bool             `json:"exceeds_threshold"`
	Warnings             []string         `json:"warnings"`
	Breakdown            map[string]int   `json:"breakdown" jsonschema:"retransmission (plain, timeout-driven), fast_retransmission, spurious_retransmission, and the related out_of_order, lost_segment, duplicate_ack"`
	Summary              RetransSummary   `json:"summary"`
	ByConnection         []ConnRetrans    `json:"by_connection" jsonschema:"connections with retransmissions, most first, paged by limit/offset"`
	ByConnectionPage     result.Page      `json:"by_connection_page"`
	Segments             []FlaggedSegment `json:"retransmitted_segments" jsonschema:"the retransmitted segments in capture order, paged by segments_limit/offset"`
	SegmentsPage         result.Page      `json:"retransmitted_segments_page"`
	Filter               Filter           `json:"filter"`
}

// ConnRetrans is one connection's retransmissions.
type ConnRetrans struct {
	Connection     string  `json:"connection" jsonschema:"client <-> server"`
	Stream         int     `json:"stream"`
	RetransCount   int     `json:"retrans_count"`
	TotalPackets   int     `json:"total_packets"`
	RetransRate    float64 `json:"retrans_rate"`
	Fast           int     `json:"fast_retransmissions"`
	Spurious       int     `json:"spurious_retransmissions"`
	ClientToServer int     `json:"client_to_server" jsonschema:"retransmissions sent by the client"`
	ServerToClient int     `json:"server_to_client"`
}

// RetransSummary names the worst connection.
type RetransSummary struct {
	WorstConnection           *string `json:"worst_connection" jsonschema:"null when no connection retransmitted"`
	WorstRetransRate          float64 `json:"worst_retrans_rate"`
	ConnectionsAboveThreshold int     `json:"connections_above_threshold"`
	ConnectionsWithRetrans    int     `json:"connections_with_retransmissions"`
}

// FlowOutput is the result of analyze_traffic_flow.
type FlowOutput struct {
	File              string        `json:"file"`
	AnalysisTimestamp string        `json:"analysis_timestamp"`
	Server            string        `json:"server" jsonschema:"ip:port, or ip:any without server_port"`
	Warnings          []string      `json:"warnings"`
	ClientToServer    FlowDirection `json:"client_to_server"`
	ServerToClient    FlowDirection `json:"server_to_client"`
	Analysis          FlowAnalysis  `json:"analysis"`
	Connections       FlowConns     `json:"connections"`
	Clients           []FlowClient  `json:"clients" jsonschema:"clients of the server, most bytes first, paged by limit/offset"`
	ClientsPage       result.Page   `json:"clients_page"`
	Filter            Filter        `json:"filter"`
}

// FlowDirection counts one direction of the server's traffic.
type FlowDirection struct {
	PacketCount     int            `json:"packet_count"`
	ByteCount       int64          `json:"byte_count" jsonschema:"frame bytes on the wire"`
	SynCount        int            `json:"syn_count" jsonschema:"SYN and SYN-ACK segments"`
	RstCount        int            `json:"rst_count"`
	FinCount        int            `json:"fin_count"`
	DataPackets     int            `json:"data_packets"`
	Retransmissions int            `json:"retransmissions"`
	PayloadBytes    int64          `json:"payload_bytes"`
	Analysis        map[string]int `json:"analysis" jsonschema:"segments per analysis flag"`
}

// FlowAnalysis compares the two directions; it observes and does not
// diagnose.
type FlowAnalysis struct {
	AsymmetryRatio    *float64 `json:"asymmetry_ratio" jsonschema:"client-to-server bytes / server-to-client bytes; null when the server sent nothing"`
	PrimaryRstSource  string   `json:"primary_rst_source" jsonschema:"client, server, balanced, or none"`
	DataFlowDirection string   `json:"data_flow_direction" jsonschema:"client_heavy, server_heavy or balanced (payload bytes, a factor of 2 apart)"`
	Interpretation    string   `json:"interpretation" jsonschema:"what the counts show, stated as observations"`
}

// FlowConns counts the server's connections.
type FlowConns struct {
	Total      int            `json:"total"`
	ByTCPState map[string]int `json:"by_tcp_state"`
	Ports      map[string]int `json:"server_ports" jsonschema:"connections per server port (top 20)"`
}

// FlowClient is one client of the server.
type FlowClient struct {
	Client      string `json:"client" jsonschema:"address"`
	Connections int    `json:"connections"`
	BytesSent   int64  `json:"bytes_sent" jsonschema:"frame bytes client to server"`
	BytesRecv   int64  `json:"bytes_received"`
	Resets      int    `json:"resets" jsonschema:"its connections that were reset"`
	Retrans     int    `json:"retransmissions"`
}
