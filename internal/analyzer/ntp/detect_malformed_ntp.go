package ntp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is a datagram on port 123 that is not a well-formed NTP
// message: cut short, a count running past its end, a version or mode
// that does not exist.
const AnomalyMalformed = "malformed_ntp"

var malformedNTP = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedDetector{why: map[string]int{}}
	},
}

type malformedDetector struct {
	ev  result.Evidence
	why map[string]int // complaint -> messages (the decoder has a fixed few)
}

// Observe notes a malformed message.
func (d *malformedDetector) Observe(e *event) {
	if e.malformed == nil {
		return
	}
	d.ev.Add(e.p.Number)
	d.why[e.malformed.Error()]++
}

// Conclude reports the malformed messages, if any.
func (d *malformedDetector) Conclude(_ *observer, add func(result.Finding)) {
	if n := d.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyMalformed, result.Low, fmt.Sprintf("%d malformed NTP message(s): %s", n, counts(d.why)),
			d.ev, map[string]any{"messages": n, "reasons": d.why}))
	}
}
