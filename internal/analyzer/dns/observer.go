package dns

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
	"golang.org/x/net/publicsuffix"
)

// Ports of the services the module reads.
const (
	portDNS   = 53
	portMDNS  = 5353
	portLLMNR = 5355
)

// Fixed bounds; the tables that grow with the capture are bounded from
// the state budget (budget.go).
const (
	maxSubdomains   = 2000 // distinct names remembered per registered domain
	maxNXNames      = 1000 // distinct NXDOMAIN names remembered per client
	reservoirSize   = 20000
	maxExamples     = 5
	maxUniqueListed = 50
	maxAliases      = 8 // other ids or ports a retransmitted query is matched under
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
// The server's address is zero for a multicast query (LLMNR), which any
// responder may answer.
type txKey struct {
	client, server         result.AddrKey
	clientPort, serverPort uint16
	id                     uint16
	tcp                    bool
}

func txKeyOf(client, server netip.AddrPort, tcp bool, id uint16) txKey {
	return txKey{client: result.AddrKeyOf(client.Addr()), server: result.AddrKeyOf(server.Addr()),
		clientPort: client.Port(), serverPort: server.Port(), id: id, tcp: tcp}
}

func (k txKey) clientAddrPort() netip.AddrPort {
	return netip.AddrPortFrom(k.client.Addr(), k.clientPort)
}

func (k txKey) serverAddrPort() netip.AddrPort {
	return netip.AddrPortFrom(k.server.Addr(), k.serverPort)
}

// txn is one query and, once seen, its response. One is held for every
// transaction of the capture (up to the budget), so it is kept small (144
// bytes): counts in 32 bits, codes in 16 (filling the key's tail), frames
// and times as marks; the keys of retransmissions under another id or
// port, rarely any, are in the observer's aliases.
type txn struct {
	key        txKey
	qtype      uint16
	rcode      uint16 // 12 bits with EDNS
	answers    uint16
	name       string
	prev, next *txn // neighbours in the observer's open or done list
	query      mark // the first transmission
	last       mark // the latest (re)transmission
	resp       mark // the response, once answered
	retrans    int32
	seq        int32 // order of the query among transactions
	answered   bool
}

// mark is where a message is in the capture, its frame and time, in 16
// bytes where a time.Time alone takes 24. Frame numbers stay below 2^31;
// time gives the time back unchanged (packet times are UTC without a
// monotonic reading, the zero time included).
type mark struct {
	sec   int64 // Unix seconds
	nsec  int32 // and nanoseconds
	frame int32
}

func markOf(frame int, t time.Time) mark {
	return mark{sec: t.Unix(), nsec: int32(t.Nanosecond()), frame: int32(frame)}
}

func (m mark) time() time.Time { return time.Unix(m.sec, int64(m.nsec)).UTC() }

// txList is a list of transactions, oldest first, linked through the
// transactions themselves: a transaction moves from the open list to the
// done list when answered, in constant time.
type txList struct {
	head, tail *txn
	n          int
}

func (l *txList) push(t *txn) {
	t.prev, t.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = t
	} else {
		l.head = t
	}
	l.tail = t
	l.n++
}

func (l *txList) remove(t *txn) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		l.tail = t.prev
	}
	t.prev, t.next = nil, nil
	l.n--
}

type serverStat struct {
	addr          netip.Addr
	queries       int
	answered      int
	unanswered    int
	rcodes        map[int]int // at most maxRcodeKeys; the rest under otherRcode
	lat           result.Reservoir
	clients       int  // distinct clients, from the observer's pairs
	clientsCapped bool // a new client was not counted (pairs bound)
	// The frames of its transactions evicted under the state budget, for
	// the findings' evidence: unanswered queries and answers.
	evUnanswered, evAnswered result.Evidence
}

type observer struct {
	cfg    *config
	budget budget
	msg    message
	reasm  *engine.Reassembler
	run    *analyzer.Run[*event, *observer] // the detectors' work on this capture
	ev     event                            // the message in hand, for the detectors

	found, analyzed, matched int
	page                     []Packet
	// For the result cache (nil when not kept): every analyzed message
	// with its filter key, and one copy of each name those keys hold.
	kept      *result.Kept[pktKey, keptMsg]
	keptNames map[string][]byte
	answered  *txn // the transaction the message in hand answered, if any

	// sink, when set, receives every message as a Row (records.go);
	// row and its lists are reused from message to message.
	sink       modkit.Sink
	row        Row
	rowAnswers []string
	rowTTLs    []int64

	queries, responses, malformed, inICMP, nonStd, truncated, unsolicited int
	byService, byTransport                                                map[string]int
	rcodes, opcodes                                                       map[int]int
	names, regDomains                                                     *result.Counter[string] // by name key
	clients, serverTop                                                    *result.Counter[result.AddrKey]
	qtypes                                                                *result.Counter[uint16]
	nameCache                                                             map[string]*nameInfo
	keyBuf                                                                []byte
	heldBytes                                                             int // memory of unfinished DNS-over-TCP messages held (heldCost)

	pending  map[txKey]*txn
	pendingQ map[qKey]*txn
	aliases  map[*txn][]txKey // keys of a retransmission under another id or port, up to maxAliases
	// Transactions held, at most budget.lim.txns in all: those waiting
	// for a response in query order, and those answered in answer order
	// (evicted first: they are finished).
	open, done  txList
	txSeq       int
	txSorted    []*txn // open and done in query order, once settled
	lastTime    time.Time
	allLat      result.Reservoir
	retransmits int

	servers  map[netip.Addr]*serverStat
	srvOrder []*serverStat
	pairs    map[[2]result.AddrKey]struct{} // (server, client)

	settled              bool // settle has run
	answeredN, unanswerN int  // transactions answered and unanswered, once settled
	evAnswered           int  // transactions evicted answered
	evUnanswered         int  // transactions evicted unanswered
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
	// budget holds the bounds of the detectors' tables and counts what
	// they turn away (the names they remember are one pool).
	budget *budget
}

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	l := cfg.lim
	return &observer{
		cfg: cfg, budget: budget{lim: l}, byService: map[string]int{}, byTransport: map[string]int{}, rcodes: map[int]int{}, opcodes: map[int]int{},
		names: result.NewCounter[string](l.names, maxUniqueListed), regDomains: result.NewCounter[string](l.regDomains, maxUniqueListed),
		clients: result.NewCounter[result.AddrKey](l.clients, maxUniqueListed), serverTop: result.NewCounter[result.AddrKey](l.serverTop, maxUniqueListed),
		qtypes: result.NewCounter[uint16](maxQTypes, maxUniqueListed), nameCache: map[string]*nameInfo{}, allLat: result.Reservoir{Cap: reservoirSize},
		pending: map[txKey]*txn{}, pendingQ: map[qKey]*txn{}, aliases: map[*txn][]txKey{}, servers: map[netip.Addr]*serverStat{}, pairs: map[[2]result.AddrKey]struct{}{},
		run: detectors.Start(cfg.th),
	}
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
		// Only segments that carry bytes, or end a connection, reach the
		// reassembler: a connection is opened by its first bytes (the
		// reassembler starts a stream mid-way), so SYNs and bare ACKs of
		// connections that never carry DNS cost no state (a SYN flood to
		// port 53 holds nothing).
		if len(p.TCP.Payload) == 0 && !p.TCP.FIN && !p.TCP.RST {
			return
		}
		if o.reasm == nil {
			o.reasm = engine.NewReassembler(o)
			o.reasm.SetMaxConns(o.cfg.lim.conns)
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

// tcpConn is the module's state of one DNS-over-TCP connection, per
// direction (client to server first).
type tcpConn struct {
	held [2]int // memory of an unfinished message kept by the reassembler (heldCost)
	skip [2]int // bytes of a dropped message still to pass
}

// heldCost is the memory of n bytes the reassembler keeps for the module:
// gopacket's reassembly keeps them in pages of 1,900 bytes.
func heldCost(n int) int { return (n + 1899) / 1900 * 2048 }

func dir(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

// Data receives reassembled DNS-over-TCP bytes: messages with a two-byte
// length prefix (RFC 1035 §4.2.2), split across segments or packed into one.
// An unfinished message (at most 65,537 bytes with its prefix, the bound
// per connection and direction) is left unconsumed, so the reassembler
// offers it again with more; past the budget for unfinished messages of
// all connections together, it is dropped and its remaining bytes skipped.
func (o *observer) Data(c *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	src, dst := c.Client, c.Server
	if !fromClient {
		src, dst = dst, src
	}
	d := dir(fromClient)
	st, _ := c.State.(*tcpConn)
	off := 0
	if st != nil && st.skip[d] > 0 {
		off = min(st.skip[d], len(data))
		st.skip[d] -= off
	}
	for len(data)-off >= 2 {
		n := int(binary.BigEndian.Uint16(data[off:]))
		if len(data)-off-2 < n {
			held := 0
			if st != nil {
				held = st.held[d]
			}
			if o.heldBytes-held+heldCost(len(data)-off) > o.cfg.lim.heldBytes {
				if st == nil {
					st = &tcpConn{}
					c.State = st
				}
				st.skip[d] = 2 + n - (len(data) - off)
				off = len(data)
				o.budget.tcpDropped++
			}
			break
		}
		frame, t := at(off + 2 + max(n, 1) - 1)
		m := meta{frame: frame, t: t, transport: "TCP", src: src, dst: dst, service: serviceOf(src.Port(), dst.Port()), size: n}
		o.msg.decode(data[off+2 : off+2+n])
		o.handle(m)
		off += 2 + n
	}
	c.Consume(fromClient, off)
	if held := heldCost(len(data) - off); st != nil || held > 0 {
		if st == nil {
			st = &tcpConn{}
			c.State = st
		}
		o.heldBytes += held - st.held[d]
		st.held[d] = held
	}
}

// Gap notes bytes lost from a TCP stream: the reassembler drops what was
// kept of an unfinished message.
func (o *observer) Gap(c *engine.StreamConn, fromClient bool, _ int) {
	if st, _ := c.State.(*tcpConn); st != nil {
		d := dir(fromClient)
		o.heldBytes -= st.held[d]
		st.held[d], st.skip[d] = 0, 0
	}
}

// Closed ends a TCP connection, and what it held.
func (o *observer) Closed(c *engine.StreamConn) {
	if st, _ := c.State.(*tcpConn); st != nil {
		o.heldBytes -= st.held[0] + st.held[1]
		c.State = nil
	}
}

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
	*e = event{md: md, budget: &o.budget}
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
	if o.sink != nil {
		o.putRow(md)
	}
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	k := o.cfg.keyOf(m, md)
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	km := keptMsg{md: md}
	if t := o.answered; t != nil { // link a response to its query
		ms, qf := t.responseMs(), int(t.query.frame)
		km.responseMs, km.queryFrame = &ms, &qf
	}
	if onPage {
		o.page = append(o.page, km.recordOf(m))
	}
	if o.kept.Whole() {
		k.name, km.raw = o.keptName(k.name), bytes.Clone(m.raw)
		o.kept.Add(k, km)
	}
}

// keptMsg is a message kept for the result cache: its bytes and what the
// pass knew of it, from which its record is made when a page shows it
// (making every message's record in the pass would cost more than the
// pass).
type keptMsg struct {
	md         meta
	raw        []byte
	responseMs *float64 // for a response, its query's
	queryFrame *int
}

// recordOf is the record of k's message m (decoded).
func (k *keptMsg) recordOf(m *message) Packet {
	r := record(m, k.md)
	r.ResponseTimeMs, r.QueryPacket = k.responseMs, k.queryFrame
	return r
}

// record decodes k's message again and returns its record.
func (k keptMsg) record() Packet {
	var m message
	m.decode(k.raw)
	return k.recordOf(&m)
}

// keptName is a copy of a name key for a kept message, one per distinct
// name.
func (o *observer) keptName(name []byte) []byte {
	if name == nil {
		return nil
	}
	if s, ok := o.keptNames[string(name)]; ok {
		return s
	}
	s := bytes.Clone(name)
	o.keptNames[string(s)] = s
	return s
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
		name = e.name.key
	}
	if !m.isResponse() {
		o.queries++
		if hasQ {
			o.names.Add(name)
			o.qtypes.Add(qtype)
			o.clients.Add(result.AddrKeyOf(md.src.Addr()))
			o.serverTop.Add(result.AddrKeyOf(md.dst.Addr()))
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
	if s := o.server(md.dst.Addr(), multicast); s != nil {
		s.queries++
		o.pair(s, md.src.Addr())
	}
	k := txKeyOf(md.src, md.dst, md.transport == "TCP", uint16(o.msg.id()))
	if multicast {
		k.server, k.serverPort = result.AddrKey{}, 0 // LLMNR: any responder may answer
	}
	if t := o.pending[k]; t != nil && t.name == name && t.qtype == qtype {
		t.retrans++
		t.last = markOf(md.frame, md.t)
		o.retransmits++
		return
	}
	// The same question from the same client to the same server under a
	// new id or port, while the first is unanswered and recent, is a
	// retransmission too; its response closes the one transaction.
	qk := qKey{client: k.client, server: k.server, name: name, qtype: qtype}
	if t := o.pendingQ[qk]; t != nil && !t.answered && md.t.Sub(t.query.time()) < o.cfg.timeout {
		t.retrans++
		t.last = markOf(md.frame, md.t)
		o.retransmits++
		if a := o.aliases[t]; len(a) < maxAliases {
			o.aliases[t] = append(a, k)
			o.pending[k] = t
		}
		return
	}
	if o.open.n+o.done.n >= o.cfg.lim.txns {
		o.evict()
	}
	at := markOf(md.frame, md.t)
	t := &txn{key: k, name: name, qtype: qtype, query: at, last: at, seq: int32(o.txSeq)}
	o.txSeq++
	if !hasQ {
		t.name = ""
	}
	o.pending[k] = t
	o.pendingQ[qk] = t
	o.open.push(t)
}

// evict drops a transaction under the state budget, the oldest answered
// one, else the oldest waiting, counting what it was: answered,
// unanswered (its server's evidence keeps its frame), or still waiting.
func (o *observer) evict() {
	t := o.done.head
	if t != nil {
		o.done.remove(t)
	} else {
		t = o.open.head
		o.open.remove(t)
	}
	o.budget.txnsEvicted++
	for _, k := range o.aliases[t] {
		if o.pending[k] == t {
			delete(o.pending, k)
		}
	}
	delete(o.aliases, t)
	if o.pending[t.key] == t {
		delete(o.pending, t.key)
	}
	qk := qKey{client: t.key.client, server: t.key.server, name: t.name, qtype: t.qtype}
	if o.pendingQ[qk] == t {
		delete(o.pendingQ, qk)
	}
	var s *serverStat
	if !t.multicast() {
		s = o.servers[t.key.server.Addr()]
	}
	switch o.status(t) {
	case "answered":
		o.evAnswered++
		if s != nil {
			s.evAnswered.Add(int(t.resp.frame))
		}
	case "unanswered":
		o.evUnanswered++
		if s != nil {
			s.unanswered++
			s.evUnanswered.Add(int(t.query.frame))
		}
	default:
		o.budget.evictedWaited++
	}
}

// transactions returns the transactions held, in query order; call it
// once the capture has been read.
func (o *observer) transactions() []*txn {
	if o.txSorted == nil {
		o.txSorted = make([]*txn, 0, o.open.n+o.done.n)
		for _, l := range []*txList{&o.open, &o.done} {
			for t := l.head; t != nil; t = t.next {
				o.txSorted = append(o.txSorted, t)
			}
		}
		slices.SortFunc(o.txSorted, func(a, b *txn) int { return int(a.seq) - int(b.seq) })
	}
	return o.txSorted
}

// pair counts client as one of the server's clients, once.
func (o *observer) pair(s *serverStat, client netip.Addr) {
	k := [2]result.AddrKey{result.AddrKeyOf(s.addr), result.AddrKeyOf(client)}
	if _, ok := o.pairs[k]; ok {
		return
	}
	if len(o.pairs) >= o.cfg.lim.pairs {
		s.clientsCapped = true
		o.budget.pairsRefused++
		return
	}
	o.pairs[k] = struct{}{}
	s.clients++
}

// multicast reports a query sent to a group (LLMNR), which any responder
// may answer: its key has no server.
func (t *txn) multicast() bool { return t.key.server == result.AddrKey{} }

// responseMs is the time from the latest transmission of the query to the
// response, as Wireshark's dns.time measures it.
func (t *txn) responseMs() float64 {
	return float64(t.resp.time().Sub(t.last.time()).Microseconds()) / 1000
}

// qKey identifies a question asked by one client of one server.
type qKey struct {
	client, server result.AddrKey
	name           string
	qtype          uint16
}

// maxRcodeKeys bounds a server's response-code counts (12 bits with EDNS:
// 4,096 codes); codes past it count under otherRcode.
const maxRcodeKeys = 32

// otherRcode is the key of the response codes counted together.
const otherRcode = -1

func (o *observer) server(a netip.Addr, multicast bool) *serverStat {
	if multicast {
		return nil
	}
	s := o.servers[a]
	if s == nil {
		if len(o.servers) >= o.cfg.lim.servers {
			o.budget.srvRefused++
			return nil
		}
		s = &serverStat{addr: a, rcodes: map[int]int{}, lat: result.Reservoir{Cap: serverSample}}
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
	k := txKeyOf(md.dst, md.src, md.transport == "TCP", uint16(o.msg.id()))
	t := o.pending[k]
	if t == nil {
		k.server, k.serverPort = result.AddrKey{}, 0
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
	qk := qKey{client: t.key.client, server: t.key.server, name: t.name, qtype: t.qtype}
	if o.pendingQ[qk] == t {
		delete(o.pendingQ, qk)
	}
	t.answered, t.resp, t.rcode, t.answers = true, markOf(md.frame, md.t), uint16(rc), uint16(o.msg.count(1))
	o.open.remove(t)
	o.done.push(t)
	o.answered, o.ev.answered = t, t
	ms := t.responseMs()
	o.allLat.AddAt(md.t.UnixNano(), ms)
	if s := o.server(md.src.Addr(), t.multicast()); s != nil {
		s.answered++
		if _, ok := s.rcodes[rc]; !ok && len(s.rcodes) >= maxRcodeKeys {
			rc = otherRcode
		}
		s.rcodes[rc]++
		s.lat.Add(ms)
	}
}

// nameInfo is a question name as counted, interned so that repeated names
// cost neither an allocation nor a public-suffix lookup.
type nameInfo struct {
	key     string // the name's bytes, ASCII in lower case (appendKey)
	reg     string // key of the registered domain; "" when there is none
	regDone bool
}

// intern returns the nameInfo of a decoded question name. The table is
// bounded by the state budget; when full it starts over (it is a cache:
// nothing is lost but the time to fill it again).
func (o *observer) intern(qname []byte) *nameInfo {
	o.keyBuf = appendKey(o.keyBuf[:0], qname)
	if ni := o.nameCache[string(o.keyBuf)]; ni != nil {
		return ni
	}
	if len(o.nameCache) >= o.cfg.lim.nameCache {
		clear(o.nameCache)
	}
	ni := &nameInfo{key: string(o.keyBuf)}
	o.nameCache[ni.key] = ni
	return ni
}

// registered returns the key of the registered domain of the name
// (eTLD+1), computed once.
func (ni *nameInfo) registered() string {
	if !ni.regDone {
		ni.regDone = true
		if ni.key != "." && ni.key != "" {
			ni.reg, _ = publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(ni.key, "."))
		}
	}
	return ni.reg
}
