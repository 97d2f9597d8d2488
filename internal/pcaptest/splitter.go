package pcaptest

import "testing"

// Feeder is what FuzzSplitter fuzzes: a dissect.Splitter's Feed.
type Feeder interface {
	Feed(data []byte, end func(off int)) int
}

// FuzzSplitter fuzzes a dissect.Splitter (a fresh one from newSplitter per
// input) with arbitrary bytes in two pushes, as reassembly offers them:
// it must never consume more than it is offered, must report message ends
// inside the data in increasing order, and may offer back at most maxHeld
// bytes (an unfinished header).
func FuzzSplitter(f *testing.F, seeds [][]byte, newSplitter func() Feeder, maxHeld int) {
	for _, s := range seeds {
		f.Add(s, len(s)/2)
	}
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		sp := newSplitter()
		if len(data) == 0 {
			cut = 0
		} else {
			cut = (cut%len(data) + len(data)) % len(data)
		}
		held := []byte{}
		for _, push := range [][]byte{data[:cut], data[cut:]} {
			in := append(held, push...)
			last := -1
			n := sp.Feed(in, func(off int) {
				if off <= last || off < 0 || off >= len(in) {
					t.Fatalf("end at %d (after %d) in %d bytes", off, last, len(in))
				}
				last = off
			})
			if n < 0 || n > len(in) || len(in)-n > maxHeld {
				t.Fatalf("consumed %d of %d", n, len(in))
			}
			held = append([]byte{}, in[n:]...)
		}
	})
}
