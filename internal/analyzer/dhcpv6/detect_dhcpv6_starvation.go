package dhcpv6

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyStarvation is many client DUIDs soliciting in a short time, few
// of which complete: an attempt to exhaust the server's pool (forged
// DUIDs).
const AnomalyStarvation = "dhcpv6_starvation"

var (
	starvationMinClients = analyzer.Param{Name: "starvation_min_clients", Default: 100, Unit: "DUIDs", Integer: true, Min: 2, Max: 1000000,
		Help: "distinct client DUIDs sending SOLICIT within the window"}
	starvationWindowSeconds = analyzer.Param{Name: "starvation_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "the window the DUIDs are counted in"}
	starvationMaxCompletion = analyzer.Param{Name: "starvation_max_completion", Default: 0.2, Unit: "share", Min: 0, Max: 1,
		Help: "at most this share of those DUIDs got a REPLY by the time the window closed"}
)

var starvation = analyzer.Detector[*event, *observer]{
	Type:   AnomalyStarvation,
	Params: []analyzer.Param{starvationMinClients, starvationWindowSeconds, starvationMaxCompletion},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		secs := th.Get(starvationWindowSeconds)
		return &starvationDetector{min: th.Int(starvationMinClients), maxShare: th.Get(starvationMaxCompletion), seconds: secs,
			length: int64(secs * float64(time.Second))}
	},
}

// starvationDetector counts the DUIDs soliciting in fixed windows (one
// opens at a SOLICIT and closes at the first SOLICIT past its length) and
// keeps, of the windows that reach the minimum with few clients
// completing, the one with the most DUIDs.
type starvationDetector struct {
	min      int
	maxShare float64
	seconds  float64
	length   int64
	open     bool
	start    int64
	seen     map[string]struct{} // DUIDs in the current window, at most lim.window
	ev       result.Evidence
	best     *starvedWindow
	cut      bool
}

type starvedWindow struct {
	n, completed int
	start        int64
	ev           result.Evidence
}

// Observe counts the distinct DUIDs soliciting in the window.
func (d *starvationDetector) Observe(e *event) {
	if e.m.inner != typeSolicit || e.m.clientKey == "" {
		return
	}
	now := e.p.Timestamp.UnixNano()
	if !d.open || now-d.start > d.length {
		d.close(e.clients)
		d.open, d.start, d.seen, d.ev = true, now, map[string]struct{}{}, result.Evidence{}
	}
	if _, dup := d.seen[e.m.clientKey]; !dup {
		if len(d.seen) >= e.lim.window {
			d.cut = true
		} else {
			d.seen[e.m.clientKey] = struct{}{}
		}
	}
	d.ev.Add(e.p.Number)
}

// close ends the current window: kept when it reached the minimum, few of
// its clients got a REPLY, and it beats the best so far.
func (d *starvationDetector) close(clients map[string]*client) {
	if !d.open || len(d.seen) < d.min {
		return
	}
	done := 0
	for k := range d.seen {
		if c := clients[k]; c != nil && c.replied {
			done++
		}
	}
	if float64(done) > d.maxShare*float64(len(d.seen)) || d.best != nil && len(d.seen) <= d.best.n {
		return
	}
	d.best = &starvedWindow{n: len(d.seen), completed: done, start: d.start, ev: d.ev}
}

// Conclude reports the window with the most soliciting DUIDs.
func (d *starvationDetector) Conclude(o *observer, add func(result.Finding)) {
	if d.cut {
		o.detWarnings = append(o.detWarnings, "dhcpv6_starvation: a window held more DUIDs than the state budget keeps (--max-state-bytes): later ones counted as repeats")
	}
	d.close(o.clients)
	d.open = false
	b := d.best
	if b == nil {
		return
	}
	start := result.FormatTime(time.Unix(0, b.start).UTC())
	add(result.NewFinding(AnomalyStarvation, result.High,
		fmt.Sprintf("%d distinct client DUIDs sent SOLICIT within %g s from %s, and %d of them got a REPLY: DHCPv6 starvation (forged DUIDs exhausting the pool)", b.n, d.seconds, start, b.completed),
		b.ev, map[string]any{"clients": b.n, "completed": b.completed, "window_seconds": d.seconds, "start_time": start, "solicits": b.ev.Total()}))
}
