package sip

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Bounds on state kept in memory.
const (
	maxCounterKeys  = 50000  // distinct keys per counter (user agents, sources, destinations)
	maxMethods      = 1000   // distinct methods counted; more are counted as (other)
	maxKeyBytes     = 256    // Call-IDs, user agents and extensions are kept (and compared) by their first 256 bytes
	maxCallIDs      = 200000 // distinct Call-IDs counted exactly
	maxUniqueListed = 50
	maxTCPFlows     = 20000  // TCP connections carrying SIP followed at once
	maxSources      = 20000  // sources the scanner and flood detectors follow
	maxTargets      = 1000   // distinct extensions, and hosts, remembered per source
	maxAuthKeys     = 20000  // AORs, and sources, the brute-force detector follows
	maxRetransKeys  = 300000 // messages remembered for retransmission detection
	maxFloodRing    = 10000  // largest invite_flood_min
	maxCallMedia    = 4      // media endpoints kept per side of a call
	maxExamples     = 5
)

// Header values are cut to this many bytes when kept.
const maxValue = 256

// meta is where and how one SIP message was carried.
type meta struct {
	frame     int
	t         time.Time
	src, dst  netip.AddrPort
	transport string // UDP, TCP or WS
	retrans   bool
}

// counter counts keys, keeping at most max distinct ones.
type counter[K comparable] struct {
	counts map[K]*int
	total  int
	max    int
	capped bool
}

func newCounter[K comparable](max int) *counter[K] {
	return &counter[K]{counts: map[K]*int{}, max: max}
}

func (c *counter[K]) add(k K) {
	c.total++
	if n := c.counts[k]; n != nil {
		*n++
		return
	}
	if len(c.counts) >= c.max {
		c.capped = true
		return
	}
	n := 1
	c.counts[k] = &n
}

// addBytes counts a string key given as bytes, allocating only for a new
// key.
func addBytes(c *counter[string], b []byte) {
	if n := c.counts[string(b)]; n != nil {
		c.total++
		*n++
		return
	}
	c.add(string(b))
}

// response is when a response arrived.
type response struct {
	frame int
	t     time.Time
	code  int
}

// call is the state of one INVITE dialog.
type call struct {
	id                     string
	caller, callee         string
	callerTag              string
	callerAddr, calleeAddr netip.AddrPort
	transport, userAgent   string
	firstFrame, lastFrame  int
	firstTime              time.Time
	messages               int
	invites, reinvites     int
	challenges             int
	// The current initial INVITE transaction: the first, or the retry
	// after a challenge.
	txCSeq                 uint32
	txFrame                int
	txTime                 time.Time
	txCreds                bool
	txUser                 string
	firstResp, ring, final response
	answer                 response
	finalReason            string
	cancelFrame            int
	bye                    response
	byeFromCaller          bool
	media                  [2][]CallMedia // caller, callee
	credited               [2]netip.Addr  // sources credited with a positive answer
	authFailCounted        bool
}

// registration is the state of one REGISTER exchange.
type registration struct {
	id                   string
	aor, contact         string
	client, registrar    netip.AddrPort
	userAgent, authUser  string
	firstFrame           int
	firstTime            time.Time
	lastFrame            int
	lastTime             time.Time
	requests, challenges int
	authFailures         int
	lastCode             int
	lastReason           string
	reqExpires, granted  int
	pendingCSeq          uint32
	pendingCreds         bool
	countedCSeq          uint32 // the final response last counted: its CSeq and code
	countedCode          int
}

// srcStat is what the scanner and flood detectors know of one source.
type srcStat struct {
	addr     netip.Addr
	requests int // new OPTIONS, INVITE and REGISTER requests
	positive int // answered 2xx or 18x
	exts     map[string]struct{}
	hosts    map[netip.Addr]struct{}
	probes   modkit.Evidence
	scanner  string // a scanner's name found in its User-Agent
	agent    string
	scanEv   modkit.Evidence
	// invite_flood: times (Unix ns) of the last invite_flood_min INVITEs.
	invites   int
	ring      []int64
	head      int
	flood     modkit.Evidence
	floodFrom time.Time
}

// authStat is what the brute-force detector knows of one AOR or source.
type authStat struct {
	failures int
	ev       modkit.Evidence
	users    []string            // distinct usernames tried (first maxExamples)
	others   map[string]struct{} // for a source: AORs tried; for an AOR: sources
	first    time.Time
	last     time.Time
}

type observer struct {
	cfg   *config
	msg   message
	reasm *engine.Reassembler
	flows map[flowKey]flowKind
	wsBuf []byte

	found, analyzed, matched int
	page                     []Packet
	lastTime                 time.Time

	requests, responses, malformed, retransmissions, nonStd int
	methods                                                 *counter[string]
	statusCodes                                             map[int]int
	transports                                              map[string]int
	callIDs                                                 map[string]string // interned Call-IDs
	callIDOrder                                             []string
	callIDsCapped                                           bool
	agents                                                  *counter[string]
	scannerOf                                               map[string]string // user agent -> scanner name, "" for none
	sources, dests                                          *counter[netip.Addr]
	seen                                                    map[uint64]struct{}

	calls       map[string]*call
	callOrder   []*call
	callsCapped int
	regs        map[string]*registration
	regOrder    []*registration
	regsCapped  int

	srcs        map[netip.Addr]*srcStat
	srcsCapped  bool
	authAOR     map[string]*authStat
	authSrc     map[netip.Addr]*authStat
	malformEv   modkit.Evidence
	malformWhy  map[string]int
	junk        modkit.Evidence
	junkBytes   int
	flowsCapped int
	wsDropped   int // WebSocket messages not decoded: compressed or oversized
}

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, flows: map[flowKey]flowKind{},
		methods: newCounter[string](maxMethods), statusCodes: map[int]int{}, transports: map[string]int{}, callIDs: map[string]string{},
		agents: newCounter[string](maxCounterKeys), scannerOf: map[string]string{}, sources: newCounter[netip.Addr](maxCounterKeys),
		dests: newCounter[netip.Addr](maxCounterKeys),
		seen:  map[uint64]struct{}{}, calls: map[string]*call{}, regs: map[string]*registration{},
		srcs: map[netip.Addr]*srcStat{}, authAOR: map[string]*authStat{}, authSrc: map[netip.Addr]*authStat{}, malformWhy: map[string]int{},
	}
}

// Observe finds SIP messages: in UDP datagrams on any port whose payload
// starts with a SIP start line, and in TCP connections on any port whose
// data starts with one, or that upgrade to WebSocket with the "sip"
// subprotocol (RFC 7118). TCP connections are reassembled.
func (o *observer) Observe(p *engine.Packet) {
	switch {
	case p.UDP != nil:
		pl := p.UDP.Payload
		if !isStart(pl) {
			return
		}
		o.msg.parse(pl, true)
		md := meta{frame: p.Number, t: p.Timestamp, transport: "UDP",
			src: netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort)), dst: netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort))}
		o.handle(&md)
	case p.TCP != nil:
		pl := p.TCP.Payload
		if len(pl) == 0 && len(o.flows) == 0 {
			return
		}
		key := keyOf(netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort)))
		if _, ok := o.flows[key]; ok {
			o.reasm.Add(p)
			return
		}
		var kind flowKind
		switch {
		case len(pl) == 0:
			return
		case isStart(pl):
			kind = flowSIP
		case isSIPUpgrade(pl):
			kind = flowWS
		case p.TCP.SrcPort == portSIP || p.TCP.DstPort == portSIP:
			// The SIP port: follow it even when this segment starts in the
			// middle of a message, as Wireshark does.
			kind = flowSIPPort
		default:
			return
		}
		if len(o.flows) >= maxTCPFlows {
			o.flowsCapped++
			return
		}
		o.flows[key] = kind
		if o.reasm == nil {
			o.reasm = engine.NewReassembler(o)
		}
		o.reasm.Add(p)
	}
}

// Flush delivers what TCP reassembly still holds.
func (o *observer) Flush() {
	if o.reasm != nil {
		o.reasm.Flush()
	}
}

var (
	mINVITE   = []byte("INVITE")
	mREGISTER = []byte("REGISTER")
	mOPTIONS  = []byte("OPTIONS")
	mCANCEL   = []byte("CANCEL")
	mBYE      = []byte("BYE")
)

// handle records the message in o.msg.
func (o *observer) handle(md *meta) {
	m := &o.msg
	o.found++
	if md.t.After(o.lastTime) {
		o.lastTime = md.t
	}
	if m.request {
		o.requests++
		addBytes(o.methods, clip(m.method))
	} else {
		o.responses++
		o.statusCodes[m.status]++
	}
	o.transports[md.transport]++
	if sp, dp := md.src.Port(), md.dst.Port(); sp != portSIP && sp != portSIPTLS && dp != portSIP && dp != portSIPTLS {
		o.nonStd++
	}
	cid := clip(m.get(hdrCallID))
	if len(cid) > 0 {
		o.noteCallID(cid)
	}
	md.retrans = o.retransmitted(md)
	if md.retrans {
		o.retransmissions++
	}
	if m.err != nil {
		o.noteMalformed(md.frame, m.err)
	}
	o.sources.add(md.src.Addr())
	o.dests.add(md.dst.Addr())
	if ua := clip(m.get(hdrUserAgent)); len(ua) > 0 {
		o.noteAgent(ua, md)
	}
	o.track(md, cid)
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	if !o.cfg.matches(m, md) {
		return
	}
	o.matched++
	if idx := o.matched - 1; idx >= o.cfg.offset && idx < o.cfg.offset+o.cfg.limit {
		o.page = append(o.page, record(m, md))
	}
}

// clip cuts a value kept as a key to maxKeyBytes, so that keys cannot
// take memory without bound.
func clip(b []byte) []byte { return b[:min(len(b), maxKeyBytes)] }

// noteCallID counts a distinct Call-ID.
func (o *observer) noteCallID(cid []byte) {
	if _, ok := o.callIDs[string(cid)]; ok {
		return
	}
	if len(o.callIDs) >= maxCallIDs {
		o.callIDsCapped = true
		return
	}
	s := string(cid)
	o.callIDs[s] = s
	if len(o.callIDOrder) < maxUniqueListed {
		o.callIDOrder = append(o.callIDOrder, s)
	}
}

// internCallID returns the Call-ID as a string, shared with the Call-ID
// counter when it holds it.
func (o *observer) internCallID(cid []byte) string {
	if s, ok := o.callIDs[string(cid)]; ok {
		return s
	}
	return string(cid)
}

func (o *observer) noteMalformed(frame int, err error) {
	o.malformed++
	o.malformEv.Add(frame)
	o.malformWhy[err.Error()]++
}

// noteJunk records bytes on a SIP connection that are not SIP.
func (o *observer) noteJunk(frame, n int) {
	o.junk.Add(frame)
	o.junkBytes += n
	o.malformWhy[errJunk.Error()]++
}

// retransmitted reports whether the message repeats one seen before: the
// same Call-ID, CSeq, method (or status and To tag), top Via branch,
// source and destination. A proxy's forwarded copy has another source or
// destination, so it is not a retransmission.
func (o *observer) retransmitted(md *meta) bool {
	m := &o.msg
	h := newHash()
	h.bytes(m.get(hdrCallID))
	h.u64(uint64(m.cseq))
	h.bytes(m.cseqMethod)
	if m.request {
		h.bytes(m.method)
	} else {
		h.u64(uint64(m.status))
		h.bytes(tag(m.get(hdrTo)))
	}
	h.bytes(m.branch())
	h.addrPort(md.src)
	h.addrPort(md.dst)
	if _, ok := o.seen[h.sum]; ok {
		return true
	}
	if len(o.seen) >= maxRetransKeys {
		clear(o.seen)
	}
	o.seen[h.sum] = struct{}{}
	return false
}

// fnv64 is FNV-1a, inline so that hashing does not allocate.
type fnv64 struct{ sum uint64 }

func newHash() fnv64 { return fnv64{sum: 14695981039346656037} }

func (h *fnv64) byte(c byte) {
	h.sum ^= uint64(c)
	h.sum *= 1099511628211
}

func (h *fnv64) bytes(b []byte) {
	for _, c := range b {
		h.byte(c)
	}
	h.byte(0xff) // separator
}

func (h *fnv64) u64(v uint64) {
	for range 8 {
		h.byte(byte(v))
		v >>= 8
	}
}

func (h *fnv64) addrPort(a netip.AddrPort) {
	b := a.Addr().As16()
	for _, c := range b {
		h.byte(c)
	}
	h.u64(uint64(a.Port()))
}

// noteAgent counts a User-Agent and feeds the scanner detector when it
// names a scanning tool.
func (o *observer) noteAgent(ua []byte, md *meta) {
	addBytes(o.agents, ua)
	name, ok := o.scannerOf[string(ua)]
	if !ok {
		name = scannerAgent(string(ua))
		if len(o.scannerOf) < maxCounterKeys {
			o.scannerOf[string(ua)] = name
		}
	}
	if name == "" || !o.msg.request {
		return
	}
	if s := o.source(md.src.Addr()); s != nil {
		if s.scanner == "" {
			s.scanner, s.agent = name, text(ua, 100)
		}
		s.scanEv.Add(md.frame)
	}
}

// source returns the detector state of a source, or nil when too many
// sources are followed.
func (o *observer) source(a netip.Addr) *srcStat {
	s := o.srcs[a]
	if s == nil {
		if len(o.srcs) >= maxSources {
			o.srcsCapped = true
			return nil
		}
		s = &srcStat{addr: a}
		o.srcs[a] = s
	}
	return s
}

// track updates calls, registrations and the detectors.
func (o *observer) track(md *meta, cid []byte) {
	m := &o.msg
	if m.request {
		initial := len(tag(m.get(hdrTo))) == 0
		switch {
		case bytes.Equal(m.method, mINVITE):
			if initial && !md.retrans {
				o.noteProbe(md, m.uri)
				o.noteInvite(md)
			}
		case bytes.Equal(m.method, mREGISTER):
			if !md.retrans {
				to, _ := nameAddr(m.get(hdrTo))
				o.noteProbe(md, to)
			}
			o.trackRegistration(md, cid)
		case bytes.Equal(m.method, mOPTIONS):
			if initial && !md.retrans {
				o.noteProbe(md, m.uri)
			}
		}
	} else {
		switch {
		case bytes.Equal(m.cseqMethod, mREGISTER):
			o.trackRegistration(md, cid)
			if m.status/100 == 2 && !md.retrans {
				o.credit(md.dst.Addr())
			}
		case bytes.Equal(m.cseqMethod, mOPTIONS):
			if m.status/100 == 2 && !md.retrans {
				o.credit(md.dst.Addr())
			}
		}
	}
	if len(cid) > 0 {
		o.trackCall(md, cid)
	}
}

// noteProbe feeds the scanner detector with a new OPTIONS, INVITE or
// REGISTER: who sent it, to which extension (user part of uri) and host.
func (o *observer) noteProbe(md *meta, uri []byte) {
	s := o.source(md.src.Addr())
	if s == nil {
		return
	}
	s.requests++
	s.probes.Add(md.frame)
	if s.exts == nil {
		s.exts, s.hosts = map[string]struct{}{}, map[netip.Addr]struct{}{}
	}
	if u := clip(uriUser(uri)); len(u) > 0 && len(s.exts) < maxTargets {
		if _, ok := s.exts[string(u)]; !ok {
			s.exts[string(u)] = struct{}{}
		}
	}
	if len(s.hosts) < maxTargets {
		s.hosts[md.dst.Addr()] = struct{}{}
	}
}

// credit counts a positive answer (2xx, or 18x to an INVITE) received by a
// source.
func (o *observer) credit(a netip.Addr) {
	if s := o.srcs[a]; s != nil {
		s.positive++
	}
}

// noteInvite feeds the flood detector with a new initial INVITE.
func (o *observer) noteInvite(md *meta) {
	s := o.source(md.src.Addr())
	if s == nil {
		return
	}
	s.invites++
	// The ring grows to invite_flood_min times as INVITEs come, so a
	// source that sends few costs little.
	n, now := o.cfg.th.InviteFloodMin, md.t.UnixNano()
	if len(s.ring) < n {
		s.ring = append(s.ring, now)
		if len(s.ring) == n && now-s.ring[0] <= int64(o.cfg.floodWindow) {
			o.flooding(s, md)
		}
		return
	}
	oldest := s.ring[s.head]
	s.ring[s.head] = now
	s.head = (s.head + 1) % n
	if now-oldest <= int64(o.cfg.floodWindow) {
		o.flooding(s, md)
	}
}

func (o *observer) flooding(s *srcStat, md *meta) {
	if s.flood.Total() == 0 {
		s.floodFrom = md.t
	}
	s.flood.Add(md.frame)
}

// trackCall updates the call a message belongs to; an initial INVITE opens
// one.
func (o *observer) trackCall(md *meta, cid []byte) {
	m := &o.msg
	c := o.calls[string(cid)]
	if c == nil {
		if !m.request || !bytes.Equal(m.method, mINVITE) || len(tag(m.get(hdrTo))) > 0 {
			return
		}
		if len(o.callOrder) >= o.cfg.maxCalls {
			o.callsCapped++
			return
		}
		from, _ := nameAddr(m.get(hdrFrom))
		to, _ := nameAddr(m.get(hdrTo))
		c = &call{id: o.internCallID(cid), caller: text(from, maxValue), callee: text(to, maxValue), callerTag: string(tag(m.get(hdrFrom))),
			callerAddr: md.src, calleeAddr: md.dst, transport: md.transport, userAgent: text(m.get(hdrUserAgent), maxValue),
			firstFrame: md.frame, firstTime: md.t}
		o.calls[c.id] = c
		o.callOrder = append(o.callOrder, c)
	}
	c.messages++
	c.lastFrame = md.frame
	fromCaller := string(tag(m.get(hdrFrom))) == c.callerTag
	if m.request {
		switch {
		case bytes.Equal(m.method, mINVITE):
			if len(tag(m.get(hdrTo))) > 0 {
				c.reinvites++
				break
			}
			c.invites++
			if md.retrans {
				break
			}
			challenged := c.final.code == 401 || c.final.code == 407
			if c.txFrame == 0 || m.cseq != c.txCSeq || challenged {
				c.txCSeq, c.txFrame, c.txTime = m.cseq, md.frame, md.t
				auth := m.get(hdrProxyAuthorization)
				if auth == nil {
					auth = m.get(hdrAuthorization)
				}
				c.txCreds, c.txUser = auth != nil, text(digestUser(auth), 100)
				c.firstResp, c.ring, c.final, c.finalReason = response{}, response{}, response{}, ""
				c.authFailCounted = false
			}
		case bytes.Equal(m.method, mCANCEL):
			if c.cancelFrame == 0 {
				c.cancelFrame = md.frame
			}
		case bytes.Equal(m.method, mBYE):
			if c.bye.frame == 0 {
				c.bye = response{frame: md.frame, t: md.t}
				c.byeFromCaller = fromCaller
			}
		}
	} else if bytes.Equal(m.cseqMethod, mINVITE) && m.cseq == c.txCSeq && !md.retrans {
		r := response{frame: md.frame, t: md.t, code: m.status}
		if c.firstResp.frame == 0 {
			c.firstResp = r
		}
		if (m.status == 180 || m.status == 183) && c.ring.frame == 0 {
			c.ring = r
		}
		if m.status >= 200 && c.final.frame == 0 {
			c.final, c.finalReason = r, text(m.reason, 100)
			if m.status == 401 || m.status == 407 {
				c.challenges++
			}
		}
		if m.status/100 == 2 && c.answer.frame == 0 {
			c.answer = r
		}
		if m.status/100 == 2 || m.status == 180 || m.status == 183 {
			if a := md.dst.Addr(); a != c.credited[0] && a != c.credited[1] {
				c.credited[0], c.credited[1] = a, c.credited[0]
				o.credit(a)
			}
		}
		// Failed authentication: a 403, or a challenge to an INVITE
		// that carried credentials (toll-fraud attempts guess them).
		if (m.status == 403 || (m.status == 401 || m.status == 407) && c.txCreds) && !c.authFailCounted {
			c.authFailCounted = true
			o.noteAuthFailure(string(uriNoParams([]byte(c.caller))), md.dst.Addr(), md, c.txUser)
		}
	}
	if m.isSDP() && !md.retrans {
		side := 1
		if m.request == fromCaller {
			side = 0
		}
		c.media[side] = c.media[side][:0]
		sdp := parseSDP(m.body)
		for _, med := range sdp.Media {
			if len(c.media[side]) == maxCallMedia {
				break
			}
			cm := CallMedia{Side: [2]string{"caller", "callee"}[side], Frame: md.frame, Type: med.Type, Address: med.Address, Port: med.Port,
				Protocol: med.Protocol, Direction: med.Direction, Codecs: []string{}}
			for _, cd := range med.Codecs {
				name, _, _ := bytes.Cut([]byte(cd.Encoding), []byte{'/'})
				if len(name) == 0 {
					name = []byte("PT" + strconv.Itoa(cd.PayloadType))
				}
				cm.Codecs = append(cm.Codecs, string(name))
			}
			c.media[side] = append(c.media[side], cm)
		}
	}
}

// trackRegistration updates the registration of a REGISTER or of a
// response to one.
func (o *observer) trackRegistration(md *meta, cid []byte) {
	m := &o.msg
	if len(cid) == 0 {
		return
	}
	r := o.regs[string(cid)]
	if m.request {
		if r == nil {
			if len(o.regOrder) >= o.cfg.maxRegs {
				o.regsCapped++
				return
			}
			r = &registration{id: o.internCallID(cid), client: md.src, registrar: md.dst, firstFrame: md.frame, firstTime: md.t,
				reqExpires: -1, granted: -1}
			o.regs[r.id] = r
			o.regOrder = append(o.regOrder, r)
		}
		r.requests++
		r.lastFrame, r.lastTime = md.frame, md.t
		if md.retrans {
			return
		}
		to, _ := nameAddr(m.get(hdrTo))
		if aor := uriNoParams(to); r.aor != string(aor) {
			r.aor = text(aor, maxValue)
		}
		if c := m.get(hdrContact); c != nil {
			r.contact = text(c, maxValue)
		}
		if ua := m.get(hdrUserAgent); ua != nil && r.userAgent == "" {
			r.userAgent = text(ua, maxValue)
		}
		r.reqExpires = m.expiresOf()
		r.pendingCSeq = m.cseq
		auth := m.get(hdrAuthorization)
		if auth == nil {
			auth = m.get(hdrProxyAuthorization)
		}
		r.pendingCreds = auth != nil
		if u := digestUser(auth); len(u) > 0 {
			r.authUser = text(u, 100)
		}
		return
	}
	if r == nil || md.retrans {
		return
	}
	r.lastFrame, r.lastTime = md.frame, md.t
	if m.status < 200 {
		return
	}
	// A proxy relays the registrar's answer: count each final once.
	if m.cseq == r.countedCSeq && m.status == r.countedCode {
		return
	}
	r.countedCSeq, r.countedCode = m.cseq, m.status
	r.lastCode, r.lastReason = m.status, text(m.reason, 100)
	creds := r.pendingCreds && m.cseq == r.pendingCSeq
	switch {
	case m.status/100 == 2:
		r.granted = m.expiresOf()
		if r.granted < 0 {
			r.granted = r.reqExpires
		}
	case m.status == 401 || m.status == 407:
		r.challenges++
		if creds {
			r.authFailures++
			o.noteAuthFailure(r.aor, r.client.Addr(), md, r.authUser)
		}
	case m.status == 403:
		r.authFailures++
		o.noteAuthFailure(r.aor, r.client.Addr(), md, r.authUser)
	}
}

// noteAuthFailure feeds the brute-force detector.
func (o *observer) noteAuthFailure(aor string, src netip.Addr, md *meta, user string) {
	note := func(s *authStat, other string) {
		s.failures++
		s.ev.Add(md.frame)
		if s.first.IsZero() {
			s.first = md.t
		}
		s.last = md.t
		if user != "" && len(s.users) < maxExamples && !slices.Contains(s.users, user) {
			s.users = append(s.users, user)
		}
		if len(s.others) < maxTargets {
			s.others[other] = struct{}{}
		}
	}
	if s := o.authSrc[src]; s != nil || len(o.authSrc) < maxAuthKeys {
		if s == nil {
			s = &authStat{others: map[string]struct{}{}}
			o.authSrc[src] = s
		}
		note(s, aor)
	}
	if aor == "" {
		return
	}
	if s := o.authAOR[aor]; s != nil || len(o.authAOR) < maxAuthKeys {
		if s == nil {
			s = &authStat{others: map[string]struct{}{}}
			o.authAOR[aor] = s
		}
		note(s, src.String())
	}
}
