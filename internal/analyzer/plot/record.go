package plot

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of plot_traffic.
type Input struct {
	PcapFile  string `json:"pcap_file" jsonschema:"path or http(s) URL"`
	Chart     string `json:"chart,omitempty" jsonschema:"timeline (default), protocols, conversations, latency or tcp_sequence"`
	Width     int    `json:"width,omitempty" jsonschema:"pixels (default 1000)"`
	Height    int    `json:"height,omitempty" jsonschema:"pixels (default 600)"`
	Format    string `json:"format,omitempty" jsonschema:"png (default) or svg"`
	Buckets   int    `json:"buckets,omitempty" jsonschema:"timeline, latency: time buckets (default 60)"`
	Top       int    `json:"top,omitempty" jsonschema:"timeline: protocols stacked (default 6); protocols: bars (default 20); conversations: rows (default 10)"`
	ConvType  string `json:"conversation_type,omitempty" jsonschema:"conversations: ip (default; ipv4 and ipv6), eth, ipv4, ipv6, tcp or udp"`
	TCPStream *int   `json:"tcp_stream,omitempty" jsonschema:"tcp_sequence: the stream, as Wireshark's tcp.stream"`
	Limit     int    `json:"limit,omitempty" jsonschema:"tcp_sequence: segments listed in the JSON (default 100, at most 5000)"`
	Offset    int    `json:"offset,omitempty"`
}

// Output is the result of plot_traffic: the chart's series as JSON, the
// picture beside it (Images).
type Output struct {
	File  string `json:"file" jsonschema:"the capture reference as given"`
	Chart string `json:"chart"`
	// Summary says what the picture shows, for a reader without it.
	Summary []string `json:"summary" jsonschema:"what the chart shows, in a few sentences"`
	Image   Image    `json:"image" jsonschema:"the picture sent beside this JSON"`

	Timeline      *Timeline      `json:"timeline,omitempty" jsonschema:"chart timeline: the overview's time profile"`
	Protocols     *Protocols     `json:"protocols,omitempty" jsonschema:"chart protocols: the overview's protocol hierarchy"`
	Conversations *Conversations `json:"conversations,omitempty" jsonschema:"chart conversations: the overview's conversation tables"`
	Latency       *Latency       `json:"latency,omitempty" jsonschema:"chart latency: the modules' response times"`
	TCPSequence   *TCPSequence   `json:"tcp_sequence,omitempty" jsonschema:"chart tcp_sequence: one stream's segments"`

	Warnings []string `json:"warnings" jsonschema:"problems reading the capture"`

	images []analyzer.Image
}

var _ analyzer.Imager = (*Output)(nil)

// Images returns the chart.
func (o *Output) Images() []analyzer.Image { return o.images }

// Image describes the picture.
type Image struct {
	MIMEType string `json:"mime_type" jsonschema:"image/png or image/svg+xml"`
	Width    int    `json:"width" jsonschema:"pixels"`
	Height   int    `json:"height" jsonschema:"pixels"`
	Bytes    int    `json:"bytes" jsonschema:"size of the encoded picture"`
}

// Timeline is packets and bytes per time bucket, the packets stacked by
// innermost protocol: the overview's time_profile.
type Timeline struct {
	StartTime     string   `json:"start_time" jsonschema:"start of the first bucket, RFC 3339 UTC"`
	BucketSeconds float64  `json:"bucket_seconds" jsonschema:"width of each bucket"`
	Packets       []uint64 `json:"packets" jsonschema:"frames per bucket"`
	Bytes         []uint64 `json:"bytes" jsonschema:"bytes per bucket"`
	Stacks        []Stack  `json:"stacks" jsonschema:"frames per bucket of the top innermost protocols, then other; they add up to packets"`
	Busiest       *Busiest `json:"busiest,omitempty" jsonschema:"the bucket with the most frames"`
}

// Stack is one protocol's layer of the timeline.
type Stack struct {
	Protocol string   `json:"protocol" jsonschema:"innermost protocol, or other"`
	Frames   uint64   `json:"frames" jsonschema:"its frames in all"`
	Packets  []uint64 `json:"packets" jsonschema:"its frames per bucket"`
}

// Busiest is the bucket with the most frames.
type Busiest struct {
	Index   int    `json:"index"`
	Start   string `json:"start_time"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Protocols is the protocol hierarchy as bars.
type Protocols struct {
	Frames uint64      `json:"frames" jsonschema:"frames in the capture (the root's 100%)"`
	Nodes  []Node      `json:"nodes" jsonschema:"hierarchy nodes drawn, depth first as tshark -z io,phs lists them"`
	Page   result.Page `json:"page" jsonschema:"nodes drawn of all the hierarchy's nodes"`
}

// Node is one node of the hierarchy.
type Node struct {
	Path   string  `json:"path" jsonschema:"slash-separated path (eth/ip/udp/dns)"`
	Frames uint64  `json:"frames"`
	Bytes  uint64  `json:"bytes"`
	Pct    float64 `json:"frames_pct" jsonschema:"share of the capture's frames"`
}

// Conversations is the top talkers.
type Conversations struct {
	Type  string         `json:"type" jsonschema:"ip (ipv4 and ipv6), eth, ipv4, ipv6, tcp or udp"`
	Total int            `json:"total" jsonschema:"conversations of the type in the capture"`
	Bytes uint64         `json:"bytes" jsonschema:"bytes in all of them"`
	Rows  []Conversation `json:"rows" jsonschema:"the conversations drawn, most bytes first"`
}

// Conversation is one bar: a conversation's bytes each way.
type Conversation struct {
	Label     string `json:"label" jsonschema:"A <-> B, with ports for tcp and udp"`
	Type      string `json:"type"`
	BytesAToB uint64 `json:"bytes_a_to_b"`
	BytesBToA uint64 `json:"bytes_b_to_a"`
	Frames    uint64 `json:"frames"`
	Bytes     uint64 `json:"bytes"`
}

// Latency is response times over time.
type Latency struct {
	BucketSeconds float64         `json:"bucket_seconds" jsonschema:"width of each bucket of the series"`
	StartTime     string          `json:"start_time" jsonschema:"start of the first bucket, the capture's first frame, RFC 3339 UTC"`
	Series        []LatencySeries `json:"series" jsonschema:"one per kind of response time with values"`
}

// LatencySeries is one kind of response time.
type LatencySeries struct {
	Name    string          `json:"name" jsonschema:"dns response, dhcp discover to offer, dhcp request to ack, tcp handshake rtt, http response"`
	Module  string          `json:"module" jsonschema:"the module that measured it"`
	Summary *result.Latency `json:"summary_ms" jsonschema:"the module's own summary of it, in milliseconds"`
	Points  int             `json:"points" jsonschema:"sampled values drawn (the module's sample)"`
	Buckets []LatencyBucket `json:"buckets" jsonschema:"per time bucket with values: the median drawn as a line"`
}

// LatencyBucket is one time bucket of a latency series.
type LatencyBucket struct {
	Index    int     `json:"index"`
	Count    int     `json:"count" jsonschema:"sampled values in it"`
	MedianMs float64 `json:"median_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// TCPSequence is one TCP stream's segments over time, as Wireshark's
// Stevens graph draws them.
type TCPSequence struct {
	Stream     int         `json:"stream" jsonschema:"tcp.stream"`
	Client     string      `json:"client" jsonschema:"address:port that sent the stream's first segment (A)"`
	Server     string      `json:"server" jsonschema:"the other side (B)"`
	StartTime  string      `json:"start_time" jsonschema:"the stream's first segment, RFC 3339 UTC"`
	Segments   [2]int      `json:"segments" jsonschema:"segments A to B, B to A"`
	Bytes      [2]uint64   `json:"bytes" jsonschema:"payload bytes A to B, B to A (tcp.len summed)"`
	Retrans    [2]int      `json:"retransmissions" jsonschema:"segments flagged tcp.analysis.retransmission, A to B, B to A"`
	Points     []SeqPoint  `json:"points" jsonschema:"segments drawn, in frame order"`
	PointsPage result.Page `json:"points_page"`
}

// SeqPoint is one segment.
type SeqPoint struct {
	Frame      int     `json:"frame"`
	RelSeconds float64 `json:"rel_seconds" jsonschema:"seconds after the stream's first segment"`
	Dir        string  `json:"dir" jsonschema:"a_to_b or b_to_a"`
	Seq        uint32  `json:"seq" jsonschema:"relative sequence number (tcp.seq)"`
	Len        uint32  `json:"len" jsonschema:"payload bytes (tcp.len)"`
	Retrans    bool    `json:"retransmission,omitempty"`
}
