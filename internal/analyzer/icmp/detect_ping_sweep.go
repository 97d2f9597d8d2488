package icmp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyPingSweep is one source sending echo requests to many hosts in a
// short time: host discovery.
const AnomalyPingSweep = "ping_sweep"

var (
	sweepMinTargets = analyzer.Param{Name: "sweep_min_targets", Default: 20, Unit: "hosts",
		Help: "distinct hosts one source sends echo requests to within the window", Min: 2, Max: 100000, Integer: true}
	sweepWindowSeconds = analyzer.Param{Name: "sweep_window_seconds", Default: 60, Unit: "seconds",
		Help: "the window the distinct hosts are counted in", Min: 0.001, Max: 86400}
)

var pingSweep = analyzer.Detector[*event, *observer]{
	Type:   AnomalyPingSweep,
	Params: []analyzer.Param{sweepMinTargets, sweepWindowSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		secs := th.Get(sweepWindowSeconds)
		return &sweepDetector{min: th.Int(sweepMinTargets), windowSeconds: secs,
			window: int64(secs * float64(time.Second)), sources: map[netip.Addr]*sweep{}}
	},
}

// sweepDetector slides one window over the echo requests of every source:
// the window holds one entry per (source, destination) probed within it,
// in order of the last probe, so expiry is from the oldest end in
// amortised O(1). Each source threads its own entries, for the evidence
// of its sweep when it crosses the threshold.
type sweepDetector struct {
	min           int
	windowSeconds float64
	window        int64 // nanoseconds

	entries *lru[pairKey, sweepEntry] // at most lim.sweep; made at the first event
	sources map[netip.Addr]*sweep     // sources with entries in the window
	cut     int                       // entries dropped before their time under the bound
	swept   topFindings               // sweeps that ended
	order   int64                     // sweeps started, for their order
}

// sweepEntry is one destination a source probed within the window.
type sweepEntry struct {
	first, last  int64 // its first probe since it entered the window, and its last (Unix ns)
	frame        int   // frame of the first
	sprev, snext int32 // the source's other entries (node indices), -1 at the ends
}

// sweep is one source with entries in the window.
type sweep struct {
	n          int   // entries (distinct destinations) in the window
	head       int32 // the first of its entries, -1 when none
	active     bool  // a sweep is going on: from the crossing of the threshold until the window empties
	peak       int   // most destinations in the window during the sweep
	ev         result.Evidence
	lastEv     int   // the last frame added to ev
	start, end int64 // first and last probe of the sweep (Unix ns)
	order      int64
}

// Observe slides the window and counts a source's destinations in it.
func (d *sweepDetector) Observe(e *event) {
	if e.cut || !isEchoRequest(e.msg.v6, e.msg.typ) {
		return
	}
	if d.entries == nil {
		d.entries = newLRU[pairKey, sweepEntry](e.lim.sweep)
	}
	now, k, frame := e.p.Timestamp.UnixNano(), pairKey{e.src, e.dst}, e.p.Number
	for {
		ok, v, found := d.entries.Oldest()
		if !found || now-v.last <= d.window {
			break
		}
		d.remove(ok, v)
	}
	var s *sweep
	if v := d.entries.Touch(k); v != nil {
		v.last = now
		s = d.sources[k.src]
	} else {
		if d.entries.Len() >= d.entries.max {
			// The window is full: its oldest entry leaves before its time.
			ok, v, _ := d.entries.Oldest()
			d.cut++
			d.remove(ok, v)
		}
		if s = d.sources[k.src]; s == nil {
			s = &sweep{head: -1}
			d.sources[k.src] = s
		}
		d.entries.Put(k, sweepEntry{first: now, last: now, frame: frame, sprev: -1, snext: s.head}, nil)
		i := d.entries.IndexOf(k)
		if s.head >= 0 {
			d.entries.At(s.head).sprev = i
		}
		s.head = i
		s.n++
	}
	switch {
	case s.active:
		s.peak = max(s.peak, s.n)
		s.end = now
		s.evidence(frame)
	case s.n >= d.min:
		// The sweep starts at the first probe still in the window: its
		// evidence is the first probe to each destination, in order.
		s.active, s.peak, s.end, s.order = true, s.n, now, d.order
		d.order++
		firsts := make([]sweepEntry, 0, s.n)
		for i := s.head; i >= 0; i = d.entries.At(i).snext {
			firsts = append(firsts, *d.entries.At(i))
		}
		slices.SortFunc(firsts, func(a, b sweepEntry) int { return a.frame - b.frame })
		s.start = firsts[0].first
		for _, f := range firsts {
			s.evidence(f.frame)
		}
		s.evidence(frame)
	}
}

// evidence adds frame to the sweep's evidence once.
func (s *sweep) evidence(frame int) {
	if frame > s.lastEv {
		s.ev.Add(frame)
		s.lastEv = frame
	}
}

// remove takes an entry out of the window and out of its source's list; a
// source left with none ends its sweep.
func (d *sweepDetector) remove(k pairKey, v *sweepEntry) {
	s := d.sources[k.src]
	if v.sprev >= 0 {
		d.entries.At(v.sprev).snext = v.snext
	} else {
		s.head = v.snext
	}
	if v.snext >= 0 {
		d.entries.At(v.snext).sprev = v.sprev
	}
	d.entries.Delete(k)
	if s.n--; s.n == 0 {
		if s.active {
			d.swept.offer(d.candidate(k.src, s))
		}
		delete(d.sources, k.src)
	}
}

// candidate is the finding of a source's sweep.
func (d *sweepDetector) candidate(src netip.Addr, s *sweep) candidate {
	return candidate{rank: float64(s.peak), order: s.order, ev: s.ev, make: func(ev result.Evidence) result.Finding {
		start := result.FormatTime(time.Unix(0, s.start))
		return result.NewFinding(AnomalyPingSweep, result.Medium,
			fmt.Sprintf("%s sent echo requests to %d distinct hosts within %g s, from %s: a ping sweep (host discovery)", src, s.peak, d.windowSeconds, start),
			ev, map[string]any{"source": src.String(), "peak_targets": s.peak, "window_seconds": d.windowSeconds,
				"start_time": start, "end_time": result.FormatTime(time.Unix(0, s.end)), "requests": ev.Total()})
	}}
}

// Conclude reports the sweeps, the most destinations first; a sweep still
// going on at the end of the capture ends there.
func (d *sweepDetector) Conclude(o *observer, add func(result.Finding)) {
	top := topFindings{keep: slices.Clone(d.swept.keep), rest: d.swept.rest, restEv: d.swept.restEv}
	srcs := make([]netip.Addr, 0, len(d.sources))
	for a, s := range d.sources {
		if s.active {
			srcs = append(srcs, a)
		}
	}
	slices.SortFunc(srcs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range srcs {
		top.offer(d.candidate(a, d.sources[a]))
	}
	if d.cut > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("ping_sweep: %s (source, destination) pairs left its window before their time, which holds at most %s (state budget, --max-state-bytes): sweeps may be missed or under-counted",
			commas(d.cut), commas(d.entries.max)))
	}
	top.conclude(add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyPingSweep, result.Medium,
			fmt.Sprintf("%s more ping sweeps (a source sending echo requests to %d or more hosts within %g s; not listed one by one)", commas(n), d.min, d.windowSeconds),
			ev, map[string]any{"sweeps_not_listed": n, "requests": ev.Total()})
	})
}
