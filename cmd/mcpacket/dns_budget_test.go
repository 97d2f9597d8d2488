//go:build !race

package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// The DNS module's worst cases under a small state budget (issue 10): two
// million distinct DNS-over-TCP connections, some with an unfinished
// message, and a million distinct names from many clients to many servers.

// dnsCapture is a worst case of n frames made by frame (which returns the
// frame's bytes in a buffer it may reuse), a microsecond apart.
func dnsCapture(name string, n int, frame func(i int) []byte) worstCapture {
	base := time.Unix(1700000000, 0)
	return framesCapture(name, n, true, func(i int) ([]byte, time.Time) {
		return frame(i), base.Add(time.Duration(i) * time.Microsecond)
	})
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

// callDNSBudget runs analyze_dns_packets on c with default arguments and a
// budgetState state budget, checks the peak heap, and returns the result.
func callDNSBudget(t *testing.T, c worstCapture) ([]byte, map[string]any) {
	t.Helper()
	b, peaks := budgetCall(t, "analyze_dns_packets", c)
	if peaks.alloc > budgetState+budgetMargin {
		t.Errorf("peak heap %d MiB, over the %d MiB budget plus %d MiB", peaks.alloc>>20, budgetState>>20, budgetMargin>>20)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return b, m
}

// TestDNSBudgetTCPFlows: 2,000,000 distinct SYNs to TCP port 53 within
// three seconds, every other connection then sending the first byte of a
// 256-byte message it never finishes; then 1,000 connections each sending
// 34 KB of a 65,535-byte message, in turns. SYNs hold nothing;
// connections past the budget's cap are closed the longest idle first, and
// unfinished messages past its bound are dropped; both are said.
func TestDNSBudgetTCPFlows(t *testing.T) {
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
	c := dnsCapture("dns-tcp-flows.pcap", phaseA+big*(1+segments), func(i int) []byte {
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
	b, _ := callDNSBudget(t, c)
	wantWarnings(t, b, false, "DNS-over-TCP connections closed early under the state budget", "unfinished DNS-over-TCP messages dropped under the state budget")
}

// TestDNSBudgetNames: 1,000,000 queries, each for a distinct long name,
// from 100,000 clients to 2,000 servers under 50,000 registered domains,
// every other one answered NXDOMAIN. Transactions are evicted oldest first
// and counted; the top lists, the per-server tables and the detectors stop
// taking new keys at their bounds; every one of these is said.
func TestDNSBudgetNames(t *testing.T) {
	const names = 1_000_000
	buf := make([]byte, 2048)
	const hexd = "0123456789abcdef"
	c := dnsCapture("dns-names.pcap", names+names/2, func(i int) []byte {
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
	b, out := callDNSBudget(t, c)
	wantWarnings(t, b, false, "DNS transactions evicted under the state budget", "top question names", "top registered domains",
		"not remembered past")
	if !atDefault() {
		wantWarnings(t, b, false, "not tracked per server", "client counts are partial")
	}
	st, _ := out["statistics"].(map[string]any)
	if q, _ := st["queries"].(float64); q != names {
		t.Errorf("queries = %v, want %d", st["queries"], names)
	}
	t.Logf("statistics: queries %v responses %v found %v answered %v unanswered %v unsolicited %v retransmissions %v malformed %v", st["queries"], st["responses"], out["dns_packets_found"], st["answered"], st["unanswered"], st["unsolicited_responses"], st["retransmissions"], st["malformed"])
	if a, _ := st["answered"].(float64); a != names/2 {
		t.Errorf("answered = %v, want %d (evicted transactions counted)", st["answered"], names/2)
	}
}
