package engine_test

import (
	"net"
	"runtime"
	"testing"
	"time"

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
