package dhcp

import (
	"bytes"
	"net/netip"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
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
	maxTxMessages     = 16
	maxClientLeases   = 16
	maxClientAddrs    = 16
	maxListed         = 8 // source IPs/MACs, servers per client, configs per server
	maxReasonKinds    = 5
	maxDeclineRecords = 100
	maxDuplicates     = 50
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

// domainKey is a broadcast domain: a capture interface and VLAN stack.
type domainKey struct {
	iface int
	nvlan uint8
	vlans [2]uint16
}

type domainServer struct {
	replies    int
	firstFrame int
}

type holder struct {
	hw       hwKey
	expiry   time.Time // zero: unknown lease length
	frame    int
	released bool
}

type event struct {
	t     time.Time
	frame int
	hw    hwKey
}

// observer is the per-capture state of one analyze_dhcp_packets call.
type observer struct {
	cfg *config
	msg message

	found, analyzed, matched int
	page                     []Packet

	typeCounts    map[MsgType]int
	short         int // messages too short for a BOOTP header
	bootp         int
	relayed       int
	nonStd        int
	malformed     int
	untrackedTx   int
	untrackedCli  int
	untrackedSrv  int
	untrackedHold int

	txns    map[txKey]*txn
	txOrder []*txn
	clients map[hwKey]*client
	cliOrd  []*client
	servers map[netip.Addr]*server
	srvOrd  []*server
	domains map[domainKey]map[netip.Addr]*domainServer

	// detectors
	discWin     []event
	discCount   map[hwKey]int
	inBurst     bool
	burstMACs   map[hwKey]struct{}
	burstPeak   int
	burstFrames modkit.Evidence
	burstStart  time.Time
	burstEnd    time.Time

	nakWin       []event
	nakPeak      int
	nakFrames    modkit.Evidence
	nakPeakStart time.Time
	nakPeakEnd   time.Time
	nakTotal     int

	declines  []declineRec
	declinesN int

	mismatch        modkit.Evidence
	mismatchSamples []map[string]any

	malformedFrames modkit.Evidence
	reasons         []reasonCount
	firstReason     string

	holders    map[netip.Addr]*holder
	duplicates []duplicateRec
	dupN       int

	sigBuf []byte
}

type declineRec struct {
	frame int
	addr  netip.Addr
	hw    hwKey
}

type duplicateRec struct {
	addr           netip.Addr
	first, second  hwKey
	frame1, frame2 int
	at             time.Time
}

type reasonCount struct {
	reason string
	count  int
}

var _ engine.Observer = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg:        cfg,
		typeCounts: map[MsgType]int{},
		txns:       map[txKey]*txn{},
		clients:    map[hwKey]*client{},
		servers:    map[netip.Addr]*server{},
		domains:    map[domainKey]map[netip.Addr]*domainServer{},
		discCount:  map[hwKey]int{},
		burstMACs:  map[hwKey]struct{}{},
		holders:    map[netip.Addr]*holder{},
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
		o.noteMalformed(p.Number, m.problems[0])
	}
	if m.short == 0 {
		if !m.cookie || m.msgType == msgTypeNone {
			o.bootp++
		}
		if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
			o.relayed++
		}
		o.track(p, m)
	}
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

func (o *observer) noteMalformed(frame int, reason string) {
	o.malformed++
	if o.firstReason == "" {
		o.firstReason = reason
	}
	o.malformedFrames.Add(frame)
	// Count reasons by their text up to the first digit, so lengths
	// and offsets do not make every reason distinct.
	kind := reason
	if i := strings.IndexAny(reason, "0123456789"); i > 0 {
		kind = reason[:i]
	}
	for i := range o.reasons {
		if o.reasons[i].reason == kind {
			o.reasons[i].count++
			return
		}
	}
	if len(o.reasons) < maxReasonKinds {
		o.reasons = append(o.reasons, reasonCount{kind, 1})
	}
}

// track updates transactions, clients, servers and detectors with one
// message that has a full BOOTP header.
func (o *observer) track(p *engine.Packet, m *message) {
	t, frame := p.Timestamp, p.Number
	hw := keyOf(m.chaddr)
	srv := serverOf(p, m)
	typ := m.msgType

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
	if m.op == 2 && srv.IsValid() {
		o.updateServer(srv, hw, p, m)
	}

	// Detectors.
	switch typ {
	case MsgDiscover:
		o.observeDiscover(event{t, frame, hw})
	case MsgNak:
		o.observeNak(event{t, frame, hw})
	case MsgDecline:
		o.declinesN++
		if len(o.declines) < maxDeclineRecords {
			addr := m.optIP(optRequestedIP)
			if !addr.IsValid() {
				addr = m.ciaddr
			}
			o.declines = append(o.declines, declineRec{frame, addr, hw})
		}
	}
	// chaddr against the link source, for frames the client itself sent: no
	// relay, and an IP source that is the client's (0.0.0.0 before it has an
	// address, or ciaddr); anything else was forwarded by another host.
	if ipSrc := p.SrcIP(); m.op == 1 && !(m.giaddr.IsValid() && !m.giaddr.IsUnspecified()) && m.htype == 1 && len(m.chaddr) == 6 &&
		(ipSrc.IsUnspecified() || ipSrc == m.ciaddr) {
		if src := p.SrcMAC(); len(src) == 6 && !bytes.Equal(src, m.chaddr) {
			o.mismatch.Add(frame)
			if len(o.mismatchSamples) < 5 {
				o.mismatchSamples = append(o.mismatchSamples, map[string]any{"packet_number": frame, "chaddr": formatHW(m.chaddr), "link_source": src.String(), "message_type": typ.String()})
			}
		}
	}
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
		if len(c.discoverFrames) < modkit.MaxEvidence {
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
		o.releaseHolder(addr, c.hw)
	case MsgRelease:
		c.releases++
		addr := m.ciaddr
		for i := len(c.leases) - 1; i >= 0; i-- {
			if c.leases[i].addr == addr && !c.leases[i].released {
				c.leases[i].released, c.leases[i].releasedAt, c.leases[i].releasedAtFrame = true, t, frame
				break
			}
		}
		o.releaseHolder(addr, c.hw)
	case MsgAck:
		c.acks++
		addr := m.yiaddr
		if !addr.IsValid() || addr.IsUnspecified() {
			return // an ACK to an INFORM assigns no address
		}
		secs := int64(-1)
		if l, ok := m.optU32(optLeaseTime); ok {
			secs = int64(l)
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
		o.assign(addr, c.hw, t, secs, frame)
	}
}

// assign records that addr was ACKed to hw, and notes a duplicate when
// another client still holds an unexpired, unreleased lease on it.
func (o *observer) assign(addr netip.Addr, hw hwKey, t time.Time, secs int64, frame int) {
	h := o.holders[addr]
	if h != nil && h.hw != hw && !h.released && (h.expiry.IsZero() || t.Before(h.expiry)) {
		o.dupN++
		if len(o.duplicates) < maxDuplicates {
			o.duplicates = append(o.duplicates, duplicateRec{addr: addr, first: h.hw, second: hw, frame1: h.frame, frame2: frame, at: t})
		}
	}
	var expiry time.Time
	if secs >= 0 && secs != 0xffffffff {
		expiry = t.Add(time.Duration(secs) * time.Second)
	}
	if h == nil {
		if len(o.holders) >= o.cfg.maxClients {
			o.untrackedHold++
			return
		}
		h = &holder{}
		o.holders[addr] = h
	}
	*h = holder{hw: hw, expiry: expiry, frame: frame}
}

func (o *observer) releaseHolder(addr netip.Addr, hw hwKey) {
	if h := o.holders[addr]; h != nil && h.hw == hw {
		h.released = true
	}
}

func (o *observer) updateServer(id netip.Addr, hw hwKey, p *engine.Packet, m *message) {
	s := o.servers[id]
	if s == nil {
		if len(o.servers) >= o.cfg.maxServers {
			o.untrackedSrv++
			return
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
		if !relayed {
			dk := domainKey{iface: p.Interface}
			for i, v := range p.VLANs {
				if i < len(dk.vlans) {
					dk.vlans[i] = v
					dk.nvlan++
				}
			}
			d := o.domains[dk]
			if d == nil {
				d = map[netip.Addr]*domainServer{}
				o.domains[dk] = d
			}
			ds := d[id]
			if ds == nil {
				ds = &domainServer{firstFrame: p.Number}
				d[id] = ds
			}
			ds.replies++
		}
	}
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

func (o *observer) observeDiscover(e event) {
	win := time.Duration(o.cfg.th.StarvationWindowSeconds * float64(time.Second))
	o.discWin = append(o.discWin, e)
	o.discCount[e.hw]++
	drop := 0
	for drop < len(o.discWin) && e.t.Sub(o.discWin[drop].t) > win {
		old := o.discWin[drop].hw
		if o.discCount[old]--; o.discCount[old] <= 0 {
			delete(o.discCount, old)
		}
		drop++
	}
	if drop > 0 {
		o.discWin = append(o.discWin[:0], o.discWin[drop:]...)
	}
	distinct := len(o.discCount)
	if distinct >= o.cfg.th.StarvationMinClients {
		if !o.inBurst {
			o.inBurst = true
			if o.burstStart.IsZero() {
				o.burstStart = o.discWin[0].t
			}
			for k := range o.discCount {
				o.addBurstMAC(k)
			}
			for _, ev := range o.discWin {
				o.burstFrames.Add(ev.frame)
			}
		} else {
			o.addBurstMAC(e.hw)
			o.burstFrames.Add(e.frame)
		}
		o.burstEnd = e.t
		o.burstPeak = max(o.burstPeak, distinct)
	} else {
		o.inBurst = false
	}
}

func (o *observer) addBurstMAC(k hwKey) {
	if len(o.burstMACs) < o.cfg.maxClients {
		o.burstMACs[k] = struct{}{}
	}
}

func (o *observer) observeNak(e event) {
	o.nakTotal++
	win := time.Duration(o.cfg.th.NakStormWindowSeconds * float64(time.Second))
	o.nakWin = append(o.nakWin, e)
	drop := 0
	for drop < len(o.nakWin) && e.t.Sub(o.nakWin[drop].t) > win {
		drop++
	}
	if drop > 0 {
		o.nakWin = append(o.nakWin[:0], o.nakWin[drop:]...)
	}
	if n := len(o.nakWin); n >= o.cfg.th.NakStormMin {
		if n > o.nakPeak {
			o.nakPeak, o.nakPeakStart, o.nakPeakEnd = n, o.nakWin[0].t, e.t
		}
		if n == o.cfg.th.NakStormMin {
			for _, ev := range o.nakWin {
				o.nakFrames.Add(ev.frame)
			}
		} else {
			o.nakFrames.Add(e.frame)
		}
	}
}
