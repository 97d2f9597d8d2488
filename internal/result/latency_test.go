package result

import (
	"slices"
	"testing"
)

// AddAt keeps each sampled value with its time, through the reservoir's
// replacements, and changes nothing of the summary Add gives.
func TestReservoirAddAt(t *testing.T) {
	for _, n := range []int{0, 1, 50, 100, 5000} {
		timed, plain := Reservoir{Cap: 100}, Reservoir{Cap: 100}
		for i := range n {
			at := int64(n - i) // added latest first: Samples must sort them
			timed.AddAt(at, float64(at)*1.5)
			plain.Add(float64(at) * 1.5)
		}
		s := timed.Samples()
		if want := min(n, 100); len(s) != want {
			t.Fatalf("n=%d: %d samples, want %d", n, len(s), want)
		}
		for i, x := range s {
			if x.Value != float64(x.At)*1.5 {
				t.Fatalf("n=%d: sample %d is %v at %d: value and time parted", n, i, x.Value, x.At)
			}
		}
		if !slices.IsSortedFunc(s, func(a, b Sample) int { return int(a.At - b.At) }) {
			t.Errorf("n=%d: samples not in time order", n)
		}
		if a, b := timed.Latency(), plain.Latency(); (a == nil) != (b == nil) || (a != nil && *a != *b) {
			t.Errorf("n=%d: summary %+v with AddAt, %+v with Add", n, a, b)
		}
		if len(plain.Samples()) != 0 {
			t.Errorf("n=%d: Add kept times", n)
		}
	}
}
