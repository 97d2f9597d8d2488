package icmp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is an ICMP header cut short, or an error quoting no
// readable IP header.
const AnomalyMalformed = "malformed_icmp"

var malformedMessage = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedDetector{}
	},
}

type malformedDetector struct {
	ev    result.Evidence
	first string // why the first was malformed
}

// Observe notes a malformed message.
func (d *malformedDetector) Observe(e *event) {
	if e.malformed == "" {
		return
	}
	d.ev.Add(e.p.Number)
	if d.first == "" {
		d.first = e.malformed
	}
}

// Conclude reports the malformed messages, if any.
func (d *malformedDetector) Conclude(_ *observer, add func(result.Finding)) {
	if n := d.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyMalformed, result.Low, fmt.Sprintf("%d malformed ICMP message(s); the first: %s", n, d.first),
			d.ev, map[string]any{"messages": n}))
	}
}
