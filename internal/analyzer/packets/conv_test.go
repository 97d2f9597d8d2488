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

// conv builds one TCP connection between 10.0.0.1:49570 and 10.0.0.2 on a
// server port, segment by segment, for tests of the protocol get_packets
// names each frame.
type conv struct {
	t          *testing.T
	port       uint16
	cseq, sseq uint32
	frames     []pcaptest.Frame
}

func newConv(t *testing.T, port uint16) *conv {
	return &conv{t: t, port: port, cseq: 1000, sseq: 5000}
}

// seg appends a segment; flags holds S for SYN, A for ACK and F for FIN.
func (c *conv) seg(fromClient bool, flags string, payload []byte) {
	client, server := net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
	src, dst, sp, dp, seq, ack := client, server, uint16(49570), c.port, &c.cseq, c.sseq
	if !fromClient {
		src, dst, sp, dp, seq, ack = server, client, c.port, 49570, &c.sseq, c.cseq
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: *seq, Ack: ack, Window: 65535,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"), PSH: len(payload) > 0}
	b := pcaptest.Serialize(c.t, eth, ip, tcp, gopacket.Payload(payload))
	*seq += uint32(len(payload))
	if tcp.SYN || tcp.FIN {
		*seq++
	}
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	c.frames = append(c.frames, pcaptest.Frame{Time: start.Add(time.Duration(len(c.frames)) * time.Millisecond), Data: b})
}

// handshake appends the three segments that open the connection.
func (c *conv) handshake() {
	c.seg(true, "S", nil)
	c.seg(false, "SA", nil)
	c.seg(true, "A", nil)
}

// checkTops writes the capture and checks that get_packets' protocols of
// every frame end in want's protocol (want is what tshark 4.0 says of the
// capture; where tshark is installed, the test checks that too).
func (c *conv) checkTops(want map[int]string) {
	t := c.t
	path := filepath.Join(t.TempDir(), "conv.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, c.frames), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(c.frames) != len(want) {
		t.Fatalf("%d frames written, want %d", len(c.frames), len(want))
	}
	checkTopsFile(t, path, want)
}

// checkTopsFile checks that get_packets' protocols of every frame of the
// capture at path end in want's protocol, and tshark's too where it is
// installed.
func checkTopsFile(t *testing.T, path string, want map[int]string) {
	t.Helper()
	if n := checkEnds(t, path, len(want), want, func(protocols, w string) bool {
		return protocols[strings.LastIndex(protocols, ":")+1:] == w
	}); n != len(want) {
		t.Fatalf("%d frames read, want %d", n, len(want))
	}
}

// checkEnds checks that get_packets' protocols of the first n frames of
// the capture at path, and tshark's frame.protocols where tshark is
// installed, fit want (ends: the frame's protocols against its entry);
// it returns how many frames get_packets read.
func checkEnds(t *testing.T, path string, n int, want map[int]string, ends func(protocols, want string) bool) int {
	t.Helper()
	out, err := testModule().get(context.Background(), pcaptest.Env(0), GetInput{PcapFile: path, Frames: fmt.Sprintf("1-%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Packets {
		if w, ok := want[p.Number]; ok && !ends(p.Protocols, w) {
			t.Errorf("frame %d: %s, want it to end in %s", p.Number, p.Protocols, w)
		}
	}
	if bin, ok := pcaptest.LookPath("tshark"); ok {
		for _, r := range pcaptest.Tshark(t, bin, path, "-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "frame.protocols") {
			var k int
			fmt.Sscan(r["frame.number"], &k)
			if w, ok := want[k]; ok && !ends(r["frame.protocols"], w) {
				t.Errorf("tshark: frame %d is %s, the test says it ends in %s", k, r["frame.protocols"], w)
			}
		}
	} else {
		t.Log("tshark is not installed: want is not checked against it")
	}
	// The same protocols from the frame store a first call keeps.
	checkCached(t, testTools(), path, [][2]string{{"get_packets", `{"limit":0}`}, {"get_packets", fmt.Sprintf(`{"frames":"1-%d"}`, n)}})
	return len(out.Packets)
}
