package icmp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyPingSweep is one source sending echo requests to many hosts in a
// short time: host discovery.
const AnomalyPingSweep = "ping_sweep"

var (
	sweepMinTargets = analyzer.Param{Name: "sweep_min_targets", Default: 20, Unit: "hosts",
		Help: "distinct hosts one source sends echo requests to within the window", Min: 2, Max: 100000, Integer: true}
	sweepWindowSeconds = analyzer.Param{Name: "sweep_window_seconds", Default: 60, Unit: "seconds",
		Help: "the window the distinct hosts are counted in", Min: 0.001, Max: 86400}
)

var pingSweep = analyzer.Detector[*event, *observer]{
	Type:   AnomalyPingSweep,
	Params: []analyzer.Param{sweepMinTargets, sweepWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		secs := th.Get(sweepWindowSeconds)
		return &sweepDetector{min: th.Int(sweepMinTargets), windowSeconds: secs,
			window: time.Duration(secs * float64(time.Second)), sources: map[netip.Addr]*sweep{}}
	},
}

type sweepDetector struct {
	min           int
	windowSeconds float64
	window        time.Duration
	sources       map[netip.Addr]*sweep // at most maxTracked
}

// sweep is the recent echo requests of one source.
type sweep struct {
	win    result.Window[sweepEvent]
	counts map[netip.Addr]int // requests in the window per destination
	peak   int                // most destinations in a window
	ev     result.Evidence
}

// sweepEvent is one echo request of a possible sweep.
type sweepEvent struct {
	t   time.Time
	dst netip.Addr
}

// Observe slides the source's window over its echo requests.
func (d *sweepDetector) Observe(e *event) {
	if e.pair == nil || !isEchoRequest(e.msg.v6, e.msg.typ) {
		return
	}
	src, dst, now := e.pair.key.src, e.pair.key.dst, e.p.Timestamp
	s := d.sources[src]
	if s == nil {
		if len(d.sources) >= maxTracked {
			return
		}
		s = &sweep{counts: map[netip.Addr]int{}}
		d.sources[src] = s
	}
	s.win.Push(sweepEvent{now, dst})
	s.counts[dst]++
	for s.win.Len() > 0 && now.Sub(s.win.Front().t) > d.window {
		old := s.win.Front().dst
		if s.counts[old]--; s.counts[old] <= 0 {
			delete(s.counts, old)
		}
		s.win.PopFront()
	}
	s.peak = max(s.peak, len(s.counts))
	if len(s.counts) >= d.min {
		s.ev.Add(e.p.Number)
	}
}

// Conclude reports each sweeping source, in address order.
func (d *sweepDetector) Conclude(_ *observer, add func(result.Finding)) {
	srcs := make([]netip.Addr, 0, len(d.sources))
	for a := range d.sources {
		srcs = append(srcs, a)
	}
	slices.SortFunc(srcs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range srcs {
		if s := d.sources[a]; s.peak >= d.min {
			add(result.NewFinding(AnomalyPingSweep, result.Medium,
				fmt.Sprintf("%s sent echo requests to %d distinct hosts within %.0f s: a ping sweep (host discovery)", a, s.peak, d.windowSeconds),
				s.ev, map[string]any{"source": a.String(), "peak_targets": s.peak, "window_seconds": d.windowSeconds}))
		}
	}
}
