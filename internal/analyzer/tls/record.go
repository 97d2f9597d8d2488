package tls

import (
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_tls_sessions.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit              *int `json:"limit,omitempty" jsonschema:"sessions per page (default 20; 0: none)"`
	Offset             int  `json:"offset,omitempty"`
	CertificatesLimit  *int `json:"certificates_limit,omitempty" jsonschema:"certificates per page (default 10)"`
	CertificatesOffset int  `json:"certificates_offset,omitempty"`
	ListCiphers        bool `json:"list_ciphers,omitempty" jsonschema:"list every cipher suite and extension each ClientHello offered"`

	SNI       string `json:"sni,omitempty" jsonschema:"server name contains this (any case)"`
	ServerIP  string `json:"server_ip,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
	JA3       string `json:"ja3,omitempty" jsonschema:"JA3 or JA3S hash"`
	JA4       string `json:"ja4,omitempty"`
	Version   string `json:"version,omitempty" jsonschema:"negotiated version: TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0, SSL 3.0, SSL 2.0, or none (no ServerHello)"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only sessions starting from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only sessions starting up to this time"`

	// Thresholds are the detectors' thresholds for this call (see
	// detectors.go), filled by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_tls_sessions: summary and findings
// first, then aggregates, then the paged sessions and certificates, then
// the filters and thresholds echoed.
type Output struct {
	File               string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPacketsInFile int      `json:"total_packets_in_file"`
	Message            string   `json:"message,omitempty" jsonschema:"set when the capture holds no TLS or QUIC"`
	Note               string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the sessions analysed"`
	Warnings           []string `json:"warnings" jsonschema:"what limited the analysis: state evicted under the state budget, lists cut to keep the response small"`

	Summary   Summary          `json:"summary"`
	Anomalies []result.Finding `json:"anomalies" jsonschema:"findings over the whole capture, most severe first"`

	Top          TopLists      `json:"top"`
	Fingerprints []Fingerprint `json:"fingerprints" jsonschema:"JA3/JA4 pairs with their sessions and clients, most sessions first (first 20)"`

	Sessions         []Session     `json:"sessions" jsonschema:"sessions that match the filters, in order of start, paged by limit/offset"`
	SessionsPage     result.Page   `json:"sessions_page"`
	Certificates     []Certificate `json:"certificates" jsonschema:"distinct certificates (by SHA-256) of the matching sessions, paged by certificates_limit/offset"`
	CertificatesPage result.Page   `json:"certificates_page"`

	Filters    Filters             `json:"filters"`
	Thresholds analyzer.Thresholds `json:"thresholds" jsonschema:"anomaly thresholds in effect"`
}

// Summary covers the whole capture, whatever the filters and paging.
type Summary struct {
	Sessions           int            `json:"sessions" jsonschema:"TLS-over-TCP connections and QUIC connections found"`
	TLSSessions        int            `json:"tls_sessions"`
	QUICSessions       int            `json:"quic_sessions"`
	Packets            int            `json:"packets" jsonschema:"frames of those sessions"`
	ClientHellos       int            `json:"client_hellos"`
	ServerHellos       int            `json:"server_hellos"`
	HelloRetryRequests int            `json:"hello_retry_requests"`
	Resumed            int            `json:"resumed" jsonschema:"sessions resumed (PSK accepted, or TLS <= 1.2 session id or ticket reused)"`
	Failed             int            `json:"failed_handshakes" jsonschema:"fatal alert before application data, or no ServerHello"`
	Versions           map[string]int `json:"versions" jsonschema:"sessions per negotiated version (none: no ServerHello)"`
	Ciphers            map[string]int `json:"cipher_suites" jsonschema:"sessions per selected cipher suite (the 16 most frequent)"`
	ALPN               map[string]int `json:"alpn" jsonschema:"sessions per selected ALPN (none: not negotiated)"`
	Certificates       int            `json:"certificates" jsonschema:"distinct certificates seen"`
	Malformed          int            `json:"malformed" jsonschema:"sessions with a record or message that did not decode"`
	QUICRetries        int            `json:"quic_retries"`
	QUICVersionNeg     int            `json:"quic_version_negotiations"`

	names map[connKey]string // the SNI of each session's connection, for FlowName
}

// FlowName returns the server name (SNI, escaped) the client of the TCP
// connection or QUIC flow between a and b asked for, in either order, or
// "": the hook by which the overview's flow table can show it (the
// summary is the module's brief in a shared pass).
func (s *Summary) FlowName(a, b netip.AddrPort) string {
	return s.names[keyOf(a, b)]
}

// TopLists are the aggregates.
type TopLists struct {
	SNI               result.TopList `json:"sni"`
	RegisteredDomains result.TopList `json:"registered_domains" jsonschema:"SNI reduced to its registered domain (public suffix list)"`
	Servers           result.TopList `json:"servers"`
	JA3               result.TopList `json:"ja3"`
	JA4               result.TopList `json:"ja4"`
}

// Fingerprint is one client fingerprint with the clients that sent it.
type Fingerprint struct {
	JA4          string   `json:"ja4"`
	JA3          string   `json:"ja3"`
	Sessions     int      `json:"sessions"`
	Clients      []string `json:"clients" jsonschema:"first 10"`
	ClientsTotal int      `json:"clients_total"`
	SNIExamples  []string `json:"sni_examples" jsonschema:"first 5 server names"`
}

// Session is one TLS or QUIC session.
type Session struct {
	ID          int    `json:"id"`
	Transport   string `json:"transport" jsonschema:"tls (over TCP) or quic"`
	Client      string `json:"client"`
	Server      string `json:"server"`
	FirstPacket int    `json:"first_packet"`
	Start       string `json:"start"`

	SNI          string   `json:"sni,omitempty"`
	ALPNOffered  []string `json:"alpn_offered,omitempty"`
	ALPN         string   `json:"alpn,omitempty" jsonschema:"selected by the server"`
	Versions     []string `json:"versions_offered,omitempty" jsonschema:"supported_versions, GREASE removed"`
	ClientHello  string   `json:"client_hello_version,omitempty" jsonschema:"legacy version of the ClientHello"`
	Version      string   `json:"version" jsonschema:"negotiated; none before a ServerHello"`
	CipherCount  int      `json:"ciphers_offered_count"`
	Ciphers      []string `json:"ciphers_offered,omitempty" jsonschema:"with list_ciphers"`
	Cipher       string   `json:"cipher,omitempty" jsonschema:"selected"`
	Groups       []string `json:"key_share_groups,omitempty" jsonschema:"key_share groups offered (server: selected first)"`
	SigAlgs      int      `json:"signature_algorithms_count,omitempty"`
	Extensions   []int    `json:"extensions,omitempty" jsonschema:"ClientHello extension types in order (with list_ciphers)"`
	Resumption   string   `json:"resumption,omitempty" jsonschema:"psk, ticket, session_id, or empty for a full handshake"`
	HRR          bool     `json:"hello_retry_request,omitempty"`
	JA3          string   `json:"ja3,omitempty"`
	JA3String    string   `json:"ja3_string,omitempty" jsonschema:"the string JA3 hashes (with list_ciphers)"`
	JA3S         string   `json:"ja3s,omitempty"`
	JA4          string   `json:"ja4,omitempty"`
	ClientHelloP int      `json:"client_hello_packet,omitempty"`
	ServerHelloP int      `json:"server_hello_packet,omitempty"`

	HandshakeMs  *float64 `json:"handshake_ms,omitempty" jsonschema:"ClientHello to ServerHello"`
	FirstDataMs  *float64 `json:"first_data_ms,omitempty" jsonschema:"ClientHello to the first application data record (TLS 1.3: the first encrypted record)"`
	BytesToSrv   int64    `json:"encrypted_bytes_to_server"`
	BytesToCli   int64    `json:"encrypted_bytes_to_client"`
	CCS          bool     `json:"change_cipher_spec,omitempty"`
	Finished     bool     `json:"finished_seen,omitempty" jsonschema:"an encrypted handshake record followed a ChangeCipherSpec"`
	Alerts       []Alert  `json:"alerts,omitempty"`
	Failure      string   `json:"failure,omitempty"`
	Certificates []string `json:"certificates,omitempty" jsonschema:"SHA-256 of the server's chain, leaf first"`
	ClientCerts  []string `json:"client_certificates,omitempty"`
	Malformed    string   `json:"malformed,omitempty"`

	QUICVersion   string `json:"quic_version,omitempty"`
	DCID          string `json:"dcid,omitempty"`
	SCID          string `json:"scid,omitempty"`
	Retry         bool   `json:"retry,omitempty"`
	VersionNeg    bool   `json:"version_negotiation,omitempty"`
	ShortToServer int    `json:"short_header_to_server,omitempty"`
	ShortToClient int    `json:"short_header_to_client,omitempty"`
}

// Alert is one alert record.
type Alert struct {
	Packet      int    `json:"packet"`
	From        string `json:"from" jsonschema:"client or server"`
	Level       string `json:"level" jsonschema:"warning, fatal, or encrypted"`
	Description string `json:"description,omitempty"`
}

// Certificate is one distinct certificate.
type Certificate struct {
	SHA256             string   `json:"sha256"`
	SubjectCN          string   `json:"subject_cn,omitempty"`
	Subject            string   `json:"subject,omitempty"`
	Issuer             string   `json:"issuer,omitempty"`
	Serial             string   `json:"serial,omitempty" jsonschema:"hex"`
	SANs               []string `json:"sans,omitempty" jsonschema:"DNS and IP subject alternative names (first 50 + 10)"`
	SANsTotal          int      `json:"sans_total,omitempty"`
	NotBefore          string   `json:"not_before,omitempty"`
	NotAfter           string   `json:"not_after,omitempty"`
	Validity           string   `json:"validity,omitempty" jsonschema:"valid, expired or not_yet_valid at the capture's last packet"`
	KeyType            string   `json:"key_type,omitempty"`
	KeyBits            int      `json:"key_bits,omitempty"`
	SignatureAlgorithm string   `json:"signature_algorithm,omitempty"`
	IsCA               bool     `json:"is_ca,omitempty"`
	SelfSigned         bool     `json:"self_signed,omitempty"`
	ClientCertificate  bool     `json:"client_certificate,omitempty"`
	ParseError         string   `json:"parse_error,omitempty"`
	FirstPacket        int      `json:"first_packet"`
	Sessions           []int    `json:"sessions" jsonschema:"ids of the sessions that sent it (first 20)"`
	SessionsTotal      int      `json:"sessions_total"`
}

// Filters echoes the filters in effect.
type Filters struct {
	SNI       string `json:"sni,omitempty"`
	ServerIP  string `json:"server_ip,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
	JA3       string `json:"ja3,omitempty"`
	JA4       string `json:"ja4,omitempty"`
	Version   string `json:"version,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
