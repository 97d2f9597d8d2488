package lldp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is an LLDP or CDP frame gopacket cannot decode: a TLV
// running past the frame, a mandatory LLDP TLV missing, a CDP version
// other than 1 or 2, a TLV shorter than its fixed fields.
const AnomalyMalformed = "malformed_discovery"

var malformedDiscovery = analyzer.Detector[*event, *observer]{
	Type: AnomalyMalformed,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedDetector{}
	},
}

type malformedDetector struct {
	ev    result.Evidence
	first string
	by    map[string]int
}

// Observe notes a malformed frame.
func (d *malformedDetector) Observe(e *event) {
	if e.malformed == nil {
		return
	}
	d.ev.Add(e.p.Number)
	if d.first == "" {
		d.first = result.Text(e.malformed.Error(), maxText)
	}
	if d.by == nil {
		d.by = map[string]int{}
	}
	d.by[e.ann.proto]++
}

// Conclude reports the malformed frames, if any.
func (d *malformedDetector) Conclude(_ *observer, add func(result.Finding)) {
	if n := d.ev.Total(); n > 0 {
		add(result.NewFinding(AnomalyMalformed, result.Low, fmt.Sprintf("%d malformed LLDP/CDP frame(s); the first: %s", n, d.first),
			d.ev, map[string]any{"frames": n, "by_protocol": d.by}))
	}
}
