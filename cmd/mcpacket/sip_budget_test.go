//go:build !race

package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// The worst case of SIP state (issue 10): SIP over TCP flows that each
// leave a message unfinished, so the module must hold what it has of it.
// The red team reached 2,934 MiB with 8,000 such flows; here a million,
// and a few thousand whose unfinished messages hold 56 KB each, under a
// small state budget.

// sipFlood writes a pcap of flows TCP connections to 192.0.2.1:5060, each
// sending one segment that starts an INVITE and never ends its header
// section; then big connections, each sending the whole header section of
// an INVITE with Content-Length 100,000 and then rounds segments of 1,400
// body bytes, the connections taking turns, none finishing. Packets are a
// microsecond apart: no connection idles long enough to be closed.
func sipFlood(w io.Writer, flows, big, rounds int) error {
	ps, err := newPcapStream(w, false)
	if err != nil {
		return err
	}
	n := 0
	frame := make([]byte, 0, 2048)
	packet := func(client uint32, sport uint16, seq uint32, payload []byte) {
		frame = frame[:0]
		frame = append(frame, 0, 0, 0x5e, 0, 0x53, 1, 0, 0, 0x5e, 0, 0x53, 2, 0x08, 0x00) // Ethernet, IPv4
		ip := len(frame)
		frame = append(frame, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0)
		frame = binary.BigEndian.AppendUint32(frame, client)
		frame = append(frame, 192, 0, 2, 1)
		binary.BigEndian.PutUint16(frame[ip+2:], uint16(20+20+len(payload)))
		var sum uint32
		for i := ip; i < ip+20; i += 2 {
			sum += uint32(binary.BigEndian.Uint16(frame[i:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(frame[ip+10:], ^uint16(sum))
		frame = binary.BigEndian.AppendUint16(frame, sport)
		frame = binary.BigEndian.AppendUint16(frame, 5060)
		frame = binary.BigEndian.AppendUint32(frame, seq)
		frame = binary.BigEndian.AppendUint32(frame, 1)
		frame = append(frame, 5<<4, 0x18, 0xff, 0xff, 0, 0, 0, 0) // PSH ACK
		frame = append(frame, payload...)
		if err == nil {
			err = ps.frame(time.Unix(1700000000+int64(n/1000000), int64(n%1000000)*1000), frame)
		}
		n++
	}
	client := func(i int) uint32 { return 10<<24 | uint32(i) }
	var msg []byte
	for i := range flows {
		msg = fmt.Appendf(msg[:0], "INVITE sip:u%d@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK%d\r\n"+
			"From: <sip:a@example.com>;tag=%d\r\nTo: <sip:u%d@example.com>\r\nCall-ID: %d@flood\r\nCSeq: 1 INVITE\r\n", i, i, i, i, i)
		packet(client(i), 40000, 1, msg)
	}
	body := []byte(strings.Repeat("v=0 and more of a body that never ends\r\n", 35))[:1400]
	next := make([]uint32, big) // each big connection's next sequence number
	for i := range big {
		msg = fmt.Appendf(msg[:0], "INVITE sip:big%d@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKb%d\r\n"+
			"From: <sip:a@example.com>;tag=b%d\r\nTo: <sip:b@example.com>\r\nCall-ID: big%d@flood\r\nCSeq: 1 INVITE\r\n"+
			"Content-Type: application/sdp\r\nContent-Length: 100000\r\n\r\n", i, i, i, i)
		packet(client(flows+i), 40001, 1, msg)
		next[i] = 1 + uint32(len(msg))
	}
	for range rounds {
		for i := range big {
			packet(client(flows+i), 40001, next[i], body)
			next[i] += uint32(len(body))
		}
	}
	if err != nil {
		return err
	}
	return ps.flush()
}

// TestSIPStateBudget feeds a million SIP over TCP flows with unfinished
// messages, and 2,000 that each hold 56 KB of one, streamed from the
// generator through a pipe, to analyze_sip_packets with a 64 MiB state
// budget: the heap stays under the budget and a fixed margin, and the
// result says what was evicted.
func TestSIPStateBudget(t *testing.T) {
	// Less garbage between collections, so the heap measured is close to
	// what the analysis holds.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	b, peaks := budgetCall(t, "analyze_sip_packets", worstCapture{"sip-flood.pcap", func(w io.Writer) error { return sipFlood(w, 1_000_000, 2000, 40) }})
	peaks.checkAdded(t)
	var res struct {
		Found int `json:"sip_packets_found"`
		Total int `json:"total_packets_in_file"`
	}
	json.Unmarshal(b, &res)
	if res.Total != 1_000_000+2000*41 {
		t.Errorf("%d packets read", res.Total)
	}
	wantWarnings(t, b, true, "TCP connection(s) carrying SIP were closed early", "unfinished SIP message(s) held across TCP segments were dropped")
}
