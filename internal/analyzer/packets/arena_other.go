//go:build !linux

package packets

import "os"

// newChunk returns an empty chunk of n bytes of kept frames.
func newChunk(owner *frameStore, n int) []byte { return make([]byte, 0, n) }

// mapFile maps no file here: the store copies the frames' bytes.
func mapFile(owner *frameStore, f *os.File, size int64) []byte { return nil }
