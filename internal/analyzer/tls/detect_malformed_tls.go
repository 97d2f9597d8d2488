package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is the finding type of the malformed TLS detector.
const AnomalyMalformed = "malformed_tls"

// malformedTLS flags sessions with a record, handshake message or QUIC
// packet that did not decode. It has no threshold.
var malformedTLS = analyzer.Detector[*session, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			var ev result.Evidence
			first := ""
			n := 0
			for _, s := range o.sessions {
				if s.malformed == "" {
					continue
				}
				n++
				ev.Add(s.malformedFrame)
				if first == "" {
					first = s.malformed
				}
			}
			if n > 0 {
				add(result.NewFinding(AnomalyMalformed, result.Low,
					fmt.Sprintf("%s with TLS that did not decode; the first: %s", plural(n, "session", "sessions"), first),
					ev, map[string]any{"sessions": n}))
			}
		})
	},
}
