package http

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyErrorSpike is the finding type of the 5xx burst detector.
const AnomalyErrorSpike = "http_error_spike"

// The error spike detector's thresholds.
var (
	spikeMin = analyzer.Param{Name: "error_spike_min", Default: 10, Unit: "responses",
		Help: "5xx responses from one server within the window", Min: 1, Max: 1e6, Integer: true}
	spikeWindow = analyzer.Param{Name: "error_spike_window", Default: 60, Unit: "seconds",
		Help: "the sliding window", Min: 0.001, Max: 86400}
)

// errorSpike reports servers that answered with bursts of 5xx responses.
var errorSpike = analyzer.Detector[*event, *observer]{
	Type:   AnomalyErrorSpike,
	Params: []analyzer.Param{spikeMin, spikeWindow},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &spikeUnit{min: th.Int(spikeMin), window: time.Duration(th.Get(spikeWindow) * float64(time.Second)), servers: map[netip.AddrPort]*spikeServer{}}
	},
}

type spikeServer struct {
	win      result.Window[time.Time]
	peak     int
	ev       result.Evidence
	total    int
	statuses map[int]int
}

type spikeUnit struct {
	min     int
	window  time.Duration
	servers map[netip.AddrPort]*spikeServer
}

func (u *spikeUnit) Observe(e *event) {
	t := e.t
	if t == nil || t.rec.Status < 500 || t.rec.Status > 599 {
		return
	}
	s := u.servers[t.server]
	if s == nil {
		if len(u.servers) >= e.o.cfg.lim.pairs/16 {
			return
		}
		s = &spikeServer{statuses: map[int]int{}}
		u.servers[t.server] = s
	}
	now := t.when
	s.win.Push(now)
	for s.win.Len() > 0 && now.Sub(s.win.Front()) > u.window {
		s.win.PopFront()
	}
	s.total++
	if len(s.statuses) < 16 {
		s.statuses[t.rec.Status]++
	}
	if s.win.Len() >= u.min {
		s.ev.Add(t.rec.ResponseFrame)
	}
	s.peak = max(s.peak, s.win.Len())
}

func (u *spikeUnit) Conclude(_ *observer, add func(result.Finding)) {
	for _, k := range slices.SortedFunc(maps.Keys(u.servers), netip.AddrPort.Compare) {
		s := u.servers[k]
		if s.peak < u.min {
			continue
		}
		codes := map[string]int{}
		for c, n := range s.statuses {
			codes[statusKey(c)] = n
		}
		add(result.NewFinding(AnomalyErrorSpike, result.Medium,
			fmt.Sprintf("%s answered %d 5xx responses within %s (%d in all): the server or its backend is failing", k, s.peak, u.window, s.total),
			s.ev, map[string]any{"server": k.String(), "peak_in_window": s.peak, "window_seconds": u.window.Seconds(), "total_5xx": s.total, "statuses": codes}))
	}
}
