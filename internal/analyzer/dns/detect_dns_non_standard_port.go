package dns

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNonStandard is the finding type of the non-standard port detector.
const AnomalyNonStandard = "dns_non_standard_port"

// nonStandardPort flags DNS on UDP ports other than 53, 5353 and 5355. It
// has no threshold.
var nonStandardPort = analyzer.Detector[*event, *observer]{
	Type: AnomalyNonStandard,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &nonStdUnit{}
	},
}

type nonStdUnit struct{ ev result.Evidence }

// Observe notes each message the observer found on another port.
func (u *nonStdUnit) Observe(e *event) {
	if e.md.nonStd {
		u.ev.Add(e.md.frame)
	}
}

// Conclude reports them all in one finding.
func (u *nonStdUnit) Conclude(_ *observer, add func(result.Finding)) {
	if n := u.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyNonStandard, result.Medium,
			fmt.Sprintf("%d DNS message(s) on UDP ports other than 53/5353/5355: DNS used to evade filtering, a covert channel, or a resolver on a custom port", n),
			u.ev, map[string]any{"messages": n}))
	}
}
