package dns

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
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

// counter counts keys, keeping at most maxCounterKeys distinct ones.
type counter[K comparable] struct {
	counts map[K]int
	total  int
	capped bool
	order  []K // first maxUniqueListed keys in order of appearance
}

func newCounter[K comparable]() *counter[K] { return &counter[K]{counts: map[K]int{}} }

func (c *counter[K]) add(k K) {
	c.total++
	if n, ok := c.counts[k]; ok {
		c.counts[k] = n + 1
		return
	}
	if len(c.counts) >= maxCounterKeys {
		c.capped = true
		return
	}
	c.counts[k] = 1
	if len(c.order) < maxUniqueListed {
		c.order = append(c.order, k)
	}
}

// regStat is what the tunneling detector knows of one registered domain.
type regStat struct {
	queries     int
	names       map[string]struct{}
	sumLen      float64
	sumEntropy  float64
	sampled     int
	txtNull     int
	examples    []string
	frames      modkit.Evidence
	namesCapped bool
}

type clientNX struct {
	names    map[string]struct{}
	random   int
	examples []string
	frames   modkit.Evidence
}

type serverStat struct {
	addr       netip.Addr
	queries    int
	answered   int
	unanswered int
	rcodes     map[int]int
	lat        modkit.Reservoir
	clients    map[netip.Addr]struct{}
}

type observer struct {
	cfg   *config
	msg   message
	reasm *engine.Reassembler

	found, analyzed, matched int
	page                     []Packet
	answered                 *txn // the transaction the message in hand answered, if any

	queries, responses, malformed, inICMP, nonStd, truncated, unsolicited int
	byService, byTransport                                                map[string]int
	rcodes, opcodes                                                       map[int]int
	names, regDomains                                                     *counter[string]
	clients, serverTop                                                    *counter[netip.Addr]
	qtypes                                                                *counter[uint16]
	nameCache                                                             map[string]*nameInfo
	nameBuf                                                               []byte

	pending     map[txKey]*txn
	pendingQ    map[qKey]*txn
	txns        []*txn
	txCapped    int
	lastTime    time.Time
	allLat      modkit.Reservoir
	retransmits int

	servers    map[netip.Addr]*serverStat
	srvOrder   []*serverStat
	regs       map[string]*regStat
	nx         map[netip.Addr]*clientNX
	nxTotal    int
	namesHeld  int
	respTotal  int
	nxFrames   modkit.Evidence
	nonStdEv   modkit.Evidence
	malformEv  modkit.Evidence
	malformWhy string
	large      map[netip.Addr]*largeResponses // by destination
	largeUns   largeResponses                 // with no query seen
}

var _ engine.Observer = (*observer)(nil)
var _ engine.Flusher = (*observer)(nil)
var _ engine.StreamHandler = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, byService: map[string]int{}, byTransport: map[string]int{}, rcodes: map[int]int{}, opcodes: map[int]int{},
		names: newCounter[string](), regDomains: newCounter[string](), clients: newCounter[netip.Addr](), serverTop: newCounter[netip.Addr](),
		qtypes: newCounter[uint16](), nameCache: map[string]*nameInfo{}, allLat: modkit.Reservoir{Cap: reservoirSize},
		pending: map[txKey]*txn{}, pendingQ: map[qKey]*txn{}, servers: map[netip.Addr]*serverStat{}, regs: map[string]*regStat{},
		nx: map[netip.Addr]*clientNX{}, large: map[netip.Addr]*largeResponses{},
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

// handle records one decoded message.
func (o *observer) handle(md meta) {
	m := &o.msg
	o.found++
	o.answered = nil
	// A message quoted in an ICMP error is cut short by design.
	switch {
	case md.inICMP:
	case !m.ok():
		o.noteMalformed(md.frame, "message shorter than the 12-byte header")
	case m.err != nil:
		o.noteMalformed(md.frame, m.err.Error())
	}
	if md.nonStd {
		o.nonStd++
		o.nonStdEv.Add(md.frame)
	}
	o.byService[md.service]++
	o.byTransport[md.transport]++
	if md.inICMP {
		o.inICMP++
	} else if m.ok() {
		o.track(md)
	}
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

func (o *observer) noteMalformed(frame int, why string) {
	o.malformed++
	o.malformEv.Add(frame)
	if o.malformWhy == "" {
		o.malformWhy = why
	}
}

// track updates statistics, transactions and detectors with a message that
// has a header.
func (o *observer) track(md meta) {
	m := &o.msg
	o.opcodes[m.opcode()]++
	qname, qtype, hasQ := m.firstQuestion()
	var ni *nameInfo
	var name string
	if hasQ {
		ni = o.intern(qname)
		name = ni.name
	}
	if !m.isResponse() {
		o.queries++
		if hasQ {
			o.names.add(name)
			o.qtypes.add(qtype)
			o.clients.add(md.src.Addr())
			o.serverTop.add(md.dst.Addr())
			o.noteRegDomain(ni, qtype, md.frame)
		}
		o.query(md, name, qtype, hasQ)
		return
	}
	o.responses++
	rc := m.rcode()
	o.rcodes[rc]++
	if m.truncatedBit() {
		o.truncated++
	}
	if md.service == "DNS" {
		o.respTotal++
		if rc == 3 {
			o.nxTotal++
			o.nxFrames.Add(md.frame)
			if hasQ {
				o.noteNX(md.dst.Addr(), name, md.frame)
			}
		}
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
		s = &serverStat{addr: a, rcodes: map[int]int{}, clients: map[netip.Addr]struct{}{}, lat: modkit.Reservoir{Cap: reservoirSize}}
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
		if md.transport == "UDP" && md.size >= o.cfg.th.LargeResponseBytes {
			o.largeUns.add(md)
		}
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
	o.answered = t
	ms := t.responseMs()
	o.allLat.Add(ms)
	if s := o.server(md.src.Addr(), t.multicast()); s != nil {
		s.answered++
		s.rcodes[rc]++
		s.lat.Add(ms)
	}
	if md.transport == "UDP" && md.size >= o.cfg.th.LargeResponseBytes {
		e := o.large[md.dst.Addr()]
		if e == nil && len(o.large) < maxCounterKeys {
			e = &largeResponses{}
			o.large[md.dst.Addr()] = e
		}
		if e != nil {
			e.add(md)
		}
	}
}

// largeResponses are amplification-sized responses: their frames and the
// largest size.
type largeResponses struct {
	ev      modkit.Evidence
	largest int
}

func (l *largeResponses) add(md meta) {
	l.ev.Add(md.frame)
	l.largest = max(l.largest, md.size)
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

// noteRegDomain feeds the tunneling detector.
func (o *observer) noteRegDomain(ni *nameInfo, qtype uint16, frame int) {
	name, reg := ni.name, ni.registered()
	if reg == "" {
		return
	}
	o.regDomains.add(reg)
	r := o.regs[reg]
	if r == nil {
		if len(o.regs) >= maxRegDomains {
			return
		}
		r = &regStat{names: map[string]struct{}{}}
		o.regs[reg] = r
	}
	r.queries++
	if qtype == 16 || qtype == 10 {
		r.txtNull++
	}
	if _, seen := r.names[name]; seen {
		return
	}
	if len(r.names) >= maxSubdomains || o.namesHeld >= maxNamesTotal {
		r.namesCapped = true
		return
	}
	r.names[name] = struct{}{}
	o.namesHeld++
	sub := strings.TrimSuffix(strings.TrimSuffix(name, reg), ".")
	if sub != "" {
		r.sumLen += float64(len(sub))
		r.sumEntropy += entropy(strings.ReplaceAll(sub, ".", ""))
		r.sampled++
	}
	if len(r.examples) < maxExamples {
		r.examples = append(r.examples, name)
	}
	r.frames.Add(frame)
}

// noteNX feeds the DGA detector with an NXDOMAIN to client.
func (o *observer) noteNX(client netip.Addr, name string, frame int) {
	c := o.nx[client]
	if c == nil {
		if len(o.nx) >= maxClientsDGA {
			return
		}
		c = &clientNX{names: map[string]struct{}{}}
		o.nx[client] = c
	}
	if _, seen := c.names[name]; seen || len(c.names) >= maxNXNames || o.namesHeld >= maxNamesTotal {
		return
	}
	c.names[name] = struct{}{}
	o.namesHeld++
	if randomLooking(name) {
		c.random++
		c.frames.Add(frame)
		if len(c.examples) < maxExamples {
			c.examples = append(c.examples, name)
		}
	}
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var freq [256]int
	for i := 0; i < len(s); i++ {
		freq[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// randomLooking reports whether the leftmost label of a name under its
// registered domain looks machine-generated: long enough, and either high
// in entropy or poor in vowels, as DGA names are.
func randomLooking(name string) bool {
	label, _, _ := strings.Cut(name, ".")
	if len(label) < 8 {
		return false
	}
	vowels, digits := 0, 0
	for i := 0; i < len(label); i++ {
		switch c := label[i]; {
		case strings.IndexByte("aeiou", c) >= 0:
			vowels++
		case '0' <= c && c <= '9':
			digits++
		}
	}
	vowelShare := float64(vowels) / float64(len(label))
	return entropy(label) >= 3.0 && (vowelShare < 0.3 || digits >= 2)
}
