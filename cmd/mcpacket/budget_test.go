//go:build !race

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// The worst cases of each module's state under a small state budget (issue
// 10), in <module>_budget_test.go. Each capture is generated as a stream
// the tool reads through a pipe, never written to the repository; the tool
// runs with a budgetState state budget (64 MiB, so that every table
// evicts; or the default one, with MCPACKET_BUDGET_STATE=default, as make
// test runs them too), and the tests assert that the heap stays under the
// budget plus a fixed margin and that the result discloses what was
// evicted.
// MCPACKET_BUDGET_CAPTURE_DIR=dir also writes each capture there, to
// measure the binary on it (/usr/bin/time -f %M mcpacket analyze <module>
// dir/<capture> --json).

// The bounds the heap must keep. The live heap (as marked by each garbage
// collection) holds the module's tables, at most budgetState, and the rest
// (the engine, buffers, the result) within budgetMargin. HeapAlloc also
// counts garbage not yet collected: with GOGC=100 the runtime lets it grow
// to about twice the live heap before collecting, so its high-water mark is
// checked against twice the live bound.
var (
	budgetState  = stateBudget() // --max-state-bytes of the calls
	maxLiveHeap  = budgetState + budgetMargin
	maxHeapAlloc = 2*budgetState + budgetMargin
)

const budgetMargin = 64 << 20

// atDefault reports whether the worst cases run under the default budget.
// Some tables of theirs hold every entry there (the default pays for them):
// those evict nothing, so a test asks for their warnings only under the
// small budget.
func atDefault() bool { return budgetState == analyzer.DefaultMaxStateBytes }

// stateBudget is the state budget the worst cases run under: 64 MiB, small
// enough that every test is quick, or, with MCPACKET_BUDGET_STATE=default
// (CI runs it so), the budget a server has unless told otherwise
// (analyzer.DefaultMaxStateBytes).
func stateBudget() uint64 {
	if os.Getenv("MCPACKET_BUDGET_STATE") == "default" {
		return analyzer.DefaultMaxStateBytes
	}
	return 64 << 20
}

// worstCapture is a generated worst case: its file name and the generator
// that writes it.
type worstCapture struct {
	name  string
	write func(w io.Writer) error
}

// pcapStream writes a microsecond (or, with nanos, nanosecond) Ethernet
// pcap to w through a 1 MiB buffer, as the worst-case generators do.
type pcapStream struct {
	bw *bufio.Writer
	pw *pcapgo.Writer
}

// newPcapStream writes the file header and returns the stream.
func newPcapStream(w io.Writer, nanos bool) (*pcapStream, error) {
	s := &pcapStream{bw: bufio.NewWriterSize(w, 1<<20)}
	s.pw = pcapgo.NewWriter(s.bw)
	if nanos {
		s.pw = pcapgo.NewWriterNanos(s.bw)
	}
	return s, s.pw.WriteFileHeader(65535, layers.LinkTypeEthernet)
}

// frame writes one frame captured at ts.
func (s *pcapStream) frame(ts time.Time, b []byte) error {
	return s.pw.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b)
}

// flush writes what the buffer holds.
func (s *pcapStream) flush() error { return s.bw.Flush() }

// heapPeaks are the high-water marks of the heap during a call.
type heapPeaks struct {
	base  uint64 // HeapAlloc before the call, after a collection
	alloc uint64 // runtime.MemStats.HeapAlloc, sampled every 50 ms
	live  uint64 // /gc/heap/live:bytes, the heap marked live by the last collection
}

// added is how much HeapAlloc grew over its base during the call.
func (h heapPeaks) added() uint64 { return h.alloc - min(h.base, h.alloc) }

// check fails the test when a peak is over its bound.
func (h heapPeaks) check(t *testing.T) {
	t.Helper()
	if h.live > maxLiveHeap {
		t.Errorf("peak live heap %.1f MiB, over the %d MiB budget + %d MiB", float64(h.live)/(1<<20), budgetState>>20, budgetMargin>>20)
	}
	if h.alloc > maxHeapAlloc {
		t.Errorf("peak HeapAlloc %.1f MiB, over twice the %d MiB budget + %d MiB", float64(h.alloc)/(1<<20), budgetState>>20, budgetMargin>>20)
	}
}

// checkAdded fails the test when the call added more than the budget and
// the margin to the heap.
func (h heapPeaks) checkAdded(t *testing.T) {
	t.Helper()
	if h.added() > budgetState+budgetMargin {
		t.Errorf("peak heap %d MiB over a base of %d MiB, want at most the budget %d MiB + %d MiB", h.added()>>20, h.base>>20, budgetState>>20, budgetMargin>>20)
	}
}

// peakHeap runs f while sampling the heap every 50 ms and returns its
// peaks.
func peakHeap(f func()) heapPeaks {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := heapPeaks{base: ms.HeapAlloc}
	var mu sync.Mutex
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		metrics.Read(live)
		mu.Lock()
		h.alloc = max(h.alloc, ms.HeapAlloc)
		h.live = max(h.live, live[0].Value.Uint64())
		mu.Unlock()
	}
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	sample()
	return h
}

// budgetCall runs tool with default arguments and a budgetState state
// budget on c, streamed from its generator, sampling the heap. It fails
// the test on an error of the call or of the generator and on a result
// over 32 KiB, logs what it measured and the warnings, and returns the
// result's JSON and the heap's peaks. It skips the test in -short.
func budgetCall(t *testing.T, tool string, c worstCapture) ([]byte, heapPeaks) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: the state-budget worst case %s takes seconds", c.name)
	}
	if dir := os.Getenv("MCPACKET_BUDGET_CAPTURE_DIR"); dir != "" {
		f, err := os.Create(filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.write(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tl, ok := reg.Tool(tool)
	if !ok {
		t.Fatalf("no %s", tool)
	}
	env := pcaptest.Env(0)
	env.MaxStateBytes = int64(budgetState)
	genErr := make(chan error, 1)
	env.Open = func(ctx context.Context, ref string) (*analyzer.Source, error) {
		pr, pw := io.Pipe()
		go func() {
			err := c.write(pw)
			pw.CloseWithError(err)
			genErr <- err
		}()
		return &analyzer.Source{ReadCloser: pr, Name: ref, Size: -1}, nil
	}
	start := time.Now()
	var out any
	peaks := peakHeap(func() {
		out, err = tl.Call(t.Context(), env, []byte(`{"pcap_file":`+quote(c.name)+`}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-genErr; err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	var res struct {
		Warnings []string `json:"warnings"`
	}
	json.Unmarshal(b, &res)
	t.Logf("%s: %v, peak heap %.1f MiB over a base of %.1f MiB, peak live heap %.1f MiB (budget %d MiB), response %d bytes; warnings:\n  %s",
		c.name, time.Since(start).Round(time.Millisecond), float64(peaks.added())/(1<<20), float64(peaks.base)/(1<<20), float64(peaks.live)/(1<<20),
		budgetState>>20, len(b), strings.Join(res.Warnings, "\n  "))
	if len(b) > 32<<10 {
		t.Errorf("default response is %d bytes, over 32 KiB", len(b))
	}
	return b, peaks
}

// wantWarnings fails the test for each of subs that no warning of the
// result holds; with flag, the warning must also name the state-budget
// flag that caused it.
func wantWarnings(t *testing.T, result []byte, flag bool, subs ...string) {
	t.Helper()
	var res struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(result, &res); err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		found := false
		for _, w := range res.Warnings {
			found = found || strings.Contains(w, sub) && (!flag || strings.Contains(w, "--max-state-bytes"))
		}
		if !found {
			t.Errorf("no warning says %q; warnings: %q", sub, res.Warnings)
		}
	}
}

// framesCapture is a worst case of n frames made by next, which returns
// frame i (in a buffer it may reuse) and its time.
func framesCapture(name string, n int, nanos bool, next func(i int) ([]byte, time.Time)) worstCapture {
	return worstCapture{name, func(w io.Writer) error {
		ps, err := newPcapStream(w, nanos)
		if err != nil {
			return err
		}
		for i := range n {
			b, ts := next(i)
			if err := ps.frame(ts, b); err != nil {
				return err
			}
		}
		return ps.flush()
	}}
}
