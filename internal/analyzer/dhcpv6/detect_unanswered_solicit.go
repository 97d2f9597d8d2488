package dhcpv6

import (
	"encoding/hex"
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnansweredSolicit is a client whose SOLICITs get no ADVERTISE or
// REPLY: no server on the link, or a relay or firewall dropping them.
const AnomalyUnansweredSolicit = "unanswered_solicit"

var unansweredSolicitMin = analyzer.Param{Name: "unanswered_solicit_min", Default: 3, Unit: "SOLICITs", Integer: true, Min: 1, Max: 1000000,
	Help: "SOLICITs (retransmissions included) from one client that never got an ADVERTISE or REPLY"}

var unansweredSolicit = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnansweredSolicit,
	Params: []analyzer.Param{unansweredSolicitMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		min := th.Int(unansweredSolicitMin)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			perClient := map[string]*result.Evidence{}
			var order []string
			for _, t := range o.txnOrder {
				if !t.solicit || t.answered {
					continue
				}
				ev := perClient[t.client]
				if ev == nil {
					ev = &result.Evidence{}
					perClient[t.client] = ev
					order = append(order, t.client)
				}
				ev.Merge(t.solicitEv)
			}
			var cands []result.Candidate
			for i, c := range order {
				ev := perClient[c]
				if ev.Total() < min {
					continue
				}
				cands = append(cands, result.Candidate{Rank: float64(ev.Total()), Order: i, Evidence: *ev, Make: func(ev result.Evidence) result.Finding {
					duid := hex.EncodeToString([]byte(c))
					return result.NewFinding(AnomalyUnansweredSolicit, result.Low,
						fmt.Sprintf("client %s sent %d SOLICITs that no server answered: no DHCPv6 server on the link, or a relay or firewall dropping them", duid, ev.Total()),
						ev, map[string]any{"client_duid": duid, "solicits": ev.Total()})
				}})
			}
			emit(cands, add, func(n int, ev result.Evidence) result.Finding {
				return result.NewFinding(AnomalyUnansweredSolicit, result.Low, fmt.Sprintf("%d more clients with unanswered SOLICITs (not listed one by one)", n),
					ev, map[string]any{"findings_not_listed": n})
			})
		})
	},
}
