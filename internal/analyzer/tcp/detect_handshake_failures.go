package tcp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyHandshakeFail is the finding of a server port that fails many of
// its connection attempts: refused, unanswered, or the SYN-ACK never
// acknowledged.
const AnomalyHandshakeFail = "handshake_failures"

// Thresholds of handshake_failures.
var (
	handshakeFailMin = analyzer.Param{Name: "handshake_fail_min", Default: 5, Unit: "attempts",
		Help: "failed connection attempts to one server port", Min: 1, Max: 1e6, Integer: true}
	handshakeFailMinRate = analyzer.Param{Name: "handshake_fail_min_rate", Default: 0.5, Unit: "share",
		Help: "share of the server port's attempts that failed", Min: 0, Max: 1}
)

var handshakeFailures = analyzer.Detector[event, *results]{
	Type:   AnomalyHandshakeFail,
	Params: []analyzer.Param{handshakeFailMin, handshakeFailMinRate},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minFailed, minRate := th.Int(handshakeFailMin), th.Get(handshakeFailMinRate)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			failingServers(r, minFailed, minRate, add)
		})
	},
}

// failingServers finds servers with at least minFailed failed connection
// attempts, at least minRate of their attempts.
func failingServers(r *results, minFailed int, minRate float64, add func(result.Finding)) {
	n := 0
	for _, s := range r.attempts() {
		if s.failed < minFailed || ratio(s.failed, s.attempts) < minRate {
			continue
		}
		if n++; n > maxPerType {
			continue
		}
		add(result.NewFinding(AnomalyHandshakeFail, result.Medium,
			fmt.Sprintf("%d of %d connection attempts to %s failed (%d refused, %d unanswered, %d never acknowledged): the service is down, filtered or overloaded", s.failed, s.attempts, s.server, s.refused, s.unanswered, s.halfOpen),
			s.failEv, map[string]any{"server": s.server.String(), "attempts": s.attempts, "failed": s.failed, "refused": s.refused,
				"unanswered": s.unanswered, "half_open": s.halfOpen, "clients": len(s.clients)}))
	}
}
