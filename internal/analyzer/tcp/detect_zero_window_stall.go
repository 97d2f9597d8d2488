package tcp

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyZeroWindow is the finding of receivers that kept their window
// shut: the receiving application stopped reading.
const AnomalyZeroWindow = "zero_window_stall"

// Thresholds of zero_window_stall.
var zeroWindowMinSeconds = analyzer.Param{Name: "zero_window_min_seconds", Default: 1, Unit: "seconds",
	Help: "how long a receiver's window stays zero", Min: 0, Max: 86400}

var zeroWindowStall = analyzer.Detector[event, *results]{
	Type:   AnomalyZeroWindow,
	Params: []analyzer.Param{zeroWindowMinSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minSec := th.Get(zeroWindowMinSeconds)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			zeroWindows(r, minSec, add)
		})
	},
}

// zeroWindows finds receivers that advertised a zero window for at least
// minSec seconds.
func zeroWindows(r *results, minSec float64, add func(result.Finding)) {
	type stall struct {
		v   *view
		d   int
		dur int64
	}
	var stalls []stall
	min := int64(minSec * 1e9)
	for _, v := range r.views {
		for d := range v.c.f {
			if st := &v.c.f[d].st; st.zeroWinMax >= min && st.zeroWinFrame != 0 {
				stalls = append(stalls, stall{v, d, st.zeroWinMax})
			}
		}
	}
	if len(stalls) == 0 {
		return
	}
	slices.SortStableFunc(stalls, func(a, b stall) int { return cmp.Compare(b.dur, a.dur) })
	var ev result.Evidence
	list := []map[string]any{}
	for i, s := range stalls {
		ev.Add(int(s.v.c.f[s.d].st.zeroWinFrame))
		if i < 10 {
			who := "client"
			if s.d == s.v.sv {
				who = "server"
			}
			list = append(list, map[string]any{"connection": s.v.label(), "stream": s.v.c.stream, "receiver": who,
				"zero_window_ms": msOf(s.dur), "still_zero_at_end": s.v.c.f[s.d].st.zeroWinStart != 0})
		}
	}
	w := stalls[0]
	add(result.NewFinding(AnomalyZeroWindow, result.Medium,
		fmt.Sprintf("%d connection side(s) advertised a zero window for %.1f s or more (longest %.1f s, %s): the receiving application stopped reading", len(stalls), minSec, secondsOf(w.dur), w.v.label()),
		ev, map[string]any{"stalls": list, "count": len(stalls)}))
}
