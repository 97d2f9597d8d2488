package dhcp

import (
	"bytes"
	"net/netip"
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

type txMsg struct {
	frame  int
	t      time.Time
	typ    MsgType
	server netip.Addr
}

// txn is one transaction's state.
type txn struct {
	key        txKey
	first      time.Time
	last       time.Time
	firstFrame int
	msgs       []txMsg
	total      int

	discovers, offers, requests, acks, naks, declines, releases, informs, leaseQueries, bootp int

	firstDiscover, firstOffer, firstRequest, answer time.Time

	offered, requested, assigned, server, relay netip.Addr
	offering                                    []netip.Addr
	lease                                       int64 // -1: none
	decisive                                    MsgType
}

type lease struct {
	addr, server    netip.Addr
	start, lastAck  time.Time
	secs            int64 // -1: unknown
	renewals        int
	ackFrame        int
	released        bool
	declined        bool
	releasedAt      time.Time
	releasedAtFrame int
}

type client struct {
	hw                                                               hwKey
	first, last                                                      time.Time
	firstFrame                                                       int
	hostname, vendor, fqdn                                           string
	clientID, prl                                                    []byte
	packets, txns, discovers, requests, acks, naks, declines, offers int
	releases                                                         int
	leases                                                           []lease
	leasesTotal                                                      int
	addrs                                                            []netip.Addr
	servers                                                          []netip.Addr
	lastRequested                                                    netip.Addr
	discoverFrames                                                   []int
	firstDiscover, lastDiscover                                      time.Time
}

type serverConfig struct {
	sig        []byte
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
	msg message

	found, analyzed, matched int
	page                     []Packet

	typeCounts   map[MsgType]int
	short        int // messages too short for a BOOTP header
	bootp        int
	relayed      int
	nonStd       int
	malformed    int
	untrackedTx  int
	untrackedCli int
	untrackedSrv int

	txns    map[txKey]*txn
	txOrder []*txn
	clients map[hwKey]*client
	cliOrd  []*client
	servers map[netip.Addr]*server
	srvOrd  []*server

	// run is the detectors' work on this capture; ev is the event handed
	// to them, reused for every message.
	run *analyzer.Run[*event, *observer]
	ev  event

	sigBuf []byte
}

var _ engine.Observer = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg:        cfg,
		typeCounts: map[MsgType]int{},
		txns:       map[txKey]*txn{},
		clients:    map[hwKey]*client{},
		servers:    map[netip.Addr]*server{},
		run:        detectors.Start(cfg.th),
	}
}

func isDHCPPort(p uint16) bool { return p == 67 || p == 68 }

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
	o.ev = event{p: p, m: m, maxTracked: o.cfg.maxClients}
	if m.short == 0 {
		if !m.cookie || m.msgType == msgTypeNone {
			o.bootp++
		}
		if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
			o.relayed++
		}
		o.track(p, m)
	}
	o.run.Observe(&o.ev)
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	if !o.cfg.matches(p, m) {
		return
	}
	o.matched++
	if idx := o.matched - 1; idx >= o.cfg.offset && idx < o.cfg.offset+o.cfg.limit {
		o.page = append(o.page, record(p, m, nonStd))
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
// has a full BOOTP header, and fills in the detectors' event.
func (o *observer) track(p *engine.Packet, m *message) {
	t, frame := p.Timestamp, p.Number
	hw := keyOf(m.chaddr)
	srv := serverOf(p, m)

	// Transaction.
	tk := txKey{m.xid, hw}
	tx := o.txns[tk]
	newTx := false
	if tx == nil {
		if len(o.txns) >= o.cfg.maxTransactions {
			o.untrackedTx++
		} else {
			tx = &txn{key: tk, first: t, firstFrame: frame, lease: -1}
			o.txns[tk] = tx
			o.txOrder = append(o.txOrder, tx)
			newTx = true
		}
	}
	if tx != nil {
		o.updateTxn(tx, p, m, srv)
	}

	// Client.
	c := o.clients[hw]
	if c == nil {
		if len(o.clients) >= o.cfg.maxClients {
			o.untrackedCli++
		} else {
			c = &client{hw: hw, first: t, firstFrame: frame}
			o.clients[hw] = c
			o.cliOrd = append(o.cliOrd, c)
		}
	}
	if c != nil {
		if newTx {
			c.txns++
		}
		o.updateClient(c, p, m, srv)
	}

	// Server.
	var s *server
	if m.op == 2 && srv.IsValid() {
		s = o.updateServer(srv, hw, p, m)
	}
	o.ev.full, o.ev.hw, o.ev.client, o.ev.server = true, hw, c, s
}

func (o *observer) updateTxn(tx *txn, p *engine.Packet, m *message, srv netip.Addr) {
	t := p.Timestamp
	tx.last = t
	tx.total++
	if len(tx.msgs) < maxTxMessages {
		var s netip.Addr
		if m.op == 2 {
			s = srv
		}
		tx.msgs = append(tx.msgs, txMsg{p.Number, t, m.msgType, s})
	}
	if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
		tx.relay = m.giaddr
	}
	switch m.msgType {
	case MsgDiscover:
		tx.discovers++
		if tx.firstDiscover.IsZero() {
			tx.firstDiscover = t
		}
	case MsgOffer:
		tx.offers++
		if tx.firstOffer.IsZero() {
			tx.firstOffer = t
		}
		tx.offered = m.yiaddr
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
		}
		if r := m.optIP(optRequestedIP); r.IsValid() {
			tx.requested = r
		} else if !m.ciaddr.IsUnspecified() {
			tx.requested = m.ciaddr
		}
	case MsgAck, MsgNak:
		if m.msgType == MsgAck {
			tx.acks++
			tx.assigned = m.yiaddr
			if m.yiaddr.IsUnspecified() && tx.informs > 0 {
				tx.assigned = netip.Addr{}
			}
			if l, ok := m.optU32(optLeaseTime); ok {
				tx.lease = int64(l)
			}
		} else {
			tx.naks++
		}
		if tx.answer.IsZero() {
			tx.answer = t
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

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func (o *observer) updateClient(c *client, p *engine.Packet, m *message, srv netip.Addr) {
	t, frame := p.Timestamp, p.Number
	c.last = t
	c.packets++
	if m.op == 1 {
		if v, ok := m.opt(optHostname); ok && (c.hostname == "" || c.hostname != string(v)) {
			c.hostname = text(v)
		}
		if v, ok := m.opt(optVendorClass); ok && c.vendor != string(v) {
			c.vendor = text(v)
		}
		if v, ok := m.opt(optClientID); ok && len(v) > 0 && !bytes.Equal(v, c.clientID) {
			c.clientID = append(c.clientID[:0], v...)
		}
		if v, ok := m.opt(optClientFQDN); ok && len(v) >= 3 {
			if f, err := clientFQDN(v); err == "" {
				c.fqdn = f.Name
			}
		}
		if v, ok := m.opt(optParamRequest); ok && len(v) > 0 && !bytes.Equal(v, c.prl) {
			c.prl = append(c.prl[:0], v...)
		}
		if r := m.optIP(optRequestedIP); r.IsValid() {
			c.lastRequested = r
		}
	}
	if m.op == 2 && srv.IsValid() && len(c.servers) < maxListed && !containsAddr(c.servers, srv) {
		c.servers = append(c.servers, srv)
	}
	switch m.msgType {
	case MsgDiscover:
		c.discovers++
		if c.firstDiscover.IsZero() {
			c.firstDiscover = t
		}
		c.lastDiscover = t
		if len(c.discoverFrames) < result.MaxEvidence {
			c.discoverFrames = append(c.discoverFrames, frame)
		}
	case MsgOffer:
		c.offers++
	case MsgRequest:
		c.requests++
	case MsgNak:
		c.naks++
	case MsgDecline:
		c.declines++
		addr := m.optIP(optRequestedIP)
		for i := len(c.leases) - 1; i >= 0; i-- {
			if c.leases[i].addr == addr && !c.leases[i].released && !c.leases[i].declined {
				c.leases[i].declined, c.leases[i].releasedAt, c.leases[i].releasedAtFrame = true, t, frame
				break
			}
		}
	case MsgRelease:
		c.releases++
		addr := m.ciaddr
		for i := len(c.leases) - 1; i >= 0; i-- {
			if c.leases[i].addr == addr && !c.leases[i].released {
				c.leases[i].released, c.leases[i].releasedAt, c.leases[i].releasedAtFrame = true, t, frame
				break
			}
		}
	case MsgAck:
		c.acks++
		addr, secs, ok := m.lease()
		if !ok {
			return
		}
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
				c.leases = append(c.leases, lease{addr: addr, server: srv, start: t, lastAck: t, secs: secs, ackFrame: frame})
			}
		}
		if len(c.addrs) < maxClientAddrs && !containsAddr(c.addrs, addr) {
			c.addrs = append(c.addrs, addr)
		}
	}
}

// updateServer updates the record of the server a reply came from, and
// returns it; nil when the server limit leaves it untracked.
func (o *observer) updateServer(id netip.Addr, hw hwKey, p *engine.Packet, m *message) *server {
	s := o.servers[id]
	if s == nil {
		if len(o.servers) >= o.cfg.maxServers {
			o.untrackedSrv++
			return nil
		}
		s = &server{id: id, first: p.Timestamp, firstFrame: p.Number, clients: map[hwKey]struct{}{}}
		o.servers[id] = s
		o.srvOrd = append(o.srvOrd, s)
	}
	s.last = p.Timestamp
	if src := p.SrcIP(); src.IsValid() && len(s.srcIPs) < maxListed && !containsAddr(s.srcIPs, src) {
		s.srcIPs = append(s.srcIPs, src)
	}
	if mac := p.SrcMAC(); len(mac) > 0 && len(s.srcMACs) < maxListed {
		ms := mac.String()
		found := false
		for _, x := range s.srcMACs {
			found = found || x == ms
		}
		if !found {
			s.srcMACs = append(s.srcMACs, ms)
		}
	}
	if len(s.clients) < o.cfg.maxClients {
		s.clients[hw] = struct{}{}
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
		o.noteConfig(s, m, p.Number)
	}
	return s
}

// noteConfig records the configuration an OFFER or ACK hands out, once per
// distinct configuration.
func (o *observer) noteConfig(s *server, m *message, frame int) {
	sig := o.sigBuf[:0]
	for _, code := range []uint8{optSubnetMask, optRouter, optDNS, optDomainName, optLeaseTime} {
		v, _ := m.opt(code)
		sig = append(sig, code, byte(len(v)))
		sig = append(sig, v...)
	}
	o.sigBuf = sig
	for i := range s.configs {
		if bytes.Equal(s.configs[i].sig, sig) {
			s.configs[i].packets++
			return
		}
	}
	if len(s.configs) >= maxListed {
		return
	}
	cfg := serverConfig{sig: append([]byte(nil), sig...), packets: 1, firstFrame: frame, lease: -1}
	cfg.mask = m.optIP(optSubnetMask)
	if v, ok := m.opt(optRouter); ok && len(v)%4 == 0 {
		cfg.routers = ipList(v)
	}
	if v, ok := m.opt(optDNS); ok && len(v)%4 == 0 {
		cfg.dns = ipList(v)
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
