package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMissingSNI is the finding type of the missing SNI detector.
const AnomalyMissingSNI = "missing_sni"

// missingSNI flags ClientHellos without a server name sent to public
// addresses, one finding per server: malware and scanners often connect
// to bare addresses. It has no threshold.
var missingSNI = analyzer.Detector[*session, *observer]{
	Type: AnomalyMissingSNI,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			var ss []*session
			for _, s := range o.sessions {
				a := s.server.Addr()
				if s.ch == nil || s.ch.sslv2 || s.dtls || s.ch.sni != "" || !a.IsGlobalUnicast() || a.IsPrivate() {
					continue
				}
				ss = append(ss, s)
			}
			for _, g := range groupByServer(ss, func(s *session) int { return s.chFrame }, func(s *session) string { return s.ja4 }) {
				add(result.NewFinding(AnomalyMissingSNI, result.Low,
					fmt.Sprintf("%s to the public address %s sent no server name (SNI)", plural(len(g.sessions), "ClientHello", "ClientHellos"), g.server),
					g.ev, map[string]any{"server": g.server.String(), "sessions": len(g.sessions), "ja4": g.examples}))
			}
		})
	},
}
