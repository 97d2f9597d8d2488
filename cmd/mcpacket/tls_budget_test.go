//go:build !race

package main

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestTLSBudget: the tls module's worst case under a small state budget:
// 300,000 distinct TCP connections, each sending one handshake record that
// starts a ClientHello announcing 200,000 bytes it never sends. Sessions
// past the budget's share are counted, not kept; connections are evicted;
// unfinished messages past the held-bytes pool are passed over; each is
// said, and the heap stays within the budget.
func TestTLSBudget(t *testing.T) {
	const flows = 300_000
	buf := make([]byte, 2048)
	base := time.Unix(1700000000, 0)
	c := framesCapture("tls-unfinished-hellos.pcap", flows, true, func(i int) ([]byte, time.Time) {
		tcp := buf[34:54]
		binary.BigEndian.PutUint16(tcp[0:], uint16(1024+i%60000))
		binary.BigEndian.PutUint16(tcp[2:], 443)
		binary.BigEndian.PutUint32(tcp[4:], 1000)
		binary.BigEndian.PutUint32(tcp[8:], 1)
		tcp[12], tcp[13] = 5<<4, 0x18 // PSH ACK
		binary.BigEndian.PutUint16(tcp[14:], 65535)
		tcp[16], tcp[17], tcp[18], tcp[19] = 0, 0, 0, 0
		payload := buf[54 : 54+1405]
		payload[0], payload[1], payload[2] = 22, 3, 1
		binary.BigEndian.PutUint16(payload[3:], 1400)
		payload[5], payload[6], payload[7], payload[8] = 1, 0x03, 0x0d, 0x40 // ClientHello of 200,000 bytes
		for j := 9; j < len(payload); j++ {
			payload[j] = byte(j)
		}
		src := 0x0a000000 + uint32(i)
		return ipv4Frame(buf, 6, src, 0xc0000201, 20+len(payload)), base.Add(time.Duration(i) * time.Microsecond)
	})
	b, peaks := budgetCall(t, "analyze_tls_sessions", c)
	if peaks.alloc > budgetState+budgetMargin {
		t.Errorf("peak heap %d MiB, over the %d MiB budget plus %d MiB", peaks.alloc>>20, budgetState>>20, budgetMargin>>20)
	}
	wantWarnings(t, b, true, "sessions past the state budget", "passed over, undecoded")
}
