package engine_test

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
)

type closeCounter struct{ closed int }

func (c *closeCounter) Data(*engine.StreamConn, bool, []byte, func(int) (int, time.Time)) {}
func (c *closeCounter) Gap(*engine.StreamConn, bool, int)                                 {}
func (c *closeCounter) Closed(*engine.StreamConn)                                         { c.closed++ }

// TestReassemblerConnCap opens 300,000 connections that never close, each
// with a few bytes of data, all within a second of capture time (so no idle
// timeout helps): the Reassembler holds at most its cap, closes the longest
// idle ones past it (each seen by the handler as closed), says how many,
// and its heap stays small.
func TestReassemblerConnCap(t *testing.T) {
	const conns, capConns = 300000, 2000
	h := &closeCounter{}
	r := engine.NewReassembler(h)
	r.SetMaxConns(capConns)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	base := time.Unix(1700000000, 0)
	peak := 0
	for i := range conns {
		src := net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).To4()
		ip := &layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: net.IPv4(192, 0, 2, 53).To4()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(1024 + i%60000), DstPort: 53, Seq: 1, SYN: true}
		ts := base.Add(time.Duration(i) * time.Microsecond)
		r.Add(&engine.Packet{Number: 2*i + 1, Timestamp: ts, IPv4: ip, TCP: tcp})
		data := *tcp
		data.SYN, data.ACK, data.Seq, data.Payload = false, true, 2, []byte{0, 40, 1, 2} // an unfinished DNS message
		r.Add(&engine.Packet{Number: 2*i + 2, Timestamp: ts, IPv4: ip, TCP: &data})
		peak = max(peak, r.Conns())
	}
	if peak > capConns+1 {
		t.Errorf("held %d connections at once; cap %d", peak, capConns)
	}
	if r.Evicted() < conns-capConns {
		t.Errorf("evicted %d, want at least %d", r.Evicted(), conns-capConns)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<20 {
		t.Errorf("heap grew %d MiB for a cap of %d connections", grown>>20, capConns)
	}
	r.Flush()
	if h.closed != conns {
		t.Errorf("handler saw %d closed, want every one of %d", h.closed, conns)
	}
}

// TestReassemblerConnCapSameTime opens connections that all carry the same
// timestamp (a capture with a frozen clock): the cap holds all the same.
func TestReassemblerConnCapSameTime(t *testing.T) {
	r := engine.NewReassembler(&closeCounter{})
	r.SetMaxConns(1000)
	ts := time.Unix(1700000000, 0)
	peak := 0
	for i := range 20000 {
		ip := &layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, byte(i>>8), byte(i)).To4(), DstIP: net.IPv4(192, 0, 2, 53).To4()}
		r.Add(&engine.Packet{Number: i + 1, Timestamp: ts, IPv4: ip, TCP: &layers.TCP{SrcPort: layers.TCPPort(1024 + i), DstPort: 53, Seq: 1, SYN: true}})
		peak = max(peak, r.Conns())
	}
	if peak > 1001 || r.Evicted() < 19000 {
		t.Errorf("peak %d connections, %d evicted; cap 1000", peak, r.Evicted())
	}
}

// events records what a StreamHandler hears, one line a call, with the
// frame each call's data started in.
type events struct{ log []string }

func (e *events) Data(_ *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	f, _ := at(0)
	e.log = append(e.log, fmt.Sprintf("data %v %d@%d", fromClient, len(data), f))
}
func (e *events) Gap(_ *engine.StreamConn, fromClient bool, n int) {
	e.log = append(e.log, fmt.Sprintf("gap %v %d", fromClient, n))
}
func (e *events) Closed(*engine.StreamConn) { e.log = append(e.log, "closed") }

// TestReassemblerAckedHole: bytes the receiver acknowledged that the
// capture missed are never coming, so the data after them is delivered at
// once with a Gap before it (as tshark dissects it at once), in either
// order of the acknowledgement and the data; a hole nobody acknowledged
// still waits for its retransmission.
func TestReassemblerAckedHole(t *testing.T) {
	client, server := net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
	base := time.Unix(1700000000, 0)
	type seg struct {
		fromClient bool
		seq, ack   uint32
		n          int
	}
	run := func(segs []seg) []string {
		h := &events{}
		r := engine.NewReassembler(h)
		for i, s := range segs {
			src, dst, sp, dp := client, server, layers.TCPPort(40000), layers.TCPPort(80)
			if !s.fromClient {
				src, dst, sp, dp = server, client, 80, 40000
			}
			ip := &layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst, TTL: 64}
			tcp := &layers.TCP{SrcPort: sp, DstPort: dp, Seq: s.seq, Ack: s.ack, ACK: s.ack != 0, SYN: s.n < 0, Window: 1000}
			tcp.SetNetworkLayerForChecksum(ip)
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(make([]byte, max(s.n, 0)))); err != nil {
				t.Fatal(err)
			}
			// Decoded, as the engine gives packets (gopacket's flows come
			// from the decoded port bytes).
			pk := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv4, gopacket.Default)
			r.Add(&engine.Packet{Number: i + 1, Timestamp: base.Add(time.Duration(i) * time.Millisecond),
				IPv4: pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4), TCP: pk.Layer(layers.LayerTypeTCP).(*layers.TCP)})
		}
		h.log = append(h.log, "flush")
		r.Flush()
		return h.log
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s:\n got %s\nwant %s", name, strings.Join(got, "; "), strings.Join(want, "; "))
		}
	}
	handshake := []seg{{true, 100, 0, -1}, {false, 500, 101, -1}, {true, 101, 501, 0}, {true, 101, 501, 50}}
	// The server's first 200 bytes are lost; the client acknowledges
	// them before the rest arrives.
	check("ack first", run(append(append([]seg{}, handshake...),
		seg{false, 501, 151, 0}, seg{true, 151, 701, 0}, seg{false, 701, 151, 300}, seg{false, 1001, 151, 100})),
		"data true 50@4", "gap false 200", "data false 300@7", "data false 100@8", "flush", "closed")
	// The rest arrives first (held), then the acknowledgement.
	check("data first", run(append(append([]seg{}, handshake...),
		seg{false, 701, 151, 300}, seg{true, 151, 701, 0}, seg{false, 1001, 151, 100})),
		"data true 50@4", "gap false 200", "data false 300@5", "data false 100@7", "flush", "closed")
	// Acknowledged only in part: that part is a gap at once, the rest
	// waits for its retransmission (here, until the flush).
	check("acknowledged in part", run(append(append([]seg{}, handshake...),
		seg{false, 701, 151, 300}, seg{true, 151, 601, 0}, seg{false, 1001, 151, 100})),
		"data true 50@4", "gap false 100", "flush", "gap false 100", "data false 400@5", "closed")
	// Not acknowledged: it waits.
	check("not acknowledged", run(append(append([]seg{}, handshake...),
		seg{false, 701, 151, 300}, seg{true, 151, 501, 0}, seg{false, 1001, 151, 100})),
		"data true 50@4", "flush", "gap false 200", "data false 400@5", "closed")
}

// batchEvents records Closed calls and the flushes a Batcher hears, and
// the time each Data call's first byte carries.
type batchEvents struct {
	log   []string
	times []time.Time
}

func (e *batchEvents) Data(_ *engine.StreamConn, _ bool, _ []byte, at func(int) (int, time.Time)) {
	_, ts := at(0)
	e.times = append(e.times, ts)
}
func (e *batchEvents) Gap(*engine.StreamConn, bool, int) {}
func (e *batchEvents) Closed(*engine.StreamConn)         { e.log = append(e.log, "closed") }
func (e *batchEvents) FlushStarted()                     { e.log = append(e.log, "start") }
func (e *batchEvents) FlushEnded()                       { e.log = append(e.log, "end") }

// TestReassemblerBatcher: connections closed by the idle timeout and by
// the end of the capture are closed between FlushStarted and FlushEnded,
// and a reassembled byte carries its frame's time unchanged.
func TestReassemblerBatcher(t *testing.T) {
	h := &batchEvents{}
	r := engine.NewReassembler(h)
	base := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	var sent []time.Time
	conn := func(i int, ts time.Time) {
		ip := &layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, 0, byte(i)).To4(), DstIP: net.IPv4(192, 0, 2, 1).To4()}
		syn := &layers.TCP{SrcPort: layers.TCPPort(40000 + i), DstPort: 80, Seq: 1, SYN: true}
		r.Add(&engine.Packet{Number: 2*i + 1, Timestamp: ts, IPv4: ip, TCP: syn})
		data := *syn
		data.SYN, data.ACK, data.Seq, data.Payload = false, true, 2, []byte("GET / HTTP/1.1\r\n")
		r.Add(&engine.Packet{Number: 2*i + 2, Timestamp: ts, IPv4: ip, TCP: &data})
		sent = append(sent, ts)
	}
	for i := range 3 {
		conn(i, base.Add(time.Duration(i)*time.Millisecond))
	}
	conn(3, base.Add(3*time.Minute)) // past the idle timeout of the first three: they close in a flush
	r.Flush()                        // the fourth, at the end
	// Closes per flush that closed any (the first packet's flush closes
	// none); a close outside a flush fails.
	var closes []int
	in := false
	for _, ev := range h.log {
		switch ev {
		case "start":
			in = true
			closes = append(closes, 0)
		case "end":
			in = false
			if closes[len(closes)-1] == 0 {
				closes = closes[:len(closes)-1]
			}
		case "closed":
			if !in {
				t.Fatalf("a connection closed outside a flush: %q", h.log)
			}
			closes[len(closes)-1]++
		}
	}
	if fmt.Sprint(closes) != "[3 1]" {
		t.Errorf("closes per flush %v, want [3 1] (handler heard %q)", closes, h.log)
	}
	if len(h.times) != len(sent) {
		t.Fatalf("%d data calls, want %d", len(h.times), len(sent))
	}
	for i, ts := range h.times {
		if ts != sent[i] {
			t.Errorf("data call %d carries time %v, want its frame's %v", i, ts, sent[i])
		}
	}
}
