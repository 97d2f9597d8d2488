package icmp

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Fixed bounds; the tables that grow with the capture take theirs from the
// state budget (see limits in config.go).
const (
	maxUniqueListed = 20 // addresses and echo sessions listed in statistics, host pairs in the output
	maxRoutesListed = 10 // traceroutes in the output
	maxHops         = 64 // hops kept per traceroute
	maxHopRTTs      = 5  // round-trip times kept per hop
	maxPairIDs      = 64 // distinct echo identifiers counted per host pair
	maxListed       = 8  // entries of one list inside a packet record (prefixes, groups, ...)
	reservoirSize   = 50000
	probeMaxTTL     = 30 // packets with a TTL this low may be traceroute probes
)

type echoKey struct {
	src, dst netip.Addr
	id, seq  uint16
}

// echoReq is an outstanding echo request.
type echoReq struct {
	nanos int64 // capture time, Unix nanoseconds
	frame int32
	ttl   uint8 // its TTL or hop limit, for a traceroute that reaches its destination
}

type pairKey struct{ src, dst netip.Addr }

type pairStat struct {
	key                  pairKey
	n                    int // its index in pairOrder
	sent, recv, errored  int
	rttMin, rttMax, rttS float64
	ids                  []uint16 // distinct echo identifiers, at most maxPairIDs
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
	nanos int64 // capture time, Unix nanoseconds
	ttl   uint8
}

type route struct {
	src, dst netip.Addr
	proto    uint8
	hops     []Hop
	dest     *Hop // the destination's answers, once it answered
	reached  bool
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, msgInfo] // every message, for the result cache (nil when not cached)

	typeCounts     [2][256]int // by [ICMPv6][type]
	byVersion      map[string]int
	sources, dests *result.Counter[netip.Addr]
	unreach        *result.Counter[netip.Addr] // hosts quoted by destination unreachable messages
	unreachByCode  map[string]int
	echoReqs       int
	echoReps       int
	errors         int
	malformed      int

	pending        *lru[echoKey, echoReq] // outstanding echo requests, the longest outstanding evicted first
	pairs          map[pairKey]*pairStat  // at most lim.pairs; later pairs are not tracked
	pairOrder      []*pairStat
	pairsRefused   int                  // echo requests of host pairs past the bound
	sessions       map[sessKey]*session // at most lim.sessions; later ones are not tracked
	sessionRefused int                  // echo requests of sessions past the bound
	rtt            result.Reservoir

	probes        *lru[probeKey, probe] // the longest idle evicted first
	routes        map[pairKey]*route    // at most lim.routes; later ones are not tracked
	routeOrder    []*route
	routesRefused int // time-exceeded messages about traceroutes past the bound

	run         *analyzer.Run[*event, *observer] // the detectors
	ev          event                            // the event being handed to them
	detWarnings []string                         // what the detectors' bounds cut, added when they conclude

	// set by echoReply for the record of the reply being observed
	lastRTT      float64
	lastReqFrame int
}

var _ engine.Observer = (*observer)(nil)

func newObserver(cfg *config) *observer {
	addrs := func() *result.Counter[netip.Addr] {
		return result.NewCounter[netip.Addr](cfg.lim.addrs, maxUniqueListed)
	}
	return &observer{
		cfg: cfg, byVersion: map[string]int{}, sources: addrs(), dests: addrs(), unreach: addrs(),
		unreachByCode: map[string]int{}, pending: newLRU[echoKey, echoReq](cfg.lim.pending), pairs: map[pairKey]*pairStat{},
		sessions: map[sessKey]*session{}, probes: newLRU[probeKey, probe](cfg.lim.probes), routes: map[pairKey]*route{},
		rtt: result.Reservoir{Cap: reservoirSize}, run: detectors.Start(cfg.th),
	}
}

// event is what the observer hands its detectors: one ICMP or ICMPv6
// message, with what the observer made of it. The observer reuses it; a
// detector keeps none of it past Observe.
type event struct {
	p   *engine.Packet
	msg icmpMessage
	// lim are the call's table bounds, for detectors that keep tables.
	lim *limits
	// cut is set when the ICMP header did not decode: msg holds the type
	// and code as far as the cut left them, and only malformed is set.
	cut bool
	// malformed says why the message is malformed, or is "".
	malformed string
	// src and dst are the message's addresses.
	src, dst netip.Addr
	// pair is the tracked host pair of an echo request, or of the request
	// an echo reply answers; nil otherwise, and for a pair past the bound.
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
			o.ev = event{p: p, msg: m, lim: &o.cfg.lim, cut: true, malformed: why}
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
	o.ev = event{p: p, msg: m, lim: &o.cfg.lim, src: src, dst: dst}
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
	k := keyOf(p, m)
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	info := o.info(p, m, why)
	if onPage {
		o.page = append(o.page, info.record())
	}
	if o.kept.Whole() {
		o.kept.Add(k, info.keep())
	}
}

func echoIDSeq(m icmpMessage) (uint16, uint16, bool) {
	if len(m.rest) < 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(m.rest[0:2]), binary.BigEndian.Uint16(m.rest[2:4]), true
}

// pair returns the host pair k, tracking it when the bound allows; nil
// for a pair past the bound.
func (o *observer) pair(k pairKey) *pairStat {
	ps := o.pairs[k]
	if ps == nil && len(o.pairs) < o.cfg.lim.pairs {
		ps = &pairStat{key: k, n: len(o.pairOrder)}
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
	o.pending.Put(echoKey{src, dst, id, seq}, echoReq{p.Timestamp.UnixNano(), int32(p.Number), ttl(p)}, nil)
	if s := o.session(sessKey{src, dst, id}); s != nil {
		s.requests++
	} else {
		o.sessionRefused++
	}
	ps := o.pair(pairKey{src, dst})
	if ps == nil {
		o.pairsRefused++
		return nil
	}
	ps.sent++
	if len(ps.ids) < maxPairIDs && !slices.Contains(ps.ids, id) {
		ps.ids = append(ps.ids, id)
	}
	return ps
}

// ttl returns the TTL or hop limit of p.
func ttl(p *engine.Packet) uint8 {
	switch {
	case p.IPv4 != nil:
		return p.IPv4.TTL
	case p.IPv6 != nil:
		return p.IPv6.HopLimit
	}
	return 0
}

func (o *observer) session(k sessKey) *session {
	s := o.sessions[k]
	if s == nil && len(o.sessions) < o.cfg.lim.sessions {
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
	r := o.pending.Get(k)
	if r == nil {
		return nil
	}
	req := *r
	o.pending.Delete(k)
	rtt := millis(p.Timestamp.UnixNano() - req.nanos)
	o.rtt.Add(rtt)
	o.lastRTT, o.lastReqFrame = rtt, int(req.frame)
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
	if req.ttl > probeMaxTTL {
		req.ttl = 0 // not a probe: its TTL says nothing of the path
	}
	o.noteReached(dst, src, int(req.ttl), rtt, true, p.Number)
	return ps
}

// millis converts nanoseconds to milliseconds, to the microsecond.
func millis(nanos int64) float64 { return float64(nanos/1000) / 1000 }

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
		if o.pending.Get(k) != nil {
			o.pending.Delete(k)
			if ps := o.pairs[pairKey{q.Src, q.Dst}]; ps != nil {
				ps.errored++
			}
		}
	}
	// A port unreachable from the destination ends a UDP traceroute.
	if isUnreachable(m.v6, m.typ) && src == q.Dst {
		pr, ok := o.probeOf(q)
		o.noteReached(q.Src, q.Dst, int(pr.ttl), millis(p.Timestamp.UnixNano()-pr.nanos), ok, p.Number)
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
	pr := probe{nanos: p.Timestamp.UnixNano()}
	switch {
	case p.IPv4 != nil && p.IPv4.TTL <= probeMaxTTL && p.IPv4.TTL > 0:
		k = probeKey{p.SrcIP(), p.DstIP(), probeTag(false, p.IPv4.Id, 0, nil)}
		pr.ttl = p.IPv4.TTL
	case p.IPv6 != nil && p.IPv6.HopLimit <= probeMaxTTL && p.IPv6.HopLimit > 0:
		proto, transport := uint8(p.IPv6.NextHeader), p.IPv6.Payload
		k = probeKey{p.SrcIP(), p.DstIP(), probeTag(true, 0, proto, transport)}
		pr.ttl = p.IPv6.HopLimit
	default:
		return
	}
	o.probes.Put(k, pr, nil)
}

// probeOf returns the remembered probe a quote shows, if any.
func (o *observer) probeOf(q engine.Quoted) (probe, bool) {
	if pr := o.probes.Get(probeKey{q.Src, q.Dst, probeTag(q.Src.Is6(), q.ID, q.Protocol, q.Transport)}); pr != nil {
		return *pr, true
	}
	return probe{}, false
}

// route returns the traceroute from src to dst, tracking it when the
// bound allows; nil past the bound.
func (o *observer) route(src, dst netip.Addr, proto uint8) *route {
	k := pairKey{src, dst}
	r := o.routes[k]
	if r == nil && len(o.routes) < o.cfg.lim.routes {
		r = &route{src: src, dst: dst, proto: proto}
		o.routes[k] = r
		o.routeOrder = append(o.routeOrder, r)
	}
	return r
}

// noteHop records a time-exceeded reply from router for a probe.
func (o *observer) noteHop(router netip.Addr, q engine.Quoted, p *engine.Packet) {
	r := o.route(q.Src, q.Dst, q.Protocol)
	if r == nil {
		o.routesRefused++
		return
	}
	h := Hop{Router: router.String(), Packet: p.Number, Probes: 1, RTTMs: []float64{}}
	if pr, ok := o.probeOf(q); ok {
		h.TTL = int(pr.ttl)
		h.RTTMs = append(h.RTTMs, millis(p.Timestamp.UnixNano()-pr.nanos))
	}
	for i := range r.hops {
		if hp := &r.hops[i]; hp.Router == h.Router && hp.TTL == h.TTL {
			hp.Probes++
			if len(hp.RTTMs) < maxHopRTTs {
				hp.RTTMs = append(hp.RTTMs, h.RTTMs...)
			}
			return
		}
	}
	if len(r.hops) < maxHops {
		r.hops = append(r.hops, h)
	}
}

// noteReached records an answer from the destination of the traceroute
// from src to dst, if one is tracked: ttl is its probe's TTL (0 when not
// known), and rtt the time from the probe when hasRTT.
func (o *observer) noteReached(src, dst netip.Addr, ttl int, rtt float64, hasRTT bool, frame int) {
	r := o.routes[pairKey{src, dst}]
	if r == nil {
		return
	}
	r.reached = true
	if r.dest == nil {
		r.dest = &Hop{Router: dst.String(), TTL: ttl, Packet: frame, Probes: 1, RTTMs: []float64{}}
	} else {
		r.dest.Probes++
		if ttl > 0 && (r.dest.TTL == 0 || ttl < r.dest.TTL) {
			r.dest.TTL = ttl
		}
	}
	if hasRTT && len(r.dest.RTTMs) < maxHopRTTs {
		r.dest.RTTMs = append(r.dest.RTTMs, rtt)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
