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

// ipFrame is an Ethernet/IPv4 frame from 10.0.0.1 to 10.0.0.2 carrying
// the given transport layers (TCP or UDP with payload, or a bare protocol
// number and payload).
func ipFrame(t *testing.T, proto layers.IPProtocol, l ...gopacket.SerializableLayer) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4(10, 0, 0, 2).To4()}
	for _, x := range l {
		if c, ok := x.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			if err := c.SetNetworkLayerForChecksum(ip); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append([]gopacket.SerializableLayer{eth, ip}, l...)...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestProtocolsByPort: the stack's top for protocols named by port or IP
// protocol number as tshark 4.0 names them (telnet on TCP 23, H.225 RAS on
// UDP 1719, VRRP, a TLS port's bytes that are not a record, HTTP bodies by
// declared type).
func TestProtocolsByPort(t *testing.T) {
	tcp := func(sp, dp uint16) *layers.TCP {
		return &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: 1, ACK: true, PSH: true, Window: 1000}
	}
	udp := func(sp, dp uint16) *layers.UDP {
		return &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	}
	resp := func(ct string) gopacket.Payload {
		return gopacket.Payload("HTTP/1.1 200 OK\r\nContent-Type: " + ct + "\r\nContent-Length: 4\r\n\r\nbody")
	}
	cases := []struct {
		name  string
		proto layers.IPProtocol
		l     []gopacket.SerializableLayer
		want  string
	}{
		{"telnet", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(23, 1219), gopacket.Payload("\xff\xfd\x18login: ")}, "telnet"},
		{"h225 ras", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(1719, 1719), gopacket.Payload{0x0e, 0x40, 0x01}}, "h225"},
		{"vrrp", layers.IPProtocol(112), []gopacket.SerializableLayer{gopacket.Payload{0x21, 0x01, 0x64, 0x01, 0, 1, 0, 0, 10, 0, 0, 1}}, "vrrp"},
		{"tls port, no record", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(443, 50000), gopacket.Payload("abcdefghijklmnop")}, "data"},
		{"tls port, a record", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(443, 50000), gopacket.Payload{0x17, 3, 3, 0, 2, 0xaa, 0xbb}}, "tls"},
		{"form body", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/x-www-form-urlencoded")}, "urlencoded-form"},
		{"xml body", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("text/xml; charset=utf-8")}, "xml"},
		{"other type", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/javascript")}, "media"},
		{"octet-stream", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/octet-stream")}, "data"},
		{"x-javascript", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/x-javascript")}, "data-text-lines"},
	}
	dec := engine.NewDecoder()
	for i, c := range cases {
		b := ipFrame(t, c.proto, c.l...)
		raw := capture.Packet{Data: b, CaptureLength: len(b), Length: len(b), LinkType: capture.LinkTypeEthernet, Timestamp: time.Date(2026, 12, 4, 0, 0, i, 0, time.UTC)}
		fr := NewTracker(Options{}).Frame(dec.Decode(&raw, 1, nil))
		if got := fr.Stack.Top().String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, fr.Stack.String(), c.want)
		}
	}
}
