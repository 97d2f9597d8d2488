package icmp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyRedirect is any ICMP redirect: a router, or an attacker, steering
// hosts to another gateway.
const AnomalyRedirect = "icmp_redirect"

var icmpRedirect = analyzer.Detector[*event, *observer]{
	Type: AnomalyRedirect,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &redirectDetector{gateways: map[string]int{}}
	},
}

type redirectDetector struct {
	ev       result.Evidence
	gateways map[string]int // ICMPv4 redirects per gateway they name
}

// Observe counts a redirect whose quote is readable.
func (d *redirectDetector) Observe(e *event) {
	if !e.quoted || !isRedirect(e.msg.v6, e.msg.typ) {
		return
	}
	d.ev.Add(e.p.Number)
	if m := e.msg; len(m.rest) >= 8 && !m.v6 {
		gw := netip.AddrFrom4([4]byte(m.rest[0:4]))
		d.gateways[gw.String()]++
	}
}

// Conclude reports the redirects, if any.
func (d *redirectDetector) Conclude(_ *observer, add func(result.Finding)) {
	if d.ev.Total() > 0 {
		add(result.NewFinding(AnomalyRedirect, result.Medium,
			fmt.Sprintf("%d ICMP redirect(s): a router, or an attacker, told hosts to send traffic through another gateway", d.ev.Total()),
			d.ev, map[string]any{"redirects": d.ev.Total(), "gateways": d.gateways}))
	}
}
