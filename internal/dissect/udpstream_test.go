package dissect

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// udpFrame is an Ethernet/IPv4/UDP frame from src to dst carrying payload.
func udpFrame(t *testing.T, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUDPStreamSNMP: udp.stream numbers a pair anew after its first
// datagram SNMP takes (Wireshark's SNMP makes a conversation of its own
// for the pair, which the next datagram starts), once per pair; a
// datagram SNMP's test refuses, or one a lower port's protocol takes,
// changes nothing.
func TestUDPStreamSNMP(t *testing.T) {
	// An SNMPv2c get-request: SEQUENCE { INTEGER 1, OCTET STRING "public", ... }.
	get := []byte{0x30, 0x1a, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa0, 0x0d, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00}
	longForm := append([]byte{0x30, 0x81, byte(len(get) - 2)}, get[2:]...)
	tooLong := append([]byte{0x30, 0x7f}, get[2:]...) // a length past the datagram
	frames := []struct {
		src, dst     string
		sport, dport uint16
		payload      []byte
		want         int
	}{
		{"10.0.0.1", "10.0.0.2", 40000, 161, get, 0},             // pair A's first: SNMP makes its own conversation
		{"10.0.0.2", "10.0.0.1", 161, 40000, get, 1},             // which this one starts
		{"10.0.0.1", "10.0.0.2", 40000, 161, get, 1},             // and keeps
		{"10.0.0.3", "10.0.0.2", 40001, 161, []byte("hello"), 2}, // not SNMP: no new conversation
		{"10.0.0.3", "10.0.0.2", 40001, 161, tooLong, 2},
		{"10.0.0.2", "10.0.0.3", 161, 40001, longForm, 2}, // SNMP (a long-form length) on pair B's conversation
		{"10.0.0.3", "10.0.0.2", 40001, 161, []byte("x"), 3},
		{"10.0.0.4", "10.0.0.2", 53, 161, get, 4}, // DNS's port is tried first
		{"10.0.0.2", "10.0.0.4", 161, 53, get, 4},
		{"10.0.0.5", "10.0.0.2", 162, 40002, get, 5}, // a trap
		{"10.0.0.5", "10.0.0.2", 162, 40002, get, 6},
		{"10.0.0.1", "10.0.0.2", 40000, 161, get, 1},
	}
	tr := NewTracker(Options{UDPStreams: true, NoStack: true})
	dec := engine.NewDecoder()
	start := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for i, f := range frames {
		b := udpFrame(t, f.src, f.dst, f.sport, f.dport, f.payload)
		raw := capture.Packet{Data: b, CaptureLength: len(b), Length: len(b), LinkType: capture.LinkTypeEthernet, Timestamp: start.Add(time.Duration(i) * time.Second)}
		if got := tr.Frame(dec.Decode(&raw, i+1, nil)).UDPStream; got != f.want {
			t.Errorf("frame %d (%s:%d > %s:%d): udp.stream %d, want %d", i+1, f.src, f.sport, f.dst, f.dport, got, f.want)
		}
	}
}
