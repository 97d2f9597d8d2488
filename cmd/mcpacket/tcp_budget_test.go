//go:build !race

package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// tcpWorstConns is the worst case of issue 10 for the tcp module: a SYN
// flood or scan of two million connections.
const tcpWorstConns = 2_000_000

// writeTCPWorst writes a pcap of n connection attempts to 192.0.2.80:80,
// each from a source address and port of its own, 5 µs apart: every 4th
// is answered by a SYN-ACK and every 4th (another) retransmits its SYN, so
// the connection table, the per-direction state and the flagged-segment
// list all grow with n.
func writeTCPWorst(w io.Writer, n int) error {
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
	rec := make([]byte, 0, 128)
	base := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	// frame writes one Ethernet/IPv4/TCP frame without payload.
	frame := func(t time.Time, src, dst [4]byte, sport, dport uint16, seq, ack uint32, flags byte) error {
		const ipLen = 40
		rec = rec[:16]
		binary.LittleEndian.PutUint32(rec[0:], uint32(t.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(t.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], 14+ipLen)
		binary.LittleEndian.PutUint32(rec[12:], 14+ipLen)
		rec = append(rec, 0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1, 0x08, 0x00)
		rec = append(rec, 0x45, 0, 0, ipLen, 0, 1, 0, 0, 64, 6, 0, 0)
		rec = append(rec, src[:]...)
		rec = append(rec, dst[:]...)
		rec = binary.BigEndian.AppendUint16(rec, sport)
		rec = binary.BigEndian.AppendUint16(rec, dport)
		rec = binary.BigEndian.AppendUint32(rec, seq)
		rec = binary.BigEndian.AppendUint32(rec, ack)
		rec = append(rec, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0)
		_, err := bw.Write(rec)
		return err
	}
	server := [4]byte{192, 0, 2, 80}
	for i := range n {
		t := base.Add(time.Duration(i) * 5 * time.Microsecond)
		src := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		sport := uint16(1024 + i>>24)
		isn := uint32(i) * 7919
		if err := frame(t, src, server, sport, 80, isn, 0, 0x02); err != nil {
			return err
		}
		switch i % 4 {
		case 0:
			if err := frame(t.Add(time.Microsecond), server, src, 80, sport, ^isn, isn+1, 0x12); err != nil {
				return err
			}
		case 1:
			if err := frame(t.Add(4*time.Second), src, server, sport, 80, isn, 0, 0x02); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// TestTCPStateBudget runs analyze_tcp_anomalies on the worst case, streamed
// from the generator (never written to disk), under a small state budget:
// the heap stays under the budget plus a fixed margin, and the result says
// what was cut. With MCPACKET_TCP_WORST=<path> it writes the capture there
// instead, for measuring the binary.
func TestTCPStateBudget(t *testing.T) {
	if path := os.Getenv("MCPACKET_TCP_WORST"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeTCPWorst(f, tcpWorstConns); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Skipf("wrote %s", path)
	}
	if testing.Short() {
		t.Skip("two million connections: not in -short")
	}
	const budget, margin = 64 << 20, 64 << 20
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := reg.Module("tcp")
	var tool analyzer.Tool
	for _, x := range m.Tools() {
		if x.Name == "analyze_tcp_anomalies" {
			tool = x
		}
	}
	env := &analyzer.Env{MaxStateBytes: budget, Now: time.Now, Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeTCPWorst(pw, tcpWorstConns)) }()
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
	t.Logf("%d connections in %v: peak heap %d MiB over a base of %d MiB (budget %d MiB)",
		tcpWorstConns, time.Since(start).Round(time.Millisecond), heap>>20, base>>20, budget>>20)
	if heap > budget+margin {
		t.Errorf("peak heap %d MiB, want at most the budget %d MiB + %d MiB", heap>>20, budget>>20, margin>>20)
	}

	b, _ := json.Marshal(out)
	var res struct {
		Warnings   []string `json:"warnings"`
		Statistics struct {
			TotalConnections int `json:"total_connections"`
		} `json:"statistics"`
		Anomalies []struct {
			Type string `json:"type"`
		} `json:"anomalies"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Log("warning: ", w)
	}
	if n := res.Statistics.TotalConnections; n == 0 || n >= tcpWorstConns {
		t.Errorf("%d connections tracked, want some, fewer than %d", n, tcpWorstConns)
	}
	if !budgetWarned(res.Warnings, "connections tracked under the state budget") {
		t.Errorf("no warning says connections were not tracked: %q", res.Warnings)
	}
	if len(res.Anomalies) == 0 {
		t.Errorf("no anomaly found in a SYN flood")
	}
	if len(b) > 32<<10 {
		t.Errorf("result of %d bytes, want at most 32 KiB", len(b))
	}
}
