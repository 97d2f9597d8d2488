package rescache

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLRU(t *testing.T) {
	c := New(100)
	c.Put("a", 1, 40)
	c.Put("b", 2, 40)
	if _, ok := c.Get("a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.Put("c", 3, 40) // over the bound: b, the least recently used, goes
	if _, ok := c.Get("b"); ok {
		t.Error("b kept; want it evicted as least recently used")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.Put("huge", 4, 101) {
		t.Error("a value over the whole bound was kept")
	}
	if _, ok := c.Get("a"); !ok {
		t.Error("refusing an oversized value evicted others")
	}
	c.Put("a", 5, 10) // replaced, size updated
	if v, _ := c.Get("a"); v != 5 {
		t.Errorf("a = %v, want the replacement 5", v)
	}
	if st := c.Stats(); st.Bytes != 50 || st.Entries != 2 || st.Evictions != 1 || st.Refused != 1 {
		t.Errorf("stats %+v, want 2 entries of 50 bytes, 1 eviction, 1 refused", st)
	}
}

// TestBound puts values of random sizes from several goroutines and checks
// the cache never holds more than its bound.
func TestBound(t *testing.T) {
	const bound = 10000
	c := New(bound)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 2000 {
				c.Put(fmt.Sprint(g, i%50), i, int64(r.IntN(3000)))
				c.Get(fmt.Sprint(g, r.IntN(50)))
				if st := c.Stats(); st.Bytes > bound {
					t.Errorf("cache holds %d bytes, bound %d", st.Bytes, bound)
					return
				}
			}
		})
	}
	wg.Wait()
}

type record struct {
	Name  string
	Addr  netip.Addr
	When  time.Time
	Tags  []string
	Count int
	Attrs map[string]int
	Next  *record
}

// TestSizeOf compares SizeOf of a table of records with what the heap grew
// by to hold it: within a third either way.
func TestSizeOf(t *testing.T) {
	build := func() []*record {
		out := make([]*record, 0, 20000)
		for i := range 20000 {
			r := &record{Name: strings.Repeat("n", 10+i%50), Addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}),
				When: time.Unix(int64(i), 0).UTC(), Tags: []string{fmt.Sprint("t", i), "shared"}, Count: i,
				Attrs: map[string]int{fmt.Sprint("k", i): i}}
			if i > 0 {
				r.Next = out[i-1] // counted once
			}
			out = append(out, r)
		}
		return out
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	grew := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
	got := SizeOf(v)
	runtime.KeepAlive(v)
	if got < grew*2/3 || got > grew*4/3 {
		t.Errorf("SizeOf = %d bytes; the heap grew by %d", got, grew)
	}
	if SizeOf(nil) != 0 || SizeOf(3) != 8 || SizeOf("abc") != 16+8 {
		t.Errorf("SizeOf of nil, an int, a string: %d %d %d", SizeOf(nil), SizeOf(3), SizeOf("abc"))
	}
}
