package tls

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
)

// TLS record (RFC 8446 §5.1, RFC 5246 §6.2):
//
//	+--------+---------+---------+----------------------+
//	| type 1 | version 2         | length 2 | fragment  |
//	+--------+---------+---------+----------------------+
//
// Handshake message (RFC 8446 §4): type 1 byte, length 3 bytes, body.

// Record content types.
const (
	ctChangeCipherSpec = 20
	ctAlert            = 21
	ctHandshake        = 22
	ctApplicationData  = 23
	ctHeartbeat        = 24
)

// Handshake message types.
const (
	hsClientHello       = 1
	hsServerHello       = 2
	hsNewSessionTicket  = 4
	hsCertificate       = 11
	hsServerKeyExchange = 12
	hsCertificateReq    = 13
	hsServerHelloDone   = 14
	hsCertificateVerify = 15
	hsClientKeyExchange = 16
	hsFinished          = 20
	hsCertificateStatus = 22
)

// Extension types used here.
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extECPointFormats      = 11
	extSignatureAlgorithms = 13
	extALPN                = 16
	extSessionTicket       = 35
	extPreSharedKey        = 41
	extEarlyData           = 42
	extSupportedVersions   = 43
	extKeyShare            = 51
)

// maxRecord is the largest record length accepted (2^14 plus the expansion
// TLS 1.2 allows for compression and encryption).
const maxRecord = 1<<14 + 2048

// maxHandshake caps one handshake message held for reassembly; larger
// ones (certificate chains of hundreds of KiB) are passed over.
const maxHandshake = 1 << 18

// Decoding errors: a message too short for what its lengths announce.
var (
	errShort     = errors.New("tls: message shorter than its lengths announce")
	errTrailing  = errors.New("tls: bytes after the last extension")
	errExtLength = errors.New("tls: extension longer than the extensions block")
)

// isGREASE reports the RFC 8701 reserved values 0x?A?A with equal bytes.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// looksLikeRecord is the cheap test that a TCP payload starts a TLS record
// that opens a session: a handshake record of SSL 3.0 to TLS 1.3 holding
// a ClientHello or a ServerHello, or an SSLv2 CLIENT-HELLO.
func looksLikeRecord(b []byte) bool {
	if len(b) >= 6 && b[0] == ctHandshake && b[1] == 3 && b[2] <= 4 && (b[5] == hsClientHello || b[5] == hsServerHello) {
		n := int(b[3])<<8 | int(b[4])
		return n >= 4 && n <= maxRecord
	}
	return isSSLv2Hello(b)
}

// isSSLv2Hello reports an SSLv2 two-byte record header holding a
// CLIENT-HELLO of version 2 or 3.x (the SSLv2-compatible hello).
func isSSLv2Hello(b []byte) bool {
	if len(b) < 11 || b[0]&0x80 == 0 || b[2] != 1 {
		return false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	return n >= 9 && (b[3] == 0 && b[4] == 2 || b[3] == 3 && b[4] <= 4)
}

// isSSLv2ServerHello reports an SSLv2 two-byte record header holding a
// SERVER-HELLO of version 2.
func isSSLv2ServerHello(b []byte) bool {
	if len(b) < 13 || b[0]&0x80 == 0 || b[2] != 4 {
		return false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	return n >= 11 && b[5] == 0 && b[6] == 2
}

// parseSSLv2ServerHello decodes an SSLv2 SERVER-HELLO: its version, its
// certificate (X.509) and the first cipher spec it names.
func parseSSLv2ServerHello(b []byte) (h *hello, cert []byte, err error) {
	r := reader{b: b}
	r.skip(3) // type, session id hit, certificate type
	h = &hello{typ: hsServerHello, sslv2: true, ticketLen: -1}
	h.version = r.u16()
	certLen, csLen := int(r.u16()), int(r.u16())
	r.skip(2)
	cert = r.bytes(certLen)
	cs := r.bytes(csLen)
	if r.err != nil {
		return h, nil, r.err
	}
	if len(cs) >= 3 {
		h.ciphers = []uint16{uint16(cs[1])<<8 | uint16(cs[2])} // the low 16 bits of the 3-byte spec
	} else {
		h.ciphers = []uint16{0}
	}
	return h, cert, nil
}

// hello is a decoded ClientHello or ServerHello: every field the analysis
// and the fingerprints use. Slices are owned by the hello.
type hello struct {
	typ          uint8  // hsClientHello or hsServerHello
	version      uint16 // legacy_version (client_version / server_version)
	sslv2        bool   // an SSLv2-format CLIENT-HELLO
	hrr          bool   // a ServerHello that is a HelloRetryRequest
	sessionIDLen int
	sessionID    []byte   // up to 32 bytes
	ciphers      []uint16 // offered (client) or the one selected (server)
	exts         []uint16 // extension types in order
	sni          string   // first host_name of server_name (raw bytes)
	alpn         []string // offered (client) or selected (server)
	versions     []uint16 // supported_versions: offered, or the selected one
	groups       []uint16 // supported_groups
	pointFormats []uint8
	sigAlgs      []uint16
	keyShares    []uint16 // key_share groups (client: offered; server: selected)
	psk          bool     // pre_shared_key present
	earlyData    bool     // early_data present
	ticketLen    int      // session_ticket extension length (-1: absent)
	compression  []byte
	err          error // why it did not fully decode (no fingerprint then, as Wireshark gives none)
}

// parseHello decodes a ClientHello or ServerHello body (the handshake
// message without its 4-byte header).
func parseHello(typ uint8, b []byte) (*hello, error) { return parseHelloOf(typ, b, false) }

// parseHelloOf decodes a hello of TLS, or of DTLS (RFC 6347 §4.2.1: a
// cookie follows a ClientHello's session id).
func parseHelloOf(typ uint8, b []byte, dtls bool) (*hello, error) {
	h := &hello{typ: typ, ticketLen: -1}
	r := reader{b: b}
	h.version = r.u16()
	var random []byte
	if typ == hsServerHello {
		random = r.bytes(32)
	} else {
		r.skip(32)
	}
	if typ == hsServerHello && h.version>>8 == 0x7f && h.version&0xff < 22 {
		// TLS 1.3 drafts before 22: no session id, no compression.
		h.ciphers = []uint16{r.u16()}
		h.err = h.extensionsBlock(&r)
		return h, h.err
	}
	sid := r.vec8()
	h.sessionIDLen = len(sid)
	h.sessionID = append([]byte(nil), sid[:min(len(sid), 32)]...)
	if typ == hsClientHello {
		if dtls {
			r.vec8() // cookie
		}
		cs := r.vec16()
		for i := 0; i+1 < len(cs); i += 2 {
			h.ciphers = append(h.ciphers, binary.BigEndian.Uint16(cs[i:]))
		}
		h.compression = append([]byte(nil), r.vec8()...)
	} else {
		h.ciphers = []uint16{r.u16()}
		h.compression = []byte{r.u8()}
		h.hrr = string(random) == hrrRandom
	}
	h.err = h.extensionsBlock(&r)
	return h, h.err
}

// extensionsBlock decodes the extensions that end a hello, if any.
func (h *hello) extensionsBlock(r *reader) error {
	if r.err != nil {
		return r.err
	}
	if r.len() == 0 {
		return nil
	}
	exts := r.vec16()
	if r.err != nil {
		return r.err
	}
	er := reader{b: exts}
	for er.len() > 0 && er.err == nil {
		t := er.u16()
		body := er.vec16()
		if er.err != nil {
			return errExtLength
		}
		h.exts = append(h.exts, t)
		h.extension(t, body)
	}
	if r.len() != 0 {
		return errTrailing
	}
	return nil
}

// hrrRandom is the Random of a HelloRetryRequest (RFC 8446 §4.1.3).
var hrrRandom = string([]byte{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C})

// extension decodes the body of one extension of type t. A body that does
// not decode leaves the fields it would have set empty.
func (h *hello) extension(t uint16, body []byte) {
	r := reader{b: body}
	client := h.typ == hsClientHello
	switch t {
	case extServerName:
		if !client {
			return
		}
		list := reader{b: r.vec16()}
		for list.len() > 0 && list.err == nil {
			nt := list.u8()
			name := list.vec16()
			if list.err == nil && nt == 0 && h.sni == "" {
				h.sni = string(name)
			}
		}
	case extALPN:
		list := reader{b: r.vec16()}
		for list.len() > 0 && list.err == nil {
			p := list.vec8()
			if list.err == nil {
				h.alpn = append(h.alpn, string(p))
			}
		}
	case extSupportedVersions:
		if client {
			h.versions = u16s(r.vec8())
		} else if v := r.u16(); r.err == nil {
			h.versions = []uint16{v}
		}
	case extSupportedGroups:
		h.groups = u16s(r.vec16())
	case extECPointFormats:
		h.pointFormats = append([]uint8(nil), r.vec8()...)
	case extSignatureAlgorithms:
		h.sigAlgs = u16s(r.vec16())
	case extKeyShare:
		if client {
			list := reader{b: r.vec16()}
			for list.len() > 0 && list.err == nil {
				g := list.u16()
				list.vec16()
				if list.err == nil {
					h.keyShares = append(h.keyShares, g)
				}
			}
		} else if g := r.u16(); r.err == nil {
			h.keyShares = []uint16{g} // a ServerHello's share, or an HRR's selected group
		}
	case extPreSharedKey:
		h.psk = true
	case extEarlyData:
		h.earlyData = true
	case extSessionTicket:
		h.ticketLen = len(body)
	}
}

func u16s(b []byte) []uint16 {
	out := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, binary.BigEndian.Uint16(b[i:]))
	}
	return out
}

// parseSSLv2Hello decodes an SSLv2 CLIENT-HELLO message (after the record
// header): version and cipher specs (3 bytes each, kept as their low 16
// bits when the first byte is 0, as TLS cipher suites).
func parseSSLv2Hello(b []byte) (*hello, error) {
	r := reader{b: b}
	if r.u8() != 1 {
		return nil, errShort
	}
	h := &hello{typ: hsClientHello, sslv2: true, ticketLen: -1}
	h.version = r.u16()
	csLen, sidLen, chLen := int(r.u16()), int(r.u16()), int(r.u16())
	cs := r.bytes(csLen)
	h.sessionIDLen = sidLen
	r.skip(sidLen)
	r.skip(chLen)
	if r.err != nil {
		h.err = r.err
		return h, r.err
	}
	for i := 0; i+2 < len(cs); i += 3 {
		if cs[i] == 0 {
			h.ciphers = append(h.ciphers, uint16(cs[i+1])<<8|uint16(cs[i+2]))
		}
	}
	return h, nil
}

// maxVersion is the highest version a ClientHello offers: the highest
// non-GREASE supported_versions entry, else its legacy version.
func (h *hello) maxVersion() uint16 {
	best := uint16(0)
	for _, v := range h.versions {
		if !isGREASE(v) && versionRank(v) > versionRank(best) {
			best = v
		}
	}
	if best == 0 {
		return h.version
	}
	return best
}

// selectedVersion is the version a ServerHello negotiates:
// supported_versions when present, else its legacy version.
func (h *hello) selectedVersion() uint16 {
	if len(h.versions) == 1 {
		return h.versions[0]
	}
	return h.version
}

// versionRank orders versions (DTLS counts down from 0xfeff).
func versionRank(v uint16) int {
	switch {
	case v == 0:
		return 0
	case v >= 0xfe00: // DTLS 1.0 = 0xfeff, 1.2 = 0xfefd, 1.3 = 0xfefc
		return 0x300 + int(0xff-v&0xff)
	case v>>8 == 0x7f: // TLS 1.3 drafts
		return 0x304
	}
	return int(v)
}

// JA3 string and hash, as Wireshark computes tls.handshake.ja3_full and
// tls.handshake.ja3: decimal values, GREASE removed, wire order kept:
// version,ciphers,extensions,groups,point formats.
func (h *hello) ja3() (full, hash string) {
	b := make([]byte, 0, 256)
	b = strconv.AppendUint(b, uint64(h.version), 10)
	b = append(b, ',')
	b = appendList(b, h.ciphers)
	b = append(b, ',')
	b = appendList(b, h.exts)
	b = append(b, ',')
	b = appendList(b, h.groups)
	b = append(b, ',')
	for i, f := range h.pointFormats {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(f), 10)
	}
	return string(b), md5hex(b)
}

// ja3s is JA3S as Wireshark computes tls.handshake.ja3s:
// version,cipher,extensions.
func (h *hello) ja3s() (full, hash string) {
	b := make([]byte, 0, 64)
	b = strconv.AppendUint(b, uint64(h.version), 10)
	b = append(b, ',')
	b = appendList(b, h.ciphers)
	b = append(b, ',')
	b = appendList(b, h.exts)
	return string(b), md5hex(b)
}

func appendList(b []byte, vs []uint16) []byte {
	first := true
	for _, v := range vs {
		if isGREASE(v) {
			continue
		}
		if !first {
			b = append(b, '-')
		}
		first = false
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// parseCertificates splits a TLS 1.2 (or earlier) Certificate message body
// into its DER certificates, in the order sent.
func parseCertificates(b []byte) ([][]byte, error) {
	r := reader{b: b}
	list := reader{b: r.vec24()}
	if r.err != nil {
		return nil, r.err
	}
	var out [][]byte
	for list.len() > 0 {
		c := list.vec24()
		if list.err != nil {
			return out, list.err
		}
		out = append(out, c)
	}
	return out, nil
}

// reader reads big-endian fields and length-prefixed vectors; the first
// overrun sets err and every later read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) len() int { return len(r.b) }

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n > len(r.b) || n < 0 {
		r.err = errShort
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u24() int {
	if b := r.bytes(3); b != nil {
		return int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	}
	return 0
}

func (r *reader) vec8() []byte  { return r.bytes(int(r.u8())) }
func (r *reader) vec16() []byte { return r.bytes(int(r.u16())) }
func (r *reader) vec24() []byte { return r.bytes(r.u24()) }
