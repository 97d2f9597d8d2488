package icmp

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// addrN is the n-th of many distinct addresses: IPv6 when v6 (the larger
// strings, for the tables that keep strings).
func addrN(n int, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: byte(n >> 24), 13: byte(n >> 16), 14: byte(n >> 8), 15: byte(n)})
	}
	return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
}

// TestStateEntryBytes measures what one entry of each budgeted table takes
// on the heap, at sizes just past a growth of its map (the worst point),
// and checks that the per-entry figure the budget divides by (config.go)
// is not below it: the budget is an upper bound on what the tables hold.
func TestStateEntryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 60,000 entries")
	}
	env := pcaptest.Env(0)
	newObs := func() *observer {
		c, err := newConfig(Input{Thresholds: analyzer.NewThresholds(detectors.Params())}, env)
		if err != nil {
			t.Fatal(err)
		}
		c.lim = limits{pending: 1 << 30, pairs: 1 << 30, sessions: 1 << 30, addrs: 1 << 30, probes: 1 << 30, routes: 1 << 30,
			sweep: 1 << 30, storm: 1 << 30, flows: 1 << 30, gateways: 1 << 30}
		return newObserver(c)
	}
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		bytes int
		per   int             // entries per table entry: maxHops hops make a route
		fill  func(n int) any // fills n entries (hops, for routes), returns what holds them
	}{
		{"pending", bytesPending, 0, func(n int) any {
			l := newLRU[echoKey, echoReq](1 << 30)
			for i := range n {
				l.Put(echoKey{addrN(i, true), addrN(i, true), 1, 2}, echoReq{}, nil)
			}
			return l
		}},
		{"pairs (with icmp_flood and icmp_tunneling_suspected state)", bytesPair, 0, func(n int) any {
			o := newObs()
			payload := []byte(strings.Repeat("\x1b", 600))
			for i := range n {
				p := &engine.Packet{Number: i + 1, Timestamp: ts, IPv6: &layers.IPv6{HopLimit: 64}}
				m := icmpMessage{v6: true, typ: 128, rest: append([]byte{0, 1, 0, 1}, payload...)}
				e := &event{p: p, msg: m, lim: &o.cfg.lim, pair: o.pair(pairKey{addrN(i, true), addrN(i+1, true)})}
				e.pair.sent++
				e.pair.ids = append(e.pair.ids, 1)
				for range result.MaxEvidence {
					o.run.Observe(e)
				}
			}
			return o
		}},
		{"sessions", bytesSession, 0, func(n int) any {
			o := newObs()
			for i := range n {
				o.session(sessKey{addrN(i, true), addrN(i, true), 1}).requests++
			}
			return o
		}},
		{"addresses", bytesAddr, 0, func(n int) any {
			c := result.NewCounter[netip.Addr](1<<30, maxUniqueListed)
			for i := range n {
				c.Add(addrN(i, true))
			}
			return c
		}},
		{"probes", bytesProbe, 0, func(n int) any {
			l := newLRU[probeKey, probe](1 << 30)
			for i := range n {
				l.Put(probeKey{addrN(i, true), addrN(i, true), uint64(i)}, probe{}, nil)
			}
			return l
		}},
		{"routes (64 hops of IPv6 routers, 5 RTTs each)", bytesRoute, maxHops, func(n int) any {
			o := newObs()
			for i := range n / maxHops {
				r := o.route(addrN(i, true), addrN(i+1, true), 17)
				for h := range maxHops {
					r.hops = append(r.hops, Hop{TTL: h + 1, Router: addrN(1<<24+h, true).String(), RTTMs: make([]float64, 0, maxHopRTTs)})
					for range maxHopRTTs {
						r.hops[h].RTTMs = append(r.hops[h].RTTMs, 1)
					}
				}
			}
			return o
		}},
		{"ping_sweep window (a source of its own per entry)", bytesSweep, 0, func(n int) any {
			o := newObs()
			d := o.run
			for i := range n {
				p := &engine.Packet{Number: i + 1, Timestamp: ts}
				d.Observe(&event{p: p, msg: icmpMessage{typ: 8}, lim: &o.cfg.lim, src: addrN(i, true), dst: addrN(i, true)})
			}
			return d
		}},
		{"unreachable_storm window", bytesStorm, 0, func(n int) any {
			var w result.Window[int64]
			for i := range n {
				w.Push(int64(i))
			}
			return &w
		}},
		{"fragmentation_needed_blackhole flows (20 frames each)", bytesFlow, 0, func(n int) any {
			o := newObs()
			for i := range n {
				p := &engine.Packet{Number: i + 1, Timestamp: ts}
				e := &event{p: p, msg: icmpMessage{v6: true, typ: 2}, lim: &o.cfg.lim, quoted: true,
					quote: engine.Quoted{Src: addrN(i, true), Dst: addrN(i, true)}}
				for range result.MaxEvidence {
					o.run.Observe(e)
				}
			}
			return o
		}},
		{"icmp_redirect gateways", bytesGateway, 0, func(n int) any {
			c := result.NewCounter[netip.Addr](1<<30, 0)
			for i := range n {
				c.Add(addrN(i, false))
			}
			return c
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			worst := 0.0
			// Just past a doubling of the map (7/8 load of 2^k slots), and
			// between two.
			for _, n := range []int{1<<15*7/8 + 64, 1 << 15, 1<<16*7/8 + 64} {
				before := pcaptest.LiveHeap()
				held := c.fill(n)
				after := pcaptest.LiveHeap()
				runtime.KeepAlive(held)
				per := float64(int64(after)-int64(before)) / float64(n/max(c.per, 1))
				worst = max(worst, per)
			}
			t.Logf("%.0f bytes per entry at worst; the budget counts %d", worst, c.bytes)
			if worst > float64(c.bytes) {
				t.Errorf("%.0f bytes per entry, above the %d the budget counts", worst, c.bytes)
			}
		})
	}
}

// TestStateWarnings runs a capture past every bound of a small budget's
// tables (1,000 entries each, the least a budget gives) and checks what
// the result says: each cut table in warnings, echo requests evicted
// unanswered still counted as unanswered.
func TestStateWarnings(t *testing.T) {
	var frames []pcaptest.Frame
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	for i := range 3000 {
		src, dst := fmt.Sprintf("10.0.%d.%d", i>>8, i&255), fmt.Sprintf("172.16.%d.%d", i>>8, i&255)
		frames = append(frames, pcaptest.Frame{Time: ts.Add(time.Duration(i) * time.Millisecond),
			Data: echo4(t, src, dst, 8, 0x77, uint16(i), nil)})
	}
	file := writeCapture(t, "bounds.pcap", frames)
	env := pcaptest.Env(0)
	env.MaxStateBytes = 1 // every table at its least: 1,000 entries
	out, err := New(Options{}).analyze(t.Context(), env, Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())})
	if err != nil {
		t.Fatal(err)
	}
	st := out.Statistics
	if st.EchoRequests != 3000 || st.EchoLost != 3000 || st.UniqueSourcesCount != 1000 || st.EchoSessions != 1000 || out.PairsTotal != 1000 {
		t.Errorf("statistics %+v, %d pairs", st, out.PairsTotal)
	}
	for _, want := range []string{"2,000 echo requests were evicted unanswered", "host pairs past the first 1,000", "echo sessions past the first 1,000",
		"unique_sources_count counts the first 1,000", "unique_destinations_count counts the first 1,000", "ping_sweep: 2,000"} {
		found := false
		for _, w := range out.Warnings {
			found = found || strings.Contains(w, want) && strings.Contains(w, "--max-state-bytes")
		}
		if !found {
			t.Errorf("no warning says %q: %q", want, out.Warnings)
		}
	}
}
