package engine

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// BenchmarkDecode decodes one frame per iteration (Ethernet/IPv4/TCP with
// payload, then Ethernet/802.1Q/IPv4/UDP), so allocs/op is allocations per
// packet in the steady state: it must be zero.
func BenchmarkDecode(b *testing.B) {
	frames := [][]byte{serialize(b, true), serialize(b, false)}
	d := newDecoder()
	raw := capture.Packet{Timestamp: time.Unix(1, 0), LinkType: capture.LinkTypeEthernet}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw.Data = frames[i&1]
		raw.CaptureLength, raw.Length = len(raw.Data), len(raw.Data)
		d.decode(&raw, i)
		if d.pkt.IPv4 == nil {
			b.Fatal("not decoded")
		}
		i++
	}
}

func TestDecodeAllocs(t *testing.T) {
	frames := [][]byte{serialize(t, true), serialize(t, false)}
	d := newDecoder()
	raw := capture.Packet{Timestamp: time.Unix(1, 0), LinkType: capture.LinkTypeEthernet}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		raw.Data = frames[i&1]
		d.decode(&raw, i)
		i++
	})
	if allocs != 0 {
		t.Errorf("decode allocates %.1f times per packet, want 0", allocs)
	}
}

func serialize(tb testing.TB, tcp bool) []byte {
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: []byte{0, 1, 2, 3, 4, 5}, DstMAC: []byte{6, 7, 8, 9, 10, 11}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	var ls []gopacket.SerializableLayer
	if tcp {
		ip.Protocol = layers.IPProtocolTCP
		ls = []gopacket.SerializableLayer{eth, ip, &layers.TCP{SrcPort: 1234, DstPort: 443, ACK: true, Window: 100}, gopacket.Payload(make([]byte, 1000))}
	} else {
		eth.EthernetType = layers.EthernetTypeDot1Q
		ip.Protocol = layers.IPProtocolUDP
		ls = []gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4}, ip, &layers.UDP{SrcPort: 53, DstPort: 5353}, gopacket.Payload(make([]byte, 100))}
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
