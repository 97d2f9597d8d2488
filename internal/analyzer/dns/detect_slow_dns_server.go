package dns

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalySlowServer is the finding type of the slow server detector.
const AnomalySlowServer = "slow_dns_server"

// The slow server detector's thresholds.
var (
	slowServerMedianMs = analyzer.Param{Name: "slow_server_median_ms", Default: 250, Unit: "ms",
		Help: "median response time from which a server counts as slow", Min: 0, Max: 3600000}
	slowServerMinAnswered = analyzer.Param{Name: "slow_server_min_answered", Default: 5, Unit: "answers",
		Help: "answered queries needed", Min: 1, Max: 1e6, Integer: true}
)

// slowServer flags a server whose median response time is high, from the
// observer's per-server statistics.
var slowServer = analyzer.Detector[*event, *observer]{
	Type:   AnomalySlowServer,
	Params: []analyzer.Param{slowServerMedianMs, slowServerMinAnswered},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		medianMs, minAnswered := th.Get(slowServerMedianMs), th.Int(slowServerMinAnswered)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			type slow struct {
				s *serverStat
				l *result.Latency
			}
			var found []slow
			ev := map[netip.Addr]*result.Evidence{} // their answers, those evicted first
			for _, s := range o.srvOrder {
				if s.answered < minAnswered {
					continue
				}
				if l := s.lat.Latency(); l != nil && l.Median >= medianMs {
					found = append(found, slow{s, l})
					e := &result.Evidence{}
					e.Merge(s.evAnswered)
					ev[s.addr] = e
				}
			}
			if len(found) == 0 {
				return
			}
			for _, t := range o.transactions() {
				if e := ev[t.key.server.Addr()]; e != nil && t.answered {
					e.Add(int(t.resp.frame))
				}
			}
			for _, f := range found {
				s, l := f.s, f.l
				add(result.NewFinding(AnomalySlowServer, result.Medium,
					fmt.Sprintf("DNS server %s answers slowly: median %.1f ms, p95 %.1f ms over %d answers", s.addr, l.Median, l.P95, s.answered),
					*ev[s.addr], map[string]any{"server": s.addr.String(), "answered": s.answered, "median_ms": l.Median, "p95_ms": l.P95, "max_ms": l.Max}))
			}
		})
	},
}
