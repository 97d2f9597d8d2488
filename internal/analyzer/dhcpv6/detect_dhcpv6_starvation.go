package dhcpv6

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyStarvation is many client DUIDs soliciting in a short time:
// an attempt to exhaust the server's pool (forged DUIDs).
const AnomalyStarvation = "dhcpv6_starvation"

var (
	starvationMinClients = analyzer.Param{Name: "starvation_min_clients", Default: 100, Unit: "DUIDs", Integer: true, Min: 2, Max: 1000000,
		Help: "distinct client DUIDs sending SOLICIT within the window"}
	starvationWindowSeconds = analyzer.Param{Name: "starvation_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "the window the DUIDs are counted in"}
)

var starvation = analyzer.Detector[*event, *observer]{
	Type:   AnomalyStarvation,
	Params: []analyzer.Param{starvationMinClients, starvationWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &starvationDetector{w: newWindowCount(th.Int(starvationMinClients), th.Get(starvationWindowSeconds)), seconds: th.Get(starvationWindowSeconds)}
	},
}

type starvationDetector struct {
	w       *windowCount
	seconds float64
	seen    map[string]struct{} // DUIDs in the current window, at most lim.window
	cut     bool
}

// Observe counts the distinct DUIDs soliciting in the window.
func (d *starvationDetector) Observe(e *event) {
	if e.m.inner != typeSolicit || e.m.clientKey == "" {
		return
	}
	if d.seen == nil || d.w.open && e.p.Timestamp.UnixNano()-d.w.start > d.w.length {
		d.seen = map[string]struct{}{}
	}
	_, dup := d.seen[e.m.clientKey]
	if !dup {
		if len(d.seen) >= e.lim.window {
			d.cut = true
		} else {
			d.seen[e.m.clientKey] = struct{}{}
		}
	}
	d.w.add(e.p.Timestamp.UnixNano(), e.p.Number, !dup)
}

// Conclude reports the window with the most soliciting DUIDs.
func (d *starvationDetector) Conclude(o *observer, add func(result.Finding)) {
	if d.cut {
		o.detWarnings = append(o.detWarnings, "dhcpv6_starvation: a window held more DUIDs than the state budget keeps (--max-state-bytes): later ones counted as repeats")
	}
	b := d.w.result()
	if b == nil {
		return
	}
	start := result.FormatTime(time.Unix(0, b.start).UTC())
	add(result.NewFinding(AnomalyStarvation, result.High,
		fmt.Sprintf("%d distinct client DUIDs sent SOLICIT within %g s from %s: DHCPv6 starvation (forged DUIDs exhausting the pool)", b.n, d.seconds, start),
		b.ev, map[string]any{"clients": b.n, "window_seconds": d.seconds, "start_time": start, "solicits": b.ev.Total()}))
}
