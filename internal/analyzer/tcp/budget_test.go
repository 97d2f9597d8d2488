package tcp

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// TestStateEntryBytes measures what one entry of each budgeted table takes
// on the heap and checks that the per-entry figure the budget divides by
// (observer.go) is not below it: connections (each with its SYN-ACK and a
// retransmitted SYN, so both flows hold state, and with what a call then
// builds: views and the detectors' maps), flagged segments, unacknowledged
// segments.
func TestStateEntryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 100,000 entries")
	}
	const n = 100_000
	before := pcaptest.LiveHeap()
	o := synConns(n)
	r := newResults(o, &connFilter{})
	fs := o.run.Conclude(r)
	after := pcaptest.LiveHeap()
	per := int(after-before) / n
	t.Logf("%d connections, %d flagged segments, %d findings: %d bytes per connection (with its events and unacked entries)", len(o.t.conns), len(o.events), len(fs), per)
	if per > bytesConn {
		t.Errorf("%d bytes per connection, budgeted %d", per, bytesConn)
	}
	runtime.KeepAlive(o)
	runtime.KeepAlive(r)
}

// synServer is the server synConns' clients connect to.
var synServer = netip.AddrPortFrom(netip.MustParseAddr("2001:db8::80"), 80)

// synConns returns an observer that saw n connections from n clients to
// synServer, each a SYN, its SYN-ACK and a retransmitted SYN (flagged).
func synConns(n int) *observer {
	o := newObserver(limits{conns: 1 << 30, events: 1 << 30, unacked: 1 << 30}, 0, defaultThresholds())
	for i := range n {
		src := netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 1024)
		ts := int64(i) * 5000
		syn := segment{src: src, dst: synServer, seq: uint32(i), flags: flagSYN, window: 1000, haveLen: true, hdrLen: 20, opts: options{wscale: -1}}
		o.segment(3*i+1, ts, 74, &syn)
		sa := segment{src: synServer, dst: src, seq: ^uint32(i), ack: uint32(i) + 1, flags: flagSYN | flagACK, window: 1000, haveLen: true, hdrLen: 20, opts: options{wscale: -1}}
		o.segment(3*i+2, ts+1000, 74, &sa)
		o.segment(3*i+3, ts+4e9, 74, &syn)
	}
	return o
}

// TestKeptBytes measures what one item of each list the result cache keeps
// takes (rescache.SizeOf, as the cache counts it) and checks that the
// figure keptMax divides by (cache.go) is not below it. Each connection
// has one flagged segment, so no segment shares its connection's ends.
func TestKeptBytes(t *testing.T) {
	const n = 20_000
	o := synConns(n)
	r := newResults(o, &connFilter{})
	_, rows, evs := r.retransmissionsOutput("x", 0.02)
	flow := newResults(o, &connFilter{serverIP: synServer.Addr()})
	_, clients := flow.flowOutput(FlowInput{})
	for _, c := range []struct {
		name   string
		kept   any
		items  int
		budget int
	}{
		{"connection", keepConns(r.views, n), len(r.views), bytesKeptConn},
		{"flagged segment", r.keepSegments(evs, n), len(evs), bytesKeptSegment},
		{"retransmitting connection", keepList(rows, n), len(rows), bytesKeptRetrans},
		{"flow client", keepList(clients, n), len(clients), bytesKeptClient},
	} {
		if c.items != n {
			t.Fatalf("%s: %d items, want %d", c.name, c.items, n)
		}
		per := int(rescache.SizeOf(c.kept)) / n
		t.Logf("%s: %d bytes kept", c.name, per)
		if per > c.budget {
			t.Errorf("%s: %d bytes kept, budgeted %d", c.name, per, c.budget)
		}
	}
}
