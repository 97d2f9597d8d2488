package modkit

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// MaxEvidence is how many frames an anomaly lists as evidence.
const MaxEvidence = 20

// Evidence collects the frames that show an anomaly: the first MaxEvidence
// of them, and how many there were. The zero value is empty and ready.
type Evidence struct {
	frames []int
	n      int
}

// Add records one frame.
func (e *Evidence) Add(frame int) {
	e.n++
	if len(e.frames) < MaxEvidence {
		e.frames = append(e.frames, frame)
	}
}

// Merge adds the frames of o after those of e (as far as MaxEvidence
// allows) and sorts the kept frames.
func (e *Evidence) Merge(o Evidence) {
	frames := append(slices.Clone(e.frames), o.frames...)
	e.frames = frames[:min(len(frames), MaxEvidence)]
	slices.Sort(e.frames)
	e.n += o.n
}

// Frames returns the kept frames, never nil (an empty JSON list).
func (e *Evidence) Frames() []int {
	if e.frames == nil {
		return []int{}
	}
	return e.frames
}

// Total returns how many frames were added.
func (e *Evidence) Total() int { return e.n }

// CompareSeverity orders severities "high", "medium", "low", for sorting
// anomalies most severe first.
func CompareSeverity(a, b string) int { return cmp.Compare(severityRank(a), severityRank(b)) }

func severityRank(s string) int {
	switch s {
	case "high":
		return 0
	case "medium":
		return 1
	case "low":
		return 2
	}
	return 3
}

// Reservoir keeps a uniform sample of at most Cap values (reservoir
// sampling), with the exact count, sum, minimum and maximum. The sample is
// drawn with a fixed seed: the same capture gives the same answer.
type Reservoir struct {
	Cap      int // values kept at most; set before the first Add
	vals     []float64
	n        int
	sum      float64
	min, max float64
	rng      *rand.Rand
}

// Add records one value.
func (r *Reservoir) Add(v float64) {
	if r.n == 0 || v < r.min {
		r.min = v
	}
	if r.n == 0 || v > r.max {
		r.max = v
	}
	r.n++
	r.sum += v
	if len(r.vals) < r.Cap {
		r.vals = append(r.vals, v)
		return
	}
	if r.rng == nil {
		r.rng = rand.New(rand.NewPCG(1, 2))
	}
	if i := r.rng.IntN(r.n); i < r.Cap {
		r.vals[i] = v
	}
}

// Summary is what a Reservoir tells of its values: exact count, minimum,
// mean and maximum, and the median and 95th percentile of the sample.
type Summary struct {
	Count                       int
	Min, Mean, Median, P95, Max float64
}

// Summary summarises the values added; ok is false when there were none.
func (r *Reservoir) Summary() (s Summary, ok bool) {
	if r.n == 0 {
		return Summary{}, false
	}
	vals := slices.Clone(r.vals)
	slices.Sort(vals)
	q := func(p float64) float64 { return vals[min(len(vals)-1, int(p*float64(len(vals))))] }
	return Summary{Count: r.n, Min: r.min, Mean: r.sum / float64(r.n), Median: q(0.5), P95: q(0.95), Max: r.max}, true
}
