package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyHandshakeFailures is the finding type of the handshake failure
// detector.
const AnomalyHandshakeFailures = "handshake_failures"

var handshakeFailuresMin = analyzer.Param{Name: "handshake_failures_min", Default: 1, Unit: "sessions",
	Help: "failed handshakes to one server needed", Min: 1, Max: 1e6, Integer: true}

// handshakeFailures flags servers with handshakes that did not complete: a
// fatal alert before application data, or a TLS ClientHello never answered
// by a ServerHello, one finding per server.
var handshakeFailures = analyzer.Detector[*session, *observer]{
	Type:   AnomalyHandshakeFailures,
	Params: []analyzer.Param{handshakeFailuresMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		least := th.Int(handshakeFailuresMin)
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			var failed []*session
			for _, s := range o.sessions {
				if f, _ := s.failed(); f {
					failed = append(failed, s)
				}
			}
			gs := groupByServer(failed, failureFrame, func(s *session) string { _, why := s.failed(); return why })
			for _, g := range gs {
				if len(g.sessions) < least {
					continue
				}
				add(result.NewFinding(AnomalyHandshakeFailures, result.Medium,
					fmt.Sprintf("%s to %s did not complete: %v", plural(len(g.sessions), "TLS handshake", "TLS handshakes"), g.server, g.examples),
					g.ev, map[string]any{"server": g.server.String(), "failures": len(g.sessions), "reasons": g.examples}))
			}
		})
	},
}

// failureFrame is the frame that shows a failure: the fatal alert, else
// the unanswered ClientHello.
func failureFrame(s *session) int {
	for _, a := range s.alerts {
		if a.level == 2 && !a.encrypted {
			return a.frame
		}
	}
	return s.chFrame
}
