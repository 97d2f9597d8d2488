package tls

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one line each, in the order their
// findings are listed within a severity. Each is a unit in its own file
// (detect_<type>.go) that concludes from the sessions the observer kept.
var detectors = analyzer.Detectors[*session, *observer]{
	deprecatedVersion,
	weakCipher,
	expiredCert,
	selfSignedCert,
	nameMismatch,
	handshakeFailures,
	nonStandardPort,
	missingSNI,
	malformedTLS,
}

// findings runs the detectors, at the thresholds th, over the sessions
// kept.
func (o *observer) findings(th analyzer.Thresholds) []result.Finding {
	return detectors.Start(th).Conclude(o)
}

// byServer groups matching sessions by server address, in order of first
// appearance, with their evidence frames.
type serverGroup struct {
	server   netip.Addr
	sessions []*session
	ev       result.Evidence
	examples []string
}

func groupByServer(ss []*session, frame func(*session) int, example func(*session) string) []*serverGroup {
	var order []*serverGroup
	idx := map[netip.Addr]*serverGroup{}
	for _, s := range ss {
		g := idx[s.server.Addr()]
		if g == nil {
			g = &serverGroup{server: s.server.Addr()}
			idx[g.server] = g
			order = append(order, g)
		}
		g.sessions = append(g.sessions, s)
		g.ev.Add(frame(s))
		if ex := example(s); ex != "" && len(g.examples) < 3 && !slices.Contains(g.examples, ex) {
			g.examples = append(g.examples, ex)
		}
	}
	return order
}

// sniOf is the session's server name, escaped, or "".
func sniOf(s *session) string {
	if s.ch == nil {
		return ""
	}
	return text(s.ch.sni)
}

func servers(gs []*serverGroup) []string {
	out := make([]string, 0, min(len(gs), 10))
	for _, g := range gs[:min(len(gs), 10)] {
		out = append(out, g.server.String())
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
