package dhcp

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// hwKey is a client hardware address (chaddr) as a map key.
type hwKey struct {
	n uint8
	b [maxChaddr]byte
}

func keyOf(hw []byte) hwKey {
	var k hwKey
	k.n = uint8(copy(k.b[:], hw))
	return k
}

func (k hwKey) String() string { return formatHW(k.b[:k.n]) }

type txKey struct {
	xid uint32
	hw  hwKey
}

// Bounds on per-item detail kept in memory.
const (
	maxTxMessages   = 16
	maxClientLeases = 16
	maxClientAddrs  = 16
	maxListed       = 8 // source IPs/MACs, servers per client, configs per server
)

// The records below are kept for the whole pass, one per transaction,
// message of a transaction, client and lease, so they are laid out to be
// small: frame numbers and counts are int32 (a capture holds far fewer
// than 2^31 frames), times are result.Instants (16 bytes, not 24), the
// addresses that are always IPv4 are ip4s, and fields go from the widest
// to the narrowest.

// ip4 is an IPv4 address, or none, in 5 bytes rather than netip.Addr's
// 24, for the fields that only ever hold a BOOTP address field or a
// 4-byte option (never an IP source or a server, which may be IPv6).
type ip4 struct {
	b  [4]byte
	ok bool
}

// ip4Of returns a as an ip4; none unless a is IPv4.
func ip4Of(a netip.Addr) ip4 {
	if !a.Is4() {
		return ip4{}
	}
	return ip4{a.As4(), true}
}

func (a ip4) addr() netip.Addr {
	if !a.ok {
		return netip.Addr{}
	}
	return netip.AddrFrom4(a.b)
}

type txMsg struct {
	t      result.Instant
	server netip.Addr
	frame  int32
	typ    MsgType
}

// txn is one transaction's state. Its first message, msgs[0], gives its
// start time and first frame.
type txn struct {
	key      txKey
	msgs     []txMsg // the first maxTxMessages; never empty
	offering []netip.Addr
	server   netip.Addr
	slot     int // index in observer.txOrder

	last, firstDiscover, firstOffer, firstRequest, answer result.Instant

	total int32
	lease uint32 // seconds, when hasLease

	discovers, offers, requests, acks, naks, declines, releases, informs, leaseQueries, bootp int32

	offered, requested, assigned, relay ip4
	decisive                            MsgType
	hasLease                            bool
}

type lease struct {
	server                     netip.Addr
	secs                       int64 // -1: unknown
	start, lastAck, releasedAt result.Instant
	renewals                   int32
	ackFrame                   int32
	addr                       ip4
	released                   bool
	declined                   bool
}

type client struct {
	hostname, vendor, fqdn string
	clientID, prl          []byte
	leases                 []lease
	addrs                  []ip4
	servers                []netip.Addr
	discoverFrames         []int32

	first, last, firstDiscover, lastDiscover result.Instant

	packets, txns, discovers, requests, acks, naks, declines, offers, releases int32

	leasesTotal   int32
	clientIDLen   int32 // length of option 61 as sent; clientID keeps its first maxShownBytes
	firstFrame    int32
	hw            hwKey
	lastRequested ip4
}

type serverConfig struct {
	sig        uint64 // FNV-1a of the options that make the configuration
	mask       netip.Addr
	routers    []string
	dns        []string
	domain     string
	lease      int64
	packets    int
	firstFrame int
}

type server struct {
	id                                      netip.Addr
	first, last                             time.Time
	firstFrame                              int
	srcIPs                                  []netip.Addr
	srcMACs                                 []string
	offers, acks, naks, other, relayedReply int
	clients                                 map[hwKey]struct{}
	configs                                 []serverConfig
}

// observer is the per-capture state of one analyze_dhcp_packets call.
type observer struct {
	cfg *config
	lim *limits
	msg message

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, keptMsg] // every message, for the result cache (nil when not cached)

	typeCounts map[MsgType]int
	short      int // messages too short for a BOOTP header
	bootp      int
	relayed    int
	nonStd     int
	malformed  int
	dhcpv6     int // UDP 546/547: counted, not analyzed

	// Transactions: the live ones, in order of appearance, and what the
	// evicted ones leave in the statistics.
	txns            map[txKey]*txn
	txOrder         []txSlot // live transactions in order of appearance
	txCreated       int
	txSize          int64
	evictedOutcomes map[string]int
	sample          []int64          // evictIdle's, reused
	d2o, r2a        result.Reservoir // latencies, added as each becomes known

	clients map[hwKey]*client
	cliOrd  []*client
	cliSize int64
	servers map[netip.Addr]*server
	srvOrd  []*server
	srvSize int64

	// run is the detectors' work on this capture; ev is the event handed
	// to them, reused for every message.
	run *analyzer.Run[*event, *observer]
	ev  event
}

var _ engine.Observer = (*observer)(nil)

func newObserver(cfg *config, lim *limits) *observer {
	return &observer{
		cfg:             cfg,
		lim:             lim,
		typeCounts:      map[MsgType]int{},
		txns:            map[txKey]*txn{},
		evictedOutcomes: map[string]int{},
		d2o:             result.Reservoir{Cap: latencySamples},
		r2a:             result.Reservoir{Cap: latencySamples},
		clients:         map[hwKey]*client{},
		servers:         map[netip.Addr]*server{},
		run:             detectors.Start(cfg.th),
	}
}

func isDHCPPort(p uint16) bool { return p == 67 || p == 68 }

func isDHCPv6Port(p uint16) bool { return p == 546 || p == 547 }

// Observe finds BOOTP/DHCP messages: UDP to or from port 67 or 68, or on any
// other port when the payload is unmistakably DHCP.
func (o *observer) Observe(p *engine.Packet) {
	if p.UDP == nil {
		return
	}
	sport, dport := uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
	payload := p.UDP.Payload
	nonStd := false
	if isDHCPPort(sport) || isDHCPPort(dport) {
		o.msg.decode(payload)
	} else if isDHCPv6Port(sport) || isDHCPv6Port(dport) {
		o.dhcpv6++ // DHCPv6 (RFC 8415): counted and mentioned in the note
		return
	} else if o.msg.unmistakablyBOOTP(payload) {
		nonStd = true
	} else {
		return
	}
	m := &o.msg
	o.found++
	if m.short > 0 {
		o.short++
	} else {
		o.typeCounts[m.msgType]++
	}
	if nonStd {
		o.nonStd++
	}
	if len(m.problems) > 0 {
		o.malformed++
	}
	o.ev = event{p: p, m: m, lim: o.lim}
	k := msgKey{ts: p.Timestamp} // a message cut short has only its time
	if m.short == 0 {
		if !m.cookie || m.msgType == msgTypeNone {
			o.bootp++
		}
		if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
			o.relayed++
		}
		k = o.track(p, m)
	}
	o.run.Observe(&o.ev)
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	f := frameOf(p)
	if onPage {
		o.page = append(o.page, record(&f, m, nonStd))
	}
	if o.kept.Whole() {
		o.kept.Add(k, keepMsg(f, payload, nonStd))
	}
}

// serverOf is the server a message concerns: option 54, or for a reply
// without it, siaddr or the IP source.
func serverOf(p *engine.Packet, m *message) netip.Addr {
	if id := m.optIP(optServerID); id.IsValid() {
		return id
	}
	if m.op == 2 {
		if m.siaddr.IsValid() && !m.siaddr.IsUnspecified() {
			return m.siaddr
		}
		return p.SrcIP()
	}
	return netip.Addr{}
}

// track updates transactions, clients and servers with one message that
// has a full BOOTP header, and fills in the detectors' event. It returns
// the message's key for the filters, whose client and server it worked
// out.
func (o *observer) track(p *engine.Packet, m *message) msgKey {
	t, frame := p.Timestamp, int32(p.Number)
	at := result.InstantOf(t) // converted once for the transaction and the client
	hw := keyOf(m.chaddr)
	srv := serverOf(p, m)

	// Transaction: a new one past the table's share first evicts the
	// longest idle tenth.
	tk := txKey{m.xid, hw}
	tx := o.txns[tk]
	newTx := false
	if tx == nil {
		if o.txSize >= o.lim.txBytes || (o.lim.maxTx > 0 && len(o.txns) >= o.lim.maxTx) {
			o.evictIdle()
		}
		tx = &txn{key: tk}
		o.txns[tk] = tx
		tx.slot = len(o.txOrder)
		o.txOrder = append(o.txOrder, txSlot{tx, t.UnixNano()})
		o.txCreated++
		o.txSize += int64(txEntryBytes)
		newTx = true
	}
	before := tx.size()
	o.updateTxn(tx, at, p, m, srv)
	o.txSize += tx.size() - before
	o.txOrder[tx.slot].last = t.UnixNano()

	// Client: past the table's share, new clients are not tracked and the
	// tracked ones' lists stop growing (their counters stay exact).
	c := o.clients[hw]
	if c == nil {
		if o.cliSize >= o.lim.cliBytes || (o.lim.maxClients > 0 && len(o.clients) >= o.lim.maxClients) {
			o.lim.cliUntracked++
		} else {
			c = &client{hw: hw, first: at, firstFrame: frame}
			o.clients[hw] = c
			o.cliOrd = append(o.cliOrd, c)
			o.cliSize += int64(clientEntryBytes)
		}
	}
	if c != nil {
		if newTx {
			c.txns++
		}
		before := c.size()
		if !o.updateClient(c, at, p, m, srv, o.cliSize < o.lim.cliBytes) {
			o.lim.cliFrozen++
		}
		o.cliSize += c.size() - before
	}

	// Server.
	var s *server
	if m.op == 2 && srv.IsValid() {
		s = o.updateServer(srv, hw, p, m)
	}
	o.ev.full, o.ev.hw, o.ev.client, o.ev.server = true, hw, c, s
	return msgKey{full: true, hw: hw, xid: m.xid, typ: m.msgType, server: srv, ts: t}
}

// txSlot is a live transaction in the order list, with the time of its
// last message (Unix nanoseconds), so that evictIdle reads a contiguous
// list rather than every transaction.
type txSlot struct {
	tx   *txn
	last int64
}

// evictIdle evicts about the longest idle tenth of the transactions (the
// least recently updated), keeping what the statistics need of them: their
// outcome (their latencies are already in the summaries). The idle time
// that marks the tenth is estimated from a sample of at most evictSample
// transactions spread over the table, so an eviction costs O(table), once
// per tenth of the table's inserts.
func (o *observer) evictIdle() {
	n := len(o.txOrder)
	if n == 0 {
		return
	}
	target := max(n/10, 1)
	step := max(n/evictSample, 1)
	sample := o.sample[:0]
	for i := 0; i < n; i += step {
		sample = append(sample, o.txOrder[i].last)
	}
	slices.Sort(sample)
	o.sample = sample
	cut := sample[min(len(sample)*target/n, len(sample)-1)]
	evicted := 0
	pass := func(evict func(last int64) bool) {
		keep := o.txOrder[:0]
		for _, s := range o.txOrder {
			if evict(s.last) {
				tx := s.tx
				o.evictedOutcomes[tx.outcome()]++
				delete(o.txns, tx.key)
				o.txSize -= int64(txEntryBytes) + tx.size()
				evicted++
				continue
			}
			s.tx.slot = len(keep)
			keep = append(keep, s)
		}
		clear(o.txOrder[len(keep):])
		o.txOrder = keep
	}
	pass(func(last int64) bool { return last < cut })
	if evicted < target/2+1 {
		// Many transactions were last heard exactly at cut: they make up
		// the tenth, so that the next insert does not evict again.
		pass(func(last int64) bool { return last == cut && evicted < target })
	}
	o.lim.txEvicted += evicted
}

// evictSample is how many transactions evictIdle samples.
const evictSample = 1024

// size is the bytes a transaction holds beyond its entry.
func (tx *txn) size() int64 {
	return int64(cap(tx.msgs)*txMsgBytes + cap(tx.offering)*addrBytes)
}

// size is the bytes a client holds beyond its entry.
func (c *client) size() int64 {
	return int64(len(c.hostname) + len(c.vendor) + len(c.fqdn) + cap(c.clientID) + cap(c.prl) +
		cap(c.leases)*leaseBytes + cap(c.addrs)*ip4Bytes + cap(c.servers)*addrBytes + cap(c.discoverFrames)*4)
}

// size is the bytes a server holds beyond its entry.
func (s *server) size() int64 {
	n := (cap(s.srcIPs))*addrBytes + len(s.clients)*servedBytes + cap(s.configs)*configBytes
	for _, m := range s.srcMACs {
		n += len(m) + 16
	}
	for _, c := range s.configs {
		n += len(c.domain) + (len(c.routers)+len(c.dns))*(16+15)
	}
	return int64(n)
}

func (o *observer) updateTxn(tx *txn, t result.Instant, p *engine.Packet, m *message, srv netip.Addr) {
	tx.last = t
	tx.total++
	if len(tx.msgs) < maxTxMessages {
		var s netip.Addr
		if m.op == 2 {
			s = srv
		}
		tx.msgs = append(tx.msgs, txMsg{t, s, int32(p.Number), m.msgType})
	}
	if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
		tx.relay = ip4Of(m.giaddr)
	}
	switch m.msgType {
	case MsgDiscover:
		tx.discovers++
		if tx.firstDiscover.IsZero() {
			tx.firstDiscover = t
			o.addLatency(&o.d2o, tx.firstDiscover, tx.firstOffer)
		}
	case MsgOffer:
		tx.offers++
		if tx.firstOffer.IsZero() {
			tx.firstOffer = t
			o.addLatency(&o.d2o, tx.firstDiscover, tx.firstOffer)
		}
		tx.offered = ip4Of(m.yiaddr)
		if !tx.server.IsValid() {
			tx.server = srv
		}
		if srv.IsValid() && len(tx.offering) < maxListed && !containsAddr(tx.offering, srv) {
			tx.offering = append(tx.offering, srv)
		}
	case MsgRequest:
		tx.requests++
		if tx.firstRequest.IsZero() {
			tx.firstRequest = t
			o.addLatency(&o.r2a, tx.firstRequest, tx.answer)
		}
		if r := m.optIP(optRequestedIP); r.IsValid() {
			tx.requested = ip4Of(r)
		} else if !m.ciaddr.IsUnspecified() {
			tx.requested = ip4Of(m.ciaddr)
		}
	case MsgAck, MsgNak:
		if m.msgType == MsgAck {
			tx.acks++
			tx.assigned = ip4Of(m.yiaddr)
			if m.yiaddr.IsUnspecified() && tx.informs > 0 {
				tx.assigned = ip4{}
			}
			if l, ok := m.optU32(optLeaseTime); ok {
				tx.lease, tx.hasLease = l, true
			}
		} else {
			tx.naks++
		}
		if tx.answer.IsZero() {
			tx.answer = t
			o.addLatency(&o.r2a, tx.firstRequest, tx.answer)
		}
		tx.server = srv
		tx.decisive = m.msgType
	case MsgDecline:
		tx.declines++
		tx.decisive = m.msgType
	case MsgRelease:
		tx.releases++
		tx.decisive = m.msgType
	case MsgInform:
		tx.informs++
	case MsgLeaseQuery, MsgLeaseUnassigned, MsgLeaseUnknown, MsgLeaseActive, MsgBulkLeaseQuery, MsgLeaseQueryDone, MsgActiveLeaseQuery, MsgLeaseQueryStatus:
		tx.leaseQueries++
	case msgTypeNone:
		tx.bootp++
	}
}

// addLatency adds the time from one message to another to a summary, once
// both are known; each transaction adds each of its latencies once, when
// the later of its two messages arrives.
func (o *observer) addLatency(r *result.Reservoir, from, to result.Instant) {
	t := to.Time()
	if v, ok := latencyMs(from.Time(), t); ok {
		r.AddAt(t.UnixNano(), v)
	}
}

func containsAddr[A comparable](list []A, a A) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// updateClient updates a client's record with one of its messages. With
// grow false (the client table is at its share of the budget) its counters
// are updated but nothing that takes memory: it reports false when such a
// change was not kept.
func (o *observer) updateClient(c *client, t result.Instant, p *engine.Packet, m *message, srv netip.Addr, grow bool) (kept bool) {
	frame := int32(p.Number)
	kept = true
	c.last = t
	c.packets++
	if m.op == 1 {
		if v, ok := m.opt(optHostname); ok && !sameText(c.hostname, v) {
			c.hostname, kept = keepIf(grow, c.hostname, text(v), kept)
		}
		if v, ok := m.opt(optVendorClass); ok && !sameText(c.vendor, v) {
			c.vendor, kept = keepIf(grow, c.vendor, text(v), kept)
		}
		if v, ok := m.opt(optClientID); ok && len(v) > 0 && (len(v) != int(c.clientIDLen) || !bytes.Equal(v[:min(len(v), maxShownBytes)], c.clientID)) {
			if grow {
				c.clientID, c.clientIDLen = append(c.clientID[:0], v[:min(len(v), maxShownBytes)]...), int32(len(v))
			} else {
				kept = false
			}
		}
		if v, ok := m.opt(optClientFQDN); ok && len(v) >= 3 {
			if f, err := clientFQDN(v); err == "" && f.Name != c.fqdn {
				c.fqdn, kept = keepIf(grow, c.fqdn, f.Name, kept)
			}
		}
		if v, ok := m.opt(optParamRequest); ok && len(v) > 0 && !bytes.Equal(v[:min(len(v), 255)], c.prl) {
			if grow {
				c.prl = append(c.prl[:0], v[:min(len(v), 255)]...)
			} else {
				kept = false
			}
		}
		if r := m.optIP(optRequestedIP); r.IsValid() {
			c.lastRequested = ip4Of(r)
		}
	}
	if m.op == 2 && srv.IsValid() && len(c.servers) < maxListed && !containsAddr(c.servers, srv) {
		if grow || len(c.servers) < cap(c.servers) {
			c.servers = append(c.servers, srv)
		} else {
			kept = false
		}
	}
	switch m.msgType {
	case MsgDiscover:
		c.discovers++
		if c.firstDiscover.IsZero() {
			c.firstDiscover = t
		}
		c.lastDiscover = t
		if len(c.discoverFrames) < result.MaxEvidence {
			if grow || len(c.discoverFrames) < cap(c.discoverFrames) {
				c.discoverFrames = append(c.discoverFrames, frame)
			} else {
				kept = false
			}
		}
	case MsgOffer:
		c.offers++
	case MsgRequest:
		c.requests++
	case MsgNak:
		c.naks++
	case MsgDecline:
		c.declines++
		addr := ip4Of(m.optIP(optRequestedIP))
		for i := len(c.leases) - 1; i >= 0; i-- {
			if c.leases[i].addr == addr && !c.leases[i].released && !c.leases[i].declined {
				c.leases[i].declined, c.leases[i].releasedAt = true, t
				break
			}
		}
	case MsgRelease:
		c.releases++
		addr := ip4Of(m.ciaddr)
		for i := len(c.leases) - 1; i >= 0; i-- {
			if c.leases[i].addr == addr && !c.leases[i].released {
				c.leases[i].released, c.leases[i].releasedAt = true, t
				break
			}
		}
	case MsgAck:
		c.acks++
		a, secs, ok := m.lease()
		if !ok {
			return kept
		}
		addr := ip4Of(a)
		if n := len(c.leases); n > 0 && c.leases[n-1].addr == addr && !c.leases[n-1].released && !c.leases[n-1].declined {
			l := &c.leases[n-1]
			l.renewals++
			l.lastAck, l.secs = t, secs
			if srv.IsValid() {
				l.server = srv
			}
		} else {
			c.leasesTotal++
			if len(c.leases) < maxClientLeases {
				if grow || len(c.leases) < cap(c.leases) {
					c.leases = append(c.leases, lease{addr: addr, server: srv, start: t, lastAck: t, secs: secs, ackFrame: frame})
				} else {
					kept = false
				}
			}
		}
		if len(c.addrs) < maxClientAddrs && !containsAddr(c.addrs, addr) {
			if grow || len(c.addrs) < cap(c.addrs) {
				c.addrs = append(c.addrs, addr)
			} else {
				kept = false
			}
		}
	}
	return kept
}

// sameText reports whether cur is text(v), without building it when v is
// the same clean text (the common case: a client repeats its name).
func sameText(cur string, v []byte) bool {
	for len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return cur == string(v) || cur == text(v)
}

// keepIf returns next when grow allows it, else old with kept false.
func keepIf(grow bool, old, next string, kept bool) (string, bool) {
	if grow || len(next) <= len(old) {
		return next, kept
	}
	return old, false
}

// updateServer updates the record of the server a reply came from, and
// returns it; nil when the server table's share of the budget leaves it
// untracked.
func (o *observer) updateServer(id netip.Addr, hw hwKey, p *engine.Packet, m *message) *server {
	s := o.servers[id]
	if s == nil {
		if o.srvSize >= o.lim.srvBytes || (o.lim.maxServers > 0 && len(o.servers) >= o.lim.maxServers) {
			o.lim.srvUntracked++
			return nil
		}
		s = &server{id: id, first: p.Timestamp, firstFrame: p.Number, clients: map[hwKey]struct{}{}}
		o.servers[id] = s
		o.srvOrd = append(o.srvOrd, s)
		o.srvSize += int64(serverEntryBytes)
	}
	before := s.size()
	defer func() { o.srvSize += s.size() - before }()
	grow := o.srvSize < o.lim.srvBytes
	s.last = p.Timestamp
	if src := p.SrcIP(); src.IsValid() && len(s.srcIPs) < maxListed && !containsAddr(s.srcIPs, src) {
		s.srcIPs = append(s.srcIPs, src)
	}
	if mac := p.SrcMAC(); len(mac) > 0 && len(s.srcMACs) < maxListed {
		// Formatted on the stack: a string is made only for a new one.
		var buf [3 * maxChaddr]byte
		ms := appendHW(buf[:0], mac)
		found := false
		for _, x := range s.srcMACs {
			found = found || x == string(ms)
		}
		if !found {
			s.srcMACs = append(s.srcMACs, string(ms))
		}
	}
	if _, ok := s.clients[hw]; !ok {
		if grow {
			s.clients[hw] = struct{}{}
		} else {
			o.lim.srvFrozen++
		}
	}
	relayed := m.giaddr.IsValid() && !m.giaddr.IsUnspecified()
	if relayed {
		s.relayedReply++
	}
	switch m.msgType {
	case MsgOffer:
		s.offers++
	case MsgAck:
		s.acks++
	case MsgNak:
		s.naks++
	default:
		s.other++
	}
	if m.msgType == MsgOffer || m.msgType == MsgAck {
		o.noteConfig(s, m, p.Number, grow)
	}
	return s
}

// FNV-1a, 64 bits (hash/fnv without its allocation per use).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// configOptions are the options whose values make a server's configuration.
var configOptions = [...]uint8{optSubnetMask, optRouter, optDNS, optDomainName, optLeaseTime}

// noteConfig records the configuration an OFFER or ACK hands out, once per
// distinct configuration (at most maxListed per server).
func (o *observer) noteConfig(s *server, m *message, frame int, grow bool) {
	sig := uint64(fnvOffset)
	for _, code := range configOptions {
		v, _ := m.opt(code)
		sig = fnv1a(fnv1a(sig, []byte{code, byte(len(v)), byte(len(v) >> 8)}), v)
	}
	for i := range s.configs {
		if s.configs[i].sig == sig {
			s.configs[i].packets++
			return
		}
	}
	if len(s.configs) >= maxListed {
		return
	}
	if !grow {
		o.lim.srvFrozen++
		return
	}
	cfg := serverConfig{sig: sig, packets: 1, firstFrame: frame, lease: -1}
	cfg.mask = m.optIP(optSubnetMask)
	if v, ok := m.opt(optRouter); ok && len(v)%4 == 0 {
		cfg.routers = ipList(v[:min(len(v), 4*maxListed)])
	}
	if v, ok := m.opt(optDNS); ok && len(v)%4 == 0 {
		cfg.dns = ipList(v[:min(len(v), 4*maxListed)])
	}
	if v, ok := m.opt(optDomainName); ok {
		cfg.domain = text(v)
	}
	if l, ok := m.optU32(optLeaseTime); ok {
		cfg.lease = int64(l)
	}
	s.configs = append(s.configs, cfg)
}

// lease is the address an ACK assigns and its lease length in seconds (-1
// when the ACK gives none); ok is false when it assigns no address (an ACK
// to an INFORM).
func (m *message) lease() (addr netip.Addr, secs int64, ok bool) {
	if !m.yiaddr.IsValid() || m.yiaddr.IsUnspecified() {
		return netip.Addr{}, 0, false
	}
	secs = -1
	if l, ok := m.optU32(optLeaseTime); ok {
		secs = int64(l)
	}
	return m.yiaddr, secs, true
}
