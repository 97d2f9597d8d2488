package analyzer

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/result"
)

// Detector is one kind of finding of a module, as a unit: its type, the
// thresholds that tune it, and how to make its per-capture state. S is the
// module's per-capture state, which the detector reads when it concludes;
// E is the event the module hands to detectors that observe.
type Detector[E, S any] struct {
	Type   string  // the finding type ("dns_tunneling_suspected")
	Params []Param // its thresholds, declared once
	// New makes the detector's state for one capture, with the call's
	// threshold values.
	New func(th Thresholds) Unit[E, S]
}

// Unit is one detector's work on one capture: what it observes, what it
// concludes.
type Unit[E, S any] interface {
	// Observe sees each event the module hands its detectors; most
	// detectors need none and conclude from the module's state alone.
	Observe(e E)
	// Conclude adds the detector's findings, from its own state and the
	// module's.
	Conclude(s S, add func(result.Finding))
}

// Concluder adapts a function of the module's state to a Unit that observes
// nothing.
type Concluder[E, S any] func(s S, add func(result.Finding))

// Observe does nothing.
func (Concluder[E, S]) Observe(E) {}

// Conclude calls f.
func (f Concluder[E, S]) Conclude(s S, add func(result.Finding)) { f(s, add) }

// Detectors is a module's ordered list of detectors.
type Detectors[E, S any] []Detector[E, S]

// Params returns every detector's thresholds in order, each marked with
// its detector. It panics on a duplicate name: a wiring mistake that must
// fail at startup.
func (ds Detectors[E, S]) Params() []Param {
	var out []Param
	seen := map[string]bool{}
	for _, d := range ds {
		for _, p := range d.Params {
			if seen[p.Name] {
				panic(fmt.Sprintf("analyzer: threshold %q declared twice", p.Name))
			}
			seen[p.Name] = true
			if p.Detector == "" {
				p.Detector = d.Type
			}
			out = append(out, p)
		}
	}
	return out
}

// Types returns the finding types in order.
func (ds Detectors[E, S]) Types() []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Type
	}
	return out
}

// Run is the detectors' work on one capture.
type Run[E, S any] struct {
	units     []Unit[E, S]
	observing []Unit[E, S]
}

// Start makes every detector's state for one capture.
func (ds Detectors[E, S]) Start(th Thresholds) *Run[E, S] {
	r := &Run[E, S]{}
	for _, d := range ds {
		u := d.New(th)
		r.units = append(r.units, u)
		if _, idle := u.(Concluder[E, S]); !idle {
			r.observing = append(r.observing, u)
		}
	}
	return r
}

// Observe hands e to every detector that observes.
func (r *Run[E, S]) Observe(e E) {
	for _, u := range r.observing {
		u.Observe(e)
	}
}

// Conclude collects every detector's findings, most severe first (in
// detector order within a severity).
func (r *Run[E, S]) Conclude(s S) []result.Finding {
	out := []result.Finding{}
	add := func(f result.Finding) { out = append(out, f) }
	for _, u := range r.units {
		u.Conclude(s, add)
	}
	result.SortFindings(out)
	return out
}
