package tcp

import (
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
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
	server := netip.AddrPortFrom(netip.MustParseAddr("2001:db8::80"), 80)
	before := pcaptest.LiveHeap()
	o := newObserver(limits{conns: 1 << 30, events: 1 << 30, unacked: 1 << 30}, 0, defaultThresholds())
	for i := range n {
		src := netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 1024)
		ts := int64(i) * 5000
		syn := segment{src: src, dst: server, seq: uint32(i), flags: flagSYN, window: 1000, haveLen: true, hdrLen: 20, opts: options{wscale: -1}}
		o.segment(3*i+1, ts, 74, &syn)
		sa := segment{src: server, dst: src, seq: ^uint32(i), ack: uint32(i) + 1, flags: flagSYN | flagACK, window: 1000, haveLen: true, hdrLen: 20, opts: options{wscale: -1}}
		o.segment(3*i+2, ts+1000, 74, &sa)
		o.segment(3*i+3, ts+4e9, 74, &syn)
	}
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

// TestRecordWarningsAtBound checks that an export learns how many
// segments, and SYNs, of connections past the tracker's bound are in no
// tcp row.
func TestRecordWarningsAtBound(t *testing.T) {
	server := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.80"), 80)
	o := newObserver(limits{conns: 2, events: 100, unacked: 100}, 0, defaultThresholds())
	if w := o.recordWarnings(); len(w) != 0 {
		t.Fatalf("recordWarnings() before any segment = %q, want none", w)
	}
	for i := range 5 {
		src := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(1024+i))
		syn := segment{src: src, dst: server, seq: uint32(i), flags: flagSYN, window: 1000, haveLen: true, hdrLen: 20, opts: options{wscale: -1}}
		o.segment(i+1, int64(i)*1000, 74, &syn)
	}
	w := o.recordWarnings()
	want := "tcp: the tcp table reached its bound of 2 connections (state budget): 3 segments of later connections, 3 of them SYNs"
	if len(w) != 1 || !strings.HasPrefix(w[0], want) {
		t.Errorf("recordWarnings() = %q, want one starting %q", w, want)
	}
}
