package dns

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_dns_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit              *int `json:"limit,omitempty" jsonschema:"messages per page (default 20; 0: none)"`
	Offset             int  `json:"offset,omitempty"`
	TransactionsLimit  *int `json:"transactions_limit,omitempty" jsonschema:"transactions per page (default 20)"`
	TransactionsOffset int  `json:"transactions_offset,omitempty"`

	Domain    string `json:"domain,omitempty" jsonschema:"question name contains this (any case)"`
	QType     string `json:"qtype,omitempty" jsonschema:"A, AAAA, TXT, ... or a number"`
	RCode     string `json:"rcode,omitempty" jsonschema:"NOERROR, NXDOMAIN, ... or a number"`
	ClientIP  string `json:"client_ip,omitempty" jsonschema:"the querying host"`
	ServerIP  string `json:"server_ip,omitempty" jsonschema:"the answering host"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds for this call (see
	// detectors.go), filled by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_dns_packets. The keys mcpcap returns keep
// their names and meaning; the rest are additions. Keys come summary
// first: identity and totals, notes and warnings, statistics, anomalies,
// top lists and servers, then the paged lists, then the filters and
// thresholds echoed.
type Output struct {
	File               string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPacketsInFile int      `json:"total_packets_in_file" jsonschema:"frames in the capture"`
	DNSPacketsFound    int      `json:"dns_packets_found" jsonschema:"DNS, mDNS and LLMNR messages found (a TCP segment can carry several)"`
	DNSPacketsAnalyzed int      `json:"dns_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note               string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message            string   `json:"message,omitempty" jsonschema:"set when the capture holds no DNS"`
	Warnings           []string `json:"warnings" jsonschema:"what limited the analysis: a damaged capture, state evicted under the state budget (--max-state-bytes), lists cut to keep the response small"`

	Statistics Statistics       `json:"statistics"`
	Anomalies  []result.Finding `json:"anomalies" jsonschema:"findings over the whole capture, most severe first"`

	Top          TopLists `json:"top" jsonschema:"top names, registered domains, clients, servers and query types"`
	Servers      []Server `json:"servers" jsonschema:"DNS servers, busiest first (first 50)"`
	ServersTotal int      `json:"servers_total"`

	Packets      []Packet      `json:"packets" jsonschema:"DNS messages that match the filters, paged by limit/offset"`
	PacketsPage  result.Page   `json:"packets_page"`
	Transactions []Transaction `json:"transactions" jsonschema:"queries with their responses (id, 5-tuple and question), paged by transactions_limit/offset"`
	TxPage       result.Page   `json:"transactions_page"`

	Filters    Filters             `json:"filters"`
	Thresholds analyzer.Thresholds `json:"thresholds" jsonschema:"anomaly thresholds in effect"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	Queries              int      `json:"queries" jsonschema:"messages with QR=0"`
	Responses            int      `json:"responses" jsonschema:"messages with QR=1"`
	UniqueDomainsQueried int      `json:"unique_domains_queried" jsonschema:"distinct question names (case-insensitive)"`
	UniqueDomains        []string `json:"unique_domains" jsonschema:"distinct question names in order of appearance (first 50)"`

	ByService        map[string]int  `json:"by_service" jsonschema:"messages per service: DNS, MDNS, LLMNR"`
	ByTransport      map[string]int  `json:"by_transport" jsonschema:"messages per transport: UDP, TCP"`
	RcodeCounts      map[string]int  `json:"rcode_counts" jsonschema:"responses per response code (the 16 most frequent; the rest under other)"`
	OpcodeCounts     map[string]int  `json:"opcode_counts"`
	QTypeCounts      map[string]int  `json:"qtype_counts" jsonschema:"queries per question type (the 16 most frequent; the rest under other)"`
	Answered         int             `json:"answered" jsonschema:"unicast queries matched to a response"`
	Unanswered       int             `json:"unanswered" jsonschema:"unicast queries with no response within the timeout"`
	Retransmissions  int             `json:"retransmissions" jsonschema:"queries repeated for the same question by the same client to the same server while unanswered"`
	Unsolicited      int             `json:"unsolicited_responses" jsonschema:"unicast responses with no query seen"`
	TruncatedReplies int             `json:"truncated_responses" jsonschema:"responses with the TC bit (the client should retry over TCP)"`
	ResponseTimeMs   *result.Latency `json:"response_time_ms" jsonschema:"response times of answered queries; null when none"`
	Malformed        int             `json:"malformed" jsonschema:"messages that could not be fully decoded"`
	InICMPErrors     int             `json:"in_icmp_errors" jsonschema:"DNS messages quoted inside ICMP errors (counted in dns_packets_found, not in queries/responses)"`
	NonStandardPort  int             `json:"non_standard_port" jsonschema:"DNS messages on UDP ports other than 53, 5353 and 5355"`
}

// Flags are the header flags.
type Flags struct {
	IsResponse         bool `json:"is_response" jsonschema:"QR"`
	Authoritative      bool `json:"authoritative" jsonschema:"AA"`
	Truncated          bool `json:"truncated" jsonschema:"TC"`
	RecursionDesired   bool `json:"recursion_desired" jsonschema:"RD"`
	RecursionAvailable bool `json:"recursion_available" jsonschema:"RA"`
	AuthenticatedData  bool `json:"authenticated_data" jsonschema:"AD"`
	CheckingDisabled   bool `json:"checking_disabled" jsonschema:"CD"`
}

// Question is one question.
type Question struct {
	Name            string `json:"name" jsonschema:"query name, no trailing dot; . is the root"`
	Type            int    `json:"type"`
	TypeName        string `json:"type_name"`
	Class           int    `json:"class"`
	ClassName       string `json:"class_name"`
	UnicastResponse bool   `json:"unicast_response,omitempty" jsonschema:"mDNS QU bit"`
}

// RR is one resource record. Address, CNAME and MX carry mcpcap's keys for
// those types; Data is the record in presentation form for every type;
// RData is the decoded record for structured types.
type RR struct {
	Name       string `json:"name"`
	Type       int    `json:"type"`
	TypeName   string `json:"type_name"`
	Class      int    `json:"class"`
	ClassName  string `json:"class_name"`
	TTL        uint32 `json:"ttl"`
	CacheFlush bool   `json:"cache_flush,omitempty" jsonschema:"mDNS cache-flush bit"`
	Address    string `json:"address,omitempty" jsonschema:"A and AAAA"`
	CNAME      string `json:"cname,omitempty"`
	MX         string `json:"mx,omitempty" jsonschema:"the exchange of an MX record"`
	Data       string `json:"data" jsonschema:"the record data in presentation form (DNSSEC keys and signatures summarised)"`
	RData      any    `json:"rdata,omitempty" jsonschema:"decoded fields of SOA, SRV, MX, CAA, SVCB/HTTPS, DS, DNSKEY, RRSIG, NAPTR records"`
}

// EDNS is the OPT pseudo-record (RFC 6891).
type EDNS struct {
	UDPSize        int          `json:"udp_size" jsonschema:"advertised UDP payload size"`
	Version        int          `json:"version"`
	DO             bool         `json:"do" jsonschema:"DNSSEC OK"`
	ExtendedRcode  int          `json:"extended_rcode" jsonschema:"upper 8 bits of the response code"`
	Options        []EDNSOption `json:"options" jsonschema:"the first 16"`
	OptionsOmitted int          `json:"options_omitted,omitempty" jsonschema:"options past the first 16"`
	ClientSubnet   string       `json:"client_subnet,omitempty" jsonschema:"ECS source prefix, e.g. 192.0.2.0/24"`
	ClientCookie   string       `json:"client_cookie,omitempty"`
	ServerCookie   string       `json:"server_cookie,omitempty"`
	ExtendedError  *int         `json:"extended_error,omitempty" jsonschema:"RFC 8914 info code"`
	ExtendedReason string       `json:"extended_error_text,omitempty"`
}

// EDNSOption is one EDNS option.
type EDNSOption struct {
	Code int    `json:"code"`
	Name string `json:"name"`
	Hex  string `json:"hex"`
}

// Packet is one DNS message.
type Packet struct {
	PacketNumber    int        `json:"packet_number" jsonschema:"frame number in the capture (for DNS over TCP, the frame that completed the message)"`
	Timestamp       string     `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SourceIP        string     `json:"source_ip"`
	DestinationIP   string     `json:"destination_ip"`
	SourcePort      int        `json:"source_port"`
	DestinationPort int        `json:"destination_port"`
	Protocol        string     `json:"protocol" jsonschema:"UDP or TCP"`
	Service         string     `json:"service" jsonschema:"DNS, MDNS (port 5353) or LLMNR (port 5355)"`
	DNSID           int        `json:"dns_id"`
	Flags           Flags      `json:"flags"`
	Opcode          int        `json:"opcode"`
	OpcodeName      string     `json:"opcode_name"`
	Rcode           *int       `json:"rcode,omitempty" jsonschema:"response code, with the EDNS extension when present; responses only (a query has none)"`
	RcodeName       string     `json:"rcode_name,omitempty" jsonschema:"responses only"`
	Counts          [4]int     `json:"counts" jsonschema:"header counts: questions, answers, authority, additional"`
	Questions       []Question `json:"questions" jsonschema:"the first 10"`
	Answers         []RR       `json:"answers" jsonschema:"the first 10 (fewer when the response would pass 32 KiB)"`
	Authorities     []RR       `json:"authorities" jsonschema:"the first 10 (fewer when the response would pass 32 KiB)"`
	Additionals     []RR       `json:"additionals" jsonschema:"the first 10, OPT excluded (fewer when the response would pass 32 KiB)"`
	// Omitted counts the records of each section left out of the lists
	// above: questions, answers, authorities, additionals.
	Omitted         *[4]int  `json:"omitted,omitempty" jsonschema:"records decoded but not listed, per section (questions, answers, authorities, additionals); absent when none"`
	EDNS            *EDNS    `json:"edns,omitempty"`
	Summary         string   `json:"summary" jsonschema:"one line, like Wireshark's Info column"`
	Size            int      `json:"size" jsonschema:"DNS message length in bytes"`
	ResponseTimeMs  *float64 `json:"response_time_ms,omitempty" jsonschema:"for a response: time since its query"`
	QueryPacket     *int     `json:"query_packet,omitempty" jsonschema:"for a response: frame of its query"`
	InICMPError     bool     `json:"in_icmp_error,omitempty" jsonschema:"quoted inside an ICMP error"`
	NonStandardPort bool     `json:"non_standard_port,omitempty"`
	Malformed       string   `json:"malformed,omitempty" jsonschema:"why the message could not be fully decoded"`
}

// Transaction is one query and its response.
type Transaction struct {
	Client          string   `json:"client" jsonschema:"ip:port"`
	Server          string   `json:"server" jsonschema:"ip:port"`
	Protocol        string   `json:"protocol"`
	DNSID           int      `json:"dns_id"`
	Name            string   `json:"name"`
	QType           string   `json:"qtype"`
	QueryPacket     int      `json:"query_packet"`
	QueryTime       string   `json:"query_time"`
	ResponsePacket  *int     `json:"response_packet"`
	ResponseTimeMs  *float64 `json:"response_time_ms" jsonschema:"from the latest transmission of the query to the response (Wireshark's dns.time)"`
	WaitMs          *float64 `json:"wait_ms,omitempty" jsonschema:"for a retransmitted query: from its first transmission to the response, what the client waited"`
	Rcode           string   `json:"rcode,omitempty"`
	Answers         int      `json:"answers"`
	Status          string   `json:"status" jsonschema:"answered, unanswered, or pending (capture ended within the timeout)"`
	Retransmissions int      `json:"retransmissions" jsonschema:"repeats of this query before the response"`
}

// Server is one DNS server.
type Server struct {
	Server         string          `json:"server" jsonschema:"address"`
	Queries        int             `json:"queries"`
	Answered       int             `json:"answered"`
	Unanswered     int             `json:"unanswered"`
	AnswerRate     float64         `json:"answer_rate" jsonschema:"answered / (answered + unanswered)"`
	RcodeCounts    map[string]int  `json:"rcode_counts" jsonschema:"the 16 most frequent response codes; the rest under other"`
	ResponseTimeMs *result.Latency `json:"response_time_ms" jsonschema:"median and p95 from a sample of 512 per server; count, min, max exact"`
	Clients        int             `json:"clients" jsonschema:"distinct clients"`
	ClientsCapped  bool            `json:"clients_capped,omitempty" jsonschema:"true when the state budget stopped tracking new clients: clients is a lower bound"`
}

// TopLists are bounded top-N lists with their totals.
type TopLists struct {
	Names             result.TopList `json:"domains" jsonschema:"question names"`
	RegisteredDomains result.TopList `json:"registered_domains" jsonschema:"registered domains (eTLD+1, public suffix list)"`
	Clients           result.TopList `json:"clients" jsonschema:"query sources"`
	Servers           result.TopList `json:"servers" jsonschema:"query destinations"`
	QTypes            result.TopList `json:"qtypes"`
}

// Filters echoes the filters applied.
type Filters struct {
	Domain    string `json:"domain,omitempty"`
	QType     string `json:"qtype,omitempty"`
	RCode     string `json:"rcode,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
	ServerIP  string `json:"server_ip,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
