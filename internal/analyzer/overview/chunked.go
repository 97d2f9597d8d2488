package overview

import "slices"

// chunked is an append-only list kept in fixed-size chunks: appending never
// copies what is already there (a growing slice of large records would copy
// them all at every doubling), and a record's index stays valid.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
)

// add appends a zero record and returns its index and a pointer to it.
func (c *chunked[T]) add() (int32, *T) {
	if c.n>>chunkBits == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, chunkSize))
	}
	i := c.n
	c.n++
	return int32(i), &c.chunks[i>>chunkBits][i&(chunkSize-1)]
}

// at returns the record at index i.
func (c *chunked[T]) at(i int32) *T { return &c.chunks[i>>chunkBits][i&(chunkSize-1)] }

// len returns how many records there are.
func (c *chunked[T]) len() int { return c.n }

// topK returns the first k items of s in the order cmp gives (negative:
// a before b), without sorting the rest: a bounded heap, O(n log k). s is
// reordered.
func topK[T any](s []T, k int, cmp func(a, b T) int) []T {
	if k >= len(s) {
		slices.SortFunc(s, cmp)
		return s
	}
	if k <= 0 {
		return s[:0]
	}
	// s[:k] is a heap whose root is the worst of the best k so far.
	worse := func(i, j int) bool { return cmp(s[i], s[j]) > 0 }
	down := func(i, n int) {
		for {
			l := 2*i + 1
			if l >= n {
				return
			}
			m := l
			if r := l + 1; r < n && worse(r, l) {
				m = r
			}
			if !worse(m, i) {
				return
			}
			s[i], s[m] = s[m], s[i]
			i = m
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i, k)
	}
	for i := k; i < len(s); i++ {
		if cmp(s[i], s[0]) < 0 {
			s[0], s[i] = s[i], s[0]
			down(0, k)
		}
	}
	top := s[:k]
	slices.SortFunc(top, cmp)
	return top
}
