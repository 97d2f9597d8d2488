package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// digest is an observer that records what it saw of each frame, in order,
// the way an observer with state of its own would, and when it was flushed.
type digest struct {
	seen    []string
	flushed int
	after   int // frames seen after Flush
	only    layers.IPProtocol
}

func (d *digest) Observe(p *engine.Packet) {
	if d.flushed > 0 {
		d.after++
	}
	h := fnv.New64a()
	h.Write(p.Data)
	proto, src, dst := "", "", ""
	if p.IPv4 != nil {
		src, dst = p.IPv4.SrcIP.String(), p.IPv4.DstIP.String()
	}
	switch {
	case p.UDP != nil:
		proto = fmt.Sprintf("udp %d>%d %d", p.UDP.SrcPort, p.UDP.DstPort, len(p.UDP.Payload))
	case p.TCP != nil:
		proto = fmt.Sprintf("tcp %d>%d seq %d %d", p.TCP.SrcPort, p.TCP.DstPort, p.TCP.Seq, len(p.TCP.Payload))
	case p.ICMPv4 != nil:
		proto = fmt.Sprintf("icmp %v", p.ICMPv4.TypeCode)
	}
	d.seen = append(d.seen, fmt.Sprintf("%d %x %s>%s %s vlans %v", p.Number, h.Sum64(), src, dst, proto, p.VLANs))
}

func (d *digest) Flush() { d.flushed++ }

// interested is a digest that asks only for one IP protocol.
type interested struct{ digest }

func (d *interested) Interest() engine.Interest {
	return engine.Interest{IPProtocols: []layers.IPProtocol{layers.IPProtocolTCP}}
}

// TestConcurrentSameAsSerial: with Options.Concurrent, every observer sees
// exactly the frames, decoded the same, in the same order, as when the
// observers run in turn on one goroutine, over many batches; each is
// flushed once, after its last frame; Serial keeps a unit's observers
// together.
func TestConcurrentSameAsSerial(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 20000))
	runWith := func(concurrent bool) ([]*digest, *engine.Result) {
		ds := []*digest{{}, {}, {}, {}, {}}
		tcp := &interested{}
		obs := []engine.Observer{ds[0], ds[1], ds[2], engine.Serial(ds[3], ds[4], tcp)}
		res, err := engine.Run(t.Context(), bytes.NewReader(file), engine.Options{Concurrent: concurrent}, obs...)
		if err != nil {
			t.Fatal(err)
		}
		return append(ds, &tcp.digest), res
	}
	want, wantRes := runWith(false)
	got, gotRes := runWith(true)
	if gotRes.Packets != 20000 || gotRes.Packets != wantRes.Packets || gotRes.DecodeErrors != wantRes.DecodeErrors {
		t.Fatalf("concurrent pass read %d packets (%d decode errors), serial %d (%d)", gotRes.Packets, gotRes.DecodeErrors, wantRes.Packets, wantRes.DecodeErrors)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.flushed != 1 || g.after != 0 {
			t.Errorf("observer %d: flushed %d times, %d frames after Flush; want once, after the last", i, g.flushed, g.after)
		}
		if len(g.seen) != len(w.seen) {
			t.Fatalf("observer %d saw %d frames concurrently, %d serially", i, len(g.seen), len(w.seen))
		}
		for j := range g.seen {
			if g.seen[j] != w.seen[j] {
				t.Fatalf("observer %d, frame %d: concurrent %q, serial %q", i, j, g.seen[j], w.seen[j])
			}
		}
	}
	if n := len(got[5].seen); n == 0 || n >= 20000 {
		t.Errorf("the TCP-only observer saw %d frames, want only the TCP ones", n)
	}
}

// TestConcurrentObserverPanic: a panic of an observer running on another
// goroutine is a panic of Run on the caller's goroutine, with its value.
func TestConcurrentObserverPanic(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 5000))
	got := func() (v any) {
		defer func() { v = recover() }()
		engine.Run(t.Context(), bytes.NewReader(file), engine.Options{Concurrent: true},
			&digest{}, engine.ObserverFunc(func(p *engine.Packet) {
				if p.Number == 3000 {
					panic("observer bug")
				}
			}), &digest{})
		return nil
	}()
	if got != "observer bug" {
		t.Fatalf("Run panicked with %v, want the observer's panic", got)
	}
}

// TestConcurrentCancel: a cancelled concurrent pass stops and says so.
func TestConcurrentCancel(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 20000))
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	_, err := engine.Run(ctx, bytes.NewReader(file), engine.Options{Concurrent: true}, &digest{}, engine.ObserverFunc(func(*engine.Packet) {
		n++
		if n == 5000 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n >= 20000 {
		t.Errorf("observed %d packets after cancel; the pass should stop", n)
	}
}

// slow is a digest that spends 2 ms more on each frame the engine times
// (one in engine.CostEvery): what it costs then stands far above the
// timing noise of a loaded machine (a light observer preempted once adds
// a few ms), while the test's time stays small.
type slow struct{ digest }

func (s *slow) Observe(p *engine.Packet) {
	s.digest.Observe(p)
	if p.Number%engine.CostEvery != 0 {
		return
	}
	for start := time.Now(); time.Since(start) < 2*time.Millisecond; {
	}
}

// TestRebalance: concurrent observers dealt badly into the units (both
// costly ones in one) are moved so that each unit has one, at a barrier
// batch; every observer still sees every frame once, in order, as on one
// goroutine.
func TestRebalance(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 6000)) // past the first barrier (64 batches of 64)
	var moves [][][]int
	defer engine.SetRebalanceHook(func(m [][]int) {
		c := make([][]int, len(m))
		for i := range m {
			c[i] = slices.Clone(m[i])
		}
		moves = append(moves, c)
	})()
	run := func(opts engine.Options) []*digest {
		heavy1, heavy2, light1, light2 := &slow{}, &slow{}, &digest{}, &digest{}
		if _, err := engine.Run(t.Context(), bytes.NewReader(file), opts, heavy1, light1, heavy2, light2); err != nil {
			t.Fatal(err)
		}
		return []*digest{&heavy1.digest, light1, &heavy2.digest, light2}
	}
	want := run(engine.Options{Workers: 1})
	got := run(engine.Options{Concurrent: true, Workers: 2})
	if len(moves) == 0 {
		t.Fatal("the units of (heavy, heavy) and (light, light) were not rebalanced")
	}
	for _, unit := range moves[0] {
		if n := len(slices.DeleteFunc(slices.Clone(unit), func(i int) bool { return i%2 == 1 })); n != 1 {
			t.Errorf("after the first rebalance the units are %v: want one costly observer (0 or 2) in each", moves[0])
		}
	}
	for i := range got {
		if g, w := got[i], want[i]; !slices.Equal(g.seen, w.seen) || g.flushed != 1 || g.after != 0 {
			t.Errorf("observer %d saw %d frames (flushed %d, %d after), on one goroutine %d", i, len(g.seen), g.flushed, g.after, len(w.seen))
		}
	}
}
