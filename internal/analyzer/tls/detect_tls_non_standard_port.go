package tls

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNonStandardPort is the finding type of the non-standard port
// detector.
const AnomalyNonStandardPort = "tls_non_standard_port"

// standardPorts are the server ports where TLS is expected: HTTPS and its
// alternates, implicit-TLS mail, directory, news and file services, DoT
// and DoQ, SIPS, XMPP, and the STARTTLS ports (SMTP, submission, POP3,
// IMAP, FTP, LDAP, XMPP) where TLS follows a plaintext upgrade.
var standardPorts = map[uint16]bool{
	443: true, 8443: true, 465: true, 563: true, 636: true, 853: true, 989: true, 990: true, 992: true,
	993: true, 994: true, 995: true, 5061: true, 5223: true, 5269: true, 5222: true, 25: true, 587: true,
	110: true, 143: true, 21: true, 389: true, 3269: true, 3389: true, 4433: true, 8883: true, 6697: true,
}

// nonStandardPort flags servers speaking TLS or QUIC on other ports, one
// finding per server port. It has no threshold.
var nonStandardPort = analyzer.Detector[*session, *observer]{
	Type: AnomalyNonStandardPort,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			type hit struct {
				port    uint16
				ev      result.Evidence
				n       int
				servers []string
				quic    bool
			}
			var order []*hit
			idx := map[uint16]*hit{}
			seen := map[netip.AddrPort]bool{}
			for _, s := range o.sessions {
				if s.ch == nil || s.dtls || standardPorts[s.server.Port()] { // DTLS (WebRTC, VPNs) uses any port
					continue
				}
				h := idx[s.server.Port()]
				if h == nil {
					h = &hit{port: s.server.Port(), quic: s.quic}
					idx[h.port] = h
					order = append(order, h)
				}
				h.n++
				h.ev.Add(s.chFrame)
				if !seen[s.server] && len(h.servers) < 10 {
					seen[s.server] = true
					h.servers = append(h.servers, s.server.Addr().String())
				}
			}
			for _, h := range order {
				proto := "TLS"
				if h.quic {
					proto = "QUIC"
				}
				add(result.NewFinding(AnomalyNonStandardPort, result.Low,
					fmt.Sprintf("%s on port %d, not a usual TLS port, in %s to %v", proto, h.port, plural(h.n, "session", "sessions"), h.servers),
					h.ev, map[string]any{"port": h.port, "sessions": h.n, "servers": h.servers}))
			}
		})
	},
}
