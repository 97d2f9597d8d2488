//go:build !race

package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// The DHCP module's worst cases for its state (issue 10): 3M DISCOVERs in
// one starvation window, and 1M clients. Each capture is generated as a
// stream the reader consumes (an io.Pipe), never written to the
// repository; the tool runs with a small state budget, so that eviction
// certainly happens, and the test asserts that the heap stays under the
// budget plus a fixed margin and that the result discloses what was
// evicted. MCPACKET_BUDGET_CAPTURE_DIR=dir also writes each capture there,
// to measure the binary (/usr/bin/time -f %M mcpacket analyze dhcp F --json).

// The bounds the heap must keep. The live heap (as marked by each garbage
// collection) holds the module's tables, at most budgetState, and the rest
// (the engine, buffers, the result) within budgetMargin. HeapAlloc also
// counts garbage not yet collected: with GOGC=100 the runtime lets it grow
// to about twice the live heap before collecting, so its high-water mark is
// checked against twice the live bound.
const (
	budgetState  = 64 << 20 // --max-state-bytes of the calls
	budgetMargin = 64 << 20
	maxLiveHeap  = budgetState + budgetMargin
	maxHeapAlloc = 2*budgetState + budgetMargin
)

// dhcpTemplate is one Ethernet/IPv4/UDP/DHCP frame built by gopacket, and
// the offsets of the fields the generator rewrites per packet.
type dhcpTemplate struct {
	frame          []byte
	srcMAC, dstMAC int // Ethernet source and destination
	xid, chaddr    int // BOOTP xid and chaddr
	yiaddr         int
}

func newDHCPTemplate(t *testing.T, reply bool, opts []layers.DHCPOption) dhcpTemplate {
	op, srcIP, dstIP, sport, dport := layers.DHCPOpRequest, "0.0.0.0", "255.255.255.255", uint16(68), uint16(67)
	if reply {
		op, srcIP, dstIP, sport, dport = layers.DHCPOpReply, "10.0.0.1", "255.255.255.255", 67, 68
	}
	d := &layers.DHCPv4{Operation: op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, ClientHWAddr: pcaptest.MAC(t, "02:00:00:00:00:00"), Options: opts}
	frame := pcaptest.UDP4(t, "02:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", srcIP, dstIP, sport, dport, pcaptest.Serialize(t, d))
	const bootp = 14 + 20 + 8
	binary.BigEndian.PutUint16(frame[14+20+6:], 0) // no UDP checksum: the generator rewrites the payload
	return dhcpTemplate{frame: frame, srcMAC: 6, dstMAC: 0, xid: bootp + 4, chaddr: bootp + 28, yiaddr: bootp + 16}
}

// pcapStream writes a little-endian microsecond pcap of n frames made by
// next (which fills the frame and returns its time) to w.
func pcapStream(w io.Writer, n int, next func(i int) ([]byte, time.Time)) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(layers.LinkTypeEthernet))
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	rec := make([]byte, 16)
	for i := range n {
		frame, ts := next(i)
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, err := bw.Write(rec); err != nil {
			return err
		}
		if _, err := bw.Write(frame); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// putMAC writes the MAC 02:<i as 5 bytes> at b.
func putMAC(b []byte, i int) {
	b[0] = 2
	for k := 5; k >= 1; k-- {
		b[k] = byte(i)
		i >>= 8
	}
}

// heapPeaks are the high-water marks of the heap during a call.
type heapPeaks struct {
	alloc uint64 // runtime.MemStats.HeapAlloc, sampled every 50 ms
	live  uint64 // /gc/heap/live:bytes, the heap marked live by the last collection
}

// check fails the test when a peak is over its bound.
func (h heapPeaks) check(t *testing.T) {
	t.Helper()
	if h.live > maxLiveHeap {
		t.Errorf("peak live heap %.1f MiB, over the %d MiB budget + %d MiB", float64(h.live)/(1<<20), budgetState>>20, budgetMargin>>20)
	}
	if h.alloc > maxHeapAlloc {
		t.Errorf("peak HeapAlloc %.1f MiB, over twice the %d MiB budget + %d MiB", float64(h.alloc)/(1<<20), budgetState>>20, budgetMargin>>20)
	}
}

// runBudgetCase streams a generated capture into analyze_dhcp_packets with
// a budgetState state budget, sampling the heap every 50 ms; it returns the
// result and the heap's peaks.
func runBudgetCase(t *testing.T, name string, n int, next func(i int) ([]byte, time.Time)) (map[string]any, heapPeaks) {
	t.Helper()
	if dir := os.Getenv("MCPACKET_BUDGET_CAPTURE_DIR"); dir != "" {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := pcapStream(f, n, next); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, _ := reg.Tool("analyze_dhcp_packets")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(pcapStream(pw, n, next)) }()
	env := &analyzer.Env{MaxStateBytes: budgetState, Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		return &analyzer.Source{ReadCloser: pr, Name: ref, Size: -1}, nil
	}}

	runtime.GC()
	var peaks heapPeaks
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			runtime.ReadMemStats(&ms)
			metrics.Read(live)
			peaks.alloc = max(peaks.alloc, ms.HeapAlloc)
			peaks.live = max(peaks.live, live[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	out, err := tool.Call(t.Context(), env, []byte(`{"pcap_file": "`+name+`"}`))
	close(done)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	var m map[string]any
	json.Unmarshal(b, &m)
	t.Logf("%s: %d packets in %v, peak live heap %.1f MiB, peak HeapAlloc %.1f MiB, response %d bytes", name, n, time.Since(start).Round(time.Millisecond),
		float64(peaks.live)/(1<<20), float64(peaks.alloc)/(1<<20), len(b))
	return m, peaks
}

func warningsOf(t *testing.T, m map[string]any) string {
	var ws []string
	for _, w := range m["warnings"].([]any) {
		ws = append(ws, w.(string))
	}
	return strings.Join(ws, "\n")
}

// TestDHCPBudgetDiscoverFlood: 3,000,000 DISCOVERs from 3,000,000 MACs
// within one 60 s starvation window (20 µs apart): the window, the
// transactions, the clients and the starvation bursts all reach their
// bounds.
func TestDHCPBudgetDiscoverFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 3M-DISCOVER state budget test takes about 15 s")
	}
	const n = 3_000_000
	tpl := newDHCPTemplate(t, false, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)}),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte("flood-host")),
	})
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	frame := tpl.frame
	m, peaks := runBudgetCase(t, "dhcp-discover-flood-3m.pcap", n, func(i int) ([]byte, time.Time) {
		putMAC(frame[tpl.srcMAC:], i)
		putMAC(frame[tpl.chaddr:], i)
		binary.BigEndian.PutUint32(frame[tpl.xid:], uint32(i))
		return frame, t0.Add(time.Duration(i) * 20 * time.Microsecond)
	})
	peaks.check(t)
	if found := m["dhcp_packets_found"].(float64); found != n {
		t.Errorf("dhcp_packets_found %v, want %d", found, n)
	}
	st := m["statistics"].(map[string]any)
	if st["transaction_count"].(float64) != n {
		t.Errorf("transaction_count %v, want %d (evicted ones included)", st["transaction_count"], n)
	}
	ws := warningsOf(t, m)
	for _, want := range []string{"DHCP transactions evicted under the state budget", "client table full under the state budget",
		"dhcp_starvation: its window holds at most", "dhcp_starvation: "} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings lack %q:\n%s", want, ws)
		}
	}
	var types []string
	for _, a := range m["anomalies"].([]any) {
		types = append(types, a.(map[string]any)["type"].(string))
	}
	if !strings.Contains(strings.Join(types, ","), "dhcp_starvation") {
		t.Errorf("anomalies %v: want dhcp_starvation", types)
	}
	t.Logf("state_limits %v", st["state_limits"])
}

// TestDHCPBudgetManyClients: 1,000,000 clients, each a DISCOVER with a host
// name, vendor class and parameter request list, answered by an ACK
// (lease, router, DNS) 1 ms later, one client every 2 ms: clients,
// transactions and the server's clients reach their bounds.
func TestDHCPBudgetManyClients(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 1M-client state budget test takes about 15 s")
	}
	const clients = 1_000_000
	req := newDHCPTemplate(t, false, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)}),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte("laptop-0000000000-of-the-budget-test")),
		layers.NewDHCPOption(layers.DHCPOptClassID, []byte("MSFT 5.0")),
		layers.NewDHCPOption(layers.DHCPOptParamsRequest, []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}),
	})
	ack := newDHCPTemplate(t, true, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)}),
		layers.NewDHCPOption(layers.DHCPOptServerID, []byte{10, 0, 0, 1}),
		layers.NewDHCPOption(layers.DHCPOptLeaseTime, []byte{0, 1, 0x51, 0x80}),
		layers.NewDHCPOption(layers.DHCPOptSubnetMask, []byte{255, 0, 0, 0}),
		layers.NewDHCPOption(layers.DHCPOptRouter, []byte{10, 0, 0, 1}),
		layers.NewDHCPOption(layers.DHCPOptDNS, []byte{10, 0, 0, 53}),
	})
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	m, peaks := runBudgetCase(t, "dhcp-clients-1m.pcap", 2*clients, func(i int) ([]byte, time.Time) {
		c := i / 2
		ts := t0.Add(time.Duration(c) * 2 * time.Millisecond)
		tpl := req
		if i%2 == 1 {
			tpl = ack
			ts = ts.Add(time.Millisecond)
			binary.BigEndian.PutUint32(tpl.frame[tpl.yiaddr:], 10<<24|uint32(c+2))
			putMAC(tpl.frame[tpl.dstMAC:], c)
		} else {
			putMAC(tpl.frame[tpl.srcMAC:], c)
		}
		putMAC(tpl.frame[tpl.chaddr:], c)
		binary.BigEndian.PutUint32(tpl.frame[tpl.xid:], uint32(c))
		return tpl.frame, ts
	})
	peaks.check(t)
	st := m["statistics"].(map[string]any)
	if st["transaction_count"].(float64) != clients || st["outcome_counts"].(map[string]any)["acked"].(float64) != clients {
		t.Errorf("transaction_count %v, outcomes %v: want %d acked", st["transaction_count"], st["outcome_counts"], clients)
	}
	ws := warningsOf(t, m)
	for _, want := range []string{"DHCP transactions evicted under the state budget", "client table full under the state budget",
		"clients served or configurations not recorded"} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings lack %q:\n%s", want, ws)
		}
	}
	t.Logf("state_limits %v", st["state_limits"])
}
