package dns

import (
	"math"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// detectors are the module's detectors, one line each, in the order their
// findings are listed within a severity. Each is a unit in its own file
// (detect_<type>.go): its thresholds, what it observes of each message (an
// event) and what it concludes from that and the observer's state. Adding
// one is a file and a line here.
var detectors = analyzer.Detectors[*event, *observer]{
	tunneling,
	dga,
	nxdomainRate,
	slowServer,
	unanswered,
	nonStandardPort,
	largeResponse,
	malformedDNS,
}

// round2 rounds v to two decimals, for details.
func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var freq [256]int
	for i := 0; i < len(s); i++ {
		freq[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
