package sip

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// TestBudgetShares: the tables' shares of the state budget sum to at most
// 1, and every bound grows with the budget.
func TestBudgetShares(t *testing.T) {
	sum := 0.0
	for _, b := range allBudgets {
		sum += b.share
	}
	if sum > 1 {
		t.Errorf("shares sum to %g", sum)
	}
	small := newLimits(&analyzer.Env{MaxStateBytes: 64 << 20}, Options{MaxCalls: DefaultMaxCalls}, 50)
	large := newLimits(&analyzer.Env{}, Options{MaxCalls: DefaultMaxCalls}, 50)
	s, l := fmt.Sprintf("%+v", small), fmt.Sprintf("%+v", large)
	if small.conns >= large.conns || small.streamBytes >= large.streamBytes || small.callBytes >= large.callBytes || small.regs >= large.regs ||
		small.callIDs >= large.callIDs || small.retrans >= large.retrans || small.scanTargets >= large.scanTargets || small.authOthers >= large.authOthers {
		t.Errorf("64 MiB: %s\n512 MiB: %s", s, l)
	}
	if large.conns != 31457 || large.streamBytes != 107374182 {
		t.Errorf("512 MiB: %s", l)
	}
}

// TestStreamBudget: unfinished messages on many connections hold no more
// than the stream budget; past it the longest idle one is dropped, and
// closing a connection gives back what it held.
func TestStreamBudget(t *testing.T) {
	cfg := fuzzConfig(t)
	cfg.lim.streamBytes = 64 << 10
	o := newObserver(cfg)
	unfinished := []byte("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 20000\r\n\r\n" + string(make([]byte, 4000)))
	var conns []*engine.StreamConn
	at := func(int) (int, time.Time) { return 1, time.Unix(1, 0) }
	for i := range 100 {
		c := &engine.StreamConn{Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 40000), Server: netip.MustParseAddrPort("10.0.0.254:5060"),
			State: &connState{kind: flowSIP}}
		conns = append(conns, c)
		o.Data(c, true, unfinished, at)
		if o.streamHeld > cfg.lim.streamBytes {
			t.Fatalf("connection %d: %d bytes held", i, o.streamHeld)
		}
	}
	// 64 KiB hold about 12 of them (5 KB each, with room to grow): the
	// others were dropped, the oldest first.
	first, last := &conns[0].State.(*connState).dir[0], &conns[99].State.(*connState).dir[0]
	if o.streamDropped < 80 || len(first.pend) != 0 || !first.resync || len(last.pend) != len(unfinished) {
		t.Errorf("dropped %d; first holds %d (resync %v), last %d", o.streamDropped, len(first.pend), first.resync, len(last.pend))
	}
	// The rest of the last one's body arrives: it is a message.
	o.Data(conns[99], true, make([]byte, 16000), at)
	if o.found != 1 || len(last.pend) != 0 {
		t.Errorf("found %d, %d held", o.found, len(last.pend))
	}
	for _, c := range conns {
		o.Closed(c)
	}
	if o.streamHeld != 0 || o.heldFirst != nil || o.heldLast != nil {
		t.Errorf("after closing: %d held, list %p %p", o.streamHeld, o.heldFirst, o.heldLast)
	}
}
