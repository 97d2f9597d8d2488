package arp

import (
	"net/netip"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Fixed bounds; the tables that grow with the capture take theirs from the
// state budget (see limits in config.go).
const (
	maxListed     = 20 // bindings and hosts in the output
	maxMACs       = 8  // MACs kept per binding, addresses per host
	maxChanges    = 16 // binding changes kept per address, for evidence
	maxEvents     = 64 // diversions and probe conflicts kept
	probeWindowNs = 10e9
)

// ethernetTypeRARP is Reverse ARP (RFC 903), which tshark's arp filter
// takes too.
const ethernetTypeRARP layers.EthernetType = 0x8035

// binding is one IPv4 address claimed in ARP sender fields.
type binding struct {
	ip                    netip.Addr
	mac                   mac   // the last claimant
	macs                  []mac // distinct claimants in order, at most maxMACs
	first, last           int64 // Unix ns
	firstFrame, lastFrame int
	frames, changes       int
	changeLog             []change        // the first maxChanges changes
	dupEv                 result.Evidence // claims by another MAC than the first (tshark's arp.duplicate-address-detected)
	order                 int
}

// change is one claim of an address by another MAC than its last one.
type change struct {
	from, to  mac
	prevFrame int // the last claim by from
	frame     int // the claim by to
}

// host is one MAC that sent ARP, with the addresses it claimed.
type host struct {
	mac         mac
	ips         []netip.Addr // at most maxMACs
	ipsTotal    int
	frames      int
	first, last int64
	order       int
}

// target is one IPv4 address asked for, answered or probed.
type target struct {
	requests     int // requests for it (not probes, not gratuitous)
	answered     bool
	reqEv        result.Evidence
	lastAsker    mac
	asked        bool
	probeMAC     mac
	probeNs      int64
	probeFrame   int
	probing      bool
	conflictSeen bool
}

// routeKey is a source MAC and an IPv4 destination: the next hop its
// frames take there.
type routeKey [10]byte

type route struct {
	hop        mac
	firstFrame int32 // first frame through hop
}

// claimKey is a sender MAC and the MAC an ARP claim was sent to.
type claimKey [12]byte

func pair(a, b mac) (k claimKey) {
	copy(k[:6], a[:])
	copy(k[6:], b[:])
	return k
}

type claim struct {
	ip    netip.Addr
	frame int
}

// diversion is traffic moved to a MAC that had just made an unsolicited
// ARP claim to the sender.
type diversion struct {
	attacker, victim, displaced mac
	victimIP, claimed, dst      netip.Addr
	claimFrame, prevFrame       int
	frame                       int // the first frame through attacker
}

// probeConflict is an RFC 5227 probe met by another MAC using or probing
// the address.
type probeConflict struct {
	ip                 netip.Addr
	prober, other      mac
	probeFrame, frame  int
	simultaneousProbes bool
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, Packet] // every message, for the result cache (nil when not cached)

	opCounts                                       map[uint16]int
	requests, replies, gratuitous, probes, announc int
	unsolicitedN, mismatch, malformed, changes     int

	bindings       map[netip.Addr]*binding // at most lim.bindings
	bindingOrder   []*binding
	bindingRefused int
	hosts          map[mac]*host // at most lim.hosts
	hostOrder      []*host
	hostRefused    int
	targets        map[netip.Addr]*target // at most lim.targets
	targetsRefused int

	routes         map[routeKey]route // at most lim.routes
	routesRefused  int
	claims         map[claimKey]claim // at most lim.claims
	claimsRefused  int
	diversions     []diversion
	divSeen        map[claimKey]bool
	servers        map[netip.Addr]string // DNS and DHCP servers seen, at most lim.servers
	serversRefused int
	conflicts      []probeConflict

	l           layers.ARP
	msg         message
	unsolicited bool // the message being observed is an unsolicited reply
	ev          event

	run         *analyzer.Run[*event, *observer]
	detWarnings []string
}

// event is what the observer hands its detectors: one ARP message. The
// observer reuses it; a detector keeps none of it past Observe.
type event struct {
	p   *engine.Packet
	m   *message
	lim *limits
}

var (
	_ engine.Observer   = (*observer)(nil)
	_ engine.Interested = (*observer)(nil)
)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, opCounts: map[uint16]int{}, bindings: map[netip.Addr]*binding{}, hosts: map[mac]*host{},
		targets: map[netip.Addr]*target{}, routes: map[routeKey]route{}, claims: map[claimKey]claim{},
		divSeen: map[claimKey]bool{}, servers: map[netip.Addr]string{}, run: detectors.Start(cfg.th),
	}
}

// Interest asks for ARP and RARP, and for IPv4: the next hops of IPv4
// traffic show a diversion after an ARP claim, and DNS and DHCP servers
// are the addresses an impostor is most likely to claim.
func (o *observer) Interest() engine.Interest {
	return engine.Interest{EtherTypes: []layers.EthernetType{layers.EthernetTypeARP, ethernetTypeRARP, layers.EthernetTypeIPv4}}
}

// Observe takes one ARP message, or one IPv4 frame for the next-hop and
// server tables.
func (o *observer) Observe(p *engine.Packet) {
	switch p.EtherType {
	case layers.EthernetTypeARP, ethernetTypeRARP:
		o.observeARP(p)
	case layers.EthernetTypeIPv4:
		o.observeIPv4(p)
	}
}

func (o *observer) observeARP(p *engine.Packet) {
	m := &o.msg
	decode(p.NetworkPayload, &o.l, m)
	o.found++
	o.unsolicited = false
	o.opCounts[m.op]++
	if m.malformed != "" {
		o.malformed++
	}
	ethSrc, hasEth := macOf(p.SrcMAC())
	if !m.cut {
		o.account(p, m, ethSrc, hasEth)
	}
	o.ev = event{p: p, m: m, lim: &o.cfg.lim}
	o.run.Observe(&o.ev)
	o.maybePage(p, m)
}

// account updates the statistics and tables with a message that decoded.
func (o *observer) account(p *engine.Packet, m *message, ethSrc mac, hasEth bool) {
	switch m.op {
	case opRequest:
		o.requests++
	case opReply:
		o.replies++
	}
	grat, probe := m.gratuitous(), m.probe()
	if grat {
		o.gratuitous++
		if m.op == opRequest {
			o.announc++
		}
	}
	if probe {
		o.probes++
	}
	if hasEth && m.hasMAC && ethSrc != m.sha {
		o.mismatch++
	}
	if !m.hasIP || !m.hasMAC || m.malformed != "" {
		return
	}
	nanos, frame := p.Timestamp.UnixNano(), p.Number
	unsolicited := false
	if m.op == opRequest || m.op == opReply {
		unsolicited = o.targetSide(m, grat, probe, nanos, frame)
	}
	if m.spa.IsUnspecified() || (m.op != opRequest && m.op != opReply) {
		return
	}
	o.claim(m, nanos, frame)
	o.noteHost(m, nanos)
	// A claim sent to one host (not broadcast) that it had not asked
	// for: what a poisoner sends, and what may divert its traffic.
	if p.Ethernet != nil {
		dst, _ := macOf(p.Ethernet.DstMAC)
		if !dst.multicast() && dst != m.sha && (m.op == opRequest || unsolicited) {
			k := pair(m.sha, dst)
			if _, ok := o.claims[k]; ok || len(o.claims) < o.cfg.lim.claims {
				o.claims[k] = claim{ip: m.spa, frame: frame}
			} else {
				o.claimsRefused++
			}
		}
	}
}

// targetSide counts a request, reply or probe for the address it is
// about, and reports a reply that nobody asked for (not gratuitous).
func (o *observer) targetSide(m *message, grat, probe bool, nanos int64, frame int) (unsolicited bool) {
	switch {
	case probe:
		if t := o.target(m.tpa, true); t != nil {
			if t.probing && t.probeMAC != m.sha && nanos-t.probeNs <= probeWindowNs {
				o.probeConflict(probeConflict{ip: m.tpa, prober: t.probeMAC, other: m.sha, probeFrame: t.probeFrame, frame: frame, simultaneousProbes: true})
			}
			t.probing, t.probeMAC, t.probeNs, t.probeFrame = true, m.sha, nanos, frame
		}
	case grat:
	case m.op == opRequest && !m.tpa.IsUnspecified():
		if t := o.target(m.tpa, true); t != nil {
			t.requests++
			t.reqEv.Add(frame)
			t.lastAsker, t.asked = m.sha, true
		}
	case m.op == opReply:
		t := o.target(m.spa, true)
		if t != nil {
			t.answered = true
		}
		if t == nil || !t.asked || t.lastAsker != m.tha {
			o.unsolicitedN++
			o.unsolicited, unsolicited = true, true
		}
	}
	// An address in use by another MAC while it is being probed: the
	// probe is answered (RFC 5227 §2.1.1).
	if !m.spa.IsUnspecified() {
		if t := o.targets[m.spa]; t != nil && t.probing && t.probeMAC != m.sha && nanos-t.probeNs <= probeWindowNs {
			o.probeConflict(probeConflict{ip: m.spa, prober: t.probeMAC, other: m.sha, probeFrame: t.probeFrame, frame: frame})
			t.probing = false
		}
	}
	return unsolicited
}

func (o *observer) probeConflict(c probeConflict) {
	if len(o.conflicts) < maxEvents {
		o.conflicts = append(o.conflicts, c)
	}
}

// target returns the entry of an address asked for, making it when create
// and the bound allows; nil otherwise.
func (o *observer) target(a netip.Addr, create bool) *target {
	t := o.targets[a]
	if t == nil && create {
		if len(o.targets) >= o.cfg.lim.targets {
			o.targetsRefused++
			return nil
		}
		t = &target{}
		o.targets[a] = t
	}
	return t
}

// claim records that m's sender claims its address.
func (o *observer) claim(m *message, nanos int64, frame int) {
	b := o.bindings[m.spa]
	if b == nil {
		if len(o.bindings) >= o.cfg.lim.bindings {
			o.bindingRefused++
			return
		}
		b = &binding{ip: m.spa, mac: m.sha, macs: []mac{m.sha}, first: nanos, firstFrame: frame, order: len(o.bindingOrder)}
		o.bindings[m.spa] = b
		o.bindingOrder = append(o.bindingOrder, b)
	} else if b.mac != m.sha {
		b.changes++
		o.changes++
		if len(b.changeLog) < maxChanges {
			b.changeLog = append(b.changeLog, change{from: b.mac, to: m.sha, prevFrame: b.lastFrame, frame: frame})
		}
		if !containsMAC(b.macs, m.sha) && len(b.macs) < maxMACs {
			b.macs = append(b.macs, m.sha)
		}
		b.mac = m.sha
	}
	if m.sha != b.macs[0] {
		b.dupEv.Add(frame)
	}
	b.last, b.lastFrame = nanos, frame
	b.frames++
}

func containsMAC(ms []mac, m mac) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// noteHost records the address m's sender claims under its MAC.
func (o *observer) noteHost(m *message, nanos int64) {
	h := o.hosts[m.sha]
	if h == nil {
		if len(o.hosts) >= o.cfg.lim.hosts {
			o.hostRefused++
			return
		}
		h = &host{mac: m.sha, first: nanos, order: len(o.hostOrder)}
		o.hosts[m.sha] = h
		o.hostOrder = append(o.hostOrder, h)
	}
	h.frames++
	h.last = nanos
	for _, a := range h.ips {
		if a == m.spa {
			return
		}
	}
	h.ipsTotal++
	if len(h.ips) < maxMACs {
		h.ips = append(h.ips, m.spa)
	}
}

// observeIPv4 notes DNS and DHCP servers, and the next hop of each
// source MAC toward each destination: a next hop that moves to a MAC
// right after that MAC made an unsolicited ARP claim to the source is a
// diversion (man in the middle).
func (o *observer) observeIPv4(p *engine.Packet) {
	if p.IPv4 == nil {
		return
	}
	if p.UDP != nil {
		switch p.UDP.SrcPort {
		case 53:
			o.server(p.IPv4.SrcIP, "DNS server")
		case 67:
			o.server(p.IPv4.SrcIP, "DHCP server")
		}
	}
	if p.Ethernet == nil || len(p.IPv4.DstIP) != 4 || len(o.claims) == 0 && len(o.routes) >= o.cfg.lim.routes {
		return
	}
	hop, ok := macOf(p.Ethernet.DstMAC)
	src, ok2 := macOf(p.Ethernet.SrcMAC)
	if !ok || !ok2 || hop.multicast() {
		return
	}
	var k routeKey
	copy(k[:6], src[:])
	copy(k[6:], p.IPv4.DstIP)
	r, seen := o.routes[k]
	switch {
	case !seen:
		if len(o.routes) >= o.cfg.lim.routes {
			o.routesRefused++
			return
		}
		o.routes[k] = route{hop: hop, firstFrame: int32(p.Number)}
		return
	case r.hop == hop:
		return
	}
	o.routes[k] = route{hop: hop, firstFrame: int32(p.Number)}
	c, claimed := o.claims[pair(hop, src)]
	if !claimed || c.frame <= int(r.firstFrame) {
		return
	}
	dk := pair(hop, src)
	if o.divSeen[dk] || len(o.diversions) >= maxEvents {
		return
	}
	o.divSeen[dk] = true
	victimIP, _ := netip.AddrFromSlice(p.IPv4.SrcIP)
	dst, _ := netip.AddrFromSlice(p.IPv4.DstIP)
	o.diversions = append(o.diversions, diversion{attacker: hop, victim: src, displaced: r.hop, victimIP: victimIP.Unmap(), claimed: c.ip,
		dst: dst.Unmap(), claimFrame: c.frame, prevFrame: int(r.firstFrame), frame: p.Number})
}

func (o *observer) server(ip []byte, role string) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return
	}
	a = a.Unmap()
	if _, seen := o.servers[a]; seen {
		return
	}
	if len(o.servers) >= o.cfg.lim.servers {
		o.serversRefused++
		return
	}
	o.servers[a] = role
}

func (o *observer) maybePage(p *engine.Packet, m *message) {
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
	rec := o.record(p, m)
	if onPage {
		o.page = append(o.page, rec)
	}
	if o.kept != nil {
		o.kept.Add(k, rec)
	}
}

// record builds the packet record of the message being observed.
func (o *observer) record(p *engine.Packet, m *message) Packet {
	r := Packet{PacketNumber: p.Number, Timestamp: result.FormatTime(p.Timestamp), Opcode: int(m.op), OpcodeName: opName(m.op),
		HardwareType: int(m.hwType), ProtocolType: int(m.protoType), HwSize: int(m.hwSize), ProtoSize: int(m.protoSize),
		Malformed: m.malformed, Unsolicited: o.unsolicited}
	if src := p.SrcMAC(); len(src) > 0 {
		r.EthSrc = result.Text(netHW(src), 64)
	}
	if p.Ethernet != nil {
		r.EthDst = result.Text(netHW(p.Ethernet.DstMAC), 64)
	}
	if m.cut {
		return r
	}
	if m.hasMAC {
		r.SenderMAC, r.TargetMAC = m.sha.String(), m.tha.String()
		if s, ok := macOf(p.SrcMAC()); ok && s != m.sha {
			r.EthMismatch = true
		}
	} else {
		r.SenderHW = result.HexCut(m.rawSHA, 32)
	}
	if m.hasIP {
		r.SenderIP, r.TargetIP = m.spa.String(), m.tpa.String()
		r.Gratuitous, r.Probe = m.gratuitous(), m.probe()
	} else {
		r.SenderProto = result.HexCut(m.rawSPA, 32)
	}
	return r
}

// netHW formats a link-layer address of any length.
func netHW(b []byte) string {
	if m, ok := macOf(b); ok {
		return m.String()
	}
	return result.HexCut(b, 32)
}
