package packets

import (
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

// checkUDPTops writes one UDP datagram a payload, each between its ports,
// and checks that get_packets' protocols of every frame end in want's
// (tshark 4.0's; checked against tshark where it is installed).
func checkUDPTops(t *testing.T, dgrams []struct {
	sp, dp  uint16
	payload string
	top     string
}) {
	t.Helper()
	var frames []pcaptest.Frame
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for i, d := range dgrams {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4(10, 0, 0, byte(2+i)).To4()}
		udp := &layers.UDP{SrcPort: layers.UDPPort(d.sp), DstPort: layers.UDPPort(d.dp)}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		b := pcaptest.Serialize(t, &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
			ip, udp, gopacket.Payload(d.payload))
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(i) * time.Millisecond), Data: b})
	}
	path := filepath.Join(t.TempDir(), "udp.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{}
	for i, d := range dgrams {
		want[i+1] = d.top
	}
	checkTopsFile(t, path, want)
}

// TestSDPBodies: SDP follows SIP when the message declares it
// (Content-Type or the compact c), MGCP with any body after its blank
// line (LF or CRLF), and a SAP announcement.
func TestSDPBodies(t *testing.T) {
	sdp := "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"
	sip := func(ctype string) string {
		h := "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: 1@10.0.0.1\r\nCSeq: 1 INVITE\r\n"
		if ctype != "" {
			h += ctype + "\r\n"
		}
		return h + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(sdp), sdp)
	}
	sap := string([]byte{0x20, 0, 0x12, 0x34, 10, 0, 0, 1}) + "application/sdp\x00" + sdp
	sapBare := string([]byte{0x20, 0, 0x12, 0x35, 10, 0, 0, 1}) + sdp
	checkUDPTops(t, []struct {
		sp, dp  uint16
		payload string
		top     string
	}{
		{5060, 5060, sip("Content-Type: application/sdp"), "sdp"},
		{5060, 5060, sip("c: application/SDP"), "sdp"},
		{5060, 5060, sip(""), "sip"},
		{5060, 5060, sip("Content-Type: text/plain"), "data-text-lines"},
		{2427, 2727, "CRCX 1 ds/ds1-1/1@gw MGCP 1.0\nC: A3C47F21\nM: sendrecv\n\n" + strings.ReplaceAll(sdp, "\r\n", "\n"), "sdp"},
		{2727, 2427, "200 1 OK\nI: 1\n", "mgcp"},
		{9875, 9875, sap, "sdp"},
		{9875, 9875, sapBare, "sdp"},
	})
}

// TestSIPOverTCPHeuristic: SIP on a TCP port no dissector claims is found
// by its start line (Wireshark's SIP heuristic for TCP), with the body its
// Content-Type names; other bytes there are data (checked against tshark
// where it is installed).
func TestSIPOverTCPHeuristic(t *testing.T) {
	c := newConv(t, 5054)
	c.handshake()
	want := map[int]string{1: "tcp", 2: "tcp", 3: "tcp"}
	sdp := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	for _, m := range []struct {
		client bool
		msg    string
		top    string
	}{
		{true, "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5054\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", "sip"},
		{false, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.1:5054\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Type: application/sdp\r\nContent-Length: " + fmt.Sprint(len(sdp)) + "\r\n\r\n" + sdp, "sdp"},
		{true, "hello there\r\n", "data"},
	} {
		c.seg(m.client, "A", []byte(m.msg))
		want[len(c.frames)] = m.top
	}
	c.checkTops(want)
}
