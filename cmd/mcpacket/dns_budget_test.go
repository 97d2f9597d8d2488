//go:build !race

package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// The DNS module's worst cases under a small state budget (issue 10): two
// million distinct DNS-over-TCP connections, some with an unfinished
// message, and a million distinct names from many clients to many servers.
// Each capture is generated into a temporary directory (MCPACKET_BUDGET_DIR
// keeps it elsewhere, to measure the binary on it) and
// analyzed with a 64 MiB budget: the heap stays under the budget plus a
// fixed margin, and the result says what was evicted.

const (
	budgetBytes     = 64 << 20
	dnsBudgetMargin = 64 << 20
)

// budgetCapture writes a pcap of n frames made by frame
// (which returns the frame's bytes in a buffer it may reuse) to name in
// MCPACKET_BUDGET_DIR or a temporary directory.
func budgetCapture(t *testing.T, name string, n int, frame func(i int) []byte) string {
	t.Helper()
	dir := os.Getenv("MCPACKET_BUDGET_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	base := time.Unix(1700000000, 0)
	for i := range n {
		b := frame(i)
		ci := gopacket.CaptureInfo{Timestamp: base.Add(time.Duration(i) * time.Microsecond), CaptureLength: len(b), Length: len(b)}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

// ipv4Frame fills buf with an Ethernet/IPv4 frame around an L4 header and
// payload of l4Len bytes already at buf[34:], and returns it.
func ipv4Frame(buf []byte, proto byte, src, dst uint32, l4Len int) []byte {
	copy(buf[0:6], []byte{0, 0, 0x5e, 0, 0x53, 2})
	copy(buf[6:12], []byte{0, 0, 0x5e, 0, 0x53, 1})
	buf[12], buf[13] = 0x08, 0x00
	ip := buf[14:34]
	ip[0], ip[1] = 0x45, 0
	binary.BigEndian.PutUint16(ip[2:], uint16(20+l4Len))
	binary.BigEndian.PutUint32(ip[4:], 0x40000000) // id 0, DF
	ip[8], ip[9] = 64, proto
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint32(ip[12:], src)
	binary.BigEndian.PutUint32(ip[16:], dst)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	return buf[:34+l4Len]
}

// peakHeap runs f while sampling the heap every 50 ms and returns the
// largest HeapAlloc seen, and HeapAlloc before f (after a collection).
func peakHeap(f func()) (peak, base uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base = ms.HeapAlloc
	var max atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for {
			old := max.Load()
			if ms.HeapAlloc <= old || max.CompareAndSwap(old, ms.HeapAlloc) {
				return
			}
		}
	}
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	sample()
	close(done)
	<-sampled
	return max.Load(), base
}

// callDNSBudget runs analyze_dns_packets with default arguments and a
// budgetBytes state budget, and checks the peak heap and the response size.
func callDNSBudget(t *testing.T, file string) map[string]any {
	t.Helper()
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, ok := reg.Tool("analyze_dns_packets")
	if !ok {
		t.Fatal("no analyze_dns_packets")
	}
	env := pcaptest.Env(0)
	env.MaxStateBytes = budgetBytes
	var out any
	start, cpu := time.Now(), cpuTime()
	peak, _ := peakHeap(func() {
		out, err = tool.Call(t.Context(), env, []byte(`{"pcap_file":`+quote(file)+`}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.1f s (%.1f s of CPU), peak heap %d MiB (budget %d MiB)", filepath.Base(file), time.Since(start).Seconds(), (cpuTime() - cpu).Seconds(), peak>>20, budgetBytes>>20)
	if peak > budgetBytes+dnsBudgetMargin {
		t.Errorf("peak heap %d MiB, over the %d MiB budget plus %d MiB", peak>>20, budgetBytes>>20, dnsBudgetMargin>>20)
	}
	b, _ := json.Marshal(out)
	if len(b) > 32<<10 {
		t.Errorf("default response is %d bytes, over 32 KiB", len(b))
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func wantWarnings(t *testing.T, out map[string]any, want ...string) {
	t.Helper()
	ws, _ := out["warnings"].([]any)
	all := fmt.Sprint(ws)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no warning says %q; warnings: %s", w, all)
		}
	}
}

// TestDNSBudgetTCPFlows: 2,000,000 distinct SYNs to TCP port 53 within
// three seconds, every other connection then sending the first byte of a
// 256-byte message it never finishes; then 1,000 connections each sending
// 34 KB of a 65,535-byte message, in turns. SYNs hold nothing;
// connections past the budget's cap are closed the longest idle first, and
// unfinished messages past its bound are dropped; both are said.
func TestDNSBudgetTCPFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the state-budget worst cases take seconds")
	}
	const (
		flows    = 2_000_000
		big      = 1000 // connections with a large unfinished message
		segments = 24   // of 1,450 bytes each
	)
	phaseA := flows + flows/2
	buf := make([]byte, 2048)
	syn := func(flow int, src uint32) []byte {
		tcp := buf[34:54]
		binary.BigEndian.PutUint16(tcp[0:], uint16(1024+flow%60000))
		binary.BigEndian.PutUint16(tcp[2:], 53)
		binary.BigEndian.PutUint32(tcp[4:], 1000)
		binary.BigEndian.PutUint32(tcp[8:], 0)
		tcp[12], tcp[13] = 5<<4, 0x02 // SYN
		binary.BigEndian.PutUint16(tcp[14:], 65535)
		tcp[16], tcp[17], tcp[18], tcp[19] = 0, 0, 0, 0
		return ipv4Frame(buf, 6, src, 0xc0000235, 20)
	}
	data := func(flow int, src uint32, seq uint32, n int, prefix uint16) []byte {
		syn(flow, src)
		tcp := buf[34:54]
		binary.BigEndian.PutUint32(tcp[4:], seq)
		tcp[13] = 0x18 // PSH ACK
		payload := buf[54 : 54+n]
		for j := range payload {
			payload[j] = byte(j)
		}
		if prefix > 0 {
			binary.BigEndian.PutUint16(payload, prefix)
		}
		return ipv4Frame(buf, 6, src, 0xc0000235, 20+n)
	}
	file := budgetCapture(t, "dns-tcp-flows.pcap", phaseA+big*(1+segments), func(i int) []byte {
		if i < phaseA { // per 2 flows: 2 SYNs, then 3 bytes from the second
			k := i % 3
			flow := i/3*2 + min(k, 1)
			src := 0x0a000000 + uint32(flow) // 10.0.0.0 onward: every flow distinct
			if k < 2 {
				return syn(flow, src)
			}
			return data(flow, src, 1001, 3, 256)
		}
		i -= phaseA
		flow := i % big
		src := 0xac100000 + uint32(flow) // 172.16.0.0 onward
		if i < big {
			return syn(flow, src)
		}
		seg := i/big - 1
		prefix := uint16(0)
		if seg == 0 {
			prefix = 0xffff
		}
		return data(flow, src, 1001+uint32(seg*1450), 1450, prefix)
	})
	out := callDNSBudget(t, file)
	wantWarnings(t, out, "DNS-over-TCP connections closed early under the state budget", "unfinished DNS-over-TCP messages dropped under the state budget")
}

// TestDNSBudgetNames: 1,000,000 queries, each for a distinct long name,
// from 100,000 clients to 2,000 servers under 50,000 registered domains,
// every other one answered NXDOMAIN. Transactions are evicted oldest first
// and counted; the top lists, the per-server tables and the detectors stop
// taking new keys at their bounds; every one of these is said.
func TestDNSBudgetNames(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the state-budget worst cases take seconds")
	}
	const names = 1_000_000
	buf := make([]byte, 2048)
	const hexd = "0123456789abcdef"
	file := budgetCapture(t, "dns-names.pcap", names+names/2, func(i int) []byte {
		// Frames: per 2 names, query, query, response to the second.
		q := i / 3 * 2
		resp := i%3 == 2
		if i%3 == 1 || resp {
			q++
		}
		client := 0x0a010000 + uint32(q%100000)
		server := 0xc6120000 + uint32(q%2000)
		dns := buf[42:]
		binary.BigEndian.PutUint16(dns[0:], uint16(q))
		binary.BigEndian.PutUint16(dns[2:], 0x0100)
		binary.BigEndian.PutUint16(dns[4:], 1)
		binary.BigEndian.PutUint32(dns[6:], 0)
		binary.BigEndian.PutUint16(dns[10:], 0)
		if resp {
			binary.BigEndian.PutUint16(dns[2:], 0x8183) // NXDOMAIN
		}
		// name: 2 labels of 40 characters from q, a registered domain
		// d<q mod 50000>.com
		n := 12
		x := uint64(q)*0x9e3779b97f4a7c15 + 1
		for range 2 {
			dns[n] = 40
			n++
			for j := range 40 {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				dns[n+j] = hexd[x&15]
				if j < 8 {
					dns[n+j] = hexd[(q>>(4*j))&15] // distinct per q
				}
			}
			n += 40
		}
		reg := fmt.Sprintf("d%05d", q%50000)
		dns[n] = byte(len(reg))
		n += 1 + copy(dns[n+1:], reg)
		dns[n] = 3
		n += 1 + copy(dns[n+1:], "com")
		dns[n] = 0
		n++
		binary.BigEndian.PutUint16(dns[n:], 1+15*uint16(q%2)) // A or TXT
		binary.BigEndian.PutUint16(dns[n+2:], 1)
		n += 4
		udp := buf[34:42]
		sport, dport := uint16(10000+q%50000), uint16(53) // not 5353 or 5355 (mDNS, LLMNR)
		src, dst := client, server
		if resp {
			sport, dport, src, dst = dport, sport, dst, src
		}
		binary.BigEndian.PutUint16(udp[0:], sport)
		binary.BigEndian.PutUint16(udp[2:], dport)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+n))
		binary.BigEndian.PutUint16(udp[6:], 0)
		return ipv4Frame(buf, 17, src, dst, 8+n)
	})
	out := callDNSBudget(t, file)
	wantWarnings(t, out, "DNS transactions evicted under the state budget", "top question names", "top registered domains",
		"not tracked per server", "client counts are partial", "not remembered past")
	st, _ := out["statistics"].(map[string]any)
	if q, _ := st["queries"].(float64); q != names {
		t.Errorf("queries = %v, want %d", st["queries"], names)
	}
	t.Logf("statistics: queries %v responses %v found %v answered %v unanswered %v unsolicited %v retransmissions %v malformed %v", st["queries"], st["responses"], out["dns_packets_found"], st["answered"], st["unanswered"], st["unsolicited_responses"], st["retransmissions"], st["malformed"])
	if a, _ := st["answered"].(float64); a != names/2 {
		t.Errorf("answered = %v, want %d (evicted transactions counted)", st["answered"], names/2)
	}
}
