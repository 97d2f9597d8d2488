package http

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// detectors are the module's detectors, one line each, in the order their
// findings are listed within a severity. Each is a unit in its own file
// (detect_<type>.go). Adding one is a file and a line here.
var detectors = analyzer.Detectors[*event, *observer]{
	scanner,
	cleartextCreds,
	executableDownload,
	errorSpike,
	suspiciousAgent,
	nonStandardPort,
	largeUpload,
	malformedHTTP,
}

// event is what the detectors observe: a finished transaction, or a
// malformed message.
type event struct {
	o         *observer
	t         *txn
	malformed string // what was wrong
	frame     int    // where, for a malformed message
}

// maxExamples bounds the examples a finding lists.
const maxExamples = 5
