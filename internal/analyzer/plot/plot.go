// Package plot draws a capture's traffic as a chart, the picture a person
// would rather look at than read: the overview's time profile stacked by
// protocol, its protocol hierarchy and top conversations as bars, the
// modules' response times over time, and one TCP stream's sequence numbers
// (Wireshark's Stevens graph).
//
// It is the "plot" module; its one tool is plot_traffic. It computes no
// statistic of its own: the timeline, protocols and conversations charts
// draw the overview's sections (the overview tool it is given, called with
// no other module in its pass), the latency chart the latency samples of the
// modules that measure response times (run in one shared pass), and the
// tcp_sequence chart the TCP module's per-segment analysis (tcp.stream,
// relative sequence numbers). Pictures are rendered in pure Go with
// gonum.org/v1/plot, PNG by default or SVG; the output's JSON holds the
// plotted series, and the picture follows it (analyzer.Imager).
package plot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are what the module draws from.
type Options struct {
	// Overview is the overview's tool (analyze_overview), best built with
	// no other module in its pass: the timeline, protocols and
	// conversations charts draw its sections.
	Overview analyzer.Tool
	// Latency are modules that can share a pass; the latency chart runs
	// those named in LatencyModules, whose briefs carry latency samples
	// (modkit.Brief.Latencies), in one pass.
	Latency []modkit.Passer
	// TCP returns the TCP module's per-segment analysis for one pass
	// (tcp.stream, relative sequence numbers): the tcp_sequence chart.
	TCP func(env *analyzer.Env) dissect.TCPAnalyzer
}

// LatencyModules are the modules the latency chart runs.
var LatencyModules = []string{"dhcp", "dns", "http", "tcp"}

// Charts are the charts plot_traffic draws.
var Charts = []string{"timeline", "protocols", "conversations", "latency", "tcp_sequence"}

// Sizes and limits of the arguments.
const (
	DefaultWidth, DefaultHeight = 1000, 600
	minSide, maxSide            = 200, 4000
	defaultBuckets, maxBuckets  = 60, 1000
	maxTop                      = 50
	defaultPoints, maxPoints    = 100, 5000
	// maxDrawn bounds the segments or latency values drawn; above it
	// every k-th is drawn (the JSON says how many).
	maxDrawn = 50000
)

// Module is the plot module.
type Module struct{ opts Options }

// New returns the plot module.
func New(opts Options) *Module {
	var lat []modkit.Passer
	for _, p := range opts.Latency {
		if slices.Contains(LatencyModules, p.Name()) {
			lat = append(lat, p)
		}
	}
	opts.Latency = lat
	return &Module{opts: opts}
}

// Name returns "plot".
func (*Module) Name() string { return "plot" }

// Prompts returns none.
func (*Module) Prompts() []analyzer.Prompt { return nil }

// Tools returns plot_traffic.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:  "plot_traffic",
		Title: "Plot traffic",
		Description: "A chart as an image (PNG or SVG), its series as JSON first: timeline (frames per bucket by protocol, bytes), " +
			"protocols (hierarchy bars), conversations (top talkers), latency (DNS, DHCP, TCP handshake, HTTP response times), " +
			"tcp_sequence (a tcp_stream's Stevens graph).",
		OpenWorld: true,
	}, m.plot, writeReport)}
}

// args are a call's checked arguments.
type args struct {
	in            Input
	chart         string
	width, height int
	svg           bool
	buckets, top  int
	convType      string
	off, lim      int
}

func parseArgs(in Input) (*args, error) {
	a := &args{in: in, chart: cmp.Or(strings.ToLower(strings.TrimSpace(in.Chart)), "timeline")}
	if !slices.Contains(Charts, a.chart) {
		return nil, fmt.Errorf("chart %q is not one of %s", in.Chart, strings.Join(Charts, ", "))
	}
	side := func(name string, v, def int) (int, error) {
		switch {
		case v == 0:
			return def, nil
		case v < minSide || v > maxSide:
			return 0, fmt.Errorf("%s must be from %d to %d pixels; got %d", name, minSide, maxSide, v)
		}
		return v, nil
	}
	var err error
	if a.width, err = side("width", in.Width, DefaultWidth); err != nil {
		return nil, err
	}
	if a.height, err = side("height", in.Height, DefaultHeight); err != nil {
		return nil, err
	}
	switch strings.ToLower(in.Format) {
	case "", "png":
	case "svg":
		a.svg = true
	default:
		return nil, fmt.Errorf("format %q is not png or svg", in.Format)
	}
	switch {
	case in.Buckets == 0:
		a.buckets = defaultBuckets
	case in.Buckets < 1 || in.Buckets > maxBuckets:
		return nil, fmt.Errorf("buckets must be from 1 to %d; got %d", maxBuckets, in.Buckets)
	default:
		a.buckets = in.Buckets
	}
	defTop := map[string]int{"timeline": 6, "protocols": 20, "conversations": 10}[a.chart]
	switch {
	case in.Top == 0:
		a.top = defTop
	case in.Top < 1 || in.Top > maxTop:
		return nil, fmt.Errorf("top must be from 1 to %d; got %d", maxTop, in.Top)
	default:
		a.top = in.Top
	}
	a.convType = strings.ToLower(strings.TrimSpace(in.ConvType))
	switch a.convType {
	case "":
		a.convType = "ip"
	case "ip", "eth", "ipv4", "ipv6", "tcp", "udp":
	default:
		return nil, fmt.Errorf("conversation_type %q is not one of ip, eth, ipv4, ipv6, tcp, udp", in.ConvType)
	}
	if a.chart == "tcp_sequence" {
		if in.TCPStream == nil {
			return nil, fmt.Errorf("chart tcp_sequence needs tcp_stream, the stream's number as Wireshark's tcp.stream (analyze_tcp_connections lists them)")
		}
		if *in.TCPStream < 0 {
			return nil, fmt.Errorf("tcp_stream %d is negative; streams are numbered from 0", *in.TCPStream)
		}
	}
	if a.off, a.lim, err = result.PageArgs(in.Offset, in.Limit, defaultPoints, maxPoints); err != nil {
		return nil, err
	}
	return a, nil
}

func (m *Module) plot(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	a, err := parseArgs(in)
	if err != nil {
		return nil, err
	}
	out := &Output{File: in.PcapFile, Chart: a.chart, Warnings: []string{}}
	var c chart
	switch a.chart {
	case "timeline", "protocols", "conversations":
		if m.opts.Overview.Run == nil {
			return nil, fmt.Errorf("chart %s needs the overview module, which this server does not run", a.chart)
		}
		ov, err := m.overview(ctx, env, a)
		if err != nil {
			return nil, err
		}
		out.Warnings = append(out.Warnings, ov.Warnings...)
		switch a.chart {
		case "timeline":
			out.Timeline, c = timeline(ov, a)
		case "protocols":
			out.Protocols, c = protocols(ov, a)
		default:
			out.Conversations, c = conversations(ov, a)
		}
	case "latency":
		if out.Latency, c, err = m.latency(ctx, env, a, out); err != nil {
			return nil, err
		}
	case "tcp_sequence":
		if m.opts.TCP == nil {
			return nil, fmt.Errorf("chart tcp_sequence needs the tcp module, which this server does not run")
		}
		if out.TCPSequence, c, err = m.sequence(ctx, env, a, out); err != nil {
			return nil, err
		}
	}
	out.Summary = c.summary
	img, err := render(c, a)
	if err != nil {
		return nil, fmt.Errorf("drawing the %s chart: %w", a.chart, err)
	}
	mime := "image/png"
	if a.svg {
		mime = "image/svg+xml"
	}
	out.Image = Image{MIMEType: mime, Width: a.width, Height: a.height, Bytes: len(img)}
	out.images = []analyzer.Image{{MIMEType: mime, Data: img}}
	return out, nil
}
