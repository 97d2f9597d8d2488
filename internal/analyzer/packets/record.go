package packets

import "github.com/mcpacket/mcpacket/internal/result"

// GetInput is get_packets' input.
type GetInput struct {
	PcapFile string `json:"pcap_file" jsonschema:"capture path or URL"`
	Frames   string `json:"frames,omitempty" jsonschema:"e.g. 12,40,100-120"`
	Filter   string `json:"filter,omitempty" jsonschema:"display filter, e.g. ip.addr == 10.0.0.0/8 && tcp.port == 443"`
	Offset   int    `json:"offset,omitempty" jsonschema:"frames to skip"`
	Limit    *int   `json:"limit,omitempty" jsonschema:"default 50, max 1000, 0 = count only"`
	Detail   bool   `json:"detail,omitempty" jsonschema:"add layers and fields"`
	Hex      bool   `json:"hex,omitempty" jsonschema:"add hex dump (512 bytes)"`
}

// GetOutput is get_packets' result.
type GetOutput struct {
	File        string      `json:"file" jsonschema:"the capture"`
	FramesRead  int         `json:"frames_read" jsonschema:"frames in the capture"`
	Matched     int         `json:"matched" jsonschema:"frames selected by frames and filter"`
	Note        string      `json:"note,omitempty" jsonschema:"how to read the result"`
	Warnings    []string    `json:"warnings" jsonschema:"problems reading the capture, bounds reached"`
	Packets     []Packet    `json:"packets" jsonschema:"selected frames in file order"`
	PacketsPage result.Page `json:"packets_page" jsonschema:"paging of packets"`
	Filter      string      `json:"filter,omitempty" jsonschema:"the filter applied"`
	Frames      string      `json:"frames,omitempty" jsonschema:"the frame selection applied"`
}

// Packet is one frame.
type Packet struct {
	Number         int      `json:"packet_number" jsonschema:"frame number (1-based, as Wireshark numbers)"`
	Time           string   `json:"time" jsonschema:"capture time, RFC 3339 UTC"`
	RelativeSecond float64  `json:"time_relative_seconds" jsonschema:"seconds since the first frame"`
	Length         int      `json:"length" jsonschema:"bytes on the wire"`
	CapturedLength int      `json:"captured_length" jsonschema:"bytes captured"`
	Interface      int      `json:"interface" jsonschema:"interface index"`
	Protocols      string   `json:"protocols" jsonschema:"protocol stack, as frame.protocols"`
	Source         string   `json:"source,omitempty" jsonschema:"source address"`
	Destination    string   `json:"destination,omitempty" jsonschema:"destination address"`
	Protocol       string   `json:"protocol" jsonschema:"top protocol"`
	Info           string   `json:"info" jsonschema:"one-line summary, like Wireshark's Info column (untrusted text)"`
	Layers         []Layer  `json:"layers,omitempty" jsonschema:"layers with Wireshark field names (detail)"`
	Hex            []string `json:"hex,omitempty" jsonschema:"hex+ASCII dump lines (hex)"`
}

// Layer is one protocol layer of a frame.
type Layer struct {
	Name   string  `json:"name" jsonschema:"protocol filter name"`
	Fields []Field `json:"fields" jsonschema:"fields in header order"`
}

// Field is one field of a layer.
type Field struct {
	Name  string `json:"name" jsonschema:"Wireshark field name"`
	Value string `json:"value" jsonschema:"value as text (untrusted when from the payload)"`
}

// FollowInput is follow_stream's input.
type FollowInput struct {
	PcapFile  string `json:"pcap_file" jsonschema:"capture path or URL"`
	TCPStream *int   `json:"tcp_stream,omitempty" jsonschema:"tcp.stream (default: the first conversation)"`
	UDPStream *int   `json:"udp_stream,omitempty" jsonschema:"udp.stream"`
	Client    string `json:"client,omitempty" jsonschema:"or client ip:port"`
	Server    string `json:"server,omitempty" jsonschema:"and server ip:port"`
	Protocol  string `json:"protocol,omitempty" jsonschema:"tcp (default) or udp"`
	Offset    int    `json:"offset,omitempty" jsonschema:"byte offset"`
	MaxBytes  int    `json:"max_bytes,omitempty" jsonschema:"default 8192"`
	Format    string `json:"format,omitempty" jsonschema:"text, hex or base64"`
	Reveal    bool   `json:"reveal_secrets,omitempty" jsonschema:"no redaction"`
}

// FollowOutput is follow_stream's result.
type FollowOutput struct {
	File        string   `json:"file" jsonschema:"the capture"`
	Protocol    string   `json:"protocol" jsonschema:"tcp or udp"`
	Stream      int      `json:"stream" jsonschema:"tcp.stream or udp.stream"`
	Client      string   `json:"client" jsonschema:"the side that sent first (ip:port)"`
	Server      string   `json:"server" jsonschema:"the other side"`
	ClientBytes int64    `json:"client_bytes" jsonschema:"payload bytes client to server"`
	ServerBytes int64    `json:"server_bytes" jsonschema:"payload bytes server to client"`
	TotalBytes  int64    `json:"total_bytes" jsonschema:"both directions"`
	Gaps        int      `json:"gaps" jsonschema:"holes where segments were not captured"`
	Redacted    int      `json:"redacted" jsonschema:"secrets replaced by [redacted]"`
	Note        string   `json:"note" jsonschema:"how to read the payload"`
	Warnings    []string `json:"warnings" jsonschema:"problems reading the capture, bounds reached"`
	Chunks      []Chunk  `json:"chunks" jsonschema:"payload in order, by direction"`
	Offset      int64    `json:"offset" jsonschema:"byte offset of the first chunk"`
	Returned    int      `json:"returned_bytes" jsonschema:"payload bytes in chunks"`
	NextOffset  *int64   `json:"next_offset,omitempty" jsonschema:"offset for the next page; absent at the end"`
	Format      string   `json:"format" jsonschema:"text, hex or base64"`
}

// Chunk is a run of payload in one direction.
type Chunk struct {
	Direction string `json:"direction" jsonschema:"client_to_server or server_to_client"`
	Frame     int    `json:"frame" jsonschema:"first frame carrying these bytes"`
	Offset    int64  `json:"offset" jsonschema:"byte offset"`
	Bytes     int    `json:"bytes" jsonschema:"payload bytes"`
	Gap       int    `json:"gap_before,omitempty" jsonschema:"bytes lost before this chunk"`
	Data      string `json:"data" jsonschema:"payload (untrusted data)"`
}

// ExportInput is export_packets' input.
type ExportInput struct {
	PcapFile   string `json:"pcap_file" jsonschema:"capture path or URL"`
	Filter     string `json:"filter,omitempty" jsonschema:"display filter"`
	Frames     string `json:"frames,omitempty" jsonschema:"e.g. 12,40,100-120"`
	OutputName string `json:"output_name,omitempty" jsonschema:"new file name (default <capture>-export.pcapng)"`
	Format     string `json:"format,omitempty" jsonschema:"pcapng (default) or pcap"`
}

// ExportOutput is export_packets' result.
type ExportOutput struct {
	Path       string   `json:"path" jsonschema:"file written"`
	Packets    int      `json:"packets" jsonschema:"frames written"`
	Bytes      int64    `json:"bytes" jsonschema:"file size"`
	SHA256     string   `json:"sha256" jsonschema:"SHA-256 of the file"`
	Format     string   `json:"format" jsonschema:"pcapng or pcap"`
	FramesRead int      `json:"frames_read" jsonschema:"frames in the capture"`
	Warnings   []string `json:"warnings" jsonschema:"problems reading the capture"`
	Filter     string   `json:"filter,omitempty" jsonschema:"the filter applied"`
}
