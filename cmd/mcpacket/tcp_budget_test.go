//go:build !race

package main

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"testing"
	"time"
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
	ps, err := newPcapStream(w, false)
	if err != nil {
		return err
	}
	rec := make([]byte, 0, 128)
	base := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	// frame writes one Ethernet/IPv4/TCP frame without payload.
	frame := func(t time.Time, src, dst [4]byte, sport, dport uint16, seq, ack uint32, flags byte) error {
		const ipLen = 40
		rec = append(rec[:0], 0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1, 0x08, 0x00)
		rec = append(rec, 0x45, 0, 0, ipLen, 0, 1, 0, 0, 64, 6, 0, 0)
		rec = append(rec, src[:]...)
		rec = append(rec, dst[:]...)
		rec = binary.BigEndian.AppendUint16(rec, sport)
		rec = binary.BigEndian.AppendUint16(rec, dport)
		rec = binary.BigEndian.AppendUint32(rec, seq)
		rec = binary.BigEndian.AppendUint32(rec, ack)
		rec = append(rec, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0)
		return ps.frame(t, rec)
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
	return ps.flush()
}

// TestTCPStateBudget runs analyze_tcp_anomalies on the worst case under a
// small state budget: the heap stays under the budget plus a fixed margin,
// and the result says what was cut.
func TestTCPStateBudget(t *testing.T) {
	b, peaks := budgetCall(t, "analyze_tcp_anomalies", worstCapture{"tcp-worst.pcap", func(w io.Writer) error { return writeTCPWorst(w, tcpWorstConns) }})
	peaks.checkAdded(t)
	var res struct {
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
	if n := res.Statistics.TotalConnections; n == 0 || n >= tcpWorstConns {
		t.Errorf("%d connections tracked, want some, fewer than %d", n, tcpWorstConns)
	}
	wantWarnings(t, b, true, "connections tracked under the state budget")
	if len(res.Anomalies) == 0 {
		t.Errorf("no anomaly found in a SYN flood")
	}
}
