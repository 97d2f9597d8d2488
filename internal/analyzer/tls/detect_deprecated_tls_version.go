package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyDeprecatedVersion is the finding type of the deprecated version
// detector.
const AnomalyDeprecatedVersion = "deprecated_tls_version"

// deprecatedVersion flags sessions that negotiated SSL 2.0, SSL 3.0, TLS
// 1.0 or TLS 1.1 (RFC 8996), one finding per version. It has no threshold.
var deprecatedVersion = analyzer.Detector[*session, *observer]{
	Type: AnomalyDeprecatedVersion,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			byVersion := map[uint16][]*session{}
			var order []uint16
			for _, s := range o.sessions {
				v := s.version()
				if s.ch != nil && s.ch.sslv2 && s.sh == nil {
					continue
				}
				if v == 0 || v >= 0x0303 || s.quic {
					continue
				}
				if byVersion[v] == nil {
					order = append(order, v)
				}
				byVersion[v] = append(byVersion[v], s)
			}
			for _, v := range order {
				ss := byVersion[v]
				sev := result.Medium
				if v < 0x0301 {
					sev = result.High
				}
				gs := groupByServer(ss, func(s *session) int { return s.shFrame }, sniOf)
				add(result.NewFinding(AnomalyDeprecatedVersion, sev,
					fmt.Sprintf("%s negotiated %s (deprecated by RFC 8996) with %s: %v", plural(len(ss), "session", "sessions"), versionName(v), plural(len(gs), "server", "servers"), servers(gs)),
					evidence(gs), map[string]any{"version": versionName(v), "sessions": len(ss), "servers": servers(gs)}))
			}
		})
	},
}

func evidence(gs []*serverGroup) result.Evidence {
	var ev result.Evidence
	for _, g := range gs {
		ev.Merge(g.ev)
	}
	return ev
}
