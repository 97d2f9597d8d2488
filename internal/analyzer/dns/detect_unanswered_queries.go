package dns

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnanswered is the finding type of the unanswered queries detector.
const AnomalyUnanswered = "unanswered_queries"

// The unanswered queries detector's thresholds. unanswered_timeout_seconds
// also decides, for the statistics and the transactions, when a query
// counts as unanswered and when a repeated question is a retransmission.
var (
	unansweredMin = analyzer.Param{Name: "unanswered_min", Default: 5, Unit: "queries",
		Help: "unanswered queries to one server", Min: 1, Max: 1e6, Integer: true}
	unansweredMinRate = analyzer.Param{Name: "unanswered_min_rate", Default: 0.2, Unit: "share",
		Help: "and at least this share of that server's queries", Min: 0, Max: 1}
	unansweredTimeout = analyzer.Param{Name: "unanswered_timeout_seconds", Default: 5, Unit: "seconds",
		Help: "a query counts as unanswered after this many seconds without a response", Min: 0.001, Max: 3600}
)

// unanswered flags a server that leaves many of its queries without a
// response, from the observer's per-server statistics.
var unanswered = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnanswered,
	Params: []analyzer.Param{unansweredMin, unansweredMinRate, unansweredTimeout},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		minN, minRate, timeout := th.Int(unansweredMin), th.Get(unansweredMinRate), th.Get(unansweredTimeout)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			var found []*serverStat
			ev := map[netip.Addr]*result.Evidence{} // their unanswered queries, those evicted first
			for _, s := range o.srvOrder {
				asked := s.answered + s.unanswered
				if s.unanswered >= minN && float64(s.unanswered)/float64(asked) >= minRate {
					found = append(found, s)
					e := &result.Evidence{}
					e.Merge(s.evUnanswered)
					ev[s.addr] = e
				}
			}
			if len(found) == 0 {
				return
			}
			for _, t := range o.transactions() {
				if e := ev[t.key.server.Addr()]; e != nil && !t.answered && o.status(t) == "unanswered" {
					e.Add(int(t.query.frame))
				}
			}
			for _, s := range found {
				asked := s.answered + s.unanswered
				add(result.NewFinding(AnomalyUnanswered, result.Medium,
					fmt.Sprintf("DNS server %s left %d of %d queries unanswered (%s; no response within %g s)", s.addr, s.unanswered, asked, result.Percent(s.unanswered, asked), timeout),
					*ev[s.addr], map[string]any{"server": s.addr.String(), "unanswered": s.unanswered, "queries": asked}))
			}
		})
	},
}
