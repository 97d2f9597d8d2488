package sip

import (
	"fmt"
	"sort"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is the finding of malformed SIP.
const AnomalyMalformed = "malformed_sip"

// malformedSIP finds messages with a structural problem (decode.go names
// them) and bytes on SIP connections that are not SIP. It has no
// threshold: one is enough.
var malformedSIP = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformed{why: map[string]int{}}
	},
}

type malformed struct {
	ev        result.Evidence // malformed messages
	why       map[string]int  // problems, by description
	junk      result.Evidence // frames with bytes that are not SIP
	junkBytes int
}

// Observe notes a malformed message, or bytes that are not SIP.
func (u *malformed) Observe(e *event) {
	switch {
	case e.m == nil:
		u.junk.Add(e.md.frame)
		u.junkBytes += e.junk
		u.why[errJunk.Error()]++
		if e.problem != nil {
			u.why[e.problem.Error()]++
		}
	case e.m.err != nil:
		u.ev.Add(e.md.frame)
		u.why[e.m.err.Error()]++
	}
}

// Conclude reports the malformed messages and non-SIP bytes, if any.
func (u *malformed) Conclude(_ *observer, add func(result.Finding)) {
	messages := u.ev.Total()
	if messages == 0 && u.junk.Total() == 0 {
		return
	}
	reasons := make([]string, 0, len(u.why))
	for k := range u.why {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := u.why[reasons[i]], u.why[reasons[j]]
		return a > b || a == b && reasons[i] < reasons[j]
	})
	ev := u.ev
	ev.Merge(u.junk)
	summary := fmt.Sprintf("%d SIP message(s) have structural problems (most often: %s)", messages, reasons[0])
	if messages == 0 {
		summary = fmt.Sprintf("%d byte(s) on SIP connections are not SIP", u.junkBytes)
	} else if u.junk.Total() > 0 {
		summary += fmt.Sprintf(", and %d byte(s) on SIP connections are not SIP", u.junkBytes)
	}
	add(result.NewFinding(AnomalyMalformed, result.Low, summary+": broken or hostile implementations, fuzzing, or a capture cut short",
		ev, map[string]any{"messages": messages, "problems": u.why, "non_sip_bytes": u.junkBytes}))
}
