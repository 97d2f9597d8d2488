//go:build !race

package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
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
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	bw.Write(hdr)
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
		var rec [16]byte
		binary.LittleEndian.PutUint32(rec[0:], 1700000000+uint32(n/1000000))
		binary.LittleEndian.PutUint32(rec[4:], uint32(n%1000000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		bw.Write(rec[:])
		bw.Write(frame)
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
	return bw.Flush()
}

// TestSIPStateBudget feeds a million SIP over TCP flows with unfinished
// messages, and 2,000 that each hold 56 KB of one, streamed from the
// generator through a pipe, to analyze_sip_packets with a 64 MiB state
// budget: the heap stays under the budget and a fixed margin, and the
// result says what was evicted.
func TestSIPStateBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("a million flows: not in -short")
	}
	const budget = 64 << 20
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, ok := reg.Tool("analyze_sip_packets")
	if !ok {
		t.Fatal("no analyze_sip_packets")
	}
	env := pcaptest.Env(0)
	env.MaxStateBytes = budget
	genErr := make(chan error, 1)
	env.Open = func(ctx context.Context, ref string) (*analyzer.Source, error) {
		r, w := io.Pipe()
		go func() {
			err := sipFlood(w, 1_000_000, 2000, 40)
			w.CloseWithError(err)
			genErr <- err
		}()
		return &analyzer.Source{ReadCloser: r, Name: ref, Size: -1}, nil
	}
	// Less garbage between collections, so the heap measured is close to
	// what the analysis holds.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	start := time.Now()
	var out any
	peak, base := peakHeap(func() {
		out, err = tool.Call(t.Context(), env, []byte(`{"pcap_file":"sip-flood.pcap"}`))
	})
	peak -= min(base, peak) // what the call added
	if err != nil {
		t.Fatal(err)
	}
	if err := <-genErr; err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	var res struct {
		Found    int      `json:"sip_packets_found"`
		Total    int      `json:"total_packets_in_file"`
		Warnings []string `json:"warnings"`
	}
	json.Unmarshal(b, &res)
	t.Logf("%d packets in %v, peak heap %d MiB over a budget of %d MiB; %d bytes of JSON; warnings:\n  %s",
		res.Total, time.Since(start).Round(time.Millisecond), peak>>20, budget>>20, len(b), strings.Join(res.Warnings, "\n  "))
	if res.Total != 1_000_000+2000*41 {
		t.Errorf("%d packets read", res.Total)
	}
	if peak > budget+64<<20 {
		t.Errorf("peak heap %d MiB: over the budget of %d MiB and a margin of 64 MiB", peak>>20, budget>>20)
	}
	warned := func(s string) bool {
		for _, w := range res.Warnings {
			if strings.Contains(w, s) && strings.Contains(w, "--max-state-bytes") {
				return true
			}
		}
		return false
	}
	if !warned("TCP connection(s) carrying SIP were closed early") || !warned("unfinished SIP message(s) held across TCP segments were dropped") {
		t.Errorf("evictions not disclosed: %q", res.Warnings)
	}
	if len(b) > 32<<10 {
		t.Errorf("default response is %d bytes", len(b))
	}
}

// TestSIPFloodCapture writes the capture of TestSIPStateBudget to the file
// MCPACKET_SIP_FLOOD names, to measure the binary on it:
//
//	MCPACKET_SIP_FLOOD=/tmp/sip-flood.pcap go test -run TestSIPFloodCapture ./cmd/mcpacket/
//	/usr/bin/time -f %M ./mcpacket analyze sip /tmp/sip-flood.pcap --json
func TestSIPFloodCapture(t *testing.T) {
	file := os.Getenv("MCPACKET_SIP_FLOOD")
	if file == "" {
		t.Skip("set MCPACKET_SIP_FLOOD to a file to write the capture to")
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := sipFlood(f, 1_000_000, 2000, 40); err != nil {
		t.Fatal(err)
	}
}
