package lldp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// detectors are the module's detectors, one per finding type, each in its
// file detect_<type>.go: their findings come out in this order within a
// severity, and their thresholds in this order in the input and output.
var detectors = analyzer.Detectors[*event, *observer]{
	spoofing,
	malformedDiscovery,
}

// maxFindings is how many findings of one type a result lists one by one;
// the rest are folded into one.
const maxFindings = 5
