package dissect

import (
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// TestQUICConversation: a gQUIC client packet to port 443 that carries its
// version (the public header of Q043 and before, or a long header of Q046
// on) makes its conversation gquic, both ways, also the packets without a
// version that follow; an IETF QUIC conversation stays quic; a QUIC Initial
// to a port no dissector claims (4433) makes its conversation quic, but not
// on 853, DTLS's port (dtls); a restored frame says what the pass said. (The corpus's ipv6-http-tls-ndpi.pcap checks the same
// against tshark in TestTopProtocolAgainstTshark.)
func TestQUICConversation(t *testing.T) {
	cid := []byte{0x49, 0xbe, 0xe2, 0xd3, 0xf0, 0xed, 0xcc, 0xd6}
	q025 := append(append([]byte{0x0d}, cid...), []byte("Q025\x01rest")...) // version flag, 8-byte CID
	short := append(append([]byte{0x0c}, cid...), 0x02, 0xe0)               // no version
	fromServer := []byte{0x00, 0x01, 0xbf, 0x16}                            // no flags, no CID
	q046 := append([]byte{0xc3}, []byte("Q046\x50rest")...)
	ietf := append([]byte{0xc3, 0, 0, 0, 1, 8}, make([]byte, 20)...)
	oneRTT := []byte{0x53, 0xd5, 0x41, 0x2c, 0x47, 0x01}
	frames := []struct {
		src, dst     string
		sport, dport uint16
		payload      []byte
		want         string
	}{
		{"10.0.0.2", "10.0.0.1", 443, 45931, fromServer, "data"}, // nothing known of it yet, and QUIC's fixed bit clear (tshark: data)
		{"10.0.0.1", "10.0.0.2", 45931, 443, q025, "gquic"},
		{"10.0.0.2", "10.0.0.1", 443, 45931, fromServer, "gquic"},
		{"10.0.0.1", "10.0.0.2", 45931, 443, short, "gquic"},
		{"10.0.0.3", "10.0.0.2", 45932, 443, ietf, "tls"}, // an IETF Initial: quic carrying tls
		{"10.0.0.3", "10.0.0.2", 45932, 443, short, "quic"},
		{"10.0.0.4", "10.0.0.2", 45933, 443, q046, "gquic"},
		{"10.0.0.2", "10.0.0.4", 443, 45933, fromServer, "gquic"},
		{"10.0.0.1", "10.0.0.2", 45999, 443, append([]byte{0x0d}, make([]byte, 16)...), "data"}, // version flag, no version: not gQUIC, and QUIC's fixed bit clear
		{"10.0.0.5", "10.0.0.6", 53727, 4433, oneRTT, "data"},                                   // before any Initial
		{"10.0.0.5", "10.0.0.6", 53727, 4433, ietf, "tls"},
		{"10.0.0.6", "10.0.0.5", 4433, 53727, oneRTT, "quic"},
		{"10.0.0.5", "10.0.0.6", 53727, 4433, oneRTT, "quic"},
		{"10.0.0.5", "10.0.0.6", 53728, 4433, oneRTT, "data"}, // another conversation
		{"10.0.0.7", "10.0.0.6", 46907, 853, ietf, "dtls"},
		{"10.0.0.6", "10.0.0.7", 853, 46907, ietf, "dtls"},
		{"10.0.0.7", "10.0.0.6", 46907, 853, oneRTT, "dtls"},
	}
	tr := NewTracker(Options{})
	dec := engine.NewDecoder()
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for i, f := range frames {
		b := udpFrame(t, f.src, f.dst, f.sport, f.dport, f.payload)
		raw := capture.Packet{Data: b, CaptureLength: len(b), Length: len(b), LinkType: capture.LinkTypeEthernet, Timestamp: start.Add(time.Duration(i) * time.Second)}
		p := dec.Decode(&raw, i+1, nil)
		fr := tr.Frame(p)
		if got := fr.Stack.Top().String(); got != f.want {
			t.Errorf("frame %d (%s:%d > %s:%d): %s, want %s", i+1, f.src, f.sport, f.dst, f.dport, fr.Stack.String(), f.want)
		}
		st := fr.State()
		var again Frame
		again.Restore(p, 0, 0, st)
		again.Classify()
		if got := again.Stack.Top().String(); got != f.want {
			t.Errorf("frame %d restored: %s, want %s", i+1, again.Stack.String(), f.want)
		}
	}
}
