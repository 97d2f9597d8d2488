package icmp

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnreachable is many destination unreachable messages in a short
// time: a scan answered by closed ports, a routing failure, or a reflection
// attack.
const AnomalyUnreachable = "unreachable_storm"

var (
	unreachableStormMin = analyzer.Param{Name: "unreachable_storm_min", Default: 50, Unit: "messages",
		Help: "destination unreachable messages within the window", Min: 1, Max: 1000000, Integer: true}
	unreachableStormWindow = analyzer.Param{Name: "unreachable_storm_window_seconds", Default: 10, Unit: "seconds",
		Help: "the window the messages are counted in", Min: 0.001, Max: 86400}
)

var unreachableStorm = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnreachable,
	Params: []analyzer.Param{unreachableStormMin, unreachableStormWindow},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		secs := th.Get(unreachableStormWindow)
		return &stormDetector{min: th.Int(unreachableStormMin), windowSeconds: secs, window: time.Duration(secs * float64(time.Second))}
	},
}

type stormDetector struct {
	min           int
	windowSeconds float64
	window        time.Duration
	win           result.Window[int64] // times of the unreachables in the window (Unix ns), at most lim.storm
	cut           int                  // times dropped before their time under the bound
	peak          int                  // most in a window, once at least min
	ev            result.Evidence
	max           int
}

// Observe slides the window over destination unreachable messages.
func (d *stormDetector) Observe(e *event) {
	if e.cut || !isUnreachable(e.msg.v6, e.msg.typ) {
		return
	}
	if d.max == 0 {
		d.max = e.lim.storm
	}
	now := e.p.Timestamp.UnixNano()
	if d.win.Len() >= d.max {
		d.win.PopFront() // the window is full: its oldest leaves before its time
		d.cut++
	}
	d.win.Push(now)
	for time.Duration(now-d.win.Front()) > d.window {
		d.win.PopFront()
	}
	if n := d.win.Len(); n >= d.min {
		d.peak = max(d.peak, n)
		d.ev.Add(e.p.Number)
	}
}

// Conclude reports the storm, if there was one.
func (d *stormDetector) Conclude(o *observer, add func(result.Finding)) {
	if d.cut > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("unreachable_storm: its window holds at most %s messages (state budget, --max-state-bytes); %s left it before their time, so its peak is a lower bound",
			commas(d.max), commas(d.cut)))
	}
	if d.peak >= d.min {
		add(result.NewFinding(AnomalyUnreachable, result.Medium,
			fmt.Sprintf("%d destination unreachable messages within %.0f s: a scan answered by closed ports, a routing failure, or a reflection attack", d.peak, d.windowSeconds),
			d.ev, map[string]any{"peak": d.peak, "window_seconds": d.windowSeconds, "unreachable_hosts": o.unreach.Distinct()}))
	}
}
