package dhcpv6

import (
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one per finding type, each in its
// file detect_<type>.go: their findings come out in this order within a
// severity, and their thresholds in this order in the input and output.
var detectors = analyzer.Detectors[*event, *observer]{
	multipleServers,
	starvation,
	noAddrsStorm,
	unansweredSolicit,
	malformedDHCPv6,
}

// maxFindings is how many findings of one type a result lists one by one;
// the rest are folded into one finding of the same type.
const maxFindings = 5

// windowCount counts events in fixed windows: a window opens at the first
// event and closes at the first event past its length. The window with
// the highest count that reached min is kept, with its evidence.
type windowCount struct {
	min    int
	length int64 // nanoseconds
	start  int64
	open   bool
	n      int
	ev     result.Evidence
	best   *windowCount // the window that reached min with the highest count
}

func newWindowCount(min int, seconds float64) *windowCount {
	return &windowCount{min: min, length: int64(seconds * float64(time.Second))}
}

// add counts one event at nanos; it reports whether the event opened a
// new window (for callers that count distinct keys per window).
func (w *windowCount) add(nanos int64, frame int, count bool) (opened bool) {
	if !w.open || nanos-w.start > w.length {
		w.keep()
		w.open, w.start, w.n, w.ev = true, nanos, 0, result.Evidence{}
		opened = true
	}
	if count {
		w.n++
	}
	w.ev.Add(frame)
	return opened
}

// keep remembers the current window when it beats the best so far.
func (w *windowCount) keep() {
	if w.open && w.n >= w.min && (w.best == nil || w.n > w.best.n) {
		w.best = &windowCount{start: w.start, n: w.n, ev: w.ev}
	}
}

// result returns the best window that reached min, or nil.
func (w *windowCount) result() *windowCount {
	w.keep()
	return w.best
}

// emit adds the maxFindings most significant candidates, then one finding
// made by rest for the others.
func emit(cands []result.Candidate, add func(result.Finding), rest func(n int, ev result.Evidence) result.Finding) {
	result.AddTop(cands, maxFindings, add, rest)
}
