package dns

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is the finding type of the malformed message detector.
const AnomalyMalformed = "malformed_dns"

// malformedDNS flags messages that could not be fully decoded (not those
// quoted in ICMP errors, which are cut by design). It has no threshold.
var malformedDNS = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedUnit{}
	},
}

type malformedUnit struct {
	ev    result.Evidence
	first string // why the first one could not be decoded
}

// Observe notes each malformed message, and why the first was.
func (u *malformedUnit) Observe(e *event) {
	if e.malformed == "" {
		return
	}
	u.ev.Add(e.md.frame)
	if u.first == "" {
		u.first = e.malformed
	}
}

// Conclude reports them all in one finding.
func (u *malformedUnit) Conclude(_ *observer, add func(result.Finding)) {
	if n := u.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyMalformed, result.Low, fmt.Sprintf("%d DNS message(s) could not be fully decoded; the first: %s", n, u.first),
			u.ev, map[string]any{"messages": n}))
	}
}
