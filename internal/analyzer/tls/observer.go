package tls

import (
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// connKey is a TCP connection or UDP flow, its ends in a fixed order.
type connKey struct{ a, b netip.AddrPort }

func keyOf(src, dst netip.AddrPort) connKey {
	if src.Compare(dst) > 0 {
		src, dst = dst, src
	}
	return connKey{src, dst}
}

// tcpConn is the module's state of one TLS-over-TCP connection.
type tcpConn struct {
	key  connKey
	s    *session
	p    [2]recordParser // by engine direction
	bulk bool            // handshake over both ways: no more reassembly, TCP payload bytes counted
	last int             // last frame
	fin  [2]bool
}

// observer finds TLS on any TCP port and QUIC on any UDP port and keeps
// the sessions, certificates and counts the output is built from.
type observer struct {
	cfg *config

	tcpConns map[connKey]*tcpConn
	reasm    *engine.Reassembler
	quic     map[connKey]*quicConn
	dtls     map[connKey]*dtlsConn
	quicSeen bool

	sessions        []*session
	sessionsTotal   int
	sessionsDropped int // past the session cap: counted, not kept
	connsEvicted    int

	certs        map[[32]byte]*certInfo
	certOrder    []*certInfo
	certsDropped int

	malformedCount int
	held           int // bytes held for unfinished handshake messages and out-of-order CRYPTO data
	heldRefused    int // messages passed over because held reached its bound
	lastTime       time.Time
	firstTime      time.Time
	tlsPackets     int // frames of TLS or QUIC sessions seen
	skipped        int // sessions past --max-packets

	// trace, when set (tests), sees every handshake message decoded.
	trace func(traceItem)
}

var (
	_ engine.Observer      = (*observer)(nil)
	_ engine.Flusher       = (*observer)(nil)
	_ engine.StreamHandler = (*observer)(nil)
	_ engine.Interested    = (*observer)(nil)
)

func newObserver(cfg *config) *observer {
	return &observer{cfg: cfg, tcpConns: map[connKey]*tcpConn{}, quic: map[connKey]*quicConn{}, dtls: map[connKey]*dtlsConn{}, certs: map[[32]byte]*certInfo{}}
}

// Interest: TCP and UDP only.
func (o *observer) Interest() engine.Interest {
	return engine.Interest{IPProtocols: []layers.IPProtocol{layers.IPProtocolTCP, layers.IPProtocolUDP}}
}

// Observe handles one TCP or UDP frame. Frames of connections not known
// to carry TLS cost a map lookup and a few byte comparisons.
func (o *observer) Observe(p *engine.Packet) {
	if o.firstTime.IsZero() {
		o.firstTime = p.Timestamp
	}
	o.lastTime = p.Timestamp
	switch {
	case p.TCP != nil:
		o.tcp(p)
	case p.UDP != nil:
		o.udp(p)
	}
}

func (o *observer) tcp(p *engine.Packet) {
	if p.Fragment {
		return
	}
	t := p.TCP
	src, dst := netip.AddrPortFrom(p.SrcIP(), uint16(t.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(t.DstPort))
	k := keyOf(src, dst)
	c := o.tcpConns[k]
	if c == nil {
		if len(t.Payload) == 0 || !looksLikeRecord(t.Payload) {
			return
		}
		s := o.newSession(false, src, dst, p)
		c = &tcpConn{key: k, s: s} // s nil past the session cap: the connection is remembered as counted
		if len(o.tcpConns) >= o.cfg.lim.conns {
			o.evictConns()
		}
		o.tcpConns[k] = c
	}
	if c.s == nil {
		return
	}
	o.tlsPackets++
	c.s.lastFrame, c.last = p.Number, p.Number
	if c.bulk {
		r := dirServer
		if src == c.s.client {
			r = dirClient
		}
		c.s.encBytes[r] += int64(len(t.Payload))
		if t.RST {
			delete(o.tcpConns, k)
			return
		}
		if t.FIN {
			c.fin[r] = true
			if c.fin[0] && c.fin[1] {
				delete(o.tcpConns, k)
			}
		}
		return
	}
	if len(t.Payload) == 0 && !t.FIN && !t.RST {
		return
	}
	if o.reasm == nil {
		o.reasm = engine.NewReassembler(o)
		o.reasm.SetMaxConns(o.cfg.lim.conns)
	}
	o.reasm.Add(p)
}

// evictConns forgets the oldest tenth of the connections tracked (by
// their last frame), counting them.
func (o *observer) evictConns() {
	cut := len(o.tcpConns) / 10
	var oldest []int
	for _, c := range o.tcpConns {
		oldest = append(oldest, c.last)
	}
	limit := nth(oldest, cut)
	for k, c := range o.tcpConns {
		if c.last <= limit {
			if c.s != nil {
				c.p[0].release(c.s)
				c.p[1].release(c.s)
				c.p[0].dead, c.p[1].dead = true, true
			}
			delete(o.tcpConns, k)
			o.connsEvicted++
		}
	}
}

// nth returns the n-th smallest of vs (vs is reordered).
func nth(vs []int, n int) int {
	if len(vs) == 0 {
		return 0
	}
	n = min(max(n, 0), len(vs)-1)
	slices.Sort(vs) // once per tenth of the cap: amortised constant time
	return vs[n]
}

// newSession starts a session, or returns nil past the session cap (the
// session is counted).
func (o *observer) newSession(quic bool, src, dst netip.AddrPort, p *engine.Packet) *session {
	o.sessionsTotal++
	if o.cfg.maxPackets > 0 && o.sessionsTotal > o.cfg.maxPackets {
		o.skipped++
		return nil
	}
	if len(o.sessions) >= o.cfg.lim.sessions {
		o.sessionsDropped++
		return nil
	}
	s := &session{o: o, id: len(o.sessions) + 1, quic: quic, client: src, server: dst, start: p.Timestamp, first: p.Number, lastFrame: p.Number}
	o.sessions = append(o.sessions, s)
	return s
}

// parserOf returns the record parser of engine direction dir of s's
// TCP connection.
func (o *observer) parserOf(s *session, dir int) *recordParser {
	k := keyOf(s.client, s.server)
	if c := o.tcpConns[k]; c != nil && c.s == s && s != nil {
		return &c.p[dir]
	}
	return nil
}

// Data parses the bytes of one direction of a TLS connection.
func (o *observer) Data(sc *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	c, _ := sc.State.(*tcpConn)
	if c == nil {
		c = o.tcpConns[keyOf(sc.Client, sc.Server)]
		if c == nil || c.s == nil {
			return
		}
		// The engine's client is the sender of the first segment fed,
		// as the session's client is until a hello says otherwise.
		sc.State = c
	}
	dir := 0
	if !fromClient {
		dir = 1
	}
	if c.s.role(dir) == dirServer {
		c.s.serverSpoke = true
	}
	n := c.p[dir].feed(c.s, dir, data, at)
	sc.Consume(fromClient, n)
	if !c.s.appTime.IsZero() && c.s.encBytes[0] > 0 && c.s.encBytes[1] > 0 && !c.bulk {
		// Both ways carry application data: the handshake is over.
		c.bulk = true
	}
}

// Gap: bytes were lost; a partial record or message in that direction
// cannot be finished.
func (o *observer) Gap(sc *engine.StreamConn, fromClient bool, missing int) {
	c, _ := sc.State.(*tcpConn)
	if c == nil {
		return
	}
	dir := 0
	if !fromClient {
		dir = 1
	}
	c.p[dir].dead = true
}

// Closed forgets a connection, unless it is no longer reassembled (its
// stream then idles out in the reassembler while its packets are still
// counted here), and gives back what its parsers held.
func (o *observer) Closed(sc *engine.StreamConn) {
	c, _ := sc.State.(*tcpConn)
	if c != nil && c.s != nil {
		c.p[0].release(c.s)
		c.p[1].release(c.s)
	}
	if c != nil && !c.bulk && o.tcpConns[c.key] == c {
		delete(o.tcpConns, c.key)
	}
}

// Flush ends reassembly at the end of the capture.
func (o *observer) Flush() {
	if o.reasm != nil {
		o.reasm.Flush()
		o.connsEvicted += o.reasm.Evicted()
	}
}

// cert returns the certificate of der, decoded once per capture.
func (o *observer) cert(der []byte, session, frame int, fromClient bool) *certInfo {
	sum := certSum(der)
	ci := o.certs[sum]
	if ci == nil {
		if len(o.certs) >= o.cfg.lim.certs {
			o.certsDropped++
			ci = newCertInfo(der, sum)
			ci.firstFrame, ci.fromClient = frame, fromClient
			ci.addSession(session)
			return ci
		}
		ci = newCertInfo(der, sum)
		ci.firstFrame, ci.fromClient = frame, fromClient
		o.certs[sum] = ci
		o.certOrder = append(o.certOrder, ci)
	}
	ci.addSession(session)
	return ci
}

// hold takes n bytes of the budget of unfinished messages (n < 0 gives
// them back), and reports false when that would pass its bound.
func (o *observer) hold(n int) bool {
	if n > 0 && o.held+n > o.cfg.lim.held {
		o.heldRefused++
		return false
	}
	o.held += n
	return true
}

// text renders a string from the capture.
func text(s string) string { return result.Text(s, 256) }
