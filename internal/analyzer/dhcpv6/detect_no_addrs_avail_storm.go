package dhcpv6

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNoAddrsStorm is many NoAddrsAvail status codes in a short time:
// the pool is exhausted (often after a starvation attack).
const AnomalyNoAddrsStorm = "no_addrs_avail_storm"

var (
	noAddrsStormMin = analyzer.Param{Name: "no_addrs_storm_min", Default: 10, Unit: "messages", Integer: true, Min: 1, Max: 1000000,
		Help: "server messages carrying NoAddrsAvail within the window"}
	noAddrsStormWindowSeconds = analyzer.Param{Name: "no_addrs_storm_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "the window the messages are counted in"}
)

var noAddrsStorm = analyzer.Detector[*event, *observer]{
	Type:   AnomalyNoAddrsStorm,
	Params: []analyzer.Param{noAddrsStormMin, noAddrsStormWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &noAddrsDetector{w: newWindowCount(th.Int(noAddrsStormMin), th.Get(noAddrsStormWindowSeconds)), seconds: th.Get(noAddrsStormWindowSeconds)}
	},
}

type noAddrsDetector struct {
	w       *windowCount
	seconds float64
}

// Observe counts server messages with a NoAddrsAvail status.
func (d *noAddrsDetector) Observe(e *event) {
	if e.m.noAddrs > 0 && fromServer(e.m.inner) {
		d.w.add(e.p.Timestamp.UnixNano(), e.p.Number, true)
	}
}

// Conclude reports the window with the most of them.
func (d *noAddrsDetector) Conclude(_ *observer, add func(result.Finding)) {
	b := d.w.result()
	if b == nil {
		return
	}
	start := result.FormatTime(time.Unix(0, b.start).UTC())
	add(result.NewFinding(AnomalyNoAddrsStorm, result.Medium,
		fmt.Sprintf("%d server messages said NoAddrsAvail within %g s from %s: the address pool is exhausted", b.n, d.seconds, start),
		b.ev, map[string]any{"messages": b.n, "window_seconds": d.seconds, "start_time": start}))
}
