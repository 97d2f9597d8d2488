package arp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is an ARP message cut short, with address sizes that do
// not fit its types, a reserved opcode or a multicast sender.
const AnomalyMalformed = "malformed_arp"

var malformedARP = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedDetector{}
	},
}

type malformedDetector struct {
	ev    result.Evidence
	first string
}

// Observe notes a malformed message.
func (d *malformedDetector) Observe(e *event) {
	if e.m.malformed == "" {
		return
	}
	d.ev.Add(e.p.Number)
	if d.first == "" {
		d.first = e.m.malformed
	}
}

// Conclude reports the malformed messages, if any.
func (d *malformedDetector) Conclude(_ *observer, add func(result.Finding)) {
	if n := d.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyMalformed, result.Low, fmt.Sprintf("%d malformed ARP message(s); the first: %s", n, d.first),
			d.ev, map[string]any{"messages": n}))
	}
}
