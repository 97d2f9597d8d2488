//go:build !race

package main

import (
	"encoding/json"
	"io"
	"testing"
	"time"
)

// icmpWorstPairs is the worst case of issue 10 for the icmp module: a
// million echo request/reply pairs between distinct hosts.
const icmpWorstPairs = 1_000_000

// writeICMPWorst writes a pcap of n echo requests, each between a host
// pair of its own (1,000 sources sweeping n/1,000 destinations each, TTL
// 5 so that every one may be a traceroute probe), within n/100,000
// seconds; every other one is answered, every 8th draws a time-exceeded
// and a fragmentation-needed message from a router of its own, and every
// 16th a redirect naming a gateway of its own. Every table of the module
// grows with n.
func writeICMPWorst(w io.Writer, n int) error {
	ps, err := newPcapStream(w, false)
	if err != nil {
		return err
	}
	rec := make([]byte, 0, 256)
	base := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	// frame writes one Ethernet/IPv4/ICMP frame: ICMP type and code, the
	// 4 bytes after the checksum, and the body.
	frame := func(t time.Time, src, dst [4]byte, ttl, typ, code uint8, word [4]byte, body []byte) error {
		ipLen := 20 + 8 + len(body)
		rec = append(rec[:0], 0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1, 0x08, 0x00)
		rec = append(rec, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 1, 0, 0, ttl, 1, 0, 0)
		rec = append(rec, src[:]...)
		rec = append(rec, dst[:]...)
		rec = append(rec, typ, code, 0, 0)
		rec = append(rec, word[:]...)
		rec = append(rec, body...)
		return ps.frame(t, rec)
	}
	addr := func(a byte, i int) [4]byte { return [4]byte{a, byte(i >> 16), byte(i >> 8), byte(i)} }
	payload := []byte("abcdefgh")
	for i := range n {
		t := base.Add(time.Duration(i) * 10 * time.Microsecond)
		src, dst := addr(10, i%1000), addr(172, 1<<20+i)
		id := [4]byte{0x12, 0x34, byte(i >> 8), byte(i)}
		if err := frame(t, src, dst, 5, 8, 0, id, payload); err != nil {
			return err
		}
		if i%2 == 0 {
			if err := frame(t.Add(time.Microsecond), dst, src, 64, 0, 0, id, payload); err != nil {
				return err
			}
		}
		if i%8 == 0 {
			// The request as an error quotes it: IPv4 header and 8 bytes.
			q := []byte{0x45, 0, 0, 36, 0, 1, 0, 0, 1, 1, 0, 0}
			q = append(append(append(q, src[:]...), dst[:]...), 8, 0, 0, 0, id[0], id[1], id[2], id[3])
			router := addr(192, i)
			if err := frame(t.Add(2*time.Microsecond), router, src, 64, 11, 0, [4]byte{}, q); err != nil {
				return err
			}
			if err := frame(t.Add(3*time.Microsecond), router, src, 64, 3, 4, [4]byte{0, 0, 5, 0xdc}, q); err != nil {
				return err
			}
			if i%16 == 0 {
				if err := frame(t.Add(4*time.Microsecond), router, src, 64, 5, 1, addr(100, i), q); err != nil {
					return err
				}
			}
		}
	}
	return ps.flush()
}

// TestICMPStateBudget runs analyze_icmp_packets on the worst case under a
// small state budget: the heap stays under the budget plus a fixed margin,
// and the result says which tables were cut.
func TestICMPStateBudget(t *testing.T) {
	b, peaks := budgetCall(t, "analyze_icmp_packets", worstCapture{"icmp-worst.pcap", func(w io.Writer) error { return writeICMPWorst(w, icmpWorstPairs) }})
	peaks.checkAdded(t)
	var res struct {
		ICMPPacketsFound int `json:"icmp_packets_found"`
		Statistics       struct {
			EchoRequests int `json:"echo_requests"`
			EchoLost     int `json:"echo_unanswered"`
		} `json:"statistics"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Statistics.EchoRequests != icmpWorstPairs || res.Statistics.EchoLost != icmpWorstPairs/2 {
		t.Errorf("echo requests %d, unanswered %d; want %d and %d (the evicted ones count as unanswered)",
			res.Statistics.EchoRequests, res.Statistics.EchoLost, icmpWorstPairs, icmpWorstPairs/2)
	}
	// Every table that grows with the capture says it was cut (under the
	// default budget, two of them hold all of it).
	wantWarnings(t, b, true, "echo requests were evicted", "host pairs past", "echo sessions past",
		"unique_sources_count", "unique_destinations_count", "low-TTL datagrams",
		"traceroutes past", "ping_sweep:", "fragmentation_needed_blackhole:", "icmp_redirect:")
	if !atDefault() {
		wantWarnings(t, b, true, "unreachable_destinations_count", "unreachable_storm:")
	}
}
