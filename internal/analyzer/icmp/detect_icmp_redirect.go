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
		return &redirectDetector{}
	},
}

type redirectDetector struct {
	ev       result.Evidence
	gateways *result.Counter[netip.Addr] // ICMPv4 redirects per gateway they name, at most lim.gateways; made at the first
}

// maxGatewaysListed is how many gateways a finding names.
const maxGatewaysListed = 10

// Observe counts a redirect whose quote is readable.
func (d *redirectDetector) Observe(e *event) {
	if !e.quoted || !isRedirect(e.msg.v6, e.msg.typ) {
		return
	}
	d.ev.Add(e.p.Number)
	if m := e.msg; len(m.rest) >= 8 && !m.v6 {
		if d.gateways == nil {
			d.gateways = result.NewCounter[netip.Addr](e.lim.gateways, 0)
		}
		d.gateways.Add(netip.AddrFrom4([4]byte(m.rest[0:4])))
	}
}

// Conclude reports the redirects, if any, with the gateways they named
// most.
func (d *redirectDetector) Conclude(o *observer, add func(result.Finding)) {
	if d.ev.Total() == 0 {
		return
	}
	gateways := map[string]int{}
	details := map[string]any{"redirects": d.ev.Total(), "gateways": gateways}
	if d.gateways != nil {
		top := d.gateways.Top(func(a netip.Addr) string { return a.String() })
		top.Items = top.Items[:min(len(top.Items), maxGatewaysListed)]
		for _, it := range top.Items {
			gateways[it.Key] = it.Count
		}
		details["gateways_total"] = top.Distinct
		if d.gateways.Capped() {
			o.detWarnings = append(o.detWarnings, fmt.Sprintf("icmp_redirect: gateways past the first %s were not counted one by one (state budget, --max-state-bytes); gateways_total is a lower bound", commas(top.Distinct)))
		}
	}
	add(result.NewFinding(AnomalyRedirect, result.Medium,
		fmt.Sprintf("%d ICMP redirect(s): a router, or an attacker, told hosts to send traffic through another gateway", d.ev.Total()),
		d.ev, details))
}
