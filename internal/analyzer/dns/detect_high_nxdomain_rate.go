package dns

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNXDomainRate is the finding type of the NXDOMAIN rate detector.
const AnomalyNXDomainRate = "high_nxdomain_rate"

// The NXDOMAIN rate detector's thresholds.
var (
	nxdomainMinResponses = analyzer.Param{Name: "nxdomain_min_responses", Default: 20, Unit: "responses",
		Help: "responses needed before the rate counts", Min: 1, Max: 1e6, Integer: true}
	nxdomainMaxRate = analyzer.Param{Name: "nxdomain_max_rate", Default: 0.3, Unit: "share",
		Help: "share of responses that may be NXDOMAIN", Min: 0, Max: 1}
)

// nxdomainRate flags a capture in which too many unicast DNS responses are
// NXDOMAIN.
var nxdomainRate = analyzer.Detector[*event, *observer]{
	Type:   AnomalyNXDomainRate,
	Params: []analyzer.Param{nxdomainMinResponses, nxdomainMaxRate},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &nxRateUnit{minResponses: th.Int(nxdomainMinResponses), maxRate: th.Get(nxdomainMaxRate)}
	},
}

type nxRateUnit struct {
	minResponses  int
	maxRate       float64
	responses, nx int
	nxFrames      result.Evidence
}

// Observe counts the responses of unicast DNS and their NXDOMAINs.
func (u *nxRateUnit) Observe(e *event) {
	if !e.response || e.md.service != "DNS" {
		return
	}
	u.responses++
	if e.rcode == 3 {
		u.nx++
		u.nxFrames.Add(e.md.frame)
	}
}

// Conclude reports a rate above the threshold.
func (u *nxRateUnit) Conclude(_ *observer, add func(result.Finding)) {
	if u.responses < u.minResponses {
		return
	}
	if rate := float64(u.nx) / float64(u.responses); rate > u.maxRate {
		add(result.NewFinding(AnomalyNXDomainRate, result.Medium,
			fmt.Sprintf("%d of %d DNS responses are NXDOMAIN (%s): mistyped or stale names, broken search domains, or malware probing", u.nx, u.responses, result.Percent(u.nx, u.responses)),
			u.nxFrames, map[string]any{"nxdomain": u.nx, "responses": u.responses, "rate": round2(rate)}))
	}
}
