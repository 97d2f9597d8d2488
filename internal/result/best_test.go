package result

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBestIsSortPrefix: for every k, Best gives the first k items of the
// whole list sorted, on random lists with repeated values (the comparator
// breaks ties by position, so the order is total).
func TestBestIsSortPrefix(t *testing.T) {
	type item struct{ v, pos int }
	by := func(a, b item) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.pos, b.pos)) }
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		s := make([]item, n)
		for i := range s {
			s[i] = item{r.IntN(8), i}
		}
		want := slices.SortedFunc(slices.Values(s), by)
		for k := -1; k <= n+2; k++ {
			b := NewBest(k, by)
			for _, x := range s {
				b.Add(x)
			}
			got := b.Sorted()
			if w := want[:min(max(k, 0), n)]; !slices.Equal(got, w) {
				t.Fatalf("n %d k %d: got %v, want %v", n, k, got, w)
			}
			if got := TopK(slices.Clone(s), k, by); !slices.Equal(got, want[:min(max(k, 0), n)]) {
				t.Fatalf("TopK n %d k %d: got %v", n, k, got)
			}
		}
	}
}
