package dns

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
	"golang.org/x/net/publicsuffix"
)

// Ports of the services the module reads.
const (
	portDNS   = 53
	portMDNS  = 5353
	portLLMNR = 5355
)

// Bounds on state kept in memory.
const (
	maxCounterKeys  = 50000  // distinct keys per top-list counter
	maxRegDomains   = 20000  // registered domains tracked for tunneling
	maxSubdomains   = 2000   // distinct names remembered per registered domain
	maxClientsDGA   = 20000  // clients tracked for DGA
	maxNXNames      = 1000   // distinct NXDOMAIN names remembered per client
	maxNamesTotal   = 200000 // names remembered by the tunneling and DGA detectors together
	maxServers      = 10000
	reservoirSize   = 20000 // response times kept per server for quantiles
	maxExamples     = 5
	maxUniqueListed = 50
)

// meta is where and how one DNS message was carried.
type meta struct {
	frame     int
	t         time.Time
	src, dst  netip.AddrPort
	transport string // UDP or TCP
	service   string // DNS, MDNS, LLMNR
	inICMP    bool
	nonStd    bool
	size      int
}

// txKey identifies a unicast query: client, server, transport and id.
type txKey struct {
	client, server netip.AddrPort
	tcp            bool
	id             uint16
}

// txn is one query and, once seen, its response.
type txn struct {
	key        txKey
	name       string
	qtype      uint16
	queryFrame int
	queryTime  time.Time
	lastQuery  time.Time // the latest (re)transmission
	respFrame  int
	respTime   time.Time
	rcode      int
	answers    int
	retrans    int
	answered   bool
}

type serverStat struct {
	addr       netip.Addr
	queries    int
	answered   int
	unanswered int
	rcodes     map[int]int
	lat        result.Reservoir
	clients    map[netip.Addr]struct{}
}

type observer struct {
	cfg   *config
	msg   message
	reasm *engine.Reassembler
	run   *analyzer.Run[*event, *observer] // the detectors' work on this capture
	ev    event                            // the message in hand, for the detectors

	found, analyzed, matched int
	page                     []Packet
	answered                 *txn // the transaction the message in hand answered, if any

	queries, responses, malformed, inICMP, nonStd, truncated, unsolicited int
	byService, byTransport                                                map[string]int
	rcodes, opcodes                                                       map[int]int
	names, regDomains                                                     *result.Counter[string]
	clients, serverTop                                                    *result.Counter[netip.Addr]
	qtypes                                                                *result.Counter[uint16]
	nameCache                                                             map[string]*nameInfo
	nameBuf                                                               []byte
	held                                                                  nameBudget // names the detectors remember

	pending     map[txKey]*txn
	pendingQ    map[qKey]*txn
	txns        []*txn
	txCapped    int
	lastTime    time.Time
	allLat      result.Reservoir
	retransmits int

	servers  map[netip.Addr]*serverStat
	srvOrder []*serverStat

	settled              bool // settle has run
	answeredN, unanswerN int  // transactions answered and unanswered, once settled
}

// event is what the observer hands its detectors for each DNS message it
// handles (see detectors.go). The observer reuses it from message to
// message: a detector must not keep it.
type event struct {
	md meta
	// tracked is set when the message has a header and is not quoted in
	// an ICMP error: it counted as a query or a response.
	tracked  bool
	response bool      // QR=1, when tracked
	name     *nameInfo // the first question's name, when tracked; nil when none
	qtype    uint16    // the first question's type
	rcode    int       // the response code, for a response
	// answered is the transaction a response answered first; nil when it
	// answered none or one already answered.
	answered *txn
	// unsolicited is set for a unicast response with no query seen.
	unsolicited bool
	// malformed says why the message could not be fully decoded; "" when
	// it could, or when it is quoted in an ICMP error (cut by design).
	malformed string
	// names is the one bound on the question names the detectors
	// remember, all detectors together.
	names *nameBudget
}

// nameBudget bounds the question names the detectors remember together
// (maxNamesTotal).
type nameBudget struct{ n int }

// full reports whether no more names may be remembered.
func (b *nameBudget) full() bool { return b.n >= maxNamesTotal }

// take counts one name remembered.
func (b *nameBudget) take() { b.n++ }

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, byService: map[string]int{}, byTransport: map[string]int{}, rcodes: map[int]int{}, opcodes: map[int]int{},
		names: newCounter[string](), regDomains: newCounter[string](), clients: newCounter[netip.Addr](), serverTop: newCounter[netip.Addr](),
		qtypes: newCounter[uint16](), nameCache: map[string]*nameInfo{}, allLat: result.Reservoir{Cap: reservoirSize},
		pending: map[txKey]*txn{}, pendingQ: map[qKey]*txn{}, servers: map[netip.Addr]*serverStat{},
		run: detectors.Start(cfg.th),
	}
}

// newCounter returns a top-list counter of the module's size.
func newCounter[K comparable]() *result.Counter[K] {
	return result.NewCounter[K](maxCounterKeys, maxUniqueListed)
}

func serviceOf(sport, dport uint16) string {
	switch {
	case sport == portMDNS || dport == portMDNS:
		return "MDNS"
	case sport == portLLMNR || dport == portLLMNR:
		return "LLMNR"
	case sport == portDNS || dport == portDNS:
		return "DNS"
	}
	return ""
}

// Observe finds DNS messages: UDP on 53, 5353 and 5355, TCP on those ports
// (reassembled), DNS quoted in ICMP errors, and UDP on other ports when the
// payload is unmistakably DNS.
func (o *observer) Observe(p *engine.Packet) {
	o.lastTime = p.Timestamp
	switch {
	case p.UDP != nil:
		sport, dport := uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
		m := meta{frame: p.Number, t: p.Timestamp, transport: "UDP", size: len(p.UDP.Payload),
			src: netip.AddrPortFrom(p.SrcIP(), sport), dst: netip.AddrPortFrom(p.DstIP(), dport)}
		if m.service = serviceOf(sport, dport); m.service == "" {
			if !looksLikeDNS(p.UDP.Payload) {
				return
			}
			o.msg.decode(p.UDP.Payload)
			if o.msg.err != nil || len(o.msg.layer.Questions) != 1 || !plausibleName(o.msg.layer.Questions[0].Name) {
				return
			}
			m.service, m.nonStd = "DNS", true
			o.handle(m)
			return
		}
		o.msg.decode(p.UDP.Payload)
		o.handle(m)
	case p.TCP != nil:
		if serviceOf(uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort)) == "" {
			return
		}
		if o.reasm == nil {
			o.reasm = engine.NewReassembler(o)
		}
		o.reasm.Add(p)
	case p.ICMPv4 != nil || p.ICMPv6 != nil:
		b, ok := p.ICMPErrorQuote()
		if !ok {
			return
		}
		q, err := engine.DecodeQuoted(b)
		if err != nil || q.Protocol != 17 || !q.HasPorts {
			return
		}
		m := meta{frame: p.Number, t: p.Timestamp, transport: "UDP", inICMP: true,
			src: netip.AddrPortFrom(q.Src, q.SrcPort), dst: netip.AddrPortFrom(q.Dst, q.DstPort)}
		if m.service = serviceOf(q.SrcPort, q.DstPort); m.service == "" {
			return
		}
		payload := q.QuotedPayload()
		if len(payload) < headerLen {
			return
		}
		m.size = len(payload)
		o.msg.decode(payload)
		o.handle(m)
	}
}

// looksLikeDNS is the cheap test a UDP payload on another port must pass
// before it is decoded: a header with one question, opcode QUERY, Z clear,
// and modest record counts.
func looksLikeDNS(b []byte) bool {
	if len(b) < headerLen+5 {
		return false
	}
	if binary.BigEndian.Uint16(b[4:6]) != 1 || (b[2]>>3)&0xf != 0 || b[3]&0x40 != 0 {
		return false
	}
	for i := 6; i < 12; i += 2 {
		if binary.BigEndian.Uint16(b[i:]) > 64 {
			return false
		}
	}
	return true
}

// plausibleName accepts host names: letters, digits, hyphen, underscore,
// dots, and at least one dot.
func plausibleName(b []byte) bool {
	if len(b) < 3 || len(b) > 253 {
		return false
	}
	dots := 0
	for _, c := range b {
		switch {
		case c == '.':
			dots++
		case c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
		default:
			return false
		}
	}
	return dots > 0
}

// Data receives reassembled DNS-over-TCP bytes: messages with a two-byte
// length prefix (RFC 1035 §4.2.2), split across segments or packed into one.
func (o *observer) Data(c *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	src, dst := c.Client, c.Server
	if !fromClient {
		src, dst = dst, src
	}
	off := 0
	for len(data)-off >= 2 {
		n := int(binary.BigEndian.Uint16(data[off:]))
		if len(data)-off-2 < n {
			break
		}
		frame, t := at(off + 2 + max(n, 1) - 1)
		m := meta{frame: frame, t: t, transport: "TCP", src: src, dst: dst, service: serviceOf(src.Port(), dst.Port()), size: n}
		o.msg.decode(data[off+2 : off+2+n])
		o.handle(m)
		off += 2 + n
	}
	c.Consume(fromClient, off)
}

// Gap notes bytes lost from a TCP stream.
func (o *observer) Gap(*engine.StreamConn, bool, int) {}

// Closed ends a TCP connection.
func (o *observer) Closed(*engine.StreamConn) {}

// Flush delivers what TCP reassembly still holds.
func (o *observer) Flush() {
	if o.reasm != nil {
		o.reasm.Flush()
	}
}

// handle records one decoded message and hands it to the detectors.
func (o *observer) handle(md meta) {
	m := &o.msg
	o.found++
	o.answered = nil
	e := &o.ev
	*e = event{md: md, names: &o.held}
	// A message quoted in an ICMP error is cut short by design.
	switch {
	case md.inICMP:
	case !m.ok():
		e.malformed = "message shorter than the 12-byte header"
	case m.err != nil:
		e.malformed = m.err.Error()
	}
	if e.malformed != "" {
		o.malformed++
	}
	if md.nonStd {
		o.nonStd++
	}
	o.byService[md.service]++
	o.byTransport[md.transport]++
	if md.inICMP {
		o.inICMP++
	} else if m.ok() {
		o.track(md)
	}
	o.run.Observe(e)
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	if !o.cfg.matches(m, md) {
		return
	}
	o.matched++
	if idx := o.matched - 1; idx >= o.cfg.offset && idx < o.cfg.offset+o.cfg.limit {
		r := record(m, md)
		if t := o.answered; t != nil { // link a response to its query
			ms, qf := t.responseMs(), t.queryFrame
			r.ResponseTimeMs, r.QueryPacket = &ms, &qf
		}
		o.page = append(o.page, r)
	}
}

// track updates statistics and transactions with a message that has a
// header, and tells the detectors what it was.
func (o *observer) track(md meta) {
	m := &o.msg
	e := &o.ev
	e.tracked = true
	o.opcodes[m.opcode()]++
	qname, qtype, hasQ := m.firstQuestion()
	var name string
	if hasQ {
		e.name, e.qtype = o.intern(qname), qtype
		name = e.name.name
	}
	if !m.isResponse() {
		o.queries++
		if hasQ {
			o.names.Add(name)
			o.qtypes.Add(qtype)
			o.clients.Add(md.src.Addr())
			o.serverTop.Add(md.dst.Addr())
			if reg := e.name.registered(); reg != "" {
				o.regDomains.Add(reg)
			}
		}
		o.query(md, name, qtype, hasQ)
		return
	}
	e.response = true
	o.responses++
	rc := m.rcode()
	e.rcode = rc
	o.rcodes[rc]++
	if m.truncatedBit() {
		o.truncated++
	}
	o.response(md, name, qtype, hasQ, rc)
}

// query opens a transaction for a unicast query, or counts a retransmission.
func (o *observer) query(md meta, name string, qtype uint16, hasQ bool) {
	multicast := md.dst.Addr().IsMulticast()
	if md.service == "MDNS" {
		return // mDNS answers go to the group, not to a query
	}
	s := o.server(md.dst.Addr(), multicast)
	if s != nil {
		s.queries++
		if len(s.clients) < maxCounterKeys {
			s.clients[md.src.Addr()] = struct{}{}
		}
	}
	k := txKey{client: md.src, server: md.dst, tcp: md.transport == "TCP", id: uint16(o.msg.id())}
	if multicast {
		k.server = netip.AddrPort{} // LLMNR: any responder may answer
	}
	if t := o.pending[k]; t != nil && t.name == name && t.qtype == qtype {
		t.retrans++
		t.lastQuery = md.t
		o.retransmits++
		return
	}
	// The same question from the same client to the same server under a
	// new id or port, while the first is unanswered and recent, is a
	// retransmission too; its response closes the one transaction.
	qk := qKey{client: md.src.Addr(), server: k.server.Addr(), name: name, qtype: qtype}
	if t := o.pendingQ[qk]; t != nil && !t.answered && md.t.Sub(t.queryTime) < o.cfg.timeout {
		t.retrans++
		t.lastQuery = md.t
		o.retransmits++
		o.pending[k] = t
		return
	}
	if len(o.txns) >= o.cfg.maxTransactions {
		o.txCapped++
		return
	}
	t := &txn{key: k, name: name, qtype: qtype, queryFrame: md.frame, queryTime: md.t, lastQuery: md.t}
	if !hasQ {
		t.name = ""
	}
	o.pending[k] = t
	if len(o.pendingQ) < o.cfg.maxTransactions {
		o.pendingQ[qk] = t
	}
	o.txns = append(o.txns, t)
}

// multicast reports a query sent to a group (LLMNR), which any responder
// may answer: its key has no server.
func (t *txn) multicast() bool { return !t.key.server.IsValid() }

// responseMs is the time from the latest transmission of the query to the
// response, as Wireshark's dns.time measures it.
func (t *txn) responseMs() float64 {
	return float64(t.respTime.Sub(t.lastQuery).Microseconds()) / 1000
}

// qKey identifies a question asked by one client of one server.
type qKey struct {
	client, server netip.Addr
	name           string
	qtype          uint16
}

func (o *observer) server(a netip.Addr, multicast bool) *serverStat {
	if multicast {
		return nil
	}
	s := o.servers[a]
	if s == nil {
		if len(o.servers) >= maxServers {
			return nil
		}
		s = &serverStat{addr: a, rcodes: map[int]int{}, clients: map[netip.Addr]struct{}{}, lat: result.Reservoir{Cap: reservoirSize}}
		o.servers[a] = s
		o.srvOrder = append(o.srvOrder, s)
	}
	return s
}

// response closes the transaction it answers.
func (o *observer) response(md meta, name string, qtype uint16, hasQ bool, rc int) {
	if md.service == "MDNS" {
		return
	}
	k := txKey{client: md.dst, server: md.src, tcp: md.transport == "TCP", id: uint16(o.msg.id())}
	t := o.pending[k]
	if t == nil {
		k.server = netip.AddrPort{}
		t = o.pending[k]
	}
	if t == nil || (hasQ && t.name != "" && t.name != name) {
		o.unsolicited++
		o.ev.unsolicited = true
		return
	}
	delete(o.pending, k)
	if t.answered {
		// A second response, to a retransmission under another id or
		// port: the transaction is already answered.
		return
	}
	delete(o.pendingQ, qKey{client: t.key.client.Addr(), server: t.key.server.Addr(), name: t.name, qtype: t.qtype})
	t.answered, t.respFrame, t.respTime, t.rcode, t.answers = true, md.frame, md.t, rc, o.msg.count(1)
	o.answered, o.ev.answered = t, t
	ms := t.responseMs()
	o.allLat.Add(ms)
	if s := o.server(md.src.Addr(), t.multicast()); s != nil {
		s.answered++
		s.rcodes[rc]++
		s.lat.Add(ms)
	}
}

// nameInfo is a question name as counted, interned so that repeated names
// cost neither an allocation nor a public-suffix lookup.
type nameInfo struct {
	name    string // lower-cased presentation form
	reg     string // registered domain; "" when there is none
	regDone bool
}

// maxNameCache bounds the intern table; when full it starts over.
const maxNameCache = 100000

// intern returns the nameInfo of a decoded question name.
func (o *observer) intern(qname []byte) *nameInfo {
	o.nameBuf = appendLowerName(o.nameBuf[:0], qname)
	if ni := o.nameCache[string(o.nameBuf)]; ni != nil {
		return ni
	}
	if len(o.nameCache) >= maxNameCache {
		clear(o.nameCache)
	}
	ni := &nameInfo{name: string(o.nameBuf)}
	o.nameCache[ni.name] = ni
	return ni
}

// registered returns the registered domain of the name (eTLD+1), computed
// once.
func (ni *nameInfo) registered() string {
	if !ni.regDone {
		ni.regDone = true
		if ni.name != "." && ni.name != "" {
			ni.reg, _ = publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(ni.name, "."))
		}
	}
	return ni.reg
}
