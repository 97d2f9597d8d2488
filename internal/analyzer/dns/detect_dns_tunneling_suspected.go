package dns

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyTunneling is the finding type of the tunneling detector.
const AnomalyTunneling = "dns_tunneling_suspected"

// The tunneling detector's thresholds.
var (
	tunnelMinSubdomains = analyzer.Param{Name: "tunnel_min_subdomains", Default: 30, Unit: "names",
		Help: "distinct names under one registered domain", Min: 1, Max: maxSubdomains, Integer: true}
	tunnelMinLabelLength = analyzer.Param{Name: "tunnel_min_label_length", Default: 24, Unit: "chars",
		Help: "with that many names, the mean length of their part left of the registered domain", Min: 0, Max: 253}
	tunnelMinEntropy = analyzer.Param{Name: "tunnel_min_entropy", Default: 3.5, Unit: "bits/char",
		Help: "or that part's mean Shannon entropy (or half of the queries are TXT/NULL)", Min: 0, Max: 8}
)

// tunneling flags a registered domain with many distinct, long or random
// names under it, or queried mostly for TXT/NULL records: data carried in
// names (iodine, dnscat2).
var tunneling = analyzer.Detector[*event, *observer]{
	Type:   AnomalyTunneling,
	Params: []analyzer.Param{tunnelMinSubdomains, tunnelMinLabelLength, tunnelMinEntropy},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &tunnelUnit{minNames: th.Int(tunnelMinSubdomains), minLen: th.Get(tunnelMinLabelLength),
			minEntropy: th.Get(tunnelMinEntropy), regs: map[string]*regStat{}}
	},
}

type tunnelUnit struct {
	minNames           int
	minLen, minEntropy float64
	regs               map[string]*regStat // by registered domain's key, at most the budget's regStats
}

// regStat is what the tunneling detector knows of one registered domain.
type regStat struct {
	queries     int
	names       map[string]struct{}
	sumLen      float64
	sumEntropy  float64
	sampled     int
	txtNull     int
	examples    []string
	frames      result.Evidence
	namesCapped bool
}

// Observe counts each query under its registered domain, and each new name
// with its length and entropy.
func (u *tunnelUnit) Observe(e *event) {
	if !e.tracked || e.response || e.name == nil {
		return
	}
	name, reg := e.name.key, e.name.registered()
	if reg == "" {
		return
	}
	r := u.regs[reg]
	if r == nil {
		if len(u.regs) >= e.budget.lim.regStats {
			e.budget.regsRefused++
			return
		}
		r = &regStat{names: map[string]struct{}{}}
		u.regs[reg] = r
	}
	r.queries++
	if e.qtype == 16 || e.qtype == 10 {
		r.txtNull++
	}
	if _, seen := r.names[name]; seen {
		return
	}
	if len(r.names) >= maxSubdomains || e.budget.full() {
		if e.budget.full() {
			e.budget.namesRefused++
		}
		r.namesCapped = true
		return
	}
	r.names[name] = struct{}{}
	e.budget.take()
	sub := strings.TrimSuffix(strings.TrimSuffix(name, reg), ".")
	if sub != "" {
		r.sumLen += float64(len(sub))
		r.sumEntropy += entropy(strings.ReplaceAll(sub, ".", ""))
		r.sampled++
	}
	if len(r.examples) < maxExamples {
		r.examples = append(r.examples, name)
	}
	r.frames.Add(e.md.frame)
}

// Conclude reports each domain past the thresholds, in name order.
func (u *tunnelUnit) Conclude(_ *observer, add func(result.Finding)) {
	regs := make([]string, 0, len(u.regs))
	for k := range u.regs {
		regs = append(regs, k)
	}
	slices.Sort(regs)
	for _, reg := range regs {
		r := u.regs[reg]
		n := len(r.names)
		if n < u.minNames || r.sampled == 0 {
			continue
		}
		meanLen, meanEnt := r.sumLen/float64(r.sampled), r.sumEntropy/float64(r.sampled)
		txtShare := float64(r.txtNull) / float64(r.queries)
		var why []string
		if meanLen >= u.minLen {
			why = append(why, fmt.Sprintf("mean subdomain length %.1f", meanLen))
		}
		if meanEnt >= u.minEntropy {
			why = append(why, fmt.Sprintf("mean entropy %.2f bits/char", meanEnt))
		}
		if txtShare >= 0.5 {
			why = append(why, fmt.Sprintf("%s of its queries TXT/NULL", result.Percent(r.txtNull, r.queries)))
		}
		if len(why) == 0 {
			continue
		}
		distinct := fmt.Sprint(n)
		if r.namesCapped {
			distinct = "at least " + distinct
		}
		examples := make([]string, len(r.examples))
		for i, k := range r.examples {
			examples[i] = presentKey(k)
		}
		add(result.NewFinding(AnomalyTunneling, result.High,
			fmt.Sprintf("possible DNS tunnel under %s: %s distinct names in %d queries, %s", presentKey(reg), distinct, r.queries, joinAnd(why)),
			r.frames, map[string]any{"registered_domain": presentKey(reg), "queries": r.queries, "distinct_names": n, "distinct_names_capped": r.namesCapped,
				"mean_subdomain_length": round2(meanLen), "mean_entropy": round2(meanEnt), "txt_null_queries": r.txtNull, "examples": examples}))
	}
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
