package overview

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
