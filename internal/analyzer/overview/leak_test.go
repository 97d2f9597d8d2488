package overview

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestFailedPassStops: a call whose pass fails (here, cancelled) leaves no
// goroutine behind: the tables' worker of a pass on several workers stops.
func TestFailedPassStops(t *testing.T) {
	m := New(Options{})
	env := pcaptest.Env(0)
	env.Workers = 2
	before := runtime.NumGoroutine()
	for range 20 {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := m.analyze(ctx, env, Input{PcapFile: pcaptest.GenFile(t, "dns-normal.pcap")}); err == nil {
			t.Fatal("a cancelled call succeeded")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after 20 failed calls, %d before", n, before)
	}
}
