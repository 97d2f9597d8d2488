package arp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyGratuitousFlood is one MAC sending many gratuitous ARPs in a
// short time: cache poisoning by announcement, or a device in a loop.
const AnomalyGratuitousFlood = "gratuitous_arp_flood"

var (
	garpFloodMin = analyzer.Param{Name: "garp_flood_min", Default: 20, Unit: "messages",
		Help: "gratuitous ARPs from one MAC within the window", Min: 2, Max: 1000000, Integer: true}
	garpFloodWindowSeconds = analyzer.Param{Name: "garp_flood_window_seconds", Default: 10, Unit: "seconds",
		Help: "the window the gratuitous ARPs are counted in", Min: 0.001, Max: 86400}
)

var gratuitousFlood = analyzer.Detector[*event, *observer]{
	Type:   AnomalyGratuitousFlood,
	Params: []analyzer.Param{garpFloodMin, garpFloodWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &floodDetector{ws: newWindows(th.Int(garpFloodMin), th.Get(garpFloodWindowSeconds), false), seconds: th.Get(garpFloodWindowSeconds)}
	},
}

type floodDetector struct {
	ws      *windows
	seconds float64
}

// Observe counts each MAC's gratuitous ARPs.
func (d *floodDetector) Observe(e *event) {
	m := e.m
	if m.cut || !m.hasMAC || !m.gratuitous() {
		return
	}
	d.ws.add(m.sha, netip.Addr{}, e.p.Timestamp.UnixNano(), e.p.Number, e.lim.scan)
}

// Conclude reports the floods, the most messages first.
func (d *floodDetector) Conclude(o *observer, add func(result.Finding)) {
	if w := d.ws.warning(AnomalyGratuitousFlood, o.cfg.lim.scan); w != "" {
		o.detWarnings = append(o.detWarnings, w)
	}
	emit(d.ws.candidates(func(w *window) func(result.Evidence) result.Finding {
		return func(ev result.Evidence) result.Finding {
			start := result.FormatTime(time.Unix(0, w.start).UTC())
			details := map[string]any{"sender_mac": w.sender.String(), "messages": w.n, "window_seconds": d.seconds, "start_time": start,
				"end_time": result.FormatTime(time.Unix(0, w.end).UTC())}
			if h := o.hosts[w.sender]; h != nil {
				var ips []string
				for _, a := range h.ips {
					ips = append(ips, a.String())
				}
				details["claimed_ips"] = ips
			}
			return result.NewFinding(AnomalyGratuitousFlood, result.Medium,
				fmt.Sprintf("%s sent %d gratuitous ARPs within %g s, from %s: cache poisoning by announcement, or a device in a loop", w.sender, w.n, d.seconds, start),
				ev, details)
		}
	}), add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyGratuitousFlood, result.Medium, fmt.Sprintf("%d more gratuitous ARP floods (not listed one by one)", n), ev, map[string]any{"findings_not_listed": n})
	})
}
