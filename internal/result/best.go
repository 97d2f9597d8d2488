package result

import "slices"

// Best keeps the first k items, in the order cmp gives (negative: a before
// b), of items added one by one: a bounded heap, O(n log k) time and O(k)
// memory, for a top list drawn from a table that is not copied whole.
type Best[T any] struct {
	k    int
	cmp  func(a, b T) int
	h    []T  // the best so far; past k items, a heap whose root is the worst of them
	heap bool // h is a heap (more than k items were added)
}

// NewBest returns a Best of k items (none when k <= 0).
func NewBest[T any](k int, cmp func(a, b T) int) *Best[T] {
	return &Best[T]{k: max(k, 0), cmp: cmp}
}

// Add offers x.
func (b *Best[T]) Add(x T) {
	switch {
	case b.k == 0:
	case len(b.h) < b.k:
		b.h = append(b.h, x)
	default:
		if !b.heap {
			for i := b.k/2 - 1; i >= 0; i-- {
				b.down(i)
			}
			b.heap = true
		}
		if b.cmp(x, b.h[0]) < 0 {
			b.h[0] = x
			b.down(0)
		}
	}
}

func (b *Best[T]) down(i int) {
	worse := func(i, j int) bool { return b.cmp(b.h[i], b.h[j]) > 0 }
	for {
		l := 2*i + 1
		if l >= len(b.h) {
			return
		}
		m := l
		if r := l + 1; r < len(b.h) && worse(r, l) {
			m = r
		}
		if !worse(m, i) {
			return
		}
		b.h[i], b.h[m] = b.h[m], b.h[i]
		i = m
	}
}

// Sorted returns the items kept, first first; it ends the selection (add
// nothing after it).
func (b *Best[T]) Sorted() []T {
	slices.SortFunc(b.h, b.cmp)
	return b.h
}

// TopK returns the first k items of s in the order cmp gives, without
// sorting the rest (Best over s).
func TopK[T any](s []T, k int, cmp func(a, b T) int) []T {
	b := NewBest(k, cmp)
	for _, x := range s {
		b.Add(x)
	}
	return b.Sorted()
}
