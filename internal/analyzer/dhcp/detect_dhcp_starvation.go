package dhcp

import (
	"fmt"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyStarvation: a burst of DISCOVERs from many MACs that mostly never
// complete a lease.
const AnomalyStarvation = "dhcp_starvation"

// Thresholds of dhcp_starvation.
var (
	starvationMinClients = analyzer.Param{
		Name: "starvation_min_clients", Default: 100, Unit: "MACs", Integer: true, Min: 2, Max: 1000000,
		Help: "distinct client MACs sending DISCOVER within the window",
	}
	starvationWindowSeconds = analyzer.Param{
		Name: "starvation_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "length of the sliding window",
	}
	starvationMaxCompletion = analyzer.Param{
		Name: "starvation_max_completion", Default: 0.2, Unit: "share", Min: 0, Max: 1,
		Help: "at most this share of those clients completed a lease",
	}
)

var starvation = analyzer.Detector[*event, *observer]{
	Type:   AnomalyStarvation,
	Params: []analyzer.Param{starvationMinClients, starvationWindowSeconds, starvationMaxCompletion},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &starvationUnit{
			minClients:    th.Int(starvationMinClients),
			windowSeconds: th.Get(starvationWindowSeconds),
			window:        time.Duration(th.Get(starvationWindowSeconds) * float64(time.Second)),
			maxCompletion: th.Get(starvationMaxCompletion),
			count:         map[hwKey]int{},
			burstMACs:     map[hwKey]struct{}{},
		}
	},
}

// discover is one DISCOVER in the sliding window.
type discover struct {
	t     time.Time
	frame int
	hw    hwKey
}

// starvationUnit slides a window over the DISCOVERs, counting the distinct
// client MACs in it; while they number at least minClients the window is a
// burst, and the MACs and frames of every burst are kept.
type starvationUnit struct {
	minClients    int
	windowSeconds float64
	window        time.Duration
	maxCompletion float64

	win   result.Window[discover]
	count map[hwKey]int // DISCOVERs in the window per MAC

	inBurst    bool
	burstMACs  map[hwKey]struct{} // at most limits.burstMACs
	peak       int
	frames     result.Evidence
	start, end time.Time
}

func (u *starvationUnit) Observe(e *event) {
	if !e.full || e.m.msgType != MsgDiscover {
		return
	}
	t := e.p.Timestamp
	u.win.Push(discover{t, e.p.Number, e.hw})
	u.count[e.hw]++
	for u.win.Len() > 0 && t.Sub(u.win.Front().t) > u.window {
		u.pop()
	}
	// Past its share of the state budget the window drops its oldest
	// DISCOVER early, and says so.
	for u.win.Len() > e.lim.starvationEvents {
		u.pop()
		cutWindow(&e.lim.starvationCut, &e.lim.starvationSpan, t.Sub(u.win.Front().t))
	}
	distinct := len(u.count)
	if distinct < u.minClients {
		u.inBurst = false
		return
	}
	if !u.inBurst {
		u.inBurst = true
		if u.start.IsZero() {
			u.start = u.win.Front().t
		}
		for k := range u.count {
			u.addMAC(k, e.lim)
		}
		for _, d := range u.win.All() {
			u.frames.Add(d.frame)
		}
	} else {
		u.addMAC(e.hw, e.lim)
		u.frames.Add(e.p.Number)
	}
	u.end = t
	u.peak = max(u.peak, distinct)
}

// pop expires the oldest DISCOVER of the window.
func (u *starvationUnit) pop() {
	old := u.win.Front().hw
	if u.count[old]--; u.count[old] <= 0 {
		delete(u.count, old)
	}
	u.win.PopFront()
}

// addMAC adds a MAC to the bursts' MACs, up to the table's share of the
// state budget.
func (u *starvationUnit) addMAC(k hwKey, lim *limits) {
	if _, ok := u.burstMACs[k]; ok {
		return
	}
	if len(u.burstMACs) >= lim.burstMACs {
		lim.burstUntracked++
		return
	}
	u.burstMACs[k] = struct{}{}
}

func (u *starvationUnit) Conclude(o *observer, add func(result.Finding)) {
	if u.peak < u.minClients {
		return
	}
	completed := 0
	for k := range u.burstMACs {
		if c := o.clients[k]; c != nil && c.acks > 0 {
			completed++
		}
	}
	ratio := float64(completed) / float64(max(len(u.burstMACs), 1))
	if ratio > u.maxCompletion {
		return
	}
	add(result.NewFinding(AnomalyStarvation, result.High,
		fmt.Sprintf("DHCP starvation: up to %d distinct client MACs sent DISCOVERs within %s s (%d MACs in the burst), and only %d of them (%s) completed a lease; spoofed MACs are exhausting the address pool",
			u.peak, strconv.FormatFloat(u.windowSeconds, 'f', -1, 64), len(u.burstMACs), completed, result.Percent(completed, len(u.burstMACs))),
		u.frames, map[string]any{
			"peak_distinct_macs": u.peak, "burst_macs": len(u.burstMACs), "completed_leases": completed,
			"completion_ratio": round3(ratio), "burst_start": result.FormatTime(u.start), "burst_end": result.FormatTime(u.end),
			"window_seconds": u.windowSeconds,
		}))
}

func round3(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }
