package dhcp

import (
	"fmt"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNakStorm: many NAKs within a short window.
const AnomalyNakStorm = "nak_storm"

// Thresholds of nak_storm.
var (
	nakStormMin = analyzer.Param{
		Name: "nak_storm_min", Default: 10, Unit: "NAKs", Integer: true, Min: 1, Max: 1000000,
		Help: "NAKs within the window",
	}
	nakStormWindowSeconds = analyzer.Param{
		Name: "nak_storm_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "length of the sliding window",
	}
)

var nakStorm = analyzer.Detector[*event, *observer]{
	Type:   AnomalyNakStorm,
	Params: []analyzer.Param{nakStormMin, nakStormWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &nakStormUnit{
			min:           th.Int(nakStormMin),
			windowSeconds: th.Get(nakStormWindowSeconds),
			window:        time.Duration(th.Get(nakStormWindowSeconds) * float64(time.Second)),
		}
	},
}

// nak is one NAK in the sliding window.
type nak struct {
	t     time.Time
	frame int
}

// nakStormUnit slides a window over the NAKs and keeps its fullest moment;
// the frames of every window holding at least min NAKs are evidence.
type nakStormUnit struct {
	min           int
	windowSeconds float64
	window        time.Duration

	win                result.Window[nak]
	total              int
	peak               int
	peakStart, peakEnd time.Time
	frames             result.Evidence
}

func (u *nakStormUnit) Observe(e *event) {
	if !e.full || e.m.msgType != MsgNak {
		return
	}
	u.total++
	t := e.p.Timestamp
	u.win.Push(nak{t, e.p.Number})
	for u.win.Len() > 0 && t.Sub(u.win.Front().t) > u.window {
		u.win.PopFront()
	}
	// Past its share of the state budget the window drops its oldest NAK
	// early, and says so.
	for u.win.Len() > e.lim.nakEvents {
		u.win.PopFront()
		cutWindow(&e.lim.nakCut, &e.lim.nakSpan, t.Sub(u.win.Front().t))
	}
	n := u.win.Len()
	if n < u.min {
		return
	}
	if n > u.peak {
		u.peak, u.peakStart, u.peakEnd = n, u.win.Front().t, t
	}
	if n == u.min {
		for _, k := range u.win.All() {
			u.frames.Add(k.frame)
		}
	} else {
		u.frames.Add(e.p.Number)
	}
}

func (u *nakStormUnit) Conclude(_ *observer, add func(result.Finding)) {
	if u.peak < u.min {
		return
	}
	add(result.NewFinding(AnomalyNakStorm, result.Medium,
		fmt.Sprintf("NAK storm: %d NAKs within %s s (%d in the capture); clients are being refused addresses they ask for (wrong subnet, stale leases, or a misconfigured or rogue server)", u.peak, strconv.FormatFloat(u.windowSeconds, 'f', -1, 64), u.total),
		u.frames, map[string]any{"peak_naks": u.peak, "total_naks": u.total, "peak_start": result.FormatTime(u.peakStart), "peak_end": result.FormatTime(u.peakEnd), "window_seconds": u.windowSeconds}))
}
