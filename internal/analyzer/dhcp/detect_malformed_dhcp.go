package dhcp

import (
	"fmt"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed: messages with a format problem.
const AnomalyMalformed = "malformed_dhcp"

var malformed = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New:  func(analyzer.Thresholds) analyzer.Unit[*event, *observer] { return &malformedUnit{} },
}

// maxReasonKinds is how many kinds of problem are counted.
const maxReasonKinds = 5

type reasonCount struct {
	reason string
	count  int
}

// malformedUnit counts the messages with a problem, by the kind of their
// first problem.
type malformedUnit struct {
	frames  result.Evidence
	reasons []reasonCount
	first   string
}

// Observe sees every message, those too short for a BOOTP header included.
func (u *malformedUnit) Observe(e *event) {
	if len(e.m.problems) == 0 {
		return
	}
	reason := e.m.problems[0]
	if u.first == "" {
		u.first = reason
	}
	u.frames.Add(e.p.Number)
	// Count reasons by their text up to the first digit, so lengths
	// and offsets do not make every reason distinct.
	kind := reason
	if i := strings.IndexAny(reason, "0123456789"); i > 0 {
		kind = reason[:i]
	}
	for i := range u.reasons {
		if u.reasons[i].reason == kind {
			u.reasons[i].count++
			return
		}
	}
	if len(u.reasons) < maxReasonKinds {
		u.reasons = append(u.reasons, reasonCount{kind, 1})
	}
}

func (u *malformedUnit) Conclude(_ *observer, add func(result.Finding)) {
	n := u.frames.Total()
	if n == 0 {
		return
	}
	var reasons []map[string]any
	for _, r := range u.reasons {
		reasons = append(reasons, map[string]any{"reason": strings.TrimSpace(r.reason), "count": r.count})
	}
	add(result.NewFinding(AnomalyMalformed, result.Low,
		fmt.Sprintf("%d malformed BOOTP/DHCP message(s); the first: %s", n, u.first),
		u.frames, map[string]any{"count": n, "reasons": reasons}))
}
