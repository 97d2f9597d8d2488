package dissect

import "testing"

// FuzzPayloadNames feeds any bytes to the payload namers that read fields
// of their own (SMB over NetBIOS, NetBIOS datagrams, the QUIC version
// test, SCTP's chunks, a multipart body's parts, SPNEGO's MIC, the SMPP
// heuristic): none may panic or read past the payload, and each
// pushes at most a few protocols.
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
		sctpApp(&s, pl)
		if s.n > 2+maxParts {
			t.Fatalf("sctp: %d protocols", s.n)
		}
		ps := MultipartParts([]byte("multipart/mixed; boundary=b"), pl)
		if ps.N > maxParts {
			t.Fatalf("multipart: %d parts kept", ps.N)
		}
		ntlmsspVerifier(pl)
		smppHeuristic(pl)
		quicVersioned(pl, 443, 50000)
		quicVersioned(pl, 50000, 4433)
	})
}
