package plot

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// retransFlags are the TCP analysis flags tcp.analysis.retransmission
// matches: plain, fast and spurious retransmissions.
const retransFlags = 1<<0 | 1<<1 | 1<<2

// seg is one segment of the stream.
type seg struct {
	frame   int
	at      int64 // Unix nanoseconds
	dir     int   // 0: A to B, 1: B to A
	seq     uint32
	len     uint32
	retrans bool
}

// seqData is what the tcp_sequence chart draws.
type seqData struct {
	stream int
	first  int64
	segs   []seg // at most maxDrawn, every step-th of the stream's
	step   int
}

// seqObserver follows one tcp.stream through the TCP module's analysis.
type seqObserver struct {
	tcp    dissect.TCPAnalyzer
	stream int
	a      netip.AddrPort // the side of the first segment
	b      netip.AddrPort
	n      int
	out    TCPSequence
	segs   []seg
	first  int64
}

func (o *seqObserver) Observe(p *engine.Packet) {
	info := o.tcp.Frame(p)
	if info.Stream != o.stream || p.TCP == nil || !info.HasSeq {
		return
	}
	src := netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort))
	if o.n == 0 {
		o.a, o.b = src, netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort))
		o.first = p.Timestamp.UnixNano()
	}
	o.n++
	dir := 0
	if src != o.a {
		dir = 1
	}
	s := seg{frame: p.Number, at: p.Timestamp.UnixNano(), dir: dir, seq: info.Seq, retrans: info.Flags&retransFlags != 0}
	if info.HasLen {
		s.len = info.Len
	}
	o.out.Segments[dir]++
	o.out.Bytes[dir] += uint64(s.len)
	if s.retrans {
		o.out.Retrans[dir]++
	}
	o.segs = append(o.segs, s)
	if len(o.segs) >= 2*maxDrawn {
		// Keep every other segment: the drawing stays bounded.
		k := 0
		for i := 0; i < len(o.segs); i += 2 {
			o.segs[k] = o.segs[i]
			k++
		}
		o.segs = o.segs[:k]
	}
}

// sequence follows one stream through the capture.
func (m *Module) sequence(ctx context.Context, env *analyzer.Env, a *args, out *Output) (*TCPSequence, chart, error) {
	obs := &seqObserver{tcp: m.opts.TCP(env), stream: *a.in.TCPStream}
	res, err := modkit.Run(ctx, env, a.in.PcapFile, engine.Options{}, obs)
	if err != nil {
		return nil, chart{}, err
	}
	out.Warnings = append(out.Warnings, modkit.Warnings(res, false)...)
	if obs.n == 0 {
		return nil, chart{}, fmt.Errorf("tcp_stream %d: no such TCP stream in %q; analyze_tcp_connections lists the streams (its stream field)", obs.stream, a.in.PcapFile)
	}
	t := &obs.out
	t.Stream, t.Client, t.Server = obs.stream, result.AddrPort(obs.a), result.AddrPort(obs.b)
	t.StartTime = result.FormatTime(time.Unix(0, obs.first))
	step := max(1, (obs.n+len(obs.segs)-1)/len(obs.segs))
	d := &seqData{stream: obs.stream, first: obs.first, segs: obs.segs, step: step}
	t.Points = []SeqPoint{}
	for _, s := range obs.segs {
		t.Points = append(t.Points, SeqPoint{Frame: s.frame, RelSeconds: float64(s.at-obs.first) / 1e9, Dir: [2]string{"a_to_b", "b_to_a"}[s.dir], Seq: s.seq, Len: s.len, Retrans: s.retrans})
	}
	t.Points, t.PointsPage = result.Paginate(t.Points, a.off, a.lim)
	if step > 1 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the stream has %d segments; every %dth is drawn and listed", obs.n, step))
	}
	c := chart{title: fmt.Sprintf("TCP stream %d: sequence numbers (Stevens)", obs.stream), seq: d}
	c.summary = []string{
		fmt.Sprintf("tcp.stream %d, %s (A) <-> %s (B), from %s.", t.Stream, t.Client, t.Server, t.StartTime),
		fmt.Sprintf("A to B: %d segments, %d payload bytes, %d retransmissions; B to A: %d segments, %d bytes, %d retransmissions.",
			t.Segments[0], t.Bytes[0], t.Retrans[0], t.Segments[1], t.Bytes[1], t.Retrans[1]),
	}
	return t, c, nil
}

func drawSequence(c chart, _ vg.Length) ([]*plot.Plot, error) {
	d := c.seq
	var last int64
	for _, s := range d.segs {
		last = max(last, s.at-d.first)
	}
	div, unit := timeAxis(float64(last) / 1e9)
	p := newPlot(c.title, fmt.Sprintf("time since %s (%s)", result.FormatTime(time.Unix(0, d.first)), unit), "relative sequence number (bytes)")
	p.Y.Tick.Marker = countTicks{}
	names := [2]string{"A -> B", "B -> A"}
	for dir := range 2 {
		var pts, re plotter.XYs
		for _, s := range d.segs {
			if s.dir != dir {
				continue
			}
			x := float64(s.at-d.first) / 1e9 / div
			pt := plotter.XY{X: x, Y: float64(s.seq) + float64(s.len)}
			if s.retrans {
				re = append(re, pt)
			} else {
				pts = append(pts, pt)
			}
		}
		if len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: colour(dir), Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			p.Legend.Add(names[dir]+" (seq + len)", sc)
		}
		if len(re) > 0 {
			sc, err := plotter.NewScatter(re)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: colour(5), Radius: vg.Points(3), Shape: draw.CrossGlyph{}}
			p.Add(sc)
			p.Legend.Add(names[dir]+" retransmission", sc)
		}
	}
	ys := make([]float64, 0, len(d.segs))
	for _, s := range d.segs {
		ys = append(ys, float64(s.seq)+float64(s.len))
	}
	p.Y.Min = 0
	p.Y.Max = headroom(ys, 4)
	return []*plot.Plot{p}, nil
}
