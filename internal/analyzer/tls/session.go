package tls

import (
	"net/netip"
	"time"
)

// session is one TLS session: a TCP connection carrying TLS, or a QUIC
// connection. Roles: dirClient is what the client sent.
type session struct {
	o         *observer
	id        int
	quic      bool
	dtls      bool
	client    netip.AddrPort
	server    netip.AddrPort
	flip      bool // the engine's direction 0 is the server's
	oriented  bool // flip is settled by a hello
	start     time.Time
	first     int // first frame
	lastFrame int

	ch      *hello // the first ClientHello
	chFrame int
	chTime  time.Time
	ja3     string
	ja3Full string
	ja4     string
	hellos  int // ClientHellos (2 after a HelloRetryRequest)

	sh       *hello // the ServerHello (not an HRR)
	shFrame  int
	shTime   time.Time
	ja3s     string
	ja3sFull string
	hrr      bool
	hrrFrame int

	appTime  time.Time // first application data (TLS 1.3: first encrypted record)
	appFrame int

	serverCerts []*certInfo
	clientCerts []*certInfo
	certFrame   int
	certTime    time.Time
	alerts      []alertSeen
	ccs         [2]bool
	finished    [2]bool
	encBytes    [2]int64
	hsTypes     [2][]uint8 // plaintext handshake message types in order (first 16)

	serverSpoke bool // the server sent bytes (a ServerHello the capture missed is no failure)

	malformed      string
	malformedFrame int

	// QUIC.
	qVersion     uint32
	dcid, scid   []byte
	retry        bool
	vneg         bool
	shortPackets [2]int
	initials     [2]int
	closed       bool
}

const (
	dirClient = 0
	dirServer = 1
)

type alertSeen struct {
	frame     int
	fromSrv   bool
	level     uint8
	desc      uint8
	encrypted bool
}

// role maps an engine direction (0: the reassembler's client) to the
// session's (dirClient or dirServer).
func (s *session) role(dir int) int {
	if s.flip {
		return 1 - dir
	}
	return dir
}

// orient settles the roles when the first hello is seen: the sender of a
// ClientHello is the client.
func (s *session) orient(dir int, typ uint8) {
	if s.oriented {
		return
	}
	s.oriented = true
	senderIsClient := typ == hsClientHello
	s.flip = (dir == 0) != senderIsClient
	if s.flip {
		s.client, s.server = s.server, s.client
	}
}

func (s *session) handshake(dir int, typ uint8, body []byte, frame int, t time.Time) {
	if typ == hsClientHello || typ == hsServerHello {
		s.orient(dir, typ)
	}
	r := s.role(dir)
	s.lastFrame = frame
	if len(s.hsTypes[r]) < 16 {
		s.hsTypes[r] = append(s.hsTypes[r], typ)
	}
	var h *hello
	var certs []*certInfo
	switch typ {
	case hsClientHello, hsServerHello:
		var err error
		h, err = parseHelloOf(typ, body, s.dtls)
		if err != nil {
			s.malformedAt("a "+hsName(typ)+" that does not decode: "+err.Error(), frame)
		}
		if typ == hsClientHello {
			s.clientHello(h, frame, t)
		} else {
			s.serverHello(h, frame, t)
		}
	case hsCertificate:
		if s.sh != nil && s.sh.selectedVersion() == 0x0304 {
			break // TLS 1.3 sends it encrypted; a plaintext one is not expected
		}
		ders, err := parseCertificates(body)
		if err != nil {
			s.malformedAt("a Certificate message that does not decode", frame)
		}
		for _, der := range ders {
			certs = append(certs, s.o.cert(der, s.id, frame, r == dirClient))
		}
		if r == dirServer {
			if len(s.serverCerts) == 0 {
				s.serverCerts, s.certFrame, s.certTime = certs, frame, t
			}
		} else if len(s.clientCerts) == 0 {
			s.clientCerts = certs
		}
	case hsFinished:
		s.finished[r] = true
	}
	if s.o.trace != nil {
		s.o.trace(traceItem{frame: frame, quic: s.quic, typ: typ, hello: h, certs: certs})
	}
}

func (s *session) clientHello(h *hello, frame int, t time.Time) {
	s.hellos++
	if s.ch != nil {
		return
	}
	s.ch, s.chFrame, s.chTime = h, frame, t
	if h.err == nil {
		s.ja3Full, s.ja3 = h.ja3()
		s.ja4 = ja4(h, s.quic)
		if s.dtls {
			s.ja4 = "d" + s.ja4[1:]
		}
	}
}

func (s *session) serverHello(h *hello, frame int, t time.Time) {
	if h.hrr {
		s.hrr, s.hrrFrame = true, frame
		return
	}
	if s.sh != nil {
		return
	}
	s.sh, s.shFrame, s.shTime = h, frame, t
	if h.err == nil {
		s.ja3sFull, s.ja3s = h.ja3s()
	}
}

func (s *session) sslv2Hello(dir int, body []byte, frame int, t time.Time) {
	s.orient(dir, hsClientHello)
	h, err := parseSSLv2Hello(body)
	if err != nil || h == nil {
		s.malformedAt("an SSLv2 CLIENT-HELLO that does not decode", frame)
		return
	}
	s.hellos++
	if s.ch == nil {
		s.ch, s.chFrame, s.chTime = h, frame, t
		s.ja4 = ja4(h, false)
	}
	if s.o.trace != nil {
		s.o.trace(traceItem{frame: frame, typ: hsClientHello, hello: h})
	}
}

func (s *session) sslv2ServerHello(dir int, body []byte, frame int, t time.Time) {
	s.orient(dir, hsServerHello)
	h, _, err := parseSSLv2ServerHello(body)
	if err != nil {
		s.malformedAt("an SSLv2 SERVER-HELLO that does not decode", frame)
	}
	if s.sh == nil {
		s.sh, s.shFrame, s.shTime = h, frame, t
	}
	if s.o.trace != nil {
		s.o.trace(traceItem{frame: frame, typ: 4, hello: h}) // SSLv2's SERVER-HELLO is message type 4
	}
}

// sslv2Message notes an SSL 2.0 handshake message after the hellos
// (CLIENT-MASTER-KEY, type 2).
func (s *session) sslv2Message(dir int, typ uint8, frame int, t time.Time) {
	r := s.role(dir)
	if len(s.hsTypes[r]) < 16 {
		s.hsTypes[r] = append(s.hsTypes[r], typ)
	}
	if s.o.trace != nil {
		s.o.trace(traceItem{frame: frame, typ: typ})
	}
}

func (s *session) changeCipherSpec(dir int, frame int, t time.Time) {
	r := s.role(dir)
	s.ccs[r] = true
	if s.hrr || s.sh != nil && versionRank(s.sh.selectedVersion()) >= 0x0304 || s.ch != nil && versionRank(s.ch.maxVersion()) >= 0x0304 && s.sh == nil {
		return // TLS 1.3's middlebox-compatibility ChangeCipherSpec changes nothing
	}
	if p := s.o.parserOf(s, dir); p != nil {
		p.encrypted = true
	}
}

func (s *session) alert(dir int, level, desc uint8, encrypted bool, frame int, t time.Time) {
	if len(s.alerts) < 8 {
		s.alerts = append(s.alerts, alertSeen{frame: frame, fromSrv: s.role(dir) == dirServer, level: level, desc: desc, encrypted: encrypted})
	}
}

func (s *session) appData(dir int, n int, frame int, t time.Time) {
	s.encBytes[s.role(dir)] += int64(n)
	if s.appTime.IsZero() {
		s.appTime, s.appFrame = t, frame
	}
}

func (s *session) encryptedHandshake(dir int, frame int, t time.Time) {
	s.finished[s.role(dir)] = true
}

func (s *session) hold(n int) bool { return s.o.hold(n) }

func (s *session) badInput(dir int, why string, frame int) { s.malformedAt(why, frame) }

func (s *session) malformedAt(why string, frame int) {
	if s.malformed == "" {
		s.malformed, s.malformedFrame = why, frame
		s.o.malformedCount++
	}
}

// version is the negotiated version, or 0 before a ServerHello.
func (s *session) version() uint16 {
	if s.sh == nil {
		return 0
	}
	return s.sh.selectedVersion()
}

// failed reports a handshake that did not complete: a fatal alert before
// any application data, or a ClientHello never answered by a ServerHello.
func (s *session) failed() (bool, string) {
	for _, a := range s.alerts {
		if a.encrypted {
			continue
		}
		if a.level == 2 && (s.appTime.IsZero() || a.frame <= s.appFrame) {
			who := "client"
			if a.fromSrv {
				who = "server"
			}
			return true, "fatal alert " + alertName(a.desc) + " from the " + who
		}
	}
	if s.ch != nil && s.sh == nil && !s.quic && !s.dtls && !s.serverSpoke {
		return true, "no ServerHello"
	}
	return false, ""
}

func hsName(t uint8) string {
	switch t {
	case hsClientHello:
		return "ClientHello"
	case hsServerHello:
		return "ServerHello"
	}
	return "handshake message"
}

// traceItem is what a test sees of each handshake message: the frame that
// completed it and what it decoded to.
type traceItem struct {
	frame int
	quic  bool
	start bool // a QUIC packet whose CRYPTO data starts a handshake message (no message ended)
	typ   uint8
	hello *hello
	certs []*certInfo
}
