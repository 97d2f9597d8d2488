//go:build !linux

package packets

// newChunk returns an empty chunk of n bytes of kept frames.
func newChunk(owner *frameStore, n int) []byte { return make([]byte, 0, n) }
