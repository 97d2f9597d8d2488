package dns

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Anomaly types.
const (
	AnomalyTunneling     = "dns_tunneling_suspected"
	AnomalyDGA           = "dga_suspected"
	AnomalyNXDomainRate  = "high_nxdomain_rate"
	AnomalySlowServer    = "slow_dns_server"
	AnomalyUnanswered    = "unanswered_queries"
	AnomalyNonStandard   = "dns_non_standard_port"
	AnomalyLargeResponse = "large_response"
	AnomalyMalformed     = "malformed_dns"
)

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

func (o *observer) anomalies() []Anomaly {
	th := o.cfg.th
	out := []Anomaly{}
	add := func(typ, sev, summary string, ev modkit.Evidence, details map[string]any) {
		out = append(out, Anomaly{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: ev.Frames(), EvidenceFramesTotal: ev.Total(), Details: details})
	}

	// Tunneling: many distinct, long or random names under one domain, or
	// a domain queried mostly for TXT/NULL records.
	regs := make([]string, 0, len(o.regs))
	for k := range o.regs {
		regs = append(regs, k)
	}
	slices.Sort(regs)
	for _, reg := range regs {
		r := o.regs[reg]
		n := len(r.names)
		if n < th.TunnelMinSubdomains || r.sampled == 0 {
			continue
		}
		meanLen, meanEnt := r.sumLen/float64(r.sampled), r.sumEntropy/float64(r.sampled)
		txtShare := float64(r.txtNull) / float64(r.queries)
		var why []string
		if meanLen >= th.TunnelMinLabelLength {
			why = append(why, fmt.Sprintf("mean subdomain length %.1f", meanLen))
		}
		if meanEnt >= th.TunnelMinEntropy {
			why = append(why, fmt.Sprintf("mean entropy %.2f bits/char", meanEnt))
		}
		if txtShare >= 0.5 {
			why = append(why, fmt.Sprintf("%.0f%% TXT/NULL queries", 100*txtShare))
		}
		if len(why) == 0 {
			continue
		}
		distinct := fmt.Sprint(n)
		if r.namesCapped {
			distinct = "at least " + distinct
		}
		add(AnomalyTunneling, "high",
			fmt.Sprintf("possible DNS tunnel under %s: %s distinct names in %d queries, %s", reg, distinct, r.queries, joinAnd(why)),
			r.frames, map[string]any{"registered_domain": reg, "queries": r.queries, "distinct_names": n, "distinct_names_capped": r.namesCapped,
				"mean_subdomain_length": round2(meanLen), "mean_entropy": round2(meanEnt), "txt_null_queries": r.txtNull, "examples": r.examples})
	}

	// DGA: a client getting NXDOMAIN for many random-looking names.
	clients := make([]netip.Addr, 0, len(o.nx))
	for a := range o.nx {
		clients = append(clients, a)
	}
	slices.SortFunc(clients, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range clients {
		c := o.nx[a]
		if c.random < th.DGAMinNXDomain {
			continue
		}
		add(AnomalyDGA, "high",
			fmt.Sprintf("%s received NXDOMAIN for %d distinct random-looking names: a domain generation algorithm (malware looking for its controller) is likely", a, c.random),
			c.frames, map[string]any{"client": a.String(), "random_nxdomain_names": c.random, "nxdomain_names": len(c.names), "examples": c.examples})
	}

	// NXDOMAIN rate over all unicast DNS responses.
	if o.respTotal >= th.NXDomainMinResponses {
		if rate := float64(o.nxTotal) / float64(o.respTotal); rate > th.NXDomainMaxRate {
			add(AnomalyNXDomainRate, "medium",
				fmt.Sprintf("%.0f%% of DNS responses are NXDOMAIN (%d of %d): mistyped or stale names, broken search domains, or malware probing", 100*rate, o.nxTotal, o.respTotal),
				o.nxFrames, map[string]any{"nxdomain": o.nxTotal, "responses": o.respTotal, "rate": round2(rate)})
		}
	}

	// Slow and unresponsive servers.
	for _, s := range o.srvOrder {
		if l := latency(&s.lat); l != nil && s.answered >= th.SlowServerMinAnswered && l.Median >= th.SlowServerMedianMs {
			add(AnomalySlowServer, "medium",
				fmt.Sprintf("DNS server %s answers slowly: median %.1f ms, p95 %.1f ms over %d answers", s.addr, l.Median, l.P95, s.answered),
				o.serverFrames(s.addr, true), map[string]any{"server": s.addr.String(), "answered": s.answered, "median_ms": l.Median, "p95_ms": l.P95, "max_ms": l.Max})
		}
		if asked := s.answered + s.unanswered; s.unanswered >= th.UnansweredMin && float64(s.unanswered)/float64(asked) >= th.UnansweredMinRate {
			add(AnomalyUnanswered, "medium",
				fmt.Sprintf("DNS server %s left %d of %d queries unanswered (no response within %.0f s)", s.addr, s.unanswered, asked, th.UnansweredTimeoutSec),
				o.serverFrames(s.addr, false), map[string]any{"server": s.addr.String(), "unanswered": s.unanswered, "queries": asked})
		}
	}

	if o.nonStd > 0 {
		add(AnomalyNonStandard, "medium",
			fmt.Sprintf("%d DNS message(s) on UDP ports other than 53/5353/5355: DNS used to evade filtering, a covert channel, or a resolver on a custom port", o.nonStd),
			o.nonStdEv, map[string]any{"messages": o.nonStd})
	}

	// Large responses: many to one destination, or any unsolicited.
	dsts := make([]netip.Addr, 0, len(o.large))
	for a, e := range o.large {
		if e.Total() >= th.LargeResponseMin {
			dsts = append(dsts, a)
		}
	}
	slices.SortFunc(dsts, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range dsts {
		e := o.large[a]
		add(AnomalyLargeResponse, "medium",
			fmt.Sprintf("%d UDP responses of %d bytes or more went to %s (largest %d): amplification-sized answers (ANY, DNSSEC, large TXT)", e.Total(), th.LargeResponseBytes, a, o.largeMax),
			*e, map[string]any{"destination": a.String(), "responses": e.Total(), "min_bytes": th.LargeResponseBytes, "largest_bytes": o.largeMax})
	}
	if o.largeUns.Total() > 0 {
		add(AnomalyLargeResponse, "high",
			fmt.Sprintf("%d large UDP response(s) (%d bytes or more) with no query seen: the signature of DNS reflection/amplification aimed at their destination", o.largeUns.Total(), th.LargeResponseBytes),
			o.largeUns, map[string]any{"unsolicited": o.largeUns.Total(), "min_bytes": th.LargeResponseBytes, "largest_bytes": o.largeMax})
	}

	if o.malformed > 0 {
		add(AnomalyMalformed, "low", fmt.Sprintf("%d DNS message(s) could not be fully decoded; the first: %s", o.malformed, o.malformWhy),
			o.malformEv, map[string]any{"messages": o.malformed})
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	return out
}

// serverFrames collects evidence for a server: response frames of answered
// queries, or query frames of unanswered ones.
func (o *observer) serverFrames(a netip.Addr, answered bool) modkit.Evidence {
	var e modkit.Evidence
	for _, t := range o.txns {
		if t.key.server.Addr() != a {
			continue
		}
		switch {
		case answered && t.answered:
			e.Add(t.respFrame)
		case !answered && o.status(t) == "unanswered":
			e.Add(t.queryFrame)
		}
	}
	return e
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	s := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		s += ", " + p
	}
	return s + " and " + parts[len(parts)-1]
}
