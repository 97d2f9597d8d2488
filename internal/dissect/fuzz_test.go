package dissect

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// FuzzPayloadNames feeds any bytes to the payload namers that read fields
// of their own (SMB over NetBIOS, NetBIOS datagrams, the QUIC version
// test, SCTP's chunks, a multipart body's parts, SPNEGO's MIC, the SMPP
// heuristic, an HTTP segment read on its own): none may panic or read
// past the payload, and each pushes at most a few protocols.
func FuzzPayloadNames(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x48\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x27\xffSMBs\x00\x00\x00\x00\x18\x07\x08"))
	f.Add([]byte("\x11\x0a\x00\x01\x0a\x00\x00\x01\x00\x8a\x00\x00\x00\x00"))
	f.Add([]byte("\x0d\x49\xbe\xe2\xd3\xf0\xed\xcc\xd6Q025\x01"))
	f.Add([]byte("\xc3\x00\x00\x00\x01\x08\x01\x02"))
	f.Add([]byte("\xdf\x0a\x13\xc4\x00\x00\x00\x01\x00\x00\x00\x00\x00\x03\x00\x24\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00INVITE sip:a SIP/2.0\r\n"))
	f.Add([]byte("pre\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nc: text/plain\r\n\r\nx\r\n--c--\r\n--b\r\n\r\ny\r\n--b--"))
	f.Add([]byte("\xa1\x1b\x30\x19\xa0\x03\x0a\x01\x00\xa3\x12\x04\x10\x01\x00\x00\x00\xee\x09\x91\x53\xab\x7f\x5d\xe6\x00\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x22\x00\x00\x00\x07\x00\x0a\x85\x02\x07\xe9\x00\x02"))
	f.Fuzz(func(t *testing.T, pl []byte) {
		var s Stack
		smbApp(&s, pl)
		if s.n > 8 {
			t.Fatalf("smb: %d protocols", s.n)
		}
		s = Stack{}
		nbdgmApp(&s, pl)
		if s.n > 3 {
			t.Fatalf("nbdgm: %d protocols", s.n)
		}
		s = Stack{}
		sctpApp(&s, pl, Parts{})
		if s.n > 2+maxParts {
			t.Fatalf("sctp: %d protocols", s.n)
		}
		ps := MultipartParts([]byte("multipart/mixed; boundary=b"), pl)
		if ps.N > maxParts {
			t.Fatalf("multipart: %d parts kept", ps.N)
		}
		ntlmsspVerifier(pl)
		smppHeuristic(pl)
		for _, seen := range []bool{false, true} {
			s = Stack{}
			httpStray(&s, pl, seen)
			if s.n > 2 {
				t.Fatalf("http stray: %d protocols", s.n)
			}
		}
		quicVersioned(pl, 443, 50000)
		quicVersioned(pl, 50000, 4433)
	})
}

// FuzzSCTPFragments feeds two SCTP packets of any chunks (port 5060) to a
// Tracker: its reassembly may not panic, and it holds at most its bound.
func FuzzSCTPFragments(f *testing.F) {
	data := func(b, e byte, tsn byte, s string) []byte {
		n := 16 + len(s)
		c := []byte{0, b<<1 | e, byte(n >> 8), byte(n), 0, 0, 0, tsn, 0, 0, 0, 0, 0, 0, 0, 0}
		c = append(c, s...)
		for len(c)%4 != 0 {
			c = append(c, 0)
		}
		return c
	}
	f.Add(data(1, 0, 1, "INVITE sip:a SIP/2.0\r\nContent-Type: multipart/mixed;boundary=b\r\n\r\n--b\r\n"), data(0, 1, 2, "c: text/plain\r\n\r\nx\r\n--b--"))
	f.Add(data(1, 0, 1, "INVITE sip:a SIP/2.0\r\n"), data(0, 1, 3, "\r\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		tr := NewTracker(Options{})
		dec := engine.NewDecoder()
		for i, chunks := range [][]byte{a, b} {
			raw := ipFrame(t, layers.IPProtocolSCTP, gopacket.Payload(append([]byte{0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 7, 0, 0, 0, 0}, chunks...)))
			p := capture.Packet{Data: raw, CaptureLength: len(raw), Length: len(raw), LinkType: capture.LinkTypeEthernet, Timestamp: time.Unix(int64(i), 0)}
			fr := tr.Frame(dec.Decode(&p, i+1, nil))
			if fr.SCTPBody.N > maxParts || tr.sctpHeld > maxSCTPHeld || tr.sctpHeld < 0 {
				t.Fatalf("body %d parts, %d bytes held", fr.SCTPBody.N, tr.sctpHeld)
			}
		}
	})
}
