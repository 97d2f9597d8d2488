package plot

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// latencyData is what the latency chart draws: each series' sampled
// values (drawn as points) and per-bucket medians (drawn as lines).
type latencyData struct {
	first, width int64 // first frame and bucket width, Unix nanoseconds
	series       []LatencySeries
	samples      [][]result.Sample
}

// span is a pass that notes the capture's first and last frame times.
type span struct {
	first, last int64
	seen        bool
}

func (s *span) Observe(p *engine.Packet) {
	t := p.Timestamp.UnixNano()
	if !s.seen || t < s.first {
		s.first = t
	}
	if !s.seen || t > s.last {
		s.last = t
	}
	s.seen = true
}

// latency runs the latency modules in one pass and collects their
// samples.
func (m *Module) latency(ctx context.Context, env *analyzer.Env, a *args, out *Output) (*Latency, chart, error) {
	if len(m.opts.Latency) == 0 {
		return nil, chart{}, fmt.Errorf("chart latency needs the modules that measure response times (dns, dhcp, tcp, http), which this server does not run")
	}
	sp := &span{}
	passes := []modkit.Pass{&modkit.SimplePass{Obs: []engine.Observer{sp}, Conclude: func(*engine.Result) modkit.Brief { return modkit.Brief{} }}}
	for _, pm := range m.opts.Latency {
		p, err := pm.NewPass(env)
		if err != nil {
			return nil, chart{}, fmt.Errorf("module %s: %w", pm.Name(), err)
		}
		passes = append(passes, p)
	}
	res, briefs, err := modkit.RunPasses(ctx, env, a.in.PcapFile, passes...)
	if err != nil {
		return nil, chart{}, err
	}
	out.Warnings = append(out.Warnings, modkit.Warnings(res, false)...)
	d := &latencyData{first: sp.first}
	if n := int64(a.buckets); sp.seen {
		d.width = max((sp.last-sp.first+n)/n, 1)
	}
	l := &Latency{StartTime: result.FormatTime(time.Unix(0, sp.first)), BucketSeconds: float64(d.width) / 1e9, Series: []LatencySeries{}}
	c := chart{title: "Response times", latency: d}
	for i, b := range briefs[1:] {
		for _, lat := range b.Latencies {
			if lat.Summary == nil {
				continue
			}
			s := LatencySeries{Name: lat.Name, Module: m.opts.Latency[i].Name(), Summary: lat.Summary, Points: len(lat.Samples), Buckets: latencyBuckets(lat.Samples, d, a.buckets)}
			l.Series = append(l.Series, s)
			d.samples = append(d.samples, lat.Samples)
			c.summary = append(c.summary, fmt.Sprintf("%s: %d values, median %.3g ms, p95 %.3g ms, max %.3g ms.", s.Name, s.Summary.Count, s.Summary.Median, s.Summary.P95, s.Summary.Max))
		}
	}
	d.series = l.Series
	if len(l.Series) == 0 {
		c.summary = append(c.summary, "No response time was measured: no answered DNS query, DHCP exchange, complete TCP handshake or HTTP response.")
	}
	return l, c, nil
}

// latencyBuckets is the median and maximum of the samples per bucket.
func latencyBuckets(samples []result.Sample, d *latencyData, n int) []LatencyBucket {
	per := make([][]float64, n)
	for _, s := range samples {
		i := min(max(int((s.At-d.first)/d.width), 0), n-1)
		per[i] = append(per[i], s.Value)
	}
	out := []LatencyBucket{}
	for i, v := range per {
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		out = append(out, LatencyBucket{Index: i, Count: len(v), MedianMs: round3(v[len(v)/2]), MaxMs: round3(v[len(v)-1])})
	}
	return out
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// minDrawnMs is the smallest latency the log axis shows; smaller values
// (a response in the same microsecond) are drawn at it.
const minDrawnMs = 0.001

// maxDots is the sampled values drawn per series.
const maxDots = 2500

func drawLatency(c chart, _ vg.Length) ([]*plot.Plot, error) {
	d := c.latency
	bw := float64(d.width) / 1e9
	var n int
	for _, s := range d.series {
		for _, b := range s.Buckets {
			n = max(n, b.Index+1)
		}
	}
	div, unit := timeAxis(bw * float64(max(n, 1)))
	p := newPlot(c.title+fmt.Sprintf(" (dots: sampled values; lines: median per %s)", seconds(bw)),
		fmt.Sprintf("time since %s (%s)", result.FormatTime(time.Unix(0, d.first)), unit), "response time (ms, log scale)")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	top, low := minDrawnMs, math.Inf(1)
	for i, s := range d.series {
		col := colour(i)
		samples := d.samples[i]
		step := max(1, (len(samples)+maxDots-1)/maxDots)
		pts := make(plotter.XYs, 0, len(samples)/step+1)
		for j := 0; j < len(samples); j += step {
			v := max(samples[j].Value, minDrawnMs)
			top, low = max(top, v), min(low, v)
			pts = append(pts, plotter.XY{X: float64(samples[j].At-d.first) / 1e9 / div, Y: v})
		}
		if len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{col.R, col.G, col.B, 70}, Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		med := make(plotter.XYs, 0, len(s.Buckets))
		for _, b := range s.Buckets {
			med = append(med, plotter.XY{X: (float64(b.Index) + 0.5) * bw / div, Y: max(b.MedianMs, minDrawnMs)})
		}
		if len(med) > 0 {
			ln, err := plotter.NewLine(med)
			if err != nil {
				return nil, err
			}
			ln.Color = col
			ln.LineStyle.Width = vg.Points(2)
			p.Add(ln)
			p.Legend.Add(s.Name, ln)
		}
	}
	p.Y.Min = minDrawnMs
	if !math.IsInf(low, 1) {
		p.Y.Min = math.Pow(10, math.Floor(math.Log10(low)))
	}
	// Room above the values for the legend.
	p.Y.Max = top * math.Pow(10, 0.3*float64(len(d.series)))
	p.X.Min = 0
	return []*plot.Plot{p}, nil
}
