package http

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_http_transactions.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit       *int `json:"limit,omitempty" jsonschema:"transactions per page (default 20; 0: none)"`
	Offset      int  `json:"offset,omitempty"`
	FilesLimit  *int `json:"files_limit,omitempty" jsonschema:"files per page (default 20; 0: none)"`
	FilesOffset int  `json:"files_offset,omitempty"`
	Headers     bool `json:"headers,omitempty" jsonschema:"list every header field of each transaction, in order"`

	Host        string `json:"host,omitempty" jsonschema:"Host or :authority contains this (any case)"`
	URI         string `json:"uri,omitempty" jsonschema:"request target contains this"`
	Method      string `json:"method,omitempty" jsonschema:"GET, POST, ... (exact, any case)"`
	Status      string `json:"status,omitempty" jsonschema:"a status code (404) or class (4xx)"`
	ClientIP    string `json:"client_ip,omitempty" jsonschema:"the requesting host"`
	ServerIP    string `json:"server_ip,omitempty" jsonschema:"the answering host"`
	ContentType string `json:"content_type,omitempty" jsonschema:"request or response Content-Type contains this (any case)"`
	StartTime   string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime     string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	RevealSecrets bool `json:"reveal_secrets,omitempty" jsonschema:"show passwords and tokens found in cleartext instead of redacting them"`

	// Thresholds are the detectors' thresholds for this call (see
	// detectors.go), filled by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_http_transactions: summary and findings
// first, then aggregates, then the paged lists, then the filters and
// thresholds echoed.
type Output struct {
	File               string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPacketsInFile int      `json:"total_packets_in_file" jsonschema:"frames in the capture"`
	Message            string   `json:"message,omitempty" jsonschema:"set when the capture holds no HTTP"`
	Warnings           []string `json:"warnings" jsonschema:"what limited the analysis: a damaged capture, state evicted under the state budget, lists cut to keep the response small"`

	Summary   Summary          `json:"summary"`
	Anomalies []result.Finding `json:"anomalies" jsonschema:"findings over the whole capture, most severe first"`

	Top Top `json:"top" jsonschema:"aggregates over the whole capture"`

	Transactions []Transaction `json:"transactions" jsonschema:"requests with their responses, in order of completion, filtered, paged by limit/offset"`
	TxPage       result.Page   `json:"transactions_page"`
	Files        []File        `json:"files" jsonschema:"bodies transferred (responses and uploads), filtered as the transactions, paged by files_limit/files_offset"`
	FilesPage    result.Page   `json:"files_page"`

	Filters    Filters             `json:"filters"`
	Thresholds analyzer.Thresholds `json:"thresholds" jsonschema:"anomaly thresholds in effect"`
}

// Summary covers the whole capture, whatever the filters and paging.
type Summary struct {
	Connections      int             `json:"connections" jsonschema:"TCP connections carrying HTTP/1.x or HTTP/2"`
	H2Connections    int             `json:"h2_connections" jsonschema:"of which HTTP/2 cleartext (prior knowledge or Upgrade: h2c)"`
	Requests         int             `json:"requests"`
	Responses        int             `json:"responses" jsonschema:"final responses (1xx interim responses not counted)"`
	Transactions     int             `json:"transactions" jsonschema:"requests and responses paired, or left alone"`
	Unanswered       int             `json:"unanswered" jsonschema:"requests with no response seen"`
	Upgrades         map[string]int  `json:"upgrades" jsonschema:"protocol switches (101) by protocol: websocket, h2c, ..."`
	Files            int             `json:"files" jsonschema:"bodies transferred"`
	BytesRequest     int64           `json:"request_body_bytes"`
	BytesResponse    int64           `json:"response_body_bytes"`
	LatencyMs        *result.Latency `json:"latency_ms" jsonschema:"request sent to first response byte; null when none"`
	Malformed        int             `json:"malformed" jsonschema:"messages or bytes on HTTP connections that could not be parsed"`
	NonStandardPorts int             `json:"non_standard_port_transactions" jsonschema:"transactions on a server port other than 80, 8080, 8000, 3128"`
	GRPC             int             `json:"grpc_calls" jsonschema:"HTTP/2 streams with content-type application/grpc"`
	H2Resets         map[string]int  `json:"h2_resets,omitempty" jsonschema:"HTTP/2 RST_STREAM frames by error code"`
	H2GoAways        map[string]int  `json:"h2_goaways,omitempty" jsonschema:"HTTP/2 GOAWAY frames by error code"`
}

// Top are the aggregates.
type Top struct {
	Hosts          result.TopList `json:"hosts"`
	URIs           result.TopList `json:"uris" jsonschema:"request targets without their query"`
	Methods        result.TopList `json:"methods"`
	Statuses       result.TopList `json:"statuses"`
	UserAgents     result.TopList `json:"user_agents"`
	Servers        result.TopList `json:"servers" jsonschema:"Server header values"`
	ContentTypes   result.TopList `json:"content_types" jsonschema:"response Content-Type without parameters"`
	ClientsPerHost []HostClients  `json:"clients_per_host" jsonschema:"hosts by the number of distinct clients (first 10)"`
	GRPCMethods    result.TopList `json:"grpc_methods" jsonschema:"gRPC service/method"`
}

// HostClients is the number of distinct clients of a host.
type HostClients struct {
	Host    string `json:"host"`
	Clients int    `json:"clients"`
}

// Transaction is one request and its response.
type Transaction struct {
	Protocol  string `json:"protocol" jsonschema:"HTTP/1.0, HTTP/1.1 or HTTP/2"`
	Client    string `json:"client" jsonschema:"address:port"`
	Server    string `json:"server" jsonschema:"address:port"`
	StreamID  uint32 `json:"stream_id,omitempty" jsonschema:"HTTP/2 stream"`
	Method    string `json:"method,omitempty"`
	Host      string `json:"host,omitempty" jsonschema:"Host, or :authority"`
	URI       string `json:"uri,omitempty" jsonschema:"request target (path and query), or :path"`
	Scheme    string `json:"scheme,omitempty" jsonschema:"HTTP/2 :scheme"`
	Status    int    `json:"status,omitempty"`
	Reason    string `json:"reason,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Referer   string `json:"referer,omitempty"`
	ServerSW  string `json:"server_software,omitempty" jsonschema:"Server header"`

	RequestFrame  int    `json:"request_frame,omitempty" jsonschema:"frame that completed the request (where Wireshark shows it)"`
	ResponseFrame int    `json:"response_frame,omitempty" jsonschema:"frame that completed the response"`
	RequestTime   string `json:"request_time,omitempty"`
	// The frames that carried the HEADERS of an HTTP/2 stream.
	RequestHeadersFrame  int     `json:"request_headers_frame,omitempty" jsonschema:"HTTP/2: frame carrying the request HEADERS (or PUSH_PROMISE)"`
	ResponseHeadersFrame int     `json:"response_headers_frame,omitempty" jsonschema:"HTTP/2: frame carrying the response HEADERS"`
	LatencyMs            float64 `json:"latency_ms,omitempty" jsonschema:"request sent to first response byte"`

	Request  Side `json:"request"`
	Response Side `json:"response"`

	Interim  []Interim `json:"interim,omitempty" jsonschema:"1xx responses before the final one"`
	Upgrade  string    `json:"upgrade,omitempty" jsonschema:"protocol switched to (101): websocket, h2c, ..."`
	GRPC     *GRPC     `json:"grpc,omitempty"`
	Reset    string    `json:"reset,omitempty" jsonschema:"HTTP/2 RST_STREAM error code"`
	Problem  string    `json:"problem,omitempty" jsonschema:"what was wrong: malformed, cut, unanswered, response header not captured"`
	Complete bool      `json:"complete" jsonschema:"both messages seen whole"`
}

// Side is what one message of a transaction declared and carried.
type Side struct {
	ContentType      string   `json:"content_type,omitempty"`
	ContentLength    *int64   `json:"content_length,omitempty" jsonschema:"declared Content-Length"`
	ContentEncoding  string   `json:"content_encoding,omitempty"`
	TransferEncoding string   `json:"transfer_encoding,omitempty"`
	BodyBytes        int64    `json:"body_bytes" jsonschema:"body bytes carried (transfer coding removed, content coding kept)"`
	Headers          []string `json:"headers,omitempty" jsonschema:"every field line in order (with headers=true), secrets redacted"`

	disposition string // Content-Disposition, for the file's name
}

// Interim is one 1xx response.
type Interim struct {
	Status int `json:"status"`
	Frame  int `json:"frame"`
}

// GRPC is a gRPC call carried by an HTTP/2 stream.
type GRPC struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Status  *int   `json:"status,omitempty" jsonschema:"grpc-status"`
	Message string `json:"message,omitempty" jsonschema:"grpc-message"`
}

// File is one body transferred.
type File struct {
	Frame         int    `json:"frame" jsonschema:"frame that completed the message"`
	Direction     string `json:"direction" jsonschema:"download (response body) or upload (request body)"`
	Name          string `json:"name" jsonschema:"from Content-Disposition, else the last segment of the URI"`
	Host          string `json:"host,omitempty"`
	URI           string `json:"uri,omitempty"`
	Client        string `json:"client"`
	Server        string `json:"server"`
	DeclaredType  string `json:"declared_type,omitempty" jsonschema:"Content-Type"`
	SniffedType   string `json:"sniffed_type" jsonschema:"from the first bytes of the decoded body"`
	Size          int64  `json:"size" jsonschema:"bytes of the decoded body (of the body as sent when not decoded)"`
	WireSize      int64  `json:"wire_size" jsonschema:"bytes as sent (content coding kept)"`
	Encoding      string `json:"content_encoding,omitempty"`
	Decoded       bool   `json:"decoded,omitempty" jsonschema:"the content coding was removed before hashing"`
	DecodeProblem string `json:"decode_problem,omitempty"`
	Complete      bool   `json:"complete" jsonschema:"false when bytes were lost or the connection ended early"`
	SHA256        string `json:"sha256"`
	MD5           string `json:"md5"`
}

// Filters echoes the filters in effect.
type Filters struct {
	Host        string `json:"host,omitempty"`
	URI         string `json:"uri,omitempty"`
	Method      string `json:"method,omitempty"`
	Status      string `json:"status,omitempty"`
	ClientIP    string `json:"client_ip,omitempty"`
	ServerIP    string `json:"server_ip,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	StartTime   string `json:"start_time,omitempty"`
	EndTime     string `json:"end_time,omitempty"`
}
