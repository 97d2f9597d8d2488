//go:build !race

package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
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
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	rec := make([]byte, 0, 256)
	base := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	// frame appends one Ethernet/IPv4/ICMP frame: ICMP type and code, the
	// 4 bytes after the checksum, and the body.
	frame := func(t time.Time, src, dst [4]byte, ttl, typ, code uint8, word [4]byte, body []byte) error {
		ipLen := 20 + 8 + len(body)
		rec = rec[:16]
		binary.LittleEndian.PutUint32(rec[0:], uint32(t.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(t.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(14+ipLen))
		binary.LittleEndian.PutUint32(rec[12:], uint32(14+ipLen))
		rec = append(rec, 0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1, 0x08, 0x00)
		rec = append(rec, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 1, 0, 0, ttl, 1, 0, 0)
		rec = append(rec, src[:]...)
		rec = append(rec, dst[:]...)
		rec = append(rec, typ, code, 0, 0)
		rec = append(rec, word[:]...)
		rec = append(rec, body...)
		_, err := bw.Write(rec)
		return err
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
	return bw.Flush()
}

// TestICMPStateBudget runs analyze_icmp_packets on the worst case,
// streamed from the generator (never written to disk), under a small state
// budget: the heap stays under the budget plus a fixed margin, and the
// result says which tables were cut. With MCPACKET_ICMP_WORST=<path> it
// writes the capture there instead, for measuring the binary.
func TestICMPStateBudget(t *testing.T) {
	if path := os.Getenv("MCPACKET_ICMP_WORST"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeICMPWorst(f, icmpWorstPairs); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Skipf("wrote %s", path)
	}
	if testing.Short() {
		t.Skip("a million echo pairs: not in -short")
	}
	const budget, margin = 64 << 20, 64 << 20
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := reg.Module("icmp")
	tool := m.Tools()[0]
	env := &analyzer.Env{MaxStateBytes: budget, Now: time.Now, Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeICMPWorst(pw, icmpWorstPairs)) }()
		return &analyzer.Source{ReadCloser: pr, Name: ref, Size: -1}, nil
	}}

	start := time.Now()
	var out any
	peakAbs, base := peakHeap(func() {
		out, err = tool.Call(t.Context(), env, []byte(`{"pcap_file":"worst.pcap"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	heap := peakAbs - min(base, peakAbs)
	t.Logf("%d echo pairs in %v: peak heap %d MiB over a base of %d MiB (budget %d MiB)",
		icmpWorstPairs, time.Since(start).Round(time.Millisecond), heap>>20, base>>20, budget>>20)
	if heap > budget+margin {
		t.Errorf("peak heap %d MiB, want at most the budget %d MiB + %d MiB", heap>>20, budget>>20, margin>>20)
	}

	b, _ := json.Marshal(out)
	var res struct {
		ICMPPacketsFound int      `json:"icmp_packets_found"`
		Warnings         []string `json:"warnings"`
		Statistics       struct {
			EchoRequests int `json:"echo_requests"`
			EchoLost     int `json:"echo_unanswered"`
		} `json:"statistics"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Log("warning: ", w)
	}
	if res.Statistics.EchoRequests != icmpWorstPairs || res.Statistics.EchoLost != icmpWorstPairs/2 {
		t.Errorf("echo requests %d, unanswered %d; want %d and %d (the evicted ones count as unanswered)",
			res.Statistics.EchoRequests, res.Statistics.EchoLost, icmpWorstPairs, icmpWorstPairs/2)
	}
	// Every table that grows with the capture says it was cut.
	for _, want := range []string{"echo requests were evicted", "host pairs past", "echo sessions past",
		"unique_sources_count", "unique_destinations_count", "unreachable_destinations_count", "low-TTL datagrams",
		"traceroutes past", "ping_sweep:", "unreachable_storm:", "fragmentation_needed_blackhole:", "icmp_redirect:"} {
		if !budgetWarned(res.Warnings, want) {
			t.Errorf("no warning mentions %q", want)
		}
	}
	if len(b) > 32<<10 {
		t.Errorf("result of %d bytes, want at most 32 KiB", len(b))
	}
}

// budgetWarned reports whether a warning names sub and the state-budget
// flag that caused it.
func budgetWarned(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) && strings.Contains(s, "--max-state-bytes") {
			return true
		}
	}
	return false
}
