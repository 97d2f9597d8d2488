package result

import (
	"math/rand/v2"
	"slices"
)

// Latency summarizes times in milliseconds.
type Latency struct {
	Count  int      `json:"count"`
	Min    float64  `json:"min"`
	Avg    *float64 `json:"avg,omitempty" jsonschema:"mean, where the module reports it"`
	Median float64  `json:"median"`
	P95    float64  `json:"p95"`
	Max    float64  `json:"max"`
}

// LatencyOf summarizes values in milliseconds, sorting vals in place; nil
// when there are none.
func LatencyOf(vals []float64) *Latency {
	if len(vals) == 0 {
		return nil
	}
	slices.Sort(vals)
	q := func(p float64) float64 { return vals[min(len(vals)-1, int(p*float64(len(vals))))] }
	return &Latency{Count: len(vals), Min: vals[0], Median: q(0.5), P95: q(0.95), Max: vals[len(vals)-1]}
}

// Reservoir keeps a uniform sample of at most Cap values (reservoir
// sampling), with the exact count, sum, minimum and maximum; with Cap 0 it
// keeps those alone. The sample is
// drawn with a fixed seed: the same capture gives the same answer.
type Reservoir struct {
	Cap      int // values kept at most; set before the first Add
	vals     []float64
	n        int
	sum      float64
	min, max float64
	rng      *rand.Rand
	at       []int64 // with AddAt: each kept value's time, Unix nanoseconds
}

// Sample is one value of a reservoir's sample and when it was measured.
type Sample struct {
	At    int64   // Unix nanoseconds
	Value float64 // in the reservoir's unit (milliseconds for latencies)
}

// Add records one value.
func (r *Reservoir) Add(v float64) { r.add(v, 0, false) }

// AddAt records one value measured at time at (Unix nanoseconds): the
// sample keeps the time with the value, for Samples. Use either Add or
// AddAt on one reservoir.
func (r *Reservoir) AddAt(at int64, v float64) { r.add(v, at, true) }

// Samples returns the values of the sample that AddAt recorded, with their
// times, in time order: the values the quantiles of Latency come from.
func (r *Reservoir) Samples() []Sample {
	out := make([]Sample, len(r.at))
	for i, t := range r.at {
		out[i] = Sample{At: t, Value: r.vals[i]}
	}
	slices.SortStableFunc(out, func(a, b Sample) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return out
}

func (r *Reservoir) add(v float64, at int64, timed bool) {
	if r.n == 0 || v < r.min {
		r.min = v
	}
	if r.n == 0 || v > r.max {
		r.max = v
	}
	r.n++
	r.sum += v
	if r.Cap <= 0 {
		return // count, sum, minimum and maximum only
	}
	if len(r.vals) < r.Cap {
		r.vals = append(r.vals, v)
		if timed {
			r.at = append(r.at, at)
		}
		return
	}
	if r.rng == nil {
		r.rng = rand.New(rand.NewPCG(1, 2))
	}
	if i := r.rng.IntN(r.n); i < r.Cap {
		r.vals[i] = v
		if timed && i < len(r.at) {
			r.at[i] = at
		}
	}
}

// Count returns how many values were added.
func (r *Reservoir) Count() int { return r.n }

// Mean returns the exact mean of the values added (0 when none).
func (r *Reservoir) Mean() float64 {
	if r.n == 0 {
		return 0
	}
	return r.sum / float64(r.n)
}

// Latency summarizes the values added: exact count, minimum and maximum,
// median and 95th percentile of the sample; nil when there were none.
func (r *Reservoir) Latency() *Latency {
	if r.n == 0 {
		return nil
	}
	l := LatencyOf(slices.Clone(r.vals))
	if l == nil { // Cap 0: no sample, so no quantiles
		l = &Latency{}
	}
	l.Count, l.Min, l.Max = r.n, r.min, r.max
	return l
}
