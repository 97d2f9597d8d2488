package packets

import (
	"runtime"
	"syscall"
)

// newChunk returns an empty chunk of n bytes of kept frames or records, n
// a multiple of 2 MiB: mapped apart from the Go heap with transparent huge pages
// asked for (MADV_HUGEPAGE), since a store is hundreds of MiB written
// once and scanned whole, where 4 KiB pages cost a fault each to fill and
// a TLB miss each to scan. It is unmapped once owner is unreachable. It
// falls back to the heap when the mapping fails.
func newChunk(owner *frameStore, n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, 0, n)
	}
	syscall.Madvise(b, 14) // MADV_HUGEPAGE; without it, small pages
	runtime.AddCleanup(owner, func(b []byte) { syscall.Munmap(b) }, b)
	return b[:0]
}
