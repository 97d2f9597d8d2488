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

// recordFramer splits one direction into records.
type recordFramer struct {
	skip    int  // bytes of a record body still to pass
	records int  // records begun
	dead    bool // the bytes stopped looking like records, or some were lost
}

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
func (a *Annotator) Frame(p *engine.Packet) dissect.AppInfo {
	if p.UDP != nil && !p.Fragment && a.quic != nil {
		// QUIC: Wireshark shows TLS in an Initial packet whose CRYPTO
		// frames end a handshake message.
		if pl := p.UDP.Payload; len(pl) < 7 || pl[0]&0x80 == 0 {
			return dissect.AppInfo{}
		}
		a.quic.Observe(p)
		return dissect.AppInfo{QUICLong: true, QUICTLSDone: a.quicEnded == p.Number}
	}
	if p.TCP == nil {
		return dissect.AppInfo{}
	}
	followed, ended := a.ends.Frame(p, func() bool {
		pl := p.TCP.Payload
		return len(pl) > 0 && looksLikeRecord(pl)
	})
	return dissect.AppInfo{TLSFollowed: followed, TLSDone: ended}
}

// Lost: the records after lost bytes cannot be found.
func (f *recordFramer) Lost() { f.dead = true }

// Feed passes the records in data, calling end with the offset of each
// record's last byte, and returns how many bytes it consumed: an
// unfinished record header is offered again with more.
func (f *recordFramer) Feed(data []byte, end func(off int)) int {
	off := 0
	for off < len(data) && !f.dead {
		if f.skip > 0 {
			n := min(f.skip, len(data)-off)
			f.skip -= n
			off += n
			if f.skip == 0 {
				end(off - 1)
			}
			continue
		}
		b := data[off:]
		var hdr, n int
		switch {
		case b[0]&0x80 != 0: // an SSL 2.0 record with a two-byte header
			if len(b) < 2 {
				return off
			}
			hdr, n = 2, int(b[0]&0x7f)<<8|int(b[1])
		case b[0] >= ctChangeCipherSpec && b[0] <= ctHeartbeat:
			if len(b) < 5 {
				return off
			}
			if b[1] != 3 {
				f.dead = true
				return len(data)
			}
			hdr, n = 5, int(b[3])<<8|int(b[4])
		default:
			f.dead = true // no longer records (or never were)
			return len(data)
		}
		f.records++
		off += hdr
		f.skip = n
		if n == 0 {
			end(off - 1)
		}
	}
	if f.dead {
		return len(data)
	}
	return off
}
