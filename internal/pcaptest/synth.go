package pcaptest

import (
	"bytes"
	"compress/gzip"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Frame is one packet to write into a synthetic capture.
type Frame struct {
	Time      time.Time
	Data      []byte
	Length    int // original length; 0 means len(Data)
	Interface int // pcapng interface index
	Comment   string
}

// Pcap returns a classic pcap file (little-endian) holding frames.
func Pcap(t testing.TB, linkType layers.LinkType, nanos bool, frames []Frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, linkType); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := w.WritePacket(captureInfo(f), f.Data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// PcapNG returns a pcapng file with one interface per link type in ifaces,
// holding frames (each on its Interface).
func PcapNG(t testing.TB, ifaces []layers.LinkType, frames []Frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "if0", LinkType: ifaces[0], SnapLength: 65535, TimestampResolution: 9},
		pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "mcpacket pcaptest", OS: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, lt := range ifaces[1:] {
		if _, err := w.AddInterface(pcapgo.NgInterface{Name: "if" + string(rune('1'+i)), LinkType: lt, SnapLength: 65535, TimestampResolution: 9}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range frames {
		ci := captureInfo(f)
		ci.InterfaceIndex = f.Interface
		var opts pcapgo.NgPacketOptions
		if f.Comment != "" {
			opts.Comments = []string{f.Comment}
		}
		if err := w.WritePacketWithOptions(ci, f.Data, opts); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func captureInfo(f Frame) gopacket.CaptureInfo {
	l := f.Length
	if l == 0 {
		l = len(f.Data)
	}
	return gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: l}
}

// Gzip compresses b.
func Gzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Serialize builds a frame from layers, fixing lengths and checksums.
func Serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	for _, l := range ls {
		if nl, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			for _, n := range ls {
				if ip, ok := n.(gopacket.NetworkLayer); ok {
					nl.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// MAC parses a MAC address or fails the test.
func MAC(t testing.TB, s string) net.HardwareAddr {
	t.Helper()
	m, err := net.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// UDP4 builds an Ethernet/IPv4/UDP frame.
func UDP4(t testing.TB, srcMAC, dstMAC, srcIP, dstIP string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: MAC(t, srcMAC), DstMAC: MAC(t, dstMAC), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(srcIP).To4(), DstIP: net.ParseIP(dstIP).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	return Serialize(t, eth, ip, udp, gopacket.Payload(payload))
}

// RawUDP4 builds an IPv4/UDP packet with no link-layer header.
func RawUDP4(t testing.TB, srcIP, dstIP string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(srcIP).To4(), DstIP: net.ParseIP(dstIP).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	return Serialize(t, ip, udp, gopacket.Payload(payload))
}
