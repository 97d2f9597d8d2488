package sip

import (
	"bytes"
	"net/netip"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
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

// interner turns keys given as bytes (methods, user agents, Call-IDs)
// into strings, allocating once per distinct key: they repeat from message
// to message. It keeps at most max keys; others are allocated each time.
type interner struct {
	strs map[string]string
	max  int
}

func newInterner(max int) *interner { return &interner{strs: map[string]string{}, max: max} }

func (in *interner) str(b []byte) string {
	if s, ok := in.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in.strs) < in.max {
		in.strs[s] = s
	}
	return s
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
	methods, agents, callIDs                                *result.Counter[string]
	methodNames, agentNames, callIDNames                    *interner
	statusCodes                                             map[int]int
	transports                                              map[string]int
	sources, dests                                          *result.Counter[netip.Addr]
	seen                                                    map[uint64]struct{}

	calls       map[string]*call
	callOrder   []*call
	callsCapped int
	regs        map[string]*registration
	regOrder    []*registration
	regsCapped  int

	flowsCapped int
	wsDropped   int  // WebSocket messages not decoded: compressed or oversized
	srcsCapped  bool // the scanner or flood detector followed maxSources sources only

	run *analyzer.Run[*event, *observer] // the detectors
	ev  event                            // the event handed to them
}

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, flows: map[flowKey]flowKind{},
		methods: result.NewCounter[string](maxMethods, 0), agents: result.NewCounter[string](maxCounterKeys, 0),
		callIDs:     result.NewCounter[string](maxCallIDs, maxUniqueListed),
		methodNames: newInterner(maxMethods), agentNames: newInterner(maxCounterKeys), callIDNames: newInterner(maxCallIDs),
		statusCodes: map[int]int{}, transports: map[string]int{},
		sources: result.NewCounter[netip.Addr](maxCounterKeys, 0), dests: result.NewCounter[netip.Addr](maxCounterKeys, 0),
		seen: map[uint64]struct{}{}, calls: map[string]*call{}, regs: map[string]*registration{},
		run: detectors.Start(cfg.th),
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

// handle records the message in o.msg, and hands it to the detectors.
func (o *observer) handle(md *meta) {
	m := &o.msg
	o.found++
	if md.t.After(o.lastTime) {
		o.lastTime = md.t
	}
	if m.request {
		o.requests++
		o.methods.Add(o.methodNames.str(clip(m.method)))
	} else {
		o.responses++
		o.statusCodes[m.status]++
	}
	o.transports[md.transport]++
	if sp, dp := md.src.Port(), md.dst.Port(); sp != portSIP && sp != portSIPTLS && dp != portSIP && dp != portSIPTLS {
		o.nonStd++
	}
	var cid string
	if b := clip(m.get(hdrCallID)); len(b) > 0 {
		cid = o.callIDNames.str(b)
		o.callIDs.Add(cid)
	}
	md.retrans = o.retransmitted(md)
	if md.retrans {
		o.retransmissions++
	}
	if m.err != nil {
		o.malformed++
	}
	o.sources.Add(md.src.Addr())
	o.dests.Add(md.dst.Addr())
	if ua := clip(m.get(hdrUserAgent)); len(ua) > 0 {
		o.agents.Add(o.agentNames.str(ua))
	}
	o.ev = event{m: m, md: *md}
	o.track(md, cid)
	o.run.Observe(&o.ev)
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

// noteJunk hands the detectors n bytes on a SIP connection that are not
// SIP, at frame; problem, when set, is what else was wrong with them.
func (o *observer) noteJunk(frame, n int, problem error) {
	o.ev = event{md: meta{frame: frame}, junk: n, problem: problem}
	o.run.Observe(&o.ev)
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

// track updates calls and registrations, and notes in o.ev what they make
// of the message.
func (o *observer) track(md *meta, cid string) {
	m := &o.msg
	if m.request {
		o.ev.initial = len(tag(m.get(hdrTo))) == 0
		if bytes.Equal(m.method, mREGISTER) {
			o.trackRegistration(md, cid)
		}
	} else {
		switch {
		case bytes.Equal(m.cseqMethod, mREGISTER):
			o.trackRegistration(md, cid)
			o.ev.positive = m.status/100 == 2 && !md.retrans
		case bytes.Equal(m.cseqMethod, mOPTIONS):
			o.ev.positive = m.status/100 == 2 && !md.retrans
		}
	}
	if len(cid) > 0 {
		o.trackCall(md, cid)
	}
}

// trackCall updates the call a message belongs to; an initial INVITE opens
// one.
func (o *observer) trackCall(md *meta, cid string) {
	m := &o.msg
	c := o.calls[cid]
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
		c = &call{id: cid, caller: text(from, maxValue), callee: text(to, maxValue), callerTag: string(tag(m.get(hdrFrom))),
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
				o.ev.positive = true
			}
		}
		// Failed authentication: a 403, or a challenge to an INVITE
		// that carried credentials (toll-fraud attempts guess them).
		if (m.status == 403 || (m.status == 401 || m.status == 407) && c.txCreds) && !c.authFailCounted {
			c.authFailCounted = true
			o.authFailed(string(uriNoParams([]byte(c.caller))), md.dst.Addr(), c.txUser)
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
func (o *observer) trackRegistration(md *meta, cid string) {
	m := &o.msg
	if len(cid) == 0 {
		return
	}
	r := o.regs[cid]
	if m.request {
		if r == nil {
			if len(o.regOrder) >= o.cfg.maxRegs {
				o.regsCapped++
				return
			}
			r = &registration{id: cid, client: md.src, registrar: md.dst, firstFrame: md.frame, firstTime: md.t,
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
			o.authFailed(r.aor, r.client.Addr(), r.authUser)
		}
	case m.status == 403:
		r.authFailures++
		o.authFailed(r.aor, r.client.Addr(), r.authUser)
	}
}

// authFailed notes in o.ev that the message fails an authentication of
// aor from src, with the username user.
func (o *observer) authFailed(aor string, src netip.Addr, user string) {
	o.ev.authFailure, o.ev.aor, o.ev.authSrc, o.ev.user = true, aor, src, user
}
