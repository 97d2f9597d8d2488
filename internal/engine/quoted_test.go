package engine_test

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func TestDecodeQuoted(t *testing.T) {
	v4 := []byte{0x45, 0, 0, 60, 0x12, 0x34, 0, 0, 1, 17, 0, 0, 10, 0, 0, 1, 192, 0, 2, 7, 0x80, 0x00, 0x82, 0x9b, 0, 40, 0, 0}
	q, err := engine.DecodeQuoted(v4)
	if err != nil || q.Src != netip.MustParseAddr("10.0.0.1") || q.Dst != netip.MustParseAddr("192.0.2.7") || q.Protocol != 17 ||
		!q.HasPorts || q.SrcPort != 32768 || q.DstPort != 33435 || q.TTL != 1 || q.ID != 0x1234 || q.Length != 60 {
		t.Errorf("v4 = %+v, %v", q, err)
	}
	v6 := make([]byte, 40+8+4)
	v6[0], v6[6], v6[7] = 0x60, 44, 1 // fragment header first
	binary.BigEndian.PutUint16(v6[4:6], 12)
	copy(v6[8:24], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(v6[24:40], netip.MustParseAddr("2001:db8::2").AsSlice())
	v6[40] = 6 // then TCP
	binary.BigEndian.PutUint16(v6[48:], 443)
	binary.BigEndian.PutUint16(v6[50:], 50000)
	q, err = engine.DecodeQuoted(v6)
	if err != nil || q.Protocol != 6 || q.SrcPort != 443 || q.DstPort != 50000 || q.Dst != netip.MustParseAddr("2001:db8::2") {
		t.Errorf("v6 = %+v, %v", q, err)
	}
	for _, bad := range [][]byte{nil, {0x45, 0}, {0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0x20}} {
		if _, err := engine.DecodeQuoted(bad); err == nil {
			t.Errorf("DecodeQuoted(% x): no error", bad)
		}
	}
}

// FuzzDecodeQuoted: any bytes; no panic, ports only with enough bytes, and
// the transport slice lies within the input.
func FuzzDecodeQuoted(f *testing.F) {
	// Seeds: the datagrams quoted by the ICMP and ICMPv6 errors of the
	// repository's captures.
	root := pcaptest.Root(f)
	files, _ := filepath.Glob(filepath.Join(root, "internal", "analyzer", "icmp", "testdata", "*.pcap*"))
	gen, _ := filepath.Glob(filepath.Join(root, "testdata", "gen", "*.pcap*"))
	seeds := 0
	pcaptest.EachPacket(f, append(files, gen...), func(_ string, p *engine.Packet) {
		if q, ok := p.ICMPErrorQuote(); ok && seeds < 200 {
			f.Add(append([]byte(nil), q...))
			seeds++
		}
	})
	if seeds == 0 {
		f.Fatal("no ICMP error in the test captures to seed from")
	}
	f.Add([]byte{0x45, 0, 0, 60, 0x12, 0x34, 0, 0, 1, 17, 0, 0, 10, 0, 0, 1, 192, 0, 2, 7, 0x80, 0x00, 0x82, 0x9b})
	f.Add(make([]byte, 48))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := engine.DecodeQuoted(b)
		if err != nil {
			return
		}
		if len(q.Transport) > len(b) {
			t.Fatalf("transport %d bytes from %d", len(q.Transport), len(b))
		}
		if q.HasPorts && len(q.Transport) < 4 {
			t.Fatal("ports without 4 transport bytes")
		}
		_ = q.QuotedPayload()
	})
}
