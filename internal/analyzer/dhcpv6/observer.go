package dhcpv6

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Fixed bounds; the tables that grow with the capture take theirs from the
// state budget (see limits in config.go).
const (
	maxServersListed = 10
	maxClientsListed = 20
	maxTxnsListed    = 20
	reservoirSize    = 50000
)

// txn is one exchange, by transaction id.
type txn struct {
	xid                  uint32
	client, server       string
	types                []uint8 // at most maxListed
	firstFrame           int
	firstNs              int64
	clientFirst, solicit bool
	answered, replied    bool
	status               string
	latency              *float64
	leases               []string
	solicitEv            result.Evidence
	order                int
}

type client struct {
	key                    string
	replied                bool // a REPLY came for it
	duid                   *DUID
	first, last            int64
	messages, transactions int
	addrs, prefixes        []string
	fqdn                   string
	order                  int
}

type server struct {
	key                                 string
	duid                                *DUID
	ips                                 []string
	advertises, replies, assigned, noAd int
	leases, dns, domains                []string
	firstFrame, order                   int
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, Packet] // every message, for the result cache (nil when not cached)

	typeCounts    [256]int
	relayed       int
	statusCounts  map[string]int
	malformed     int
	txns          map[uint32]*txn
	txnOrder      []*txn
	txnRefused    int
	clients       map[string]*client
	clientOrder   []*client
	clientRefused int
	servers       map[string]*server
	serverOrder   []*server
	serverRefused int
	assigned      map[netip.Addr]struct{}
	delegated     map[netip.Prefix]struct{}
	leasesRefused int
	latency       result.Reservoir
	l             layers.DHCPv6
	msg           message
	ev            event
	run           *analyzer.Run[*event, *observer]
	detWarnings   []string
}

// event is what the observer hands its detectors: one DHCPv6 message.
type event struct {
	p       *engine.Packet
	m       *message
	lim     *limits
	clients map[string]*client // for dhcpv6_starvation's completion share
}

var (
	_ engine.Observer   = (*observer)(nil)
	_ engine.Interested = (*observer)(nil)
)

func newObserver(cfg *config) *observer {
	return &observer{cfg: cfg, statusCounts: map[string]int{}, txns: map[uint32]*txn{}, clients: map[string]*client{}, servers: map[string]*server{},
		assigned: map[netip.Addr]struct{}{}, delegated: map[netip.Prefix]struct{}{}, latency: result.Reservoir{Cap: reservoirSize},
		run: detectors.Start(cfg.th)}
}

// Interest asks for UDP ports 546 and 547 (RFC 8415 §7.2).
func (o *observer) Interest() engine.Interest { return engine.Interest{UDPPorts: []uint16{546, 547}} }

// Observe takes one DHCPv6 message.
func (o *observer) Observe(p *engine.Packet) {
	if p.UDP == nil {
		return
	}
	m := &o.msg
	decode(p.UDP.Payload, &o.l, m)
	o.found++
	o.typeCounts[m.inner]++
	if len(m.types) > 1 {
		o.relayed++
	}
	if m.malformed != "" {
		o.malformed++
	}
	nanos, frame := p.Timestamp.UnixNano(), p.Number
	if m.hasXID && len(m.types) > 0 && m.inner != typeRelayForw && m.inner != typeRelayRepl {
		o.account(p, m, nanos, frame)
	}
	o.ev = event{p: p, m: m, lim: &o.cfg.lim, clients: o.clients}
	o.run.Observe(&o.ev)
	o.maybePage(p, m)
}

// leases lists the addresses and prefixes of m's IAs with a non-zero
// valid lifetime.
func leases(r *Packet) (addrs, prefixes []string) {
	for _, ias := range [][]IA{r.IANA, r.IATA} {
		for _, ia := range ias {
			for _, l := range ia.Addresses {
				if l.ValidSeconds > 0 {
					addrs = append(addrs, l.Address)
				}
			}
		}
	}
	for _, ia := range r.IAPD {
		for _, l := range ia.Addresses {
			if l.ValidSeconds > 0 && l.PrefixLength != nil {
				prefixes = append(prefixes, fmt.Sprintf("%s/%d", l.Address, *l.PrefixLength))
			}
		}
	}
	return addrs, prefixes
}

func (o *observer) account(p *engine.Packet, m *message, nanos int64, frame int) {
	r := &m.rec
	srv := fromServer(m.inner)
	addrs, prefixes := leases(r)
	// The transaction.
	t := o.txns[m.xid]
	if t == nil {
		if len(o.txns) < o.cfg.lim.txns {
			t = &txn{xid: m.xid, client: m.clientKey, firstFrame: frame, firstNs: nanos, clientFirst: !srv, solicit: m.inner == typeSolicit, order: len(o.txnOrder)}
			o.txns[m.xid] = t
			o.txnOrder = append(o.txnOrder, t)
		} else {
			o.txnRefused++
		}
	}
	if t != nil {
		if len(t.types) < maxListed {
			t.types = append(t.types, m.inner)
		}
		if m.inner == typeSolicit {
			t.solicitEv.Add(frame)
		}
		if srv && m.inner != typeReconfigure {
			if !t.answered {
				t.answered, t.server = true, m.serverKey
				if t.clientFirst {
					ms := float64((nanos-t.firstNs)/1000) / 1000
					t.latency = &ms
					o.latency.Add(ms)
				}
			}
			if m.inner == typeReply {
				t.replied = true
				if r.Status != nil && r.Status.Code != 0 {
					t.status = r.Status.Name
				}
			}
			for _, a := range append(addrs, prefixes...) {
				if len(t.leases) < maxListed {
					t.leases = append(t.leases, a)
				}
			}
		}
	}
	// The client.
	if m.clientKey != "" {
		c := o.clients[m.clientKey]
		if c == nil && len(o.clients) < o.cfg.lim.clients {
			c = &client{key: m.clientKey, duid: r.ClientDUID, first: nanos, order: len(o.clientOrder)}
			o.clients[m.clientKey] = c
			o.clientOrder = append(o.clientOrder, c)
		} else if c == nil {
			o.clientRefused++
		}
		if c != nil {
			c.messages++
			c.last = nanos
			if t != nil && t.firstFrame == frame {
				c.transactions++
			}
			if r.FQDN != "" {
				c.fqdn = r.FQDN
			}
			if m.inner == typeReply {
				c.replied = true
				c.addrs = addUnique(c.addrs, addrs...)
				c.prefixes = addUnique(c.prefixes, prefixes...)
			}
		}
	}
	if !srv {
		return
	}
	// The server, and what it handed out.
	if r.Status != nil {
		o.statusCounts[r.Status.Name]++
	}
	for _, ias := range [][]IA{r.IANA, r.IATA, r.IAPD} {
		for _, ia := range ias {
			if ia.Status != nil {
				o.statusCounts[ia.Status.Name]++
			}
		}
	}
	if m.inner == typeReply {
		o.noteLeases(m)
	}
	if m.serverKey == "" {
		return
	}
	s := o.servers[m.serverKey]
	if s == nil {
		if len(o.servers) >= o.cfg.lim.servers {
			o.serverRefused++
			return
		}
		s = &server{key: m.serverKey, duid: r.ServerDUID, firstFrame: frame, order: len(o.serverOrder)}
		o.servers[m.serverKey] = s
		o.serverOrder = append(o.serverOrder, s)
	}
	s.ips = addUnique(s.ips, p.SrcIP().String())
	switch m.inner {
	case typeAdvertise:
		s.advertises++
	case typeReply:
		s.replies++
		s.assigned += len(addrs)
		s.leases = addUnique(s.leases, append(addrs, prefixes...)...)
	}
	s.dns = addUnique(s.dns, r.DNSServers...)
	s.domains = addUnique(s.domains, r.DomainList...)
	s.noAd += m.noAddrs
}

// noteLeases counts the distinct addresses and prefixes REPLYs assign.
func (o *observer) noteLeases(m *message) {
	for _, ias := range [][]IA{m.rec.IANA, m.rec.IATA} {
		for _, ia := range ias {
			for _, l := range ia.Addresses {
				a, err := netip.ParseAddr(l.Address)
				if err != nil || l.ValidSeconds == 0 {
					continue
				}
				if _, ok := o.assigned[a]; !ok && len(o.assigned)+len(o.delegated) >= o.cfg.lim.leases {
					o.leasesRefused++
					continue
				}
				o.assigned[a] = struct{}{}
			}
		}
	}
	for _, ia := range m.rec.IAPD {
		for _, l := range ia.Addresses {
			a, err := netip.ParseAddr(l.Address)
			if err != nil || l.ValidSeconds == 0 || l.PrefixLength == nil {
				continue
			}
			p := netip.PrefixFrom(a, *l.PrefixLength)
			if _, ok := o.delegated[p]; !ok && len(o.assigned)+len(o.delegated) >= o.cfg.lim.leases {
				o.leasesRefused++
				continue
			}
			o.delegated[p] = struct{}{}
		}
	}
}

// addUnique appends the values of vs not in list, up to maxListed.
func addUnique(list []string, vs ...string) []string {
outer:
	for _, v := range vs {
		if len(list) >= maxListed {
			break
		}
		for _, x := range list {
			if x == v {
				continue outer
			}
		}
		list = append(list, v)
	}
	return list
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
		o.kept.Add(k.own(), rec)
	}
}

// record builds the packet record of the message being observed.
func (o *observer) record(p *engine.Packet, m *message) Packet {
	r := m.rec
	r.PacketNumber, r.Timestamp = p.Number, result.FormatTime(p.Timestamp)
	r.SrcIP, r.DstIP = p.SrcIP().String(), p.DstIP().String()
	if sp, dp, ok := p.Ports(); ok {
		r.SrcPort, r.DstPort = int(sp), int(dp)
	}
	r.MsgType, r.MsgTypeName = int(m.inner), typeName(m.inner)
	if len(m.types) > 1 {
		for _, t := range m.types {
			r.MsgTypes = append(r.MsgTypes, typeName(t))
		}
	}
	if m.hasXID {
		r.TransactionID = xidString(m.xid)
	}
	r.Relays = append([]Relay(nil), m.relays...)
	r.Malformed = m.malformed
	return r
}

// xidString writes a transaction id as tshark does (dhcpv6.xid): hex
// with six digits.
func xidString(x uint32) string { return fmt.Sprintf("0x%06x", x) }
