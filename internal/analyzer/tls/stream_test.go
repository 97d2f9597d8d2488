package tls

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestHeldBudget: a handshake message split over records is held until it
// completes, within the bytes the state budget allows; past them it is
// passed over and counted, and what was held is given back.
func TestHeldBudget(t *testing.T) {
	body := buildClientHello(0x0303, []uint16{0x1301}, []ext{sniExt("held.example")})
	msg := append([]byte{hsClientHello, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	rec := func(b []byte) []byte { return append([]byte{ctHandshake, 3, 3, byte(len(b) >> 8), byte(len(b))}, b...) }
	pieces := [][]byte{rec(msg[:20]), rec(msg[20:])} // one message over two records, in two segments
	for _, c := range []struct {
		budget  int
		decoded bool
	}{{1 << 20, true}, {10, false}} {
		cfg, err := newConfig(Input{}, Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.lim.held = c.budget
		o := newObserver(cfg)
		s := &session{o: o, id: 1}
		conn := &engine.StreamConn{State: nil}
		tc := &tcpConn{s: s}
		conn.State = tc
		o.tcpConns[tc.key] = tc
		pcaptest.FeedStream(t, o, conn, pieces, nil)
		if got := s.ch != nil && s.ch.sni == "held.example"; got != c.decoded {
			t.Errorf("budget %d: decoded %v, want %v", c.budget, got, c.decoded)
		}
		if (o.heldRefused > 0) == c.decoded || o.held != 0 {
			t.Errorf("budget %d: refused %d, held %d after the message", c.budget, o.heldRefused, o.held)
		}
	}
}
