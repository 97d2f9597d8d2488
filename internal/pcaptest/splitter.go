package pcaptest

import "testing"

// Feeder is what FuzzSplitter fuzzes: a dissect.Splitter's Feed.
type Feeder interface {
	Feed(data []byte) (n, last int)
}

// FuzzSplitter fuzzes a dissect.Splitter (a fresh one from newSplitter per
// input) with arbitrary bytes in two pushes, as reassembly offers them:
// it must never consume more than it is offered, must report the last
// message end inside what it consumed, and may offer back at most maxHeld
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
			n, last := sp.Feed(in)
			if n < 0 || n > len(in) || len(in)-n > maxHeld {
				t.Fatalf("consumed %d of %d", n, len(in))
			}
			if last < -1 || last >= n {
				t.Fatalf("last message ends at %d, %d of %d bytes consumed", last, n, len(in))
			}
			held = append([]byte{}, in[n:]...)
		}
	})
}
