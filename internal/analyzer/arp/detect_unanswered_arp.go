package arp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnanswered is addresses asked for again and again that never
// answer: hosts down, or a wrong address configured (a gateway, a server).
const AnomalyUnanswered = "unanswered_arp"

var unansweredMinRequests = analyzer.Param{Name: "unanswered_min_requests", Default: 5, Unit: "requests",
	Help: "requests for one address, none answered in the capture", Min: 1, Max: 1000000, Integer: true}

var unansweredARP = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnanswered,
	Params: []analyzer.Param{unansweredMinRequests},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		min := th.Int(unansweredMinRequests)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			var cands []result.Candidate
			for a, t := range o.targets {
				if t.answered || t.requests < min {
					continue
				}
				cands = append(cands, result.Candidate{Rank: float64(t.requests), Order: t.reqEv.Frames()[0], Evidence: t.reqEv, Make: func(ev result.Evidence) result.Finding {
					return unansweredFinding(o, a, t, ev)
				}})
			}
			emit(cands, add, func(n int, ev result.Evidence) result.Finding {
				return result.NewFinding(AnomalyUnanswered, result.Low, fmt.Sprintf("%d more addresses asked for %d times or more that never answered (not listed one by one)", n, min),
					ev, map[string]any{"findings_not_listed": n})
			})
		})
	},
}

func unansweredFinding(o *observer, a netip.Addr, t *target, ev result.Evidence) result.Finding {
	details := map[string]any{"ip": a.String(), "requests": t.requests, "last_asker_mac": t.lastAsker.String()}
	role := ""
	if r := o.servers[a]; r != "" {
		details["role"], role = r, " (a "+r+" seen in the capture)"
	}
	return result.NewFinding(AnomalyUnanswered, result.Low,
		fmt.Sprintf("%s%s was asked for %d times and never answered: the host is down or absent, or a wrong address is configured", a, role, t.requests),
		ev, details)
}
