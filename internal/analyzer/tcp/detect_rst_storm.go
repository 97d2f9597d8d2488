package tcp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyRstStorm is the finding of many established connections reset
// within a short window.
const AnomalyRstStorm = "rst_storm"

// Thresholds of rst_storm.
var (
	rstStormMin = analyzer.Param{Name: "rst_storm_min", Default: 20, Unit: "connections",
		Help: "established connections reset within the window", Min: 1, Max: 1e6, Integer: true}
	rstStormWindow = analyzer.Param{Name: "rst_storm_window_seconds", Default: 10, Unit: "seconds",
		Help: "the window the resets are counted in", Min: 0.001, Max: 86400}
	rstStormMinShare = analyzer.Param{Name: "rst_storm_min_share", Default: 0.5, Unit: "share",
		Help: "share of the connections that ended in the window that were reset", Min: 0, Max: 1}
)

var rstStorm = analyzer.Detector[event, *results]{
	Type:   AnomalyRstStorm,
	Params: []analyzer.Param{rstStormMin, rstStormWindow, rstStormMinShare},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minResets, window, minShare := th.Int(rstStormMin), th.Get(rstStormWindow), th.Get(rstStormMinShare)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			rstStorms(r, minResets, window, minShare, add)
		})
	},
}

// rstStorms finds at least minResets established connections reset within
// windowSec seconds, when resets are at least minShare of the connections
// that ended in it: a busy capture with a steady trickle of resets is not a
// storm.
func rstStorms(r *results, minResets int, windowSec, minShare float64, add func(result.Finding)) {
	type rst struct {
		t     int64
		frame int
		v     *view
	}
	var rs []rst
	ends := make([]int64, 0, len(r.views))
	for _, v := range r.views {
		c := v.c
		ends = append(ends, c.lastTime)
		if c.rstFrame == 0 || c.rstState == phaseSynSent || c.rstState == phaseSynReceived {
			continue
		}
		rs = append(rs, rst{c.rstTime, int(c.rstFrame), v})
	}
	slices.SortFunc(rs, func(a, b rst) int { return cmp.Compare(a.t, b.t) })
	slices.Sort(ends)
	win := int64(windowSec * 1e9)
	peak, at, ended, k := 0, 0, 0, 0
	for j := range rs {
		for k < len(rs) && rs[k].t-rs[j].t <= win {
			k++
		}
		n := k - j
		lo, _ := slices.BinarySearch(ends, rs[j].t)
		hi, _ := slices.BinarySearch(ends, rs[j].t+win+1)
		if n > peak && n >= minResets && ratio(n, hi-lo) >= minShare {
			peak, at, ended = n, j, hi-lo
		}
	}
	if peak == 0 {
		return
	}
	var ev result.Evidence
	by := map[string]int{}
	senders := map[string]int{}
	for _, x := range rs[at : at+peak] {
		ev.Add(x.frame)
		who := "client"
		if int(x.v.c.rstDir) == x.v.sv {
			who = "server"
		}
		by[who]++
		ends := [2]netip.AddrPort{x.v.c.a, x.v.c.b}
		senders[ends[x.v.c.rstDir].Addr().String()]++
	}
	add(result.NewFinding(AnomalyRstStorm, result.Medium,
		fmt.Sprintf("%d established connections were reset within %.0f s (by client %d, by server %d), %d of the %d connections that ended then: a crashing service, a middlebox or IPS tearing connections down, or an attack",
			peak, windowSec, by["client"], by["server"], peak, ended),
		ev, map[string]any{"resets": peak, "window_seconds": windowSec, "connections_ended": ended, "reset_by": by, "senders": topN(senders, 10)}))
}
