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

	// Slow and unresponsive servers: decide which, then gather their
	// evidence in one pass over the transactions.
	type serverFinding struct {
		s    *serverStat
		slow *Latency // set when slow
		unan bool
	}
	var found []serverFinding
	flagged := map[netip.Addr]*[2]modkit.Evidence{} // answered, unanswered
	for _, s := range o.srvOrder {
		f := serverFinding{s: s}
		if s.answered >= th.SlowServerMinAnswered {
			if l := latency(&s.lat); l != nil && l.Median >= th.SlowServerMedianMs {
				f.slow = l
			}
		}
		asked := s.answered + s.unanswered
		f.unan = s.unanswered >= th.UnansweredMin && float64(s.unanswered)/float64(asked) >= th.UnansweredMinRate
		if f.slow != nil || f.unan {
			found = append(found, f)
			flagged[s.addr] = &[2]modkit.Evidence{}
		}
	}
	if len(flagged) > 0 {
		for _, t := range o.txns {
			ev := flagged[t.key.server.Addr()]
			switch {
			case ev == nil:
			case t.answered:
				ev[0].Add(t.respFrame)
			case o.status(t) == "unanswered":
				ev[1].Add(t.queryFrame)
			}
		}
	}
	for _, f := range found {
		s, ev := f.s, flagged[f.s.addr]
		if l := f.slow; l != nil {
			add(AnomalySlowServer, "medium",
				fmt.Sprintf("DNS server %s answers slowly: median %.1f ms, p95 %.1f ms over %d answers", s.addr, l.Median, l.P95, s.answered),
				ev[0], map[string]any{"server": s.addr.String(), "answered": s.answered, "median_ms": l.Median, "p95_ms": l.P95, "max_ms": l.Max})
		}
		if f.unan {
			asked := s.answered + s.unanswered
			add(AnomalyUnanswered, "medium",
				fmt.Sprintf("DNS server %s left %d of %d queries unanswered (no response within %.0f s)", s.addr, s.unanswered, asked, th.UnansweredTimeoutSec),
				ev[1], map[string]any{"server": s.addr.String(), "unanswered": s.unanswered, "queries": asked})
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
		if e.ev.Total() >= th.LargeResponseMin {
			dsts = append(dsts, a)
		}
	}
	slices.SortFunc(dsts, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range dsts {
		e := o.large[a]
		add(AnomalyLargeResponse, "medium",
			fmt.Sprintf("%d UDP responses of %d bytes or more went to %s (largest %d): amplification-sized answers (ANY, DNSSEC, large TXT)", e.ev.Total(), th.LargeResponseBytes, a, e.largest),
			e.ev, map[string]any{"destination": a.String(), "responses": e.ev.Total(), "min_bytes": th.LargeResponseBytes, "largest_bytes": e.largest})
	}
	if u := &o.largeUns; u.ev.Total() > 0 {
		add(AnomalyLargeResponse, "high",
			fmt.Sprintf("%d large UDP response(s) (%d bytes or more) with no query seen: the signature of DNS reflection/amplification aimed at their destination", u.ev.Total(), th.LargeResponseBytes),
			u.ev, map[string]any{"unsolicited": u.ev.Total(), "min_bytes": th.LargeResponseBytes, "largest_bytes": u.largest})
	}

	if o.malformed > 0 {
		add(AnomalyMalformed, "low", fmt.Sprintf("%d DNS message(s) could not be fully decoded; the first: %s", o.malformed, o.malformWhy),
			o.malformEv, map[string]any{"messages": o.malformed})
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	return out
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
