package sip

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Bounds on what is kept per entry; the number of entries comes from the
// state budget (budget.go).
const (
	maxKeyBytes     = 256 // Call-IDs, user agents, tags and extensions are kept (and compared) by their first 256 bytes
	maxUniqueListed = 50
	maxTargets      = 1000 // distinct extensions, and hosts, counted per source
	maxCallMedia    = 4    // media endpoints kept per side of a call, and per offer or answer of a transaction
	maxCallCodecs   = 8    // codecs kept per media endpoint of a call
	maxCallTx       = 8    // INVITE transactions kept per call (the first ones; all are counted)
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

// response is when a response arrived (times of calls and registrations
// are result.Instants: 16 bytes, not 24). Frame numbers are kept as int32,
// as elsewhere in the module's state: captures stay well below 2**31
// frames.
type response struct {
	t     result.Instant
	frame int32
	code  int32 // status code: three digits
}

func responseOf(md *meta, code int) response {
	return response{t: result.InstantOf(md.t), frame: int32(md.frame), code: int32(code)}
}

// call is the state of one INVITE dialog. Its fields are ordered so that
// it packs tight: it is kept for every call until the end of the pass.
type call struct {
	id                     string
	caller, callee         string
	callerTag              string
	transport, userAgent   string
	callerAddr, calleeAddr netip.AddrPort
	credited               [2]netip.Addr  // sources credited with a positive answer
	media                  [2][]CallMedia // in effect: caller, callee
	firstTime              result.Instant
	firstFrame, lastFrame  int32
	messages               int
	invites                int
	challenges             int
	// The current initial INVITE transaction: the first, or the retry
	// after a challenge.
	txTime                 result.Instant
	txCSeq                 uint32
	txFrame                int32
	txUser                 string
	firstResp, ring, final response
	answer                 response
	bye                    response
	finalReason            string
	cancelFrame            int32
	txCreds                bool
	byeFromCaller          bool
	authFailCounted        bool

	// Every INVITE transaction of the dialog, initial and re-INVITEs, by
	// sender and CSeq: the first maxCallTx kept, all counted.
	txs       []inviteTx
	txTotal   int
	reinvites int       // re-INVITE transactions (To tag set)
	reFailed  int       // re-INVITE transactions whose final response was a failure
	reFail    *inviteTx // the last of them (a copy), nil when none
	bytes     int       // charged to the call budget
}

// inviteTx is one INVITE transaction of a call.
type inviteTx struct {
	offer, answer []CallMedia // the session descriptions of the request and of its responses (or ACK)
	reason        string
	t             result.Instant
	final         response
	cseq          uint32
	frame         int32
	byCaller      bool // sent by the caller (From tag the caller's)
	reinvite      bool
	applied       bool // a re-INVITE's media took effect (it was accepted)
}

// registration is the state of one REGISTER exchange.
type registration struct {
	id                   string
	aor, contact         string
	userAgent, authUser  string
	lastReason           string
	client, registrar    netip.AddrPort
	firstTime, lastTime  result.Instant
	firstFrame           int32
	lastFrame            int32
	requests, challenges int
	authFailures         int
	reqExpires, granted  int
	pendingCSeq          uint32
	countedCSeq          uint32 // the final response last counted: its CSeq and code
	lastCode             int16  // status codes: three digits
	countedCode          int16
	pendingCreds         bool
}

type observer struct {
	cfg   *config
	lim   *limits
	msg   message
	reasm *engine.Reassembler
	flows map[flowKey]flowKind
	wsBuf []byte

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, keptMsg] // every message, for the result cache (nil when not cached)
	lastTime                 time.Time

	requests, responses, malformed, retransmissions, nonStd int
	methods, agents, callIDs                                *result.Counter[string]
	methodNames, agentNames, callIDNames                    *interner
	statusCodes                                             map[int]int
	transports                                              map[string]int
	sources, dests                                          *result.Counter[netip.Addr]
	// Messages remembered for retransmission detection, in two
	// generations: when the newer is full, the older is forgotten.
	seen, seenOld map[uint64]struct{}
	seenForgot    int

	calls        map[string]*call
	callOrder    []*call
	callsCapped  int
	callsLeft    int // bytes of the call budget left
	callsPartial int // INVITE transactions and media of tracked calls not kept: the call budget was spent
	regs         map[string]*registration
	regOrder     []*registration
	regsCapped   int

	flowsCapped   int
	streamHeld    int       // bytes held for unfinished messages, all connections together
	streamPeak    int       // the most held at once
	streamDropped int       // unfinished messages dropped to keep within the stream budget
	heldFirst     *dirState // directions holding bytes, longest idle first
	heldLast      *dirState
	wsDropped     int // WebSocket messages not decoded: compressed or oversized

	capped map[string]string // detector tables that refused entries: what, and the warning's text

	run *analyzer.Run[*event, *observer] // the detectors
	ev  event                            // the event handed to them
}

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	lim := &cfg.lim
	return &observer{
		cfg: cfg, lim: lim, flows: map[flowKey]flowKind{},
		methods: result.NewCounter[string](maxMethods, 0), agents: result.NewCounter[string](lim.agents, 0),
		callIDs:     result.NewCounter[string](lim.callIDs, maxUniqueListed),
		methodNames: newInterner(maxMethods), agentNames: newInterner(lim.agents), callIDNames: newInterner(lim.callIDs),
		statusCodes: map[int]int{}, transports: map[string]int{},
		sources: result.NewCounter[netip.Addr](lim.sources, 0), dests: result.NewCounter[netip.Addr](lim.dests, 0),
		seen: map[uint64]struct{}{}, calls: map[string]*call{}, regs: map[string]*registration{},
		callsLeft: lim.callBytes, capped: map[string]string{},
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
	case p.TCP != nil && !p.Fragment: // the reassembler takes no fragment
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
		// The reassembler closes the longest idle connections past
		// lim.conns, and Closed forgets them here; the flow table's own
		// bound is a backstop for connections it could not yet close.
		if len(o.flows) >= o.lim.conns+o.lim.conns/4 {
			o.flowsCapped++
			return
		}
		o.flows[key] = kind
		if o.reasm == nil {
			o.reasm = engine.NewReassembler(o)
			o.reasm.SetMaxConns(o.lim.conns)
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
	mACK      = []byte("ACK")
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
	o.ev = event{m: m, md: *md, lim: o.lim}
	o.track(md, cid)
	o.run.Observe(&o.ev)
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	k := o.msgKeyOf(md, cid)
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	if onPage {
		o.page = append(o.page, record(m, md))
	}
	if o.kept.Whole() {
		o.kept.Add(k, keepMsg(m, md))
	}
}

// keptMsg is a message kept for the result cache: its bytes and what the
// pass knew of it, from which its record is made when a page shows it
// (making every message's record in the pass would cost more than the
// pass).
type keptMsg struct {
	md       meta
	raw      []byte
	datagram bool // parsed as a datagram (UDP, WebSocket): its body cut to Content-Length
	bodyLen  int  // Content-Length of a body not kept (its headers alone were parsed), else -1
}

func keepMsg(m *message, md *meta) keptMsg {
	k := keptMsg{md: *md, raw: bytes.Clone(m.raw), datagram: md.transport != "TCP", bodyLen: -1}
	if m.bodyLen != len(m.body) {
		k.bodyLen = m.bodyLen
	}
	return k
}

// record parses k's message again, as the pass did, and returns its record.
func (k *keptMsg) record() Packet {
	var m message
	m.parse(k.raw, k.datagram)
	if k.bodyLen >= 0 {
		m.bodyLen = k.bodyLen
		m.fail(errBodyNotKept)
	}
	return record(&m, &k.md)
}

// msgKeyOf is the key of the message being handled, whose Call-ID handle
// interned as cid (cut to maxKeyBytes). Its strings are interned, so that
// a key allocates nothing in the usual case; a Call-ID or method longer
// than maxKeyBytes, which no counter keeps, is copied whole.
func (o *observer) msgKeyOf(md *meta, cid string) msgKey {
	m := &o.msg
	k := msgKey{t: md.t, src: md.src.Addr(), dst: md.dst.Addr(), callID: cid, request: m.request, status: m.status}
	if id := m.get(hdrCallID); len(id) > maxKeyBytes {
		k.callID = string(id)
	}
	method := m.cseqMethod
	if m.request {
		method = m.method
	}
	if len(method) > maxKeyBytes {
		k.method = string(method)
	} else {
		k.method = o.methodNames.str(method)
	}
	return k
}

// clip cuts a value kept as a key to maxKeyBytes, so that keys cannot
// take memory without bound.
func clip(b []byte) []byte { return b[:min(len(b), maxKeyBytes)] }

// noteJunk hands the detectors n bytes on a SIP connection that are not
// SIP, at frame; problem, when set, is what else was wrong with them.
func (o *observer) noteJunk(frame, n int, problem error) {
	o.ev = event{md: meta{frame: frame}, lim: o.lim, junk: n, problem: problem}
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
	if _, ok := o.seenOld[h.sum]; ok {
		return true
	}
	if len(o.seen) >= max(1, o.lim.retrans/2) {
		// The older generation is forgotten: the oldest messages first.
		o.seenForgot += len(o.seenOld)
		o.seenOld, o.seen = o.seen, make(map[uint64]struct{}, len(o.seen))
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
		from, _ := nameAddr(m.get(hdrFrom))
		to, _ := nameAddr(m.get(hdrTo))
		c = &call{id: cid, caller: text(from, maxValue), callee: text(to, maxValue), callerTag: string(clip(tag(m.get(hdrFrom)))),
			callerAddr: md.src, calleeAddr: md.dst, transport: md.transport, userAgent: text(m.get(hdrUserAgent), maxValue),
			firstFrame: int32(md.frame), firstTime: result.InstantOf(md.t)}
		c.bytes = callBytes + len(c.id) + len(c.caller) + len(c.callee) + len(c.callerTag) + len(c.userAgent)
		if len(o.callOrder) >= o.lim.maxCalls || c.bytes > o.callsLeft {
			o.callsCapped++
			return
		}
		o.callsLeft -= c.bytes
		o.calls[c.id] = c
		o.callOrder = append(o.callOrder, c)
	}
	c.messages++
	c.lastFrame = int32(md.frame)
	fromCaller := string(clip(tag(m.get(hdrFrom)))) == c.callerTag
	if m.request {
		switch {
		case bytes.Equal(m.method, mINVITE):
			reinvite := len(tag(m.get(hdrTo))) > 0
			if !reinvite {
				c.invites++
			}
			if md.retrans {
				break
			}
			if o.transaction(c, fromCaller, m.cseq) == nil {
				o.openTx(c, md, fromCaller, reinvite)
			}
			if reinvite {
				break
			}
			challenged := c.final.code == 401 || c.final.code == 407
			if c.txFrame == 0 || m.cseq != c.txCSeq || challenged {
				c.txCSeq, c.txFrame, c.txTime = m.cseq, int32(md.frame), result.InstantOf(md.t)
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
				c.cancelFrame = int32(md.frame)
			}
		case bytes.Equal(m.method, mBYE):
			if c.bye.frame == 0 {
				c.bye = responseOf(md, 0)
				c.byeFromCaller = fromCaller
			}
		}
	} else if bytes.Equal(m.cseqMethod, mINVITE) && !md.retrans {
		if tx := o.transaction(c, fromCaller, m.cseq); tx != nil && m.status >= 200 && tx.final.frame == 0 {
			tx.final, tx.reason = responseOf(md, m.status), text(m.reason, 100)
			switch {
			case !tx.reinvite:
			case m.status/100 == 2:
				o.applyTx(c, tx)
			case m.status >= 300 && m.status != 401 && m.status != 407:
				c.reFailed++
				last := *tx
				c.reFail = &last
			}
		}
		if m.cseq == c.txCSeq && fromCaller {
			o.initialResponse(c, md)
		}
	}
	if m.isSDP() && !md.retrans {
		o.trackMedia(c, md, fromCaller)
	}
}

// initialResponse updates the call with a response to its current initial
// INVITE transaction.
func (o *observer) initialResponse(c *call, md *meta) {
	m := &o.msg
	r := responseOf(md, m.status)
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
	// Failed authentication: a 403, or a challenge to an INVITE that
	// carried credentials (toll-fraud attempts guess them).
	if (m.status == 403 || (m.status == 401 || m.status == 407) && c.txCreds) && !c.authFailCounted {
		c.authFailCounted = true
		o.authFailed(string(uriNoParams([]byte(c.caller))), md.dst.Addr(), c.txUser)
	}
}

// transaction returns the INVITE transaction of c that the caller (or the
// callee) sent with CSeq cseq, or nil. A proxy's copy of a request is the
// same transaction: same sender, same CSeq.
func (o *observer) transaction(c *call, byCaller bool, cseq uint32) *inviteTx {
	for i := len(c.txs) - 1; i >= 0; i-- {
		if tx := &c.txs[i]; tx.cseq == cseq && tx.byCaller == byCaller {
			return tx
		}
	}
	return nil
}

// openTx starts an INVITE transaction of c. The first maxCallTx-1 are
// kept, and the latest after them; when the call budget is spent, it is
// counted and not kept.
func (o *observer) openTx(c *call, md *meta, byCaller, reinvite bool) {
	c.txTotal++
	if reinvite {
		c.reinvites++
	}
	tx := inviteTx{cseq: o.msg.cseq, byCaller: byCaller, reinvite: reinvite, frame: int32(md.frame), t: result.InstantOf(md.t)}
	if len(c.txs) == maxCallTx {
		last := &c.txs[maxCallTx-1]
		last.offer, last.answer = o.replaceMedia(c, last.offer, nil), o.replaceMedia(c, last.answer, nil)
		*last = tx
		return
	}
	if !o.spend(c, txBytes) {
		o.callsPartial++
		return
	}
	c.txs = append(c.txs, tx)
}

// spend charges n bytes of c's state to the call budget, if it has them.
func (o *observer) spend(c *call, n int) bool {
	if n > o.callsLeft {
		return false
	}
	o.callsLeft -= n
	c.bytes += n
	return true
}

// trackMedia notes the session description of the message being handled:
// the offer or answer of its INVITE transaction, and the media in effect
// for the side that sent it. A re-INVITE's media take effect only when it
// is accepted (2xx): a refused re-INVITE (a T.38 fax switch answered 488)
// leaves the call's media as they were.
func (o *observer) trackMedia(c *call, md *meta, fromCaller bool) {
	m := &o.msg
	side := 1 // the sender of the message: the callee...
	if m.request == fromCaller {
		side = 0 // ... or the caller
	}
	media := o.callMedia(m.body, side, md.frame)
	var tx *inviteTx
	if bytes.Equal(m.cseqMethod, mINVITE) || (m.request && bytes.Equal(m.method, mACK)) {
		tx = o.transaction(c, fromCaller, m.cseq)
	}
	if tx != nil {
		switch {
		case m.request && !bytes.Equal(m.method, mACK):
			tx.offer = o.replaceMedia(c, tx.offer, media)
		default: // a response, or the ACK of a late offer
			tx.answer = o.replaceMedia(c, tx.answer, media)
		}
		if tx.reinvite && !(tx.final.code/100 == 2) {
			return // in effect once accepted
		}
	}
	c.media[side] = o.replaceMedia(c, c.media[side], media)
	if tx != nil && tx.reinvite && !tx.applied {
		o.applyTx(c, tx)
	}
}

// applyTx puts an accepted re-INVITE's offer and answer in effect.
func (o *observer) applyTx(c *call, tx *inviteTx) {
	tx.applied = true
	sender := 1
	if tx.byCaller {
		sender = 0
	}
	if len(tx.offer) > 0 {
		c.media[sender] = o.replaceMedia(c, c.media[sender], tx.offer)
	}
	if len(tx.answer) > 0 {
		c.media[1-sender] = o.replaceMedia(c, c.media[1-sender], tx.answer)
	}
}

// replaceMedia returns media to keep in place of old, charged to the call
// budget (what old took is given back); old is kept when the budget is
// spent.
func (o *observer) replaceMedia(c *call, old, media []CallMedia) []CallMedia {
	n, was := 0, 0
	for i := range media {
		n += media[i].size()
	}
	for i := range old {
		was += old[i].size()
	}
	o.callsLeft += was
	c.bytes -= was
	if !o.spend(c, n) {
		o.spend(c, was)
		o.callsPartial++
		return old
	}
	return media
}

// callMedia reads the media endpoints of a session description for a call.
func (o *observer) callMedia(body []byte, side, frame int) []CallMedia {
	sdp := parseSDP(body)
	out := make([]CallMedia, 0, min(len(sdp.Media), maxCallMedia))
	for _, med := range sdp.Media {
		if len(out) == maxCallMedia {
			break
		}
		cm := CallMedia{Side: [2]string{"caller", "callee"}[side], Frame: frame, Type: med.Type, Address: med.Address, Port: med.Port,
			Protocol: med.Protocol, Direction: med.Direction, Codecs: make([]string, 0, min(len(med.Codecs)+len(med.Formats), maxCallCodecs))}
		for _, cd := range med.Codecs {
			if len(cm.Codecs) == maxCallCodecs {
				break
			}
			name, _, _ := strings.Cut(cd.Encoding, "/")
			if name == "" {
				name = "PT" + strconv.Itoa(cd.PayloadType)
			}
			cm.Codecs = append(cm.Codecs, name)
		}
		for _, f := range med.Formats {
			if len(cm.Codecs) == maxCallCodecs {
				break
			}
			cm.Codecs = append(cm.Codecs, f)
		}
		out = append(out, cm)
	}
	return out
}

// size estimates the bytes a media endpoint takes.
func (cm *CallMedia) size() int {
	n := mediaBytes + len(cm.Type) + len(cm.Address) + len(cm.Protocol)
	for _, c := range cm.Codecs {
		n += 16 + len(c)
	}
	return n
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
			if len(o.regOrder) >= o.lim.regs {
				o.regsCapped++
				return
			}
			r = &registration{id: cid, client: md.src, registrar: md.dst, firstFrame: int32(md.frame), firstTime: result.InstantOf(md.t),
				reqExpires: -1, granted: -1}
			o.regs[r.id] = r
			o.regOrder = append(o.regOrder, r)
		}
		r.requests++
		r.lastFrame, r.lastTime = int32(md.frame), result.InstantOf(md.t)
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
	r.lastFrame, r.lastTime = int32(md.frame), result.InstantOf(md.t)
	if m.status < 200 {
		return
	}
	// A proxy relays the registrar's answer: count each final once.
	if m.cseq == r.countedCSeq && m.status == int(r.countedCode) {
		return
	}
	r.countedCSeq, r.countedCode = m.cseq, int16(m.status)
	r.lastCode, r.lastReason = int16(m.status), text(m.reason, 100)
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
