package packets

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestHTTP2FrameEnds: on a cleartext HTTP/2 connection (prior knowledge,
// port 80), get_packets names http2 the segments an HTTP/2 frame or the
// preface ends in and tcp those in the middle of a frame, as tshark 4.0
// shows them (where tshark is installed, the test checks that too).
func TestHTTP2FrameEnds(t *testing.T) {
	client, server := net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
	cseq, sseq := uint32(1000), uint32(5000)
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var frames []pcaptest.Frame
	seg := func(fromClient bool, flags string, payload []byte) {
		src, dst, sp, dp, seq, ack := client, server, 49570, 80, &cseq, sseq
		if !fromClient {
			src, dst, sp, dp, seq, ack = server, client, 80, 49570, &sseq, cseq
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: *seq, Ack: ack, Window: 65535,
			SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), PSH: len(payload) > 0}
		b := pcaptest.Serialize(t, eth, ip, tcp, gopacket.Payload(payload))
		*seq += uint32(len(payload))
		if tcp.SYN {
			*seq++
		}
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(len(frames)) * time.Millisecond), Data: b})
	}
	settings := []byte{0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100}
	data := []byte{0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8} // PING
	seg(true, "S", nil)
	seg(false, "SA", nil)
	seg(true, "A", nil)
	seg(true, "A", append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), settings[:5]...)) // 4: the preface ends
	seg(true, "A", settings[5:])                                                        // 5: SETTINGS ends
	seg(false, "A", settings)                                                           // 6
	seg(true, "A", data)                                                                // 7: a whole PING, the client's third frame
	seg(false, "A", data)                                                               // 8: the server's
	seg(false, "A", data[:12])                                                          // 9: inside a PING
	seg(false, "A", data[12:])                                                          // 10: which ends here
	// With prior knowledge, tshark 4.0 names only the client's preface and
	// first frame; the server's frames are all named.
	want := map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http2", 5: "http2", 6: "http2", 7: "tcp", 8: "http2", 9: "tcp", 10: "http2"}
	path := filepath.Join(t.TempDir(), "h2c.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := testModule().get(context.Background(), pcaptest.Env(0), GetInput{PcapFile: path, Frames: "1-10"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Packets {
		if top := p.Protocols[strings.LastIndex(p.Protocols, ":")+1:]; top != want[p.Number] {
			t.Errorf("frame %d: %s, want it to end in %s", p.Number, p.Protocols, want[p.Number])
		}
	}
	if len(out.Packets) != len(want) {
		t.Fatalf("%d frames, want %d", len(out.Packets), len(want))
	}
	// want is what tshark says of this capture; where tshark is installed
	// that is checked too.
	if bin, ok := pcaptest.LookPath("tshark"); ok {
		for _, r := range pcaptest.Tshark(t, bin, path, "-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "frame.protocols") {
			var n int
			fmt.Sscan(r["frame.number"], &n)
			if p := r["frame.protocols"]; p[strings.LastIndex(p, ":")+1:] != want[n] {
				t.Errorf("tshark: frame %d is %s, the test says %s", n, p, want[n])
			}
		}
	} else {
		t.Log("tshark is not installed: want is not checked against it")
	}
}
