package arp

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyScan is one host asking for many addresses in a short time: host
// discovery (nmap -PR, arp-scan, netdiscover).
const AnomalyScan = "arp_scan"

var (
	scanMinTargets = analyzer.Param{Name: "scan_min_targets", Default: 30, Unit: "addresses",
		Help: "distinct addresses one MAC asks for within the window", Min: 2, Max: 1000000, Integer: true}
	scanWindowSeconds = analyzer.Param{Name: "scan_window_seconds", Default: 60, Unit: "seconds",
		Help: "the window the addresses are counted in", Min: 0.001, Max: 86400}
)

var arpScan = analyzer.Detector[*event, *observer]{
	Type:   AnomalyScan,
	Params: []analyzer.Param{scanMinTargets, scanWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &scanDetector{ws: newWindows(th.Int(scanMinTargets), th.Get(scanWindowSeconds), true), seconds: th.Get(scanWindowSeconds)}
	},
}

type scanDetector struct {
	ws      *windows
	seconds float64
}

// Observe counts the addresses each MAC asks for (probes included,
// announcements not).
func (d *scanDetector) Observe(e *event) {
	m := e.m
	if m.cut || !m.hasMAC || !m.hasIP || m.op != opRequest || m.gratuitous() {
		return
	}
	d.ws.add(m.sha, m.tpa, e.p.Timestamp.UnixNano(), e.p.Number, e.lim.scan)
}

// routerMinDestinations is how many destinations of other hosts' IPv4
// traffic a MAC must be the next hop toward to count as a router: a
// router resolving the hosts it forwards to is not scanning.
const routerMinDestinations = 10

// routers returns the MACs that are the next hop of other hosts' IPv4
// traffic toward routerMinDestinations destinations or more.
func (o *observer) routers() map[mac]bool {
	dests := map[mac]int{}
	for k, r := range o.routes {
		if mac(k[:6]) != r.hop {
			dests[r.hop]++
		}
	}
	out := map[mac]bool{}
	for m, n := range dests {
		if n >= routerMinDestinations {
			out[m] = true
		}
	}
	return out
}

// Conclude reports the scans, the most addresses first; a router's
// requests are not a scan.
func (d *scanDetector) Conclude(o *observer, add func(result.Finding)) {
	if w := d.ws.warning(AnomalyScan, o.cfg.lim.scan); w != "" {
		o.detWarnings = append(o.detWarnings, w)
	}
	routers := o.routers()
	d.ws.drop(func(w *window) bool { return routers[w.sender] })
	emit(d.ws.candidates(func(w *window) func(result.Evidence) result.Finding {
		return func(ev result.Evidence) result.Finding {
			start, end := result.FormatTime(time.Unix(0, w.start).UTC()), result.FormatTime(time.Unix(0, w.end).UTC())
			return result.NewFinding(AnomalyScan, result.Medium,
				fmt.Sprintf("%s asked for %d distinct addresses within %g s, from %s: an ARP scan (host discovery)", w.sender, w.n, d.seconds, start),
				ev, map[string]any{"scanner_mac": w.sender.String(), "targets": w.n, "requests": ev.Total(), "window_seconds": d.seconds, "start_time": start, "end_time": end})
		}
	}), add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyScan, result.Medium, fmt.Sprintf("%d more ARP scans (not listed one by one)", n), ev, map[string]any{"findings_not_listed": n})
	})
}
