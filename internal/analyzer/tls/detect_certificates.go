package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Finding types of the certificate detectors.
const (
	AnomalyExpiredCert  = "expired_certificate"
	AnomalySelfSigned   = "self_signed_certificate"
	AnomalyNameMismatch = "certificate_name_mismatch"
)

// leafFinding reports, one finding per certificate, the server leaf
// certificates that bad says are faulty (with a reason), with the sessions
// that presented them.
func leafFinding(o *observer, typ string, sev result.Severity, bad func(s *session, leaf *certInfo) string, add func(result.Finding)) {
	type hit struct {
		leaf   *certInfo
		why    string
		ev     result.Evidence
		n      int
		snis   []string
		server string
	}
	var order []*hit
	idx := map[*certInfo]*hit{}
	for _, s := range o.sessions {
		if len(s.serverCerts) == 0 || !s.serverCerts[0].ok {
			continue
		}
		leaf := s.serverCerts[0]
		why := bad(s, leaf)
		if why == "" {
			continue
		}
		h := idx[leaf]
		if h == nil {
			h = &hit{leaf: leaf, why: why, server: s.server.String()}
			idx[leaf] = h
			order = append(order, h)
		}
		h.n++
		h.ev.Add(s.certFrame)
		if sni := sniOf(s); sni != "" && len(h.snis) < 5 {
			h.snis = append(h.snis, sni)
		}
	}
	for _, h := range order {
		add(result.NewFinding(typ, sev,
			fmt.Sprintf("certificate %q (issuer %q) %s, presented in %s by %s", text(h.leaf.subjectCN), text(h.leaf.issuer), h.why, plural(h.n, "session", "sessions"), h.server),
			h.ev, map[string]any{"sha256": h.leaf.sha256, "subject_cn": text(h.leaf.subjectCN), "issuer": text(h.leaf.issuer),
				"not_before": result.FormatTime(h.leaf.notBefore), "not_after": result.FormatTime(h.leaf.notAfter), "sessions": h.n, "sni": h.snis, "server": h.server}))
	}
}

// expiredCert flags server leaf certificates outside their validity at
// the time of the packet that carried them. It has no threshold.
var expiredCert = analyzer.Detector[*session, *observer]{
	Type: AnomalyExpiredCert,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			leafFinding(o, AnomalyExpiredCert, result.High, func(s *session, leaf *certInfo) string {
				switch leaf.validityAt(s.certTime) {
				case "expired":
					return "had expired (not after " + result.FormatTime(leaf.notAfter) + ") when the capture saw it"
				case "not_yet_valid":
					return "was not yet valid (not before " + result.FormatTime(leaf.notBefore) + ") when the capture saw it"
				}
				return ""
			}, add)
		})
	},
}

// selfSignedCert flags server leaf certificates signed by their own key.
// It has no threshold.
var selfSignedCert = analyzer.Detector[*session, *observer]{
	Type: AnomalySelfSigned,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			leafFinding(o, AnomalySelfSigned, result.Medium, func(s *session, leaf *certInfo) string {
				if leaf.selfSigned {
					return "is self-signed"
				}
				return ""
			}, add)
		})
	},
}

// nameMismatch flags server leaf certificates whose names do not cover
// the server name the client asked for (SNI). It has no threshold.
var nameMismatch = analyzer.Detector[*session, *observer]{
	Type: AnomalyNameMismatch,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			leafFinding(o, AnomalyNameMismatch, result.Medium, func(s *session, leaf *certInfo) string {
				if s.ch == nil || s.ch.sni == "" || leaf.covers(s.ch.sni) {
					return ""
				}
				return fmt.Sprintf("does not cover the requested name %q", text(s.ch.sni))
			}, add)
		})
	},
}
