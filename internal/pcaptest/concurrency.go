package pcaptest

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers (a
// server's log written while the test reads it).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (n int, err error) {
	s.locked(func() { n, err = s.b.Write(p) })
	return n, err
}

// String returns what was written.
func (s *SyncBuffer) String() (str string) {
	s.locked(func() { str = s.b.String() })
	return str
}

// locked runs f holding the buffer's lock.
func (s *SyncBuffer) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Receive returns the next value of ch, and fails the test when none comes
// within d; what names the value in the failure.
func Receive[S any](t testing.TB, ch <-chan S, d time.Duration, what string) S {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("no %s within %v", what, d)
		panic("unreachable")
	}
}

// StopsAfter checks that work stops promptly when its caller goes away: it
// calls leave and fails unless stopped reports the work's end within a
// second (waiting up to wait for it). what names the work and how the way
// the caller left, in the failures.
func StopsAfter(t testing.TB, what, how string, stopped <-chan time.Time, wait time.Duration, leave func()) {
	t.Helper()
	at := time.Now()
	leave()
	end := Receive(t, stopped, wait, what+"'s end after "+how)
	if d := end.Sub(at); d > time.Second {
		t.Errorf("%s stopped %v after %s, want within a second", what, d, how)
	}
}

// WatchHeap samples the heap in use every 20 ms until the returned
// function is called; that returns the highest sample, in bytes.
func WatchHeap() (peak func() uint64) {
	var top atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > top.Load() {
				top.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return top.Load()
	}
}
