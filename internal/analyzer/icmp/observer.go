package icmp

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Bounds on state kept in memory.
const (
	maxTracked      = 200000 // outstanding echo requests, probes, host pairs, sessions
	maxUniqueListed = 50
	maxRoutesListed = 20 // traceroutes in the output
	maxHops         = 64
	maxRoutes       = 1000
	reservoirSize   = 50000
	probeMaxTTL     = 30 // packets with a TTL this low may be traceroute probes
)

type echoKey struct {
	src, dst netip.Addr
	id, seq  uint16
}

type echoReq struct {
	t     time.Time
	frame int
}

type pairKey struct{ src, dst netip.Addr }

type pairStat struct {
	key                  pairKey
	n                    int // its index in pairOrder
	sent, recv, errored  int
	rttMin, rttMax, rttS float64
	ids                  map[uint16]struct{}
}

type sessKey struct {
	src, dst netip.Addr
	id       uint16
}

type session struct {
	requests, replies int
	rttSum            float64
}

// probeKey identifies a datagram that may come back quoted in a
// time-exceeded message: its addresses and its IPv4 id, or for IPv6 its
// protocol and first transport bytes.
type probeKey struct {
	src, dst netip.Addr
	tag      uint64
}

type probe struct {
	ttl int
	t   time.Time
}

type route struct {
	src, dst netip.Addr
	proto    uint8
	hops     []Hop
	reached  bool
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet

	typeCounts     [2][256]int // by [ICMPv6][type]
	byVersion      map[string]int
	sources, dests *result.Counter[netip.Addr]
	unreach        *result.Counter[netip.Addr] // hosts quoted by destination unreachable messages
	unreachByCode  map[string]int
	echoReqs       int
	echoReps       int
	errors         int
	malformed      int

	pending   map[echoKey]echoReq
	pairs     map[pairKey]*pairStat
	pairOrder []*pairStat
	sessions  map[sessKey]*session
	rtt       result.Reservoir

	probes     map[probeKey]probe
	probeOrder []probeKey
	routes     map[pairKey]*route
	routeOrder []*route

	run *analyzer.Run[*event, *observer] // the detectors
	ev  event                            // the event being handed to them

	// set by echoReply for the record of the reply being observed
	lastRTT      float64
	lastReqFrame int
}

var _ engine.Observer = (*observer)(nil)

// newAddrs counts addresses, remembering the first ones listed.
func newAddrs() *result.Counter[netip.Addr] {
	return result.NewCounter[netip.Addr](maxTracked, maxUniqueListed)
}

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, byVersion: map[string]int{}, sources: newAddrs(), dests: newAddrs(), unreach: newAddrs(),
		unreachByCode: map[string]int{}, pending: map[echoKey]echoReq{}, pairs: map[pairKey]*pairStat{}, sessions: map[sessKey]*session{},
		probes: map[probeKey]probe{}, routes: map[pairKey]*route{}, rtt: result.Reservoir{Cap: reservoirSize},
		run: detectors.Start(cfg.th),
	}
}

// event is what the observer hands its detectors: one ICMP or ICMPv6
// message, with what the observer made of it. The observer reuses it; a
// detector keeps none of it past Observe.
type event struct {
	p   *engine.Packet
	msg icmpMessage
	// cut is set when the ICMP header did not decode: msg holds the type
	// and code as far as the cut left them, and only malformed is set.
	cut bool
	// malformed says why the message is malformed, or is "".
	malformed string
	// pair is the tracked host pair of an echo request, or of the request
	// an echo reply answers; nil otherwise.
	pair *pairStat
	// quote is the datagram an error quotes, when quoted is set (the
	// quote is readable).
	quote  engine.Quoted
	quoted bool
}

// addEvidence adds frame to the evidence kept for host pair n (see
// pairStat.n), for detectors that keep evidence for a few pairs only.
func addEvidence(m map[int]*result.Evidence, n, frame int) {
	ev := m[n]
	if ev == nil {
		ev = &result.Evidence{}
		m[n] = ev
	}
	ev.Add(frame)
}

// icmpMessage is the type, code and body of one ICMP or ICMPv6 message.
type icmpMessage struct {
	v6        bool
	typ, code uint8
	checksum  uint16
	rest      []byte // after the 4-byte type/code/checksum header
}

// message extracts the ICMP message of p, if any.
func message(p *engine.Packet) (icmpMessage, bool) {
	switch {
	case p.ICMPv4 != nil:
		tc := p.ICMPv4.TypeCode
		rest := make4(p.ICMPv4)
		return icmpMessage{typ: tc.Type(), code: tc.Code(), checksum: p.ICMPv4.Checksum, rest: rest}, true
	case p.ICMPv6 != nil:
		tc := p.ICMPv6.TypeCode
		return icmpMessage{v6: true, typ: tc.Type(), code: tc.Code(), checksum: p.ICMPv6.Checksum, rest: p.ICMPv6.Payload}, true
	}
	return icmpMessage{}, false
}

// make4 returns the ICMPv4 bytes after type, code and checksum: the
// id/seq (or unused) word, then the body.
func make4(l *layers.ICMPv4) []byte {
	c := l.Contents
	if len(c) >= 8 {
		// Contents and Payload are adjacent slices of the packet.
		return c[4 : 8+len(l.Payload) : 8+len(l.Payload)]
	}
	return l.Payload
}

// Observe counts every ICMP and ICMPv6 message and feeds the detectors; it
// also notes low-TTL datagrams that may be traceroute probes.
func (o *observer) Observe(p *engine.Packet) {
	o.lastReqFrame = 0
	o.noteProbe(p)
	m, ok := message(p)
	if !ok {
		if why := malformedICMP(p); why != "" {
			o.found++
			o.malformed++
			o.byVersion[version(p)]++
			// Type and code, when the cut left them.
			m = icmpMessage{v6: p.IPv6 != nil}
			var raw []byte
			if p.IPv4 != nil {
				raw = p.IPv4.Payload
			} else {
				raw = p.IPv6.Payload
			}
			if len(raw) >= 2 {
				m.typ, m.code = raw[0], raw[1]
			}
			o.ev = event{p: p, msg: m, cut: true, malformed: why}
			o.run.Observe(&o.ev)
			o.maybePage(p, m, why)
		}
		return
	}
	o.found++
	o.byVersion[version(p)]++
	src, dst := p.SrcIP(), p.DstIP()
	o.sources.Add(src)
	o.dests.Add(dst)
	o.typeCounts[b2i(m.v6)][m.typ]++
	o.ev = event{p: p, msg: m}
	e := &o.ev
	switch {
	case isEchoRequest(m.v6, m.typ):
		e.pair = o.echoRequest(p, m, src, dst)
	case isEchoReply(m.v6, m.typ):
		e.pair = o.echoReply(p, m, src, dst)
	case isError(m.v6, m.typ):
		e.quote, e.malformed = o.icmpError(p, m, src, dst)
		e.quoted = e.malformed == ""
	}
	if isUnreachable(m.v6, m.typ) {
		o.unreachByCode[codeName(m.v6, m.typ, m.code)]++
		if e.quote.Dst.IsValid() {
			o.unreach.Add(e.quote.Dst)
		}
	}
	o.run.Observe(e)
	o.maybePage(p, m, e.malformed)
}

func version(p *engine.Packet) string {
	if p.IPv6 != nil {
		return "ICMPv6"
	}
	return "ICMPv4"
}

// malformedICMP reports an IP packet that says it carries ICMP but whose
// ICMP header did not decode.
func malformedICMP(p *engine.Packet) string {
	if p.Fragment {
		return ""
	}
	switch {
	case p.IPv4 != nil && p.IPv4.Protocol == layers.IPProtocolICMPv4 && p.ICMPv4 == nil:
		return "ICMP header cut short"
	case p.IPv6 != nil && p.IPv6.NextHeader == layers.IPProtocolICMPv6 && p.ICMPv6 == nil && p.UDP == nil && p.TCP == nil:
		return "ICMPv6 header cut short"
	}
	return ""
}

func (o *observer) maybePage(p *engine.Packet, m icmpMessage, why string) {
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	if !o.cfg.matches(p, m) {
		return
	}
	o.matched++
	if idx := o.matched - 1; idx >= o.cfg.offset && idx < o.cfg.offset+o.cfg.limit {
		o.page = append(o.page, o.record(p, m, why))
	}
}

func echoIDSeq(m icmpMessage) (uint16, uint16, bool) {
	if len(m.rest) < 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(m.rest[0:2]), binary.BigEndian.Uint16(m.rest[2:4]), true
}

func (o *observer) pair(k pairKey) *pairStat {
	ps := o.pairs[k]
	if ps == nil && len(o.pairs) < maxTracked {
		ps = &pairStat{key: k, n: len(o.pairOrder), ids: map[uint16]struct{}{}}
		o.pairs[k] = ps
		o.pairOrder = append(o.pairOrder, ps)
	}
	return ps
}

// echoRequest counts an echo request; it returns its host pair when the
// request has an identifier and the pair is tracked.
func (o *observer) echoRequest(p *engine.Packet, m icmpMessage, src, dst netip.Addr) *pairStat {
	o.echoReqs++
	id, seq, ok := echoIDSeq(m)
	if !ok {
		return nil
	}
	if len(o.pending) < maxTracked {
		o.pending[echoKey{src, dst, id, seq}] = echoReq{p.Timestamp, p.Number}
	}
	if s := o.session(sessKey{src, dst, id}); s != nil {
		s.requests++
	}
	ps := o.pair(pairKey{src, dst})
	if ps == nil {
		return nil
	}
	ps.sent++
	if len(ps.ids) < 64 {
		ps.ids[id] = struct{}{}
	}
	return ps
}

func (o *observer) session(k sessKey) *session {
	s := o.sessions[k]
	if s == nil && len(o.sessions) < maxTracked {
		s = &session{}
		o.sessions[k] = s
	}
	return s
}

// echoReply counts an echo reply and matches it with its request; it
// returns the request's host pair when matched and tracked.
func (o *observer) echoReply(p *engine.Packet, m icmpMessage, src, dst netip.Addr) *pairStat {
	o.echoReps++
	id, seq, ok := echoIDSeq(m)
	if !ok {
		return nil
	}
	k := echoKey{dst, src, id, seq}
	req, ok := o.pending[k]
	if !ok {
		return nil
	}
	delete(o.pending, k)
	rtt := float64(p.Timestamp.Sub(req.t).Microseconds()) / 1000
	o.rtt.Add(rtt)
	o.lastRTT, o.lastReqFrame = rtt, req.frame
	if s := o.sessions[sessKey{dst, src, id}]; s != nil {
		s.replies++
		s.rttSum += rtt
	}
	ps := o.pairs[pairKey{dst, src}]
	if ps != nil {
		if ps.recv == 0 || rtt < ps.rttMin {
			ps.rttMin = rtt
		}
		if ps.recv == 0 || rtt > ps.rttMax {
			ps.rttMax = rtt
		}
		ps.recv++
		ps.rttS += rtt
	}
	o.noteRoute(dst, src)
	return ps
}

// icmpError decodes the quoted datagram of an error and feeds paths. It
// returns the datagram, or a reason when the quote is unreadable.
func (o *observer) icmpError(p *engine.Packet, m icmpMessage, src, dst netip.Addr) (engine.Quoted, string) {
	o.errors++
	quote, _ := p.ICMPErrorQuote()
	q, err := engine.DecodeQuoted(quote)
	if err != nil {
		o.malformed++
		return engine.Quoted{}, "the error quotes no readable IP header"
	}
	if isTimeExceeded(m.v6, m.typ) && m.code == 0 {
		o.noteHop(src, q, p)
	}
	// An echo request answered by an error is not lost.
	if (q.Protocol == 1 || q.Protocol == 58) && len(q.Transport) >= 8 {
		k := echoKey{q.Src, q.Dst, binary.BigEndian.Uint16(q.Transport[4:6]), binary.BigEndian.Uint16(q.Transport[6:8])}
		if _, ok := o.pending[k]; ok {
			delete(o.pending, k)
			if ps := o.pairs[pairKey{q.Src, q.Dst}]; ps != nil {
				ps.errored++
			}
		}
	}
	// A port unreachable from the destination ends a UDP traceroute.
	if isUnreachable(m.v6, m.typ) && src == q.Dst {
		o.noteRoute(q.Src, q.Dst)
	}
	return q, ""
}

// probeTag identifies a datagram as far as a quote shows it: the IPv4 id,
// or for IPv6 the protocol and the first four transport bytes.
func probeTag(v6 bool, id uint16, proto uint8, transport []byte) uint64 {
	if !v6 {
		return uint64(id)
	}
	var first uint32
	if len(transport) >= 4 {
		first = binary.BigEndian.Uint32(transport)
	}
	return uint64(proto)<<32 | uint64(first)
}

// noteProbe remembers a low-TTL datagram, so that a time-exceeded reply
// quoting it can be given its TTL and round-trip time.
func (o *observer) noteProbe(p *engine.Packet) {
	var k probeKey
	var pr probe
	switch {
	case p.IPv4 != nil && p.IPv4.TTL <= probeMaxTTL && p.IPv4.TTL > 0:
		k = probeKey{p.SrcIP(), p.DstIP(), probeTag(false, p.IPv4.Id, 0, nil)}
		pr = probe{int(p.IPv4.TTL), p.Timestamp}
	case p.IPv6 != nil && p.IPv6.HopLimit <= probeMaxTTL && p.IPv6.HopLimit > 0:
		proto, transport := uint8(p.IPv6.NextHeader), p.IPv6.Payload
		k = probeKey{p.SrcIP(), p.DstIP(), probeTag(true, 0, proto, transport)}
		pr = probe{int(p.IPv6.HopLimit), p.Timestamp}
	default:
		return
	}
	if len(o.probeOrder) >= maxTracked {
		delete(o.probes, o.probeOrder[0])
		o.probeOrder = o.probeOrder[1:]
	}
	if _, ok := o.probes[k]; !ok {
		o.probeOrder = append(o.probeOrder, k)
	}
	o.probes[k] = pr
}

func (o *observer) route(src, dst netip.Addr, proto uint8) *route {
	k := pairKey{src, dst}
	r := o.routes[k]
	if r == nil && len(o.routes) < maxRoutes {
		r = &route{src: src, dst: dst, proto: proto}
		o.routes[k] = r
		o.routeOrder = append(o.routeOrder, r)
	}
	return r
}

// noteHop records a time-exceeded reply from router for a probe.
func (o *observer) noteHop(router netip.Addr, q engine.Quoted, p *engine.Packet) {
	r := o.route(q.Src, q.Dst, q.Protocol)
	if r == nil || len(r.hops) >= maxHops {
		return
	}
	h := Hop{Router: router.String(), Packet: p.Number, Probes: 1, RTTMs: []float64{}}
	v6 := q.Src.Is6()
	if pr, ok := o.probes[probeKey{q.Src, q.Dst, probeTag(v6, q.ID, q.Protocol, q.Transport)}]; ok {
		h.TTL = pr.ttl
		h.RTTMs = append(h.RTTMs, float64(p.Timestamp.Sub(pr.t).Microseconds())/1000)
	}
	for i := range r.hops {
		if hp := &r.hops[i]; hp.Router == h.Router && hp.TTL == h.TTL {
			hp.Probes++
			hp.RTTMs = append(hp.RTTMs, h.RTTMs...)
			return
		}
	}
	r.hops = append(r.hops, h)
}

// noteRoute marks a traceroute as having reached its destination.
func (o *observer) noteRoute(src, dst netip.Addr) {
	if r := o.routes[pairKey{src, dst}]; r != nil {
		r.reached = true
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
