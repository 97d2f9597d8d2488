package icmp

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// icmp4 builds Ethernet/IPv4/ICMP: type and code, the two 16-bit words
// after the checksum (identifier and sequence number, or what the type
// puts there), then body.
func icmp4(t testing.TB, src, dst string, ttl, typ, code uint8, w0, w1 uint16, body []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:5e:00:53:01"), DstMAC: pcaptest.MAC(t, "00:00:5e:00:53:02"), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: ttl, Id: w1, Protocol: layers.IPProtocolICMPv4, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code), Id: w0, Seq: w1}
	return pcaptest.Serialize(t, eth, ip, ic, gopacket.Payload(body))
}

// echo4 builds an ICMP echo request (typ 8) or reply (typ 0), TTL 64.
func echo4(t testing.TB, src, dst string, typ uint8, id, seq uint16, payload []byte) []byte {
	return icmp4(t, src, dst, 64, typ, 0, id, seq, payload)
}

// icmp6 builds Ethernet/IPv6/ICMPv6: type and code, then body (from the
// word after the checksum on).
func icmp6(t testing.TB, src, dst string, hops, typ, code uint8, body []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:5e:00:53:01"), DstMAC: pcaptest.MAC(t, "00:00:5e:00:53:02"), EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: hops, NextHeader: layers.IPProtocolICMPv6, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	return pcaptest.Serialize(t, eth, ip, ic, gopacket.Payload(body))
}

// ipQuote returns what an ICMP error quotes of an Ethernet/IPv4 frame:
// its IPv4 header and the first n bytes of its payload.
func ipQuote(frame []byte, n int) []byte {
	ip := frame[14:]
	ihl := int(ip[0]&0xf) * 4
	return append([]byte(nil), ip[:min(len(ip), ihl+n)]...)
}

// writeCapture writes frames as a pcap in a temporary directory.
func writeCapture(t testing.TB, name string, frames []pcaptest.Frame) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, true, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
