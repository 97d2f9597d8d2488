package tls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// QUIC long header (RFC 9000 §17.2):
//
//	1 | fixed 1 | type 2 | type-specific 4 | version 32 |
//	DCID len 8 | DCID | SCID len 8 | SCID | type-specific payload
//
// Initial: token length (varint), token, length (varint), packet number
// (1-4 bytes, header-protected), AEAD-protected payload of frames.

// QUIC versions with known Initial salts.
const (
	quicV1 = 0x00000001
	quicV2 = 0x6b3343cf
)

var (
	saltV1      = mustHex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
	saltV2      = mustHex("0dede3def700a6db819381be6e269dcbf9bd2ed9")
	saltDraft29 = mustHex("afbfec289993d24c9e9786f19c6111e04390a899") // drafts 29 to 32
	saltDraft23 = mustHex("c3eef712c72ebb5a11a7d2432bb46365bef9f502") // drafts 23 to 28
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// quicSalt returns the Initial salt of version v, or nil when unknown.
func quicSalt(v uint32) []byte {
	switch {
	case v == quicV1:
		return saltV1
	case v == quicV2:
		return saltV2
	case v >= 0xff00001d && v <= 0xff000020:
		return saltDraft29
	case v >= 0xff000017 && v <= 0xff00001c:
		return saltDraft23
	}
	return nil
}

// Long header packet types, as version 1 numbers them.
const (
	qInitial   = 0
	qZeroRTT   = 1
	qHandshake = 2
	qRetry     = 3
)

// packetType maps the type bits of version v to version 1's numbering
// (QUIC v2, RFC 9369 §3.2, rotates them).
func packetType(v uint32, bits uint8) uint8 {
	if v == quicV2 {
		return [4]uint8{qRetry, qInitial, qZeroRTT, qHandshake}[bits]
	}
	return bits
}

// Errors of Initial decryption.
var (
	errQUICShort   = errors.New("quic: packet shorter than its header")
	errQUICVersion = errors.New("quic: no Initial salt for this version")
	errQUICOpen    = errors.New("quic: Initial packet does not decrypt")
)

// initialKeys are one direction's Initial packet protection keys.
type initialKeys struct {
	aead cipher.AEAD
	iv   []byte
	hp   cipher.Block
}

// newInitialKeys derives the keys of one direction (client or server)
// from the client's Destination Connection ID (RFC 9001 §5.2).
func newInitialKeys(version uint32, dcid []byte, server bool) (*initialKeys, error) {
	salt := quicSalt(version)
	if salt == nil {
		return nil, errQUICVersion
	}
	initial, err := hkdf.Extract(sha256.New, dcid, salt)
	if err != nil {
		return nil, err
	}
	label := "client in"
	if server {
		label = "server in"
	}
	secret := expandLabel(initial, label, 32)
	kl, il, hl := "quic key", "quic iv", "quic hp"
	if version == quicV2 {
		kl, il, hl = "quicv2 key", "quicv2 iv", "quicv2 hp"
	}
	block, err := aes.NewCipher(expandLabel(secret, kl, 16))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	hp, err := aes.NewCipher(expandLabel(secret, hl, 16))
	if err != nil {
		return nil, err
	}
	return &initialKeys{aead: aead, iv: expandLabel(secret, il, 12), hp: hp}, nil
}

// expandLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func expandLabel(secret []byte, label string, n int) []byte {
	info := make([]byte, 0, 4+6+len(label))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		panic(err) // n is small and fixed
	}
	return out
}

// longHeader is a parsed long header packet.
type longHeader struct {
	version   uint32
	typ       uint8 // version 1 numbering
	dcid      []byte
	scid      []byte
	token     []byte
	pnOffset  int // Initial, 0-RTT, Handshake: where the packet number starts
	length    int // bytes from pnOffset (packet number and payload)
	size      int // bytes of the whole packet in the datagram
	versions  []uint32
	retryTail int
}

// parseLongHeader parses the long header packet at the start of b.
func parseLongHeader(b []byte) (*longHeader, error) {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return nil, errQUICShort
	}
	h := &longHeader{version: binary.BigEndian.Uint32(b[1:5])}
	i := 5
	dl := int(b[i])
	i++
	if dl > 20 && h.version != 0 || i+dl+1 > len(b) {
		return nil, errQUICShort
	}
	h.dcid = b[i : i+dl]
	i += dl
	sl := int(b[i])
	i++
	if sl > 20 && h.version != 0 || i+sl > len(b) {
		return nil, errQUICShort
	}
	h.scid = b[i : i+sl]
	i += sl
	if h.version == 0 { // version negotiation
		for ; i+4 <= len(b); i += 4 {
			h.versions = append(h.versions, binary.BigEndian.Uint32(b[i:]))
		}
		h.size = len(b)
		return h, nil
	}
	h.typ = packetType(h.version, (b[0]>>4)&3)
	if h.typ == qRetry {
		h.size = len(b)
		return h, nil
	}
	if h.typ == qInitial {
		tl, n := varint(b[i:])
		if n == 0 || tl > uint64(len(b)-i-n) {
			return nil, errQUICShort
		}
		i += n
		h.token = b[i : i+int(tl)]
		i += int(tl)
	}
	l, n := varint(b[i:])
	if n == 0 || l > uint64(len(b)-i-n) {
		return nil, errQUICShort
	}
	i += n
	h.pnOffset, h.length, h.size = i, int(l), i+int(l)
	return h, nil
}

// varint decodes a QUIC variable-length integer; n is 0 when b is short.
func varint(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// openInitial removes header protection from the Initial packet pkt (its
// bytes in the datagram, h.size long) and decrypts its payload.
func openInitial(k *initialKeys, h *longHeader, pkt []byte) ([]byte, error) {
	if h.length < 20 || h.pnOffset+4+16 > len(pkt) {
		return nil, errQUICShort
	}
	var mask [16]byte
	k.hp.Encrypt(mask[:], pkt[h.pnOffset+4:h.pnOffset+20])
	hdr := make([]byte, h.pnOffset+4)
	copy(hdr, pkt[:h.pnOffset+4])
	hdr[0] ^= mask[0] & 0x0f
	pnLen := int(hdr[0]&3) + 1
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[h.pnOffset+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[h.pnOffset+i])
	}
	hdr = hdr[:h.pnOffset+pnLen]
	nonce := make([]byte, len(k.iv))
	copy(nonce, k.iv)
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(pn >> (8 * i))
	}
	out, err := k.aead.Open(nil, nonce, pkt[h.pnOffset+pnLen:h.size], hdr)
	if err != nil {
		return nil, errQUICOpen
	}
	return out, nil
}

// cryptoFrame is the data of one CRYPTO frame.
type cryptoFrame struct {
	offset uint64
	data   []byte
}

// parseFrames returns the CRYPTO frames of a decrypted Initial payload,
// and whether a CONNECTION_CLOSE was seen; it stops at the first frame type
// an Initial may not carry.
func parseFrames(b []byte) (frames []cryptoFrame, closed bool) {
	for len(b) > 0 {
		t, n := varint(b)
		if n == 0 {
			return
		}
		b = b[n:]
		switch t {
		case 0x00, 0x01: // PADDING, PING
		case 0x02, 0x03: // ACK
			var vals [4]uint64
			for i := range vals {
				if vals[i], n = varint(b); n == 0 {
					return
				}
				b = b[n:]
			}
			extra := int(vals[2]) * 2
			if t == 0x03 {
				extra += 3
			}
			if vals[2] > uint64(len(b)) {
				return
			}
			for i := 0; i < extra; i++ {
				if _, n = varint(b); n == 0 {
					return
				}
				b = b[n:]
			}
		case 0x06: // CRYPTO
			off, n1 := varint(b)
			if n1 == 0 {
				return
			}
			l, n2 := varint(b[n1:])
			if n2 == 0 || l > uint64(len(b)-n1-n2) {
				return
			}
			frames = append(frames, cryptoFrame{off, b[n1+n2 : n1+n2+int(l)]})
			b = b[n1+n2+int(l):]
		case 0x1c, 0x1d: // CONNECTION_CLOSE
			return frames, true
		default:
			return
		}
	}
	return
}

// maxCrypto caps the CRYPTO bytes held per direction.
const maxCrypto = 64 << 10

// cryptoStream puts one direction's CRYPTO frames back in order and hands
// the handshake messages they complete to the session.
type cryptoStream struct {
	next    uint64
	pending []cryptoFrame // out of order, copied
	held    int
	p       recordParser
}

func (c *cryptoStream) add(s *session, dir int, f cryptoFrame, frame int, t time.Time) {
	if f.offset+uint64(len(f.data)) <= c.next || c.p.dead {
		return
	}
	if f.offset > c.next {
		if c.held+len(f.data) > maxCrypto || !s.hold(len(f.data)) {
			return
		}
		c.held += len(f.data)
		c.pending = append(c.pending, cryptoFrame{f.offset, append([]byte(nil), f.data...)})
		return
	}
	c.deliver(s, dir, f.data[c.next-f.offset:], frame, t)
	for progress := true; progress; {
		progress = false
		for i := 0; i < len(c.pending); i++ {
			pf := c.pending[i]
			if pf.offset > c.next {
				continue
			}
			if end := pf.offset + uint64(len(pf.data)); end > c.next {
				c.deliver(s, dir, pf.data[c.next-pf.offset:], frame, t)
			}
			c.held -= len(pf.data)
			s.hold(-len(pf.data))
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			progress = true
			i--
		}
	}
}

func (c *cryptoStream) deliver(s *session, dir int, b []byte, frame int, t time.Time) {
	if len(b) > 0 && len(c.p.hs) == 0 && c.p.hsSkip == 0 && s.o.trace != nil {
		// New bytes that start a handshake message: Wireshark's TLS
		// dissector shows itself in their packet, though the message
		// ends in a later one.
		s.o.trace(traceItem{frame: frame, quic: true, start: true})
	}
	c.next += uint64(len(b))
	c.p.handshake(s, dir, b, frame, t)
}

// quicConn is one QUIC connection, keyed by its UDP 4-tuple.
type quicConn struct {
	s          *session
	first      netip.AddrPort // the sender of the first long header packet: the client
	keyDCID    []byte         // the client's DCID the Initial keys derive from
	retrySCIDs []string       // the SCIDs of Retries: the DCIDs the client's next Initials may use
	serverSCID []byte         // the SCID of the server's first Initial
	version    uint32
	keys       [2]*initialKeys
	crypto     [2]cryptoStream
}

// release gives back what the connection's CRYPTO streams hold.
func (qc *quicConn) release() {
	if qc.s == nil {
		return
	}
	for i := range qc.crypto {
		c := &qc.crypto[i]
		qc.s.hold(-c.held)
		c.held, c.pending = 0, nil
		c.p.release(qc.s)
	}
}

// udp looks for QUIC long header packets on any port, and counts short
// header packets of known connections.
func (o *observer) udp(p *engine.Packet) {
	b := p.UDP.Payload
	if len(b) < 7 {
		return
	}
	src, dst := netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort))
	if b[0] == ctHandshake && b[1] == 0xfe {
		o.dtlsRecord(b, src, dst, p)
		return
	}
	if b[0]&0x80 == 0 {
		if len(o.quic) == 0 || b[0]&0x40 == 0 {
			return
		}
		if qc := o.quic[keyOf(src, dst)]; qc != nil && qc.s != nil {
			o.tlsPackets++
			qc.s.lastFrame = p.Number
			if src == qc.first {
				qc.s.shortPackets[dirClient]++
			} else {
				qc.s.shortPackets[dirServer]++
			}
		}
		return
	}
	v := binary.BigEndian.Uint32(b[1:5])
	if v != 0 && quicSalt(v) == nil {
		return
	}
	k := keyOf(src, dst)
	qc := o.quic[k]
	for off := 0; off < len(b) && b[off]&0x80 != 0; {
		h, err := parseLongHeader(b[off:])
		if err != nil {
			if qc != nil {
				qc.s.malformedAt("a QUIC long header packet that does not parse", p.Number)
			}
			return
		}
		if qc == nil {
			if h.version == 0 || h.typ != qInitial {
				return // a connection is picked up from its first Initial
			}
			s := o.newSession(true, src, dst, p)
			if len(o.quic) >= o.cfg.lim.conns {
				o.connsEvicted += len(o.quic)
				for _, c := range o.quic {
					c.release()
				}
				clear(o.quic)
			}
			qc = &quicConn{s: s, first: src} // s nil past the session cap: remembered as counted
			o.quic[k] = qc
			if s == nil {
				return
			}
			s.qVersion = h.version
		}
		if qc.s == nil {
			return
		}
		o.quicPacket(qc, h, b[off:off+h.size], src, p)
		off += h.size
	}
	o.tlsPackets++
	qc.s.lastFrame = p.Number
}

// quicPacket handles one long header packet of qc.
func (o *observer) quicPacket(qc *quicConn, h *longHeader, pkt []byte, src netip.AddrPort, p *engine.Packet) {
	s := qc.s
	dir := 1
	if src == qc.first {
		dir = 0
	}
	switch {
	case h.version == 0:
		s.vneg = true
		return
	case h.typ == qRetry:
		s.retry = true
		if len(qc.retrySCIDs) < 4 {
			qc.retrySCIDs = append(qc.retrySCIDs, string(h.scid))
		}
		return
	case h.typ != qInitial:
		return
	}
	if s.scid == nil && dir == 0 {
		s.dcid, s.scid = append([]byte{}, h.dcid...), append([]byte{}, h.scid...)
	}
	if dir == 0 && (qc.keyDCID == nil || string(h.dcid) != string(qc.keyDCID) || h.version != qc.version) {
		if qc.keyDCID != nil && h.version == qc.version && string(h.dcid) == string(qc.serverSCID) {
			// The client now addresses the server by the SCID of its
			// Initial: same connection, same keys.
			goto open
		}
		if qc.keyDCID != nil && !slices.Contains(qc.retrySCIDs, string(h.dcid)) && h.version == qc.version {
			// A client Initial to a new DCID that no Retry asked for: a
			// new connection attempt on the same UDP ports.
			if ns := o.newSession(true, qc.first, s.server, p); ns != nil {
				qc.release()
				*qc = quicConn{s: ns, first: qc.first}
				s = ns
				s.qVersion = h.version
				s.dcid, s.scid = append([]byte{}, h.dcid...), append([]byte{}, h.scid...)
			}
		}
		// New keys: the first Initial, one after a Retry or a version
		// negotiation, or a new connection.
		qc.keyDCID, qc.version = append([]byte{}, h.dcid...), h.version
		qc.keys = [2]*initialKeys{}
		s.qVersion = h.version
	}
	if dir == 1 && qc.serverSCID == nil {
		qc.serverSCID = append([]byte{}, h.scid...)
	}
open:
	if qc.keyDCID == nil {
		return
	}
	if qc.keys[dir] == nil {
		k, err := newInitialKeys(qc.version, qc.keyDCID, dir == 1)
		if err != nil {
			return
		}
		qc.keys[dir] = k
	}
	s.initials[dir]++
	plain, err := openInitial(qc.keys[dir], h, pkt)
	if err != nil {
		return // not ours to judge: another connection's keys, or a spoofed packet
	}
	frames, closed := parseFrames(plain)
	if closed {
		s.closed = true
	}
	for _, f := range frames {
		qc.crypto[dir].add(s, dir, f, p.Number, p.Timestamp)
	}
}
