package tcp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyPortScan is the finding of a source that sent SYNs to many
// host:port targets, most of which refused or ignored them.
const AnomalyPortScan = "port_scan"

// Thresholds of port_scan.
var (
	scanMinTargets = analyzer.Param{Name: "scan_min_targets", Default: 20, Unit: "targets",
		Help: "distinct host:port targets one source sent SYNs to", Min: 1, Max: 1e6, Integer: true}
	scanMinFailedRate = analyzer.Param{Name: "scan_min_failed_rate", Default: 0.5, Unit: "share",
		Help: "share of its targets that refused or did not answer", Min: 0, Max: 1}
)

var portScan = analyzer.Detector[event, *results]{
	Type:   AnomalyPortScan,
	Params: []analyzer.Param{scanMinTargets, scanMinFailedRate},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minTargets, minFailed := th.Int(scanMinTargets), th.Get(scanMinFailedRate)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			portScans(r, minTargets, minFailed, add)
		})
	},
}

// portScans finds sources that sent SYNs to at least minTargets host:port
// targets, at least minFailed of which refused or ignored them.
func portScans(r *results, minTargets int, minFailed float64, add func(result.Finding)) {
	type scan struct {
		targets     map[netip.AddrPort]bool
		ports       map[uint16]bool
		hostSet     map[netip.Addr]bool
		failed      int
		refused     int // targets, by their first connection's outcome
		unanswered  int
		answered    int
		open        []netip.AddrPort // the first 20 answered targets
		first, last int64
		ev          result.Evidence
	}
	scans := map[netip.Addr]*scan{}
	var order []netip.Addr
	for _, v := range r.views {
		if v.c.synFrame == 0 || v.source != "syn" && v.source != "server_filter" {
			continue
		}
		s := scans[v.client.Addr()]
		if s == nil {
			s = &scan{targets: map[netip.AddrPort]bool{}, ports: map[uint16]bool{}, hostSet: map[netip.Addr]bool{}, first: v.c.synTime}
			scans[v.client.Addr()] = s
			order = append(order, v.client.Addr())
		}
		if !s.targets[v.server] {
			s.targets[v.server] = true
			if failedAttempt(v) {
				s.failed++
			}
			switch {
			case v.tcpState == "refused":
				s.refused++
			case v.tcpState == "syn_sent":
				s.unanswered++
			case v.c.synAckFrame != 0:
				s.answered++
				if len(s.open) < 20 {
					s.open = append(s.open, v.server)
				}
			}
		}
		s.ports[v.server.Port()] = true
		s.hostSet[v.server.Addr()] = true
		s.last = v.c.synTime
		s.ev.Add(int(v.c.synFrame))
	}
	n := 0
	for _, a := range order {
		s := scans[a]
		if len(s.targets) < minTargets || ratio(s.failed, len(s.targets)) < minFailed {
			continue
		}
		if n++; n > maxPerType {
			continue
		}
		kind := "port scan"
		if len(s.hostSet) > len(s.ports) {
			kind = "host sweep"
		}
		open := make([]string, len(s.open))
		for i, t := range s.open {
			open[i] = t.String()
		}
		add(result.NewFinding(AnomalyPortScan, result.High,
			fmt.Sprintf("%s sent SYNs to %d targets (%s, %s) in %.1f s: %d targets refused, %d unanswered, %d answered%s: a %s", a, len(s.targets),
				plural(len(s.hostSet), "host"), plural(len(s.ports), "port"), secondsOf(s.last-s.first), s.refused, s.unanswered, s.answered, answeredList(s.open, s.answered, len(s.hostSet) == 1), kind),
			s.ev, map[string]any{"scanner": a.String(), "targets": len(s.targets), "hosts": len(s.hostSet), "ports": len(s.ports),
				"refused": s.refused, "unanswered": s.unanswered, "answered": s.answered, "answered_ports": open, "duration_seconds": secondsOf(s.last - s.first)}))
	}
}

// answeredList names the answered targets for a finding's summary: " (ports
// 22, 80)" for one host, " (10.0.0.5:22, ...)" for several, the first 10
// and how many more.
func answeredList(open []netip.AddrPort, total int, oneHost bool) string {
	if total == 0 {
		return ""
	}
	b := []byte(" (")
	if oneHost {
		b = append(b, "ports "...)
	}
	for i, t := range open[:min(len(open), 10)] {
		if i > 0 {
			b = append(b, ", "...)
		}
		if oneHost {
			b = fmt.Appendf(b, "%d", t.Port())
		} else {
			b = append(b, t.String()...)
		}
	}
	if more := total - min(len(open), 10); more > 0 {
		b = fmt.Appendf(b, " and %d more", more)
	}
	return string(append(b, ')'))
}

// plural is "1 host", "2 hosts".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
