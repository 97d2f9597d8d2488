package tls

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Annotator gives other modules, frame by frame, where the records of TLS
// over TCP end, so that a display filter's bare "tls" selects the frames
// Wireshark shows as TLS: the frame of a record's last byte, not the
// segments before it. It follows the connections this module follows (a
// first payload that is a ClientHello, ServerHello or SSLv2 hello) and
// frames their records, handshake and encrypted alike, without parsing
// them. It is a dissect.AppAnalyzer; cmd/mcpacket hands it to the modules
// that filter.
type Annotator struct {
	ends *dissect.Ends[recordFramer, *recordFramer]

	// quic decrypts QUIC Initial packets as the module does; quicEnded is
	// the frame the latest handshake message carried in them ended in.
	quic      *observer
	quicEnded int
}

// recordFramer splits one direction into records. v2: the direction sent
// an SSL 2.0 record with a two-byte header, so that a record whose first
// bit is clear has SSL 2.0's three-byte header (a 14-bit length, then a
// padding count) unless it reads as a TLS record (after an
// SSLv2-compatible ClientHello, a client goes on in TLS records).
type recordFramer struct {
	dissect.Lengths
	v2 bool
}

// AtBoundary: Wireshark's TLS dissector shows itself on a segment that
// starts a record, though the record ends in a later one (dissect.Starter).
func (f *recordFramer) AtBoundary() bool { return f.Boundary() }

var _ dissect.AppAnalyzer = (*Annotator)(nil)

// NewAnnotator returns an Annotator for one pass over a capture, following
// as many connections at once as this module does under env's state
// budget.
func NewAnnotator(env *analyzer.Env) dissect.AppAnalyzer {
	if env == nil {
		env = &analyzer.Env{}
	}
	a := &Annotator{ends: dissect.NewEnds[recordFramer](newLimits(env, 0).conns)}
	in := New(Options{}).Tools()[0].NewInput().(*Input)
	if cfg, err := newConfig(*in, Options{}, env); err == nil {
		cfg.limit = 0
		a.quic = newObserver(cfg)
		a.quic.trace = func(it traceItem) {
			if it.quic {
				a.quicEnded = max(a.quicEnded, it.frame)
			}
		}
	}
	return a
}

// Frame follows p and says whether its connection is followed as TLS and
// whether a record ended in it; for a QUIC long-header packet, whether a
// handshake message ended in it.
func (a *Annotator) Frame(p *engine.Packet, info *dissect.AppInfo) {
	if p.UDP != nil && !p.Fragment && a.quic != nil {
		// QUIC: Wireshark shows TLS in an Initial packet whose CRYPTO
		// frames end a handshake message.
		if pl := p.UDP.Payload; len(pl) >= 7 && pl[0]&0x80 != 0 {
			a.quic.Observe(p)
			info.QUICLong, info.QUICTLSDone = true, a.quicEnded == p.Number
		}
		return
	}
	if p.TCP != nil {
		info.TLSFollowed, info.TLSDone = a.ends.Frame(p, func() bool {
			pl := p.TCP.Payload
			return len(pl) > 0 && looksLikeRecord(pl)
		})
	}
}

// Feed passes the records in data, TLS's and SSL 2.0's with a two-byte
// header (see dissect.Lengths.Split).
func (f *recordFramer) Feed(data []byte) (n, last int) {
	return f.Split(data, func(b []byte) (hdr, n int, more, bad bool) {
		switch {
		case b[0]&0x80 != 0: // an SSL 2.0 record with a two-byte header
			if len(b) < 2 {
				return 0, 0, true, false
			}
			f.v2 = true
			return 2, int(b[0]&0x7f)<<8 | int(b[1]), false, false
		case b[0] >= ctChangeCipherSpec && b[0] <= ctHeartbeat && (len(b) < 2 || b[1] == 3 || !f.v2):
			if len(b) < 5 {
				return 0, 0, true, false
			}
			if b[1] != 3 {
				return 0, 0, false, true
			}
			f.v2 = false
			return 5, int(b[3])<<8 | int(b[4]), false, false
		case f.v2: // SSL 2.0's three-byte header: length, then the padding count
			if len(b) < 3 {
				return 0, 0, true, false
			}
			return 3, int(b[0]&0x3f)<<8 | int(b[1]), false, false
		}
		return 0, 0, false, true // no longer records (or never were)
	})
}
