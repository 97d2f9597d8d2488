package ntp

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

var t0 = time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)

// addrN is the n-th IPv6 address of a test range.
func addrN(n int) netip.Addr {
	var b [16]byte
	b[0], b[1] = 0x20, 0x01
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	return netip.AddrFrom16(b)
}

// datagram is a UDP datagram from src to dst carrying payload.
func datagram(n int, at time.Duration, src, dst netip.AddrPort, payload []byte) *engine.Packet {
	return &engine.Packet{Number: n, Timestamp: t0.Add(at), Length: 100,
		IPv6: &layers.IPv6{SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice(), NextHeader: layers.IPProtocolUDP},
		UDP:  &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port()), BaseLayer: layers.BaseLayer{Payload: payload}}}
}

// header is a 48-byte header of mode, stratum, leap, with the transmit
// and origin timestamps given.
func header(mode Mode, stratum, leap uint8, org, xmt uint64) []byte {
	b := make([]byte, headerLen)
	b[0], b[1] = leap<<6|4<<3|byte(mode), stratum
	binary.BigEndian.PutUint64(b[24:], org)
	binary.BigEndian.PutUint64(b[32:], xmt)
	binary.BigEndian.PutUint64(b[40:], xmt)
	return b
}

func testObserver(t testing.TB, lim limits) *observer {
	c, err := newConfig(Input{Limit: intp(0), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
	if err != nil {
		t.Fatal(err)
	}
	c.lim = lim
	return newObserver(c)
}

// TestBoundedState fills every table past a small bound, as a hostile
// capture would: each stays at its bound, and the result says what is
// partial.
func TestBoundedState(t *testing.T) {
	const bound, n = 50, 400
	o := testObserver(t, limits{pending: bound, servers: bound, pairs: bound / 2, addrs: bound, clients: bound, victims: bound, detServers: bound})
	frame := 0
	next := func() int { frame++; return frame }
	for i := range n {
		c, s := netip.AddrPortFrom(addrN(i), 40000), netip.AddrPortFrom(addrN(100000+i), 123)
		o.Observe(datagram(next(), time.Duration(i)*time.Millisecond, c, s, header(ModeClient, 0, 0, 0, uint64(i+1))))
	}
	for i := range n { // the answers: only the last bound requests are still waiting, and match
		c, s := netip.AddrPortFrom(addrN(i), 40000), netip.AddrPortFrom(addrN(100000+i), 123)
		o.Observe(datagram(next(), time.Second+time.Duration(i)*time.Millisecond, s, c, header(ModeServer, 16, 3, uint64(i+1), 1)))
		// kiss-o'-death, and a mode 7 response to a new destination, from every server
		kod := header(ModeServer, 0, 3, 0, 1)
		copy(kod[12:], "RATE")
		o.Observe(datagram(next(), 2*time.Second, s, c, kod))
		o.Observe(datagram(next(), 2*time.Second, s, netip.AddrPortFrom(addrN(200000+i), 80), []byte{0x97, 0, 3, 42, 0, 0, 0, 0}))
	}
	out := o.output(Input{}, &engine.Result{}, nil)
	if len(o.pending) > bound || o.pendingOrder.Len() > bound || len(o.servers) > bound || len(o.pairs) > bound || o.clients.Distinct() > bound {
		t.Errorf("tables past their bound: pending %d/%d, servers %d, pairs %d, clients %d", len(o.pending), o.pendingOrder.Len(), len(o.servers), len(o.pairs), o.clients.Distinct())
	}
	st := out.Statistics
	if st.Requests != n || st.Exchanges != bound || st.Unanswered != n-bound || st.UnmatchedResponses != 2*n-bound {
		t.Errorf("statistics: requests %d exchanges %d unanswered %d unmatched %d", st.Requests, st.Exchanges, st.Unanswered, st.UnmatchedResponses)
	}
	for _, want := range []string{"client request(s) were forgotten", "servers past the first 50", "clients per server", "distinct clients past 50",
		AnomalyKissOfDeath + ": servers past the first 50", AnomalyUnsynchronized + ": servers past the first 50", AnomalyAmplification + ": addresses past the first 50"} {
		if !slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("no warning %q in %q", want, out.Warnings)
		}
	}
	// The response of such a capture still fits the default budget.
	fit(out, false)
	if b, _ := json.Marshal(out); len(b) > ResponseBudget {
		t.Errorf("response of %d bytes after fit, over %d", len(b), ResponseBudget)
	}
	// The findings stay bounded too: five listed, the rest folded into one.
	for _, typ := range []string{AnomalyKissOfDeath, AnomalyUnsynchronized} {
		count := 0
		for _, f := range out.Anomalies {
			if f.Type == typ {
				count++
			}
		}
		if count != maxFindings+1 {
			t.Errorf("%d %s findings, want %d", count, typ, maxFindings+1)
		}
	}
}

// TestStateEntryBytes measures the heap one entry of each budgeted table
// takes at the worst point of its growth, and checks it against the bytes
// per entry the budget assumes (config.go).
func TestStateEntryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 40,000 entries")
	}
	huge := limits{pending: 1 << 30, servers: 1 << 30, pairs: 1 << 30, addrs: 1 << 30, clients: 1 << 30, victims: 1 << 30, detServers: 1 << 30}
	const n = 40000
	for _, c := range []struct {
		name  string
		bytes int
		fill  func() any
	}{
		{"pending requests (with distinct clients)", bytesPending + bytesAddr, func() any {
			o := testObserver(t, huge)
			s := netip.AddrPortFrom(addrN(0), 123)
			o.servers[s.Addr()] = &serverStat{addr: s.Addr()} // one server, so that only requests and clients grow
			o.serverOrder = append(o.serverOrder, o.servers[s.Addr()])
			for i := range n {
				o.Observe(datagram(i+1, 0, netip.AddrPortFrom(addrN(i+1), 40000), s, header(ModeClient, 0, 0, 0, uint64(i+1))))
			}
			o.pairs = nil // counted below
			return o
		}},
		{"servers with their samples, and a pair each", bytesServer + bytesPair, func() any {
			o := testObserver(t, huge)
			c := netip.AddrPortFrom(addrN(0), 40000)
			for i := range n {
				s := netip.AddrPortFrom(addrN(i+1), 123)
				o.Observe(datagram(i+1, 0, s, c, header(ModeServer, 2, 0, 0, 1)))
				st := o.servers[s.Addr()]
				for range serverSample {
					st.offsets.Add(1)
					st.delays.Add(1)
				}
			}
			return o
		}},
		{"ntp_amplification addresses", bytesVictim, func() any {
			d := amplification.New(analyzer.NewThresholds(detectors.Params())).(*ampDetector)
			lim := huge
			for i := range n {
				for j := range maxHostsListed {
					d.Observe(&event{p: &engine.Packet{Number: j + 1}, m: &message{mode: ModePrivate, size: 448, priv: private{response: true, reqcode: 42}},
						src: netip.AddrPortFrom(addrN(j+1), 123), dst: netip.AddrPortFrom(addrN(100000+i), 80), lim: &lim})
				}
			}
			return d
		}},
		{"ntp_large_offset clients", bytesClient, func() any {
			d := largeOffset.New(analyzer.NewThresholds(detectors.Params())).(*offsetDetector)
			lim := huge
			for i := range n {
				for j := range maxHostsListed {
					d.Observe(&event{p: &engine.Packet{Number: j + 1}, ex: &exchange{client: addrN(i), server: addrN(100000 + j), offset: 100, timed: true}, lim: &lim})
				}
			}
			return d
		}},
		{"ntp_unsynchronized_server servers", bytesDetSrv, func() any {
			d := unsynchronized.New(analyzer.NewThresholds(detectors.Params())).(*unsyncDetector)
			lim := huge
			m := &message{mode: ModeServer, hasHeader: true, leap: 3}
			m.hdr.Stratum = 16
			for i := range n {
				for j := range maxHostsListed {
					d.Observe(&event{p: &engine.Packet{Number: j + 1}, m: m, src: netip.AddrPortFrom(addrN(i), 123), dst: netip.AddrPortFrom(addrN(100000+j), 123), lim: &lim})
				}
			}
			return d
		}},
	} {
		before := pcaptest.LiveHeap()
		held := c.fill()
		per := int(int64(pcaptest.LiveHeap())-int64(before)) / n
		runtime.KeepAlive(held)
		t.Logf("%s: %d bytes per entry (budgeted %d)", c.name, per, c.bytes)
		if per > c.bytes {
			t.Errorf("%s: %d bytes per entry, over the %d the budget assumes", c.name, per, c.bytes)
		}
	}
}
