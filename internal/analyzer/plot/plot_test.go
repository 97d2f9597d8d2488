package plot_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/dhcp"
	"github.com/mcpacket/mcpacket/internal/analyzer/dns"
	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/icmp"
	"github.com/mcpacket/mcpacket/internal/analyzer/overview"
	"github.com/mcpacket/mcpacket/internal/analyzer/plot"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// modules are the modules the tests run beside plot, as cmd/mcpacket
// wires them.
func modules() []analyzer.Module {
	return []analyzer.Module{dhcp.New(dhcp.Options{}), dns.New(dns.Options{}), http.New(http.Options{}), icmp.New(icmp.Options{}), tcp.New(tcp.Options{})}
}

// newPlot is the plot module as cmd/mcpacket builds it.
func newPlot() *plot.Module {
	return plot.New(plot.Options{
		Overview: overview.New(overview.Options{}).Tools()[0],
		Latency:  overview.Passers(modules()...),
		TCP:      tcp.NewAnnotator,
	})
}

// call runs a tool with JSON arguments and returns its output.
func call(t *testing.T, tool analyzer.Tool, args map[string]any) any {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tool.Call(t.Context(), pcaptest.Env(0), b)
	if err != nil {
		t.Fatalf("%s(%s): %v", tool.Name, b, err)
	}
	return out
}

// asJSON round-trips v into a value of type T.
func asJSON[T any](t *testing.T, v any) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func plotCall(t *testing.T, args map[string]any) *plot.Output {
	t.Helper()
	return call(t, newPlot().Tools()[0], args).(*plot.Output)
}

// overviewOut is the analyze_overview output, as a client reads it.
func overviewOut(t *testing.T, file string, args map[string]any) overview.Output {
	t.Helper()
	ov := overview.New(overview.Options{Modules: overview.Passers(modules()...)})
	a := map[string]any{"pcap_file": file}
	for k, v := range args {
		a[k] = v
	}
	return *call(t, ov.Tools()[0], a).(*overview.Output)
}

// checkPicture checks the output's one picture: a PNG of the asked size,
// not blank, described by the output's image key.
func checkPicture(t *testing.T, out *plot.Output, w, h int) {
	t.Helper()
	imgs := out.Images()
	if len(imgs) != 1 || imgs[0].MIMEType != "image/png" {
		t.Fatalf("images: %d, want one PNG", len(imgs))
	}
	pcaptest.CheckPNG(t, imgs[0].Data, w, h)
	if out.Image.Width != w || out.Image.Height != h || out.Image.Bytes != len(imgs[0].Data) || out.Image.MIMEType != "image/png" {
		t.Errorf("image = %+v", out.Image)
	}
	if b, _ := json.Marshal(out); len(b) > 32<<10 || !bytes.HasPrefix(b, []byte(`{"file":`)) {
		t.Errorf("JSON of %d bytes, want at most 32 KiB with the file first: %.80s", len(b), b)
	}
	if len(out.Summary) == 0 {
		t.Error("no summary")
	}
}

func TestTimeline(t *testing.T) {
	for _, name := range []string{"http-normal.pcap", "dns-normal.pcap"} {
		t.Run(name, func(t *testing.T) {
			file := pcaptest.GenFile(t, name)
			out := plotCall(t, map[string]any{"pcap_file": file, "chart": "timeline"})
			checkPicture(t, out, plot.DefaultWidth, plot.DefaultHeight)
			ov := overviewOut(t, file, nil)
			tl, tp := out.Timeline, ov.TimeProfile
			if tl == nil || !slices.Equal(tl.Packets, tp.Packets) || !slices.Equal(tl.Bytes, tp.Bytes) || tl.StartTime != tp.StartTime || tl.BucketSeconds != tp.BucketSeconds {
				t.Fatalf("timeline %+v\nwant the overview's time profile %+v", tl, tp)
			}
			if len(tl.Packets) < 10 {
				t.Errorf("%d buckets; the capture should fill most of 60", len(tl.Packets))
			}
			// The stacks add up to the packets of each bucket, and each
			// named one is the overview's count of that protocol.
			sum := make([]uint64, len(tl.Packets))
			for _, s := range tl.Stacks {
				for i, n := range s.Packets {
					sum[i] += n
				}
			}
			if !slices.Equal(sum, tl.Packets) {
				t.Errorf("stacks add up to %v, want %v", sum, tl.Packets)
			}
			if tp.Busiest == nil || tl.Busiest == nil || tl.Busiest.Packets != tp.Busiest.Packets || tl.Busiest.Index != tp.Busiest.Index {
				t.Errorf("busiest %+v, want %+v", tl.Busiest, tp.Busiest)
			}
			for _, s := range tl.Stacks {
				if s.Protocol == "other" {
					continue
				}
				for i, n := range s.Packets {
					if n > 0 && !slices.Contains(tp.TopProtocols[i], s.Protocol) && len(tp.TopProtocols[i]) < 3 {
						t.Errorf("bucket %d: %s has %d frames, but the overview's top protocols there are %v", i, s.Protocol, n, tp.TopProtocols[i])
					}
				}
			}
		})
	}
}

func TestProtocols(t *testing.T) {
	file := pcaptest.GenFile(t, "http-normal.pcap")
	out := plotCall(t, map[string]any{"pcap_file": file, "chart": "protocols", "width": 800, "height": 500})
	checkPicture(t, out, 800, 500)
	ov := overviewOut(t, file, map[string]any{"protocols_limit": 2000})
	frames := map[string]uint64{}
	for _, n := range ov.Protocols {
		frames[n.Path] = n.Frames
	}
	if out.Protocols == nil || len(out.Protocols.Nodes) < 3 {
		t.Fatalf("protocols = %+v", out.Protocols)
	}
	if out.Protocols.Frames != uint64(ov.Capture.Packets) {
		t.Errorf("frames %d, want %d", out.Protocols.Frames, ov.Capture.Packets)
	}
	for _, n := range out.Protocols.Nodes {
		if f, ok := frames[n.Path]; !ok || f != n.Frames {
			t.Errorf("node %s: %d frames, the overview has %d (%v)", n.Path, n.Frames, f, ok)
		}
	}
	if out.Protocols.Page.Total != len(ov.Protocols) {
		t.Errorf("page total %d, want %d nodes", out.Protocols.Page.Total, len(ov.Protocols))
	}
}

func TestConversations(t *testing.T) {
	for _, name := range []string{"tcp-normal.pcap", "dns-normal.pcap"} {
		t.Run(name, func(t *testing.T) {
			file := pcaptest.GenFile(t, name)
			out := plotCall(t, map[string]any{"pcap_file": file, "chart": "conversations", "conversation_type": "tcp", "top": 5})
			if name == "dns-normal.pcap" {
				out = plotCall(t, map[string]any{"pcap_file": file, "chart": "conversations"})
			}
			checkPicture(t, out, plot.DefaultWidth, plot.DefaultHeight)
			cv := out.Conversations
			ov := overviewOut(t, file, map[string]any{"conversations_limit": 10})
			var want []uint64
			var total int
			for _, tbl := range ov.Conversations {
				if tbl.Type == cv.Type || (cv.Type == "ip" && (tbl.Type == "ipv4" || tbl.Type == "ipv6")) {
					total += tbl.Total
					for _, c := range tbl.Items {
						want = append(want, c.Bytes)
					}
				}
			}
			slices.Sort(want)
			slices.Reverse(want)
			want = want[:min(len(want), len(cv.Rows))]
			var got []uint64
			for _, r := range cv.Rows {
				got = append(got, r.Bytes)
				if r.BytesAToB+r.BytesBToA != r.Bytes {
					t.Errorf("%s: %d + %d bytes != %d", r.Label, r.BytesAToB, r.BytesBToA, r.Bytes)
				}
			}
			if len(got) == 0 || !slices.Equal(got, want) || cv.Total != total {
				t.Errorf("rows' bytes %v of %d, want the overview's %v of %d", got, cv.Total, want, total)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	cases := []struct {
		gen    string
		series string
		tool   analyzer.Tool
		// summary picks the module's own summary of the series from its
		// tool's JSON.
		summary func(out map[string]json.RawMessage) json.RawMessage
	}{
		{"dns-normal.pcap", "dns response", dns.New(dns.Options{}).Tools()[0], func(o map[string]json.RawMessage) json.RawMessage {
			return field(t, o["statistics"], "response_time_ms")
		}},
		{"dhcp-normal-lan.pcap", "dhcp discover to offer", dhcp.New(dhcp.Options{}).Tools()[0], func(o map[string]json.RawMessage) json.RawMessage {
			return field(t, o["statistics"], "discover_to_offer_ms")
		}},
		{"dhcp-normal-lan.pcap", "dhcp request to ack", dhcp.New(dhcp.Options{}).Tools()[0], func(o map[string]json.RawMessage) json.RawMessage {
			return field(t, o["statistics"], "request_to_ack_ms")
		}},
		{"http-normal.pcap", "http response", http.New(http.Options{}).Tools()[0], func(o map[string]json.RawMessage) json.RawMessage {
			return field(t, o["summary"], "latency_ms")
		}},
	}
	for _, c := range cases {
		t.Run(c.series, func(t *testing.T) {
			file := pcaptest.GenFile(t, c.gen)
			out := plotCall(t, map[string]any{"pcap_file": file, "chart": "latency"})
			checkPicture(t, out, plot.DefaultWidth, plot.DefaultHeight)
			s := series(t, out, c.series)
			mod := asJSON[map[string]json.RawMessage](t, call(t, c.tool, map[string]any{"pcap_file": file}))
			want := asJSON[result.Latency](t, c.summary(mod))
			if want.Count == 0 || s.Summary.Count != want.Count || s.Summary.Min != want.Min || s.Summary.Median != want.Median || s.Summary.P95 != want.P95 || s.Summary.Max != want.Max {
				t.Errorf("%s = %+v, want the module's %+v", c.series, *s.Summary, want)
			}
			checkBuckets(t, s)
		})
	}
	t.Run("tcp handshake rtt", func(t *testing.T) {
		file := pcaptest.GenFile(t, "tcp-normal.pcap")
		out := plotCall(t, map[string]any{"pcap_file": file, "chart": "latency"})
		s := series(t, out, "tcp handshake rtt")
		conns := asJSON[struct {
			Connections []struct {
				RTT *float64 `json:"handshake_rtt_ms"`
			} `json:"connections"`
		}](t, call(t, tcp.New(tcp.Options{}).Tools()[0], map[string]any{"pcap_file": file, "limit": 1000}))
		var rtts []float64
		for _, c := range conns.Connections {
			if c.RTT != nil {
				rtts = append(rtts, *c.RTT)
			}
		}
		if len(rtts) == 0 || s.Summary.Count != len(rtts) || s.Summary.Min != slices.Min(rtts) || s.Summary.Max != slices.Max(rtts) {
			t.Errorf("handshake rtt %+v, want %d connections' rtts from %v to %v", *s.Summary, len(rtts), slices.Min(rtts), slices.Max(rtts))
		}
		checkBuckets(t, s)
	})
}

// checkBuckets checks that a series' buckets hold its whole sample, and
// that each median lies within the summary's range.
func checkBuckets(t *testing.T, s plot.LatencySeries) {
	t.Helper()
	n := 0
	for _, b := range s.Buckets {
		n += b.Count
		if b.MedianMs < math.Round(s.Summary.Min*1000)/1000-0.001 || b.MaxMs > math.Round(s.Summary.Max*1000)/1000+0.001 || b.MedianMs > b.MaxMs {
			t.Errorf("bucket %+v outside %+v", b, *s.Summary)
		}
	}
	if n != s.Points || s.Points != s.Summary.Count {
		t.Errorf("buckets hold %d values, points %d, want the %d measured (a sample under its cap is whole)", n, s.Points, s.Summary.Count)
	}
}

func series(t *testing.T, out *plot.Output, name string) plot.LatencySeries {
	t.Helper()
	if out.Latency == nil {
		t.Fatal("no latency series")
	}
	for _, s := range out.Latency.Series {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no series %q in %+v", name, out.Latency.Series)
	return plot.LatencySeries{}
}

func field(t *testing.T, obj json.RawMessage, name string) json.RawMessage {
	t.Helper()
	m := asJSON[map[string]json.RawMessage](t, obj)
	v, ok := m[name]
	if !ok {
		t.Fatalf("no %s in %s", name, obj)
	}
	return v
}

func TestTCPSequence(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-retransmissions.pcap")
	type conn struct {
		Stream  int    `json:"stream"`
		Packets int    `json:"packet_count"`
		Retrans int    `json:"retransmissions"`
		Client  string `json:"client"`
		Server  string `json:"server"`
	}
	conns := asJSON[struct {
		Connections []conn `json:"connections"`
	}](t, call(t, tcp.New(tcp.Options{}).Tools()[0], map[string]any{"pcap_file": file, "limit": 1000})).Connections
	if len(conns) == 0 {
		t.Fatal("no connections")
	}
	retrans := 0
	for _, c := range conns {
		out := plotCall(t, map[string]any{"pcap_file": file, "chart": "tcp_sequence", "tcp_stream": c.Stream, "limit": 5000})
		checkPicture(t, out, plot.DefaultWidth, plot.DefaultHeight)
		s := out.TCPSequence
		if s.Segments[0]+s.Segments[1] != c.Packets || s.Retrans[0]+s.Retrans[1] != c.Retrans || len(s.Points) != c.Packets {
			t.Errorf("stream %d: segments %v, retransmissions %v, %d points; the tcp module counts %d packets, %d retransmissions", c.Stream, s.Segments, s.Retrans, len(s.Points), c.Packets, c.Retrans)
		}
		if s.Client != c.Client || s.Server != c.Server {
			t.Errorf("stream %d: %s <-> %s, want %s <-> %s", c.Stream, s.Client, s.Server, c.Client, c.Server)
		}
		retrans += c.Retrans
	}
	if retrans == 0 {
		t.Error("no retransmission drawn; the capture has some")
	}
}

func TestSVG(t *testing.T) {
	out := plotCall(t, map[string]any{"pcap_file": pcaptest.GenFile(t, "http-normal.pcap"), "chart": "protocols", "format": "svg"})
	img := out.Images()[0]
	if img.MIMEType != "image/svg+xml" || !bytes.Contains(img.Data, []byte("<svg")) || !bytes.Contains(img.Data, []byte("Protocol hierarchy")) {
		t.Errorf("SVG %s: %.200s", img.MIMEType, img.Data)
	}
}

func TestArgumentErrors(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-normal.pcap")
	tool := newPlot().Tools()[0]
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"chart": "pie"}, "is not one of timeline"},
		{map[string]any{"chart": "timeline", "width": 50}, "width must be from 200"},
		{map[string]any{"chart": "timeline", "format": "gif"}, "not png or svg"},
		{map[string]any{"chart": "timeline", "buckets": 5000}, "buckets must be"},
		{map[string]any{"chart": "conversations", "conversation_type": "sctp"}, "conversation_type"},
		{map[string]any{"chart": "tcp_sequence"}, "needs tcp_stream"},
		{map[string]any{"chart": "tcp_sequence", "tcp_stream": 99999}, "no such TCP stream"},
	} {
		c.args["pcap_file"] = file
		b, _ := json.Marshal(c.args)
		_, err := tool.Call(t.Context(), pcaptest.Env(0), b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plot_traffic(%s) error = %v, want %q", b, err, c.want)
		}
	}
}
