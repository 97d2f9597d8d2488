package arp

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/result"
)

// windows counts each sender's messages (and, for a scan, the distinct
// addresses they ask for) in windows of fixed length: a sender's window
// opens at its first message and closes at the first message past its
// length, which opens the next. A window that reaches min is a finding
// (arp_scan, gratuitous_arp_flood); its peak is what the window counted.
type windows struct {
	min      int
	length   int64 // nanoseconds
	distinct bool  // count distinct addresses rather than messages
	m        map[mac]*window
	refused  int // messages of senders past the bound
	done     []*window
	order    int
}

type window struct {
	sender     mac
	start, end int64 // first and last message (Unix ns)
	n          int
	seen       map[netip.Addr]struct{} // when distinct, at most maxDistinct
	ev         result.Evidence
	fired      bool
	order      int
}

// maxDistinct is the most addresses one window remembers; a window past
// it counts at least that many.
const maxDistinct = 4096

func newWindows(min int, seconds float64, distinct bool) *windows {
	return &windows{min: min, length: int64(seconds * float64(time.Second)), distinct: distinct, m: map[mac]*window{}}
}

// add counts one message of sender at nanos about addr.
func (ws *windows) add(sender mac, addr netip.Addr, nanos int64, frame int, bound int) {
	w := ws.m[sender]
	if w != nil && nanos-w.start > ws.length {
		if w.fired {
			ws.done = append(ws.done, w)
		}
		delete(ws.m, sender)
		w = nil
	}
	if w == nil {
		if len(ws.m) >= bound {
			ws.refused++
			return
		}
		w = &window{sender: sender, start: nanos, order: ws.order}
		ws.order++
		if ws.distinct {
			w.seen = map[netip.Addr]struct{}{}
		}
		ws.m[sender] = w
	}
	w.end = nanos
	if ws.distinct {
		if _, ok := w.seen[addr]; !ok && len(w.seen) < maxDistinct {
			w.seen[addr] = struct{}{}
			w.n++
		}
	} else {
		w.n++
	}
	w.ev.Add(frame)
	if w.n >= ws.min {
		w.fired = true
	}
}

// fired returns the windows that reached min, closed or still open.
func (ws *windows) fired() []*window {
	out := append([]*window(nil), ws.done...)
	for _, w := range ws.m {
		if w.fired {
			out = append(out, w)
		}
	}
	return out
}

// drop forgets the windows of the senders skip reports true for.
func (ws *windows) drop(skip func(w *window) bool) {
	ws.done = slices.DeleteFunc(ws.done, skip)
	maps.DeleteFunc(ws.m, func(_ mac, w *window) bool { return skip(w) })
}

// candidates makes a candidate finding of each window that fired.
func (ws *windows) candidates(make func(w *window) func(result.Evidence) result.Finding) []result.Candidate {
	var out []result.Candidate
	for _, w := range ws.fired() {
		out = append(out, result.Candidate{Rank: float64(w.n), Order: w.order, Evidence: w.ev, Make: make(w)})
	}
	return out
}

// warning says what the bound cut, or "".
func (ws *windows) warning(detector string, bound int) string {
	if ws.refused == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %d messages of senders past the first %d with an open window were not counted (state budget, --max-state-bytes)", detector, ws.refused, bound)
}
