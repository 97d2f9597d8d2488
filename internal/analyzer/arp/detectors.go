package arp

import (
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one per finding type, each in its
// file detect_<type>.go: their findings come out in this order within a
// severity, and their thresholds in this order in the input and output.
var detectors = analyzer.Detectors[*event, *observer]{
	arpSpoofing,
	arpScan,
	gratuitousFlood,
	ipConflict,
	unansweredARP,
	malformedARP,
}

// maxFindings is how many findings of one type a result lists one by one;
// the rest are folded into one finding of the same type, so a hostile
// capture cannot make the anomalies list grow without bound.
const maxFindings = 5

// emit adds the maxFindings most significant candidates, then one finding
// made by rest for the others.
func emit(cands []result.Candidate, add func(result.Finding), rest func(n int, ev result.Evidence) result.Finding) {
	result.AddTop(cands, maxFindings, add, rest)
}

// evidenceOf returns evidence of the given frames, in order, without
// zeros or repeats.
func evidenceOf(frames ...int) result.Evidence {
	slices.Sort(frames)
	var ev result.Evidence
	last := 0
	for _, f := range frames {
		if f > 0 && f != last {
			ev.Add(f)
			last = f
		}
	}
	return ev
}

// macStrings formats MACs.
func macStrings(ms []mac) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}
