package tls

import (
	"time"

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
	// the frame the latest handshake message carried in them ended in,
	// or the latest new CRYPTO data that starts one came in.
	quic      *observer
	quicEnded int
}

// recordFramer splits one direction into records. v2: the direction sent
// an SSL 2.0 record with a two-byte header, so that a record whose first
// bit is clear has SSL 2.0's three-byte header (a 14-bit length, then a
// padding count) unless it reads as a TLS record (after an
// SSLv2-compatible ClientHello, a client goes on in TLS records).
//
// Until the direction's ChangeCipherSpec it also reassembles handshake
// messages, so that a frame whose records end a Certificate or
// CertificateStatus message is named as tshark names it: by the last
// protocol the certificates' OIDs handed their contents to
// (dissect.ASN1Certificate), unless TCP called TLS again after it in the
// same frame (tshark calls it once for a record reassembled from earlier
// segments and again for the records after it in the segment).
type recordFramer struct {
	dissect.Lengths
	v2 bool

	ctype     byte // content type of the record being passed
	recFrame  int  // frame the record being passed started in
	cur       int  // the frame being added
	at        func(int) (int, time.Time)
	startedIn int    // frame the latest record started in
	hs        []byte // handshake bytes not yet a whole message
	held      *heldBytes
	hsDone    bool // ChangeCipherSpec passed, or too much handshake
	v2Hello   bool // the record being passed is an SSL 2.0 SERVER-HELLO
	top       asn1Top
}

// asn1Top is what a frame's certificates named: the set of their
// protocols and whether one of them, rather than tls, comes last.
type asn1Top struct {
	frame int
	set   dissect.ASN1Set
	last  bool // set.Last is the frame's last protocol
}

// asn1Trace, when set (by tests), sees every protocol push.
var asn1Trace func(frame int, p dissect.Proto)

func (t *asn1Top) push(frame int, p dissect.Proto) {
	if asn1Trace != nil {
		asn1Trace(frame, p)
	}
	if t.frame != frame {
		*t = asn1Top{frame: frame}
	}
	if p == dissect.ProtoTLS {
		t.last = false
		return
	}
	t.set.Add(p)
	t.last = true
}

// heldBytes bounds the handshake bytes the framers of one Annotator hold
// together (the module's bound on held handshake bytes).
type heldBytes struct{ n, max int }

// Frames: dissect.Framed.
func (f *recordFramer) Frames(cur int, at func(int) (int, time.Time), shared any) {
	f.cur, f.at = cur, at
	f.held, _ = shared.(*heldBytes)
}

// Forget: dissect.Framed.
func (f *recordFramer) Forget(shared any) {
	if h, _ := shared.(*heldBytes); h != nil {
		h.n -= len(f.hs)
	}
	f.hs = nil
}

// hold appends b to the handshake bytes held, or gives up on this
// direction's handshake when the bound would be passed.
func (f *recordFramer) hold(b []byte) bool {
	if len(f.hs)+len(b) > maxHandshake || f.held != nil && f.held.n+len(b) > f.held.max {
		f.drop()
		f.hsDone = true
		return false
	}
	f.hs = append(f.hs, b...)
	if f.held != nil {
		f.held.n += len(b)
	}
	return true
}

// drop lets go of the handshake bytes held.
func (f *recordFramer) drop() {
	if f.held != nil {
		f.held.n -= len(f.hs)
	}
	f.hs = nil
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
	lim := newLimits(env, 0)
	a := &Annotator{ends: dissect.NewEnds[recordFramer](lim.conns)}
	a.ends.Shared = &heldBytes{max: lim.held}
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
		if f := a.ends.Fed(); f != nil && f.top.frame == p.Number && f.top.set.Bits != 0 {
			info.TLSASN1 = f.top.set
			if !f.top.last {
				info.TLSASN1.Last = dissect.ProtoTLS
			}
		}
	}
}

// Feed passes the records in data, TLS's and SSL 2.0's with a two-byte
// header (see dissect.Lengths.Split).
func (f *recordFramer) Feed(data []byte) (n, last int) {
	return f.SplitEach(data, f.header, f.body)
}

func (f *recordFramer) header(b []byte) (hdr, n int, more, bad bool) {
	switch {
	case b[0]&0x80 != 0: // an SSL 2.0 record with a two-byte header
		if len(b) < 2 {
			return 0, 0, true, false
		}
		f.v2, f.ctype = true, 0
		return 2, int(b[0]&0x7f)<<8 | int(b[1]), false, false
	case b[0] >= ctChangeCipherSpec && b[0] <= ctHeartbeat && (len(b) < 2 || b[1] == 3 || !f.v2):
		if len(b) < 5 {
			return 0, 0, true, false
		}
		if b[1] != 3 {
			return 0, 0, false, true
		}
		f.v2, f.ctype = false, b[0]
		return 5, int(b[3])<<8 | int(b[4]), false, false
	case f.v2: // SSL 2.0's three-byte header: length, then the padding count
		if len(b) < 3 {
			return 0, 0, true, false
		}
		f.ctype = 0
		return 3, int(b[0]&0x3f)<<8 | int(b[1]), false, false
	}
	return 0, 0, false, true // no longer records (or never were)
}

// body follows the records for the frames' protocols: tls where TCP
// calls TLS (at the first record starting in a frame, at a record ending
// in a frame after the one it started in), the certificates' protocols
// where a record ends a Certificate or CertificateStatus message.
func (f *recordFramer) body(b []byte, off, hdr int, start, end bool) {
	if f.at == nil {
		return
	}
	if start {
		f.recFrame, _ = f.at(off - hdr)
		if f.recFrame != f.startedIn {
			f.startedIn = f.recFrame
			f.push(f.recFrame, dissect.ProtoTLS)
		}
		f.v2Hello = f.v2 && f.ctype == 0 && len(b) > 0 && b[0] == sslv2ServerHello
	}
	if f.ctype == ctChangeCipherSpec {
		f.drop()
		f.hsDone = true
	}
	if f.ctype != ctHandshake && !f.v2Hello || f.hsDone || !f.hold(b) {
		return
	}
	if !end {
		return
	}
	frame := f.cur
	if len(b) > 0 {
		frame, _ = f.at(off + len(b) - 1)
	}
	if frame != f.recFrame {
		f.push(frame, dissect.ProtoTLS) // a record reassembled from earlier segments
	}
	if f.v2Hello {
		f.v2ServerHello(frame)
		return
	}
	f.messages(frame)
}

// push records p for frame, the frame being added (bytes that came
// before a hole, handed over when it is filled, are not dissected again
// by tshark).
func (f *recordFramer) push(frame int, p dissect.Proto) {
	if frame == f.cur {
		f.top.push(frame, p)
	}
}

// sslv2ServerHello is SSL 2.0's SERVER-HELLO message type.
const sslv2ServerHello = 4

// v2ServerHello passes the certificate of the SSL 2.0 SERVER-HELLO held:
// type, session-id-hit, certificate type (1: X.509), version, then the
// lengths of the certificate, the cipher specs and the connection id.
func (f *recordFramer) v2ServerHello(frame int) {
	h := f.hs
	f.drop()
	if len(h) < 11 || h[2] != 1 {
		return
	}
	if n := int(h[5])<<8 | int(h[6]); len(h) >= 11+n {
		dissect.ASN1Certificate(h[11:11+n], func(p dissect.Proto) { f.push(frame, p) })
	}
}

// messages passes the whole handshake messages held.
func (f *recordFramer) messages(frame int) {
	emit := func(p dissect.Proto) { f.push(frame, p) }
	hs := f.hs
	for len(hs) >= 4 {
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if len(hs) < 4+n {
			break
		}
		body := hs[4 : 4+n]
		switch hs[0] {
		case hsCertificate: // certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
			if len(body) >= 3 {
				list := body[3:min(len(body), 3+(int(body[0])<<16|int(body[1])<<8|int(body[2])))]
				for len(list) >= 3 {
					c := int(list[0])<<16 | int(list[1])<<8 | int(list[2])
					if len(list) < 3+c {
						break
					}
					dissect.ASN1Certificate(list[3:3+c], emit)
					list = list[3+c:]
				}
			}
		case hsCertificateStatus: // status_type ocsp(1), OCSPResponse<1..2^24-1>
			if len(body) >= 4 && body[0] == 1 {
				dissect.ASN1OCSPResponse(body[4:min(len(body), 4+(int(body[1])<<16|int(body[2])<<8|int(body[3])))], emit)
			}
		}
		hs = hs[4+n:]
	}
	if f.held != nil {
		f.held.n -= len(f.hs) - len(hs)
	}
	if len(hs) == 0 {
		f.hs = nil
		return
	}
	f.hs = append(f.hs[:0], hs...)
}
