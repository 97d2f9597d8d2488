package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chart is what one call draws: its title, the summary for the JSON, and
// the series of its kind.
type chart struct {
	title         string
	summary       []string
	timeline      *Timeline
	protocols     *Protocols
	conversations *Conversations
	latency       *latencyData
	seq           *seqData
}

// dpi is the resolution pictures are drawn at: a width of w pixels is
// w/dpi inches.
const dpi = 96

// palette is a colour-blind-safe set (Okabe and Ito), then greys.
var palette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
}

func colour(i int) color.RGBA {
	if i < len(palette) {
		return palette[i]
	}
	g := uint8(80 + (i*37)%140)
	return color.RGBA{g, g, g, 255}
}

// render draws c at the asked size, as PNG or SVG.
func render(c chart, a *args) ([]byte, error) {
	w := vg.Length(a.width) * vg.Inch / dpi
	h := vg.Length(a.height) * vg.Inch / dpi
	var rows []*plot.Plot
	var err error
	switch {
	case c.timeline != nil:
		rows, err = drawTimeline(c, h)
	case c.protocols != nil:
		rows, err = drawProtocols(c, h)
	case c.conversations != nil:
		rows, err = drawConversations(c, h)
	case c.latency != nil:
		rows, err = drawLatency(c, h)
	case c.seq != nil:
		rows, err = drawSequence(c, h)
	default:
		return nil, fmt.Errorf("nothing to draw")
	}
	if err != nil {
		return nil, err
	}
	var canvas vg.CanvasWriterTo
	if a.svg {
		canvas = vgsvg.New(w, h)
	} else {
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))}
	}
	dc := draw.New(canvas)
	if len(rows) == 1 {
		rows[0].Draw(draw.Crop(dc, vg.Points(4), -vg.Points(8), vg.Points(2), -vg.Points(2)))
	} else {
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}
		grid := make([][]*plot.Plot, len(rows))
		for i, p := range rows {
			grid[i] = []*plot.Plot{p}
		}
		canvases := plot.Align(grid, tiles, dc)
		for i, p := range rows {
			p.Draw(canvases[i][0])
		}
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newPlot is a plot with the house style: title, labels, grid.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// countTicks label counts with k and M suffixes.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = humanCount(ts[i].Value)
		}
	}
	return ts
}

func humanCount(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimZero(fmt.Sprintf("%.1f", v/1e9)) + "G"
	case a >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case a >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.1f", v))
}

func trimZero(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// timeAxis picks the unit of an axis of seconds spanning span seconds.
func timeAxis(span float64) (div float64, unit string) {
	switch {
	case span >= 3*3600:
		return 3600, "h"
	case span >= 3*60:
		return 60, "min"
	case span < 0.5:
		return 0.001, "ms"
	}
	return 1, "s"
}

// steps is a step line over buckets: bucket i at x0+i*w to x0+(i+1)*w.
func steps(vals []float64, w float64) plotter.XYs {
	pts := make(plotter.XYs, 0, 2*len(vals))
	for i, v := range vals {
		pts = append(pts, plotter.XY{X: float64(i) * w, Y: v}, plotter.XY{X: float64(i+1) * w, Y: v})
	}
	return pts
}

func drawTimeline(c chart, h vg.Length) ([]*plot.Plot, error) {
	t := c.timeline
	n := len(t.Packets)
	div, unit := timeAxis(t.BucketSeconds * float64(n))
	w := t.BucketSeconds / div
	xLabel := fmt.Sprintf("time since %s (%s; buckets of %s)", t.StartTime, unit, seconds(t.BucketSeconds))
	top := newPlot(c.title, "", fmt.Sprintf("frames per %s", seconds(t.BucketSeconds)))
	top.Y.Tick.Marker = countTicks{}
	top.Y.Min = 0
	// Stacked areas: each layer drawn as the running sum, the highest
	// first, so the lower layers paint over it.
	cum := make([][]float64, len(t.Stacks))
	run := make([]float64, n)
	for i, s := range t.Stacks {
		for j := 0; j < n && j < len(s.Packets); j++ {
			run[j] += float64(s.Packets[j])
		}
		cum[i] = append([]float64(nil), run...)
	}
	for i := len(t.Stacks) - 1; i >= 0; i-- {
		l, err := plotter.NewLine(steps(cum[i], w))
		if err != nil {
			return nil, err
		}
		col := colour(i)
		if t.Stacks[i].Protocol == "other" {
			col = color.RGBA{170, 170, 170, 255}
		}
		l.FillColor = col
		l.LineStyle.Width = 0
		top.Add(l)
	}
	for i, s := range t.Stacks {
		col := colour(i)
		if s.Protocol == "other" {
			col = color.RGBA{170, 170, 170, 255}
		}
		top.Legend.Add(s.Protocol, swatch(col))
	}
	bytesPlot := newPlot("", xLabel, fmt.Sprintf("bytes per %s", seconds(t.BucketSeconds)))
	bytesPlot.Y.Tick.Marker = countTicks{}
	bytesPlot.Y.Min = 0
	bv := make([]float64, n)
	for i, b := range t.Bytes {
		bv[i] = float64(b)
	}
	l, err := plotter.NewLine(steps(bv, w))
	if err != nil {
		return nil, err
	}
	l.Color = colour(0)
	l.LineStyle.Width = vg.Points(1.5)
	bytesPlot.Add(l)
	bytesPlot.Legend.Add("bytes", l)
	for _, p := range []*plot.Plot{top, bytesPlot} {
		p.X.Min, p.X.Max = 0, w*float64(n)
	}
	// Room above the data for the legend.
	top.Y.Max = headroom(run, len(t.Stacks))
	bytesPlot.Y.Max = headroom(bv, 1)
	return []*plot.Plot{top, bytesPlot}, nil
}

// headroom is an axis maximum that leaves room for a legend of n rows
// above the largest value.
func headroom(vals []float64, n int) float64 {
	var top float64
	for _, v := range vals {
		top = max(top, v)
	}
	if top == 0 {
		return 1
	}
	return top * (1.05 + 0.06*float64(n))
}

// swatch is a legend entry of a filled colour.
type swatch color.RGBA

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(color.RGBA(s), c.ClipPolygonY(pts))
}

// hbars draws labelled horizontal bars, the first label at the top; with
// two value rows the second stacks on the first.
func hbars(p *plot.Plot, height vg.Length, labels []string, rows [][]float64, names []string) error {
	n := len(labels)
	if n == 0 {
		return nil
	}
	// Reverse so the first row is at the top.
	rev := func(v []float64) plotter.Values {
		out := make(plotter.Values, len(v))
		for i := range v {
			out[len(v)-1-i] = v[i]
		}
		return out
	}
	rl := make([]string, n)
	for i := range labels {
		rl[n-1-i] = labels[i]
	}
	var prev *plotter.BarChart
	for k, r := range rows {
		b, err := plotter.NewBarChart(rev(r), min(vg.Points(22), max(vg.Points(2), height*0.55/vg.Length(n))))
		if err != nil {
			return err
		}
		b.Horizontal = true
		b.Color = colour(k)
		b.LineStyle.Width = 0
		if prev != nil {
			b.StackOn(prev)
		}
		prev = b
		p.Add(b)
		if len(rows) > 1 {
			p.Legend.Add(names[k], b)
		}
	}
	p.NominalY(rl...)
	p.X.Min = 0
	var top float64
	for i := range labels {
		var sum float64
		for _, r := range rows {
			sum += r[i]
		}
		top = max(top, sum)
	}
	p.X.Max = top * 1.05
	if len(rows) > 1 {
		p.X.Max = top * 1.25 // room at the right for the legend
	}
	p.X.Tick.Marker = countTicks{}
	return nil
}

func drawProtocols(c chart, h vg.Length) ([]*plot.Plot, error) {
	pr := c.protocols
	p := newPlot(c.title, "frames", "")
	labels := make([]string, len(pr.Nodes))
	vals := make([]float64, len(pr.Nodes))
	for i, n := range pr.Nodes {
		labels[i] = fmt.Sprintf("%s (%.1f%%)", n.Path, n.Pct)
		vals[i] = float64(n.Frames)
	}
	if err := hbars(p, h, labels, [][]float64{vals}, nil); err != nil {
		return nil, err
	}
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	return []*plot.Plot{p}, nil
}

func drawConversations(c chart, h vg.Length) ([]*plot.Plot, error) {
	cv := c.conversations
	p := newPlot(c.title, "bytes", "")
	labels := make([]string, len(cv.Rows))
	ab := make([]float64, len(cv.Rows))
	ba := make([]float64, len(cv.Rows))
	for i, r := range cv.Rows {
		labels[i] = r.Label
		ab[i], ba[i] = float64(r.BytesAToB), float64(r.BytesBToA)
	}
	if err := hbars(p, h, labels, [][]float64{ab, ba}, []string{"A -> B", "B -> A"}); err != nil {
		return nil, err
	}
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	return []*plot.Plot{p}, nil
}
