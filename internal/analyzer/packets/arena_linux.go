package packets

import (
	"os"
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

// mapFile maps the first size bytes of the capture file f read-only and
// shared (the page cache's own pages: nothing is copied), so that owner
// reads its frames' bytes where the file holds them. The mapping outlives
// f (its caller closes it) and is unmapped once owner is unreachable. It
// returns nil when f cannot be mapped (not a regular file, empty, or the
// mapping fails): owner then copies the bytes.
func mapFile(owner *frameStore, f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() < size {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var b []byte
	var merr error
	if err := rc.Control(func(fd uintptr) {
		b, merr = syscall.Mmap(int(fd), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil || merr != nil {
		return nil
	}
	runtime.AddCleanup(owner, func(b []byte) { syscall.Munmap(b) }, b)
	return b
}
