package engine

import (
	"encoding/binary"
	"testing"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// tcpFrame is an Ethernet/IPv4 frame whose IPv4 total length says ipLen
// and whose TCP header (data offset off words, SYN from port 60827 to 25)
// is followed by opts, the frame cut at capLen bytes when capLen > 0.
func tcpFrame(ipLen int, off byte, opts []byte, capLen int) []byte {
	b := make([]byte, 14+20+20)
	copy(b[0:6], []byte{2, 0, 0, 0, 0, 2})
	copy(b[6:12], []byte{2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 6
	binary.BigEndian.PutUint16(ip[2:], uint16(ipLen))
	copy(ip[12:16], []byte{10, 0, 0, 1})
	copy(ip[16:20], []byte{10, 0, 0, 2})
	tcp := b[34:]
	binary.BigEndian.PutUint16(tcp[0:], 60827)
	binary.BigEndian.PutUint16(tcp[2:], 25)
	binary.BigEndian.PutUint32(tcp[4:], 1000)
	tcp[12], tcp[13] = off<<4, 0x02
	binary.BigEndian.PutUint16(tcp[14:], 5840)
	b = append(b, opts...)
	if capLen > 0 {
		b = b[:capLen]
	}
	return b
}

// TestTCPHeaderKept: a TCP header whose options run past the room left, or
// that the capture cut short, keeps its fixed 20 bytes (ports, flags,
// window), as Wireshark shows it; a cut one has no payload and marks the
// frame truncated. A header shorter than 20 bytes is no TCP header.
func TestTCPHeaderKept(t *testing.T) {
	mss := []byte{2, 4, 5, 0xb4}
	cases := []struct {
		name      string
		frame     []byte
		tcp       bool
		payload   int
		truncated bool
	}{
		{"whole", tcpFrame(44, 6, mss, 0), true, 0, false},
		{"bad option length", tcpFrame(48, 7, []byte{2, 4, 5, 0xb4, 8, 10, 0, 0}, 0), true, 0, false},
		{"options cut by the capture", tcpFrame(60, 10, []byte{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0}, 0), true, 0, true},
		{"fixed header cut", tcpFrame(40, 5, nil, 14+20+12), false, 0, false},
	}
	dec := NewDecoder()
	for i, c := range cases {
		raw := capture.Packet{Data: c.frame, CaptureLength: len(c.frame), Length: 14 + int(binary.BigEndian.Uint16(c.frame[16:])), LinkType: capture.LinkTypeEthernet}
		p := dec.Decode(&raw, i+1, nil)
		if (p.TCP != nil) != c.tcp {
			t.Fatalf("%s: TCP decoded %v, want %v", c.name, p.TCP != nil, c.tcp)
		}
		if p.TCP == nil {
			continue
		}
		if p.TCP.SrcPort != 60827 || p.TCP.DstPort != 25 || !p.TCP.SYN || p.TCP.Window != 5840 || p.TCP.Seq != 1000 {
			t.Errorf("%s: header %d > %d SYN %v win %d seq %d", c.name, p.TCP.SrcPort, p.TCP.DstPort, p.TCP.SYN, p.TCP.Window, p.TCP.Seq)
		}
		if len(p.TCP.Payload) != c.payload || p.Truncated != c.truncated {
			t.Errorf("%s: payload %d truncated %v, want %d %v", c.name, len(p.TCP.Payload), p.Truncated, c.payload, c.truncated)
		}
	}
}
