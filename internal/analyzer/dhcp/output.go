package dhcp

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

const maxUniqueListed = 50

// frameInfo is what a packet record takes of its frame. Its slices are the
// frame's, valid while the frame is observed, until keep copies them.
type frameInfo struct {
	number       int
	ts           time.Time
	src, dst     netip.Addr
	sport, dport uint16
	hasPorts     bool
	mac          net.HardwareAddr
	vlans        []uint16
}

func frameOf(p *engine.Packet) frameInfo {
	f := frameInfo{number: p.Number, ts: p.Timestamp, src: p.SrcIP(), dst: p.DstIP(), mac: p.SrcMAC(), vlans: p.VLANs}
	f.sport, f.dport, f.hasPorts = p.Ports()
	return f
}

// keptMsg is a message kept for the result cache: what its frame gave and
// its bytes, from which its record is made when a page shows it (making
// every message's record in the pass would cost more than the pass).
type keptMsg struct {
	frame  frameInfo
	raw    []byte
	nonStd bool
}

func keepMsg(f frameInfo, payload []byte, nonStd bool) keptMsg {
	f.mac, f.vlans = bytes.Clone(f.mac), slices.Clone(f.vlans)
	return keptMsg{frame: f, raw: bytes.Clone(payload), nonStd: nonStd}
}

// record decodes k's message again and returns its record.
func (k *keptMsg) record() Packet {
	var m message
	m.decode(k.raw)
	return record(&k.frame, &m, k.nonStd)
}

// record builds the packet record of the message being observed.
func record(f *frameInfo, m *message, nonStd bool) Packet {
	r := Packet{
		PacketNumber:    f.number,
		Timestamp:       result.FormatTime(f.ts),
		Options:         map[string]any{},
		OptionCodes:     []int{},
		NonStandardPort: nonStd,
	}
	if f.src.IsValid() {
		r.SrcIP, r.DstIP = f.src.String(), f.dst.String()
	}
	if f.hasPorts {
		r.SrcPort, r.DstPort = int(f.sport), int(f.dport)
	}
	if len(f.mac) > 0 {
		r.SrcMAC = f.mac.String()
	}
	for _, v := range f.vlans {
		r.VLANs = append(r.VLANs, int(v))
	}
	if len(m.problems) > 0 {
		r.Malformed = append([]string(nil), m.problems...)
	}
	if m.short > 0 {
		r.Protocol = "BOOTP"
		r.MessageType = "Malformed"
		if !m.partial {
			return r
		}
	}
	switch m.op {
	case 1:
		r.Op = "Request"
	case 2:
		r.Op = "Reply"
	default:
		r.Op = fmt.Sprintf("Unknown(%d)", m.op)
	}
	if m.short == 0 || m.hasXid {
		r.TransactionID = fmt.Sprintf("0x%08x", m.xid)
	}
	r.ClientIP, r.YourIP, r.ServerIP, r.RelayIP = ipField(m.ciaddr), ipField(m.yiaddr), ipField(m.siaddr), ipField(m.giaddr)
	r.ClientMAC = m.clientMAC()
	r.Hops, r.Secs, r.Broadcast = int(m.hops), int(m.secs), m.flags&0x8000 != 0
	r.HardwareType = hardwareTypeName(m.htype)
	if m.short > 0 {
		return r
	}
	r.Protocol = "BOOTP"
	if m.cookie {
		r.Protocol = "DHCP"
	}
	r.MessageType = m.msgType.String()
	if m.msgType != msgTypeNone {
		code := int(m.msgType)
		r.MessageTypeCode = &code
	}
	if m.overload&2 == 0 {
		r.ServerName = cString(m.sname)
	}
	if m.overload&1 == 0 {
		r.BootFile = cString(m.file)
	}
	for _, o := range m.opts {
		r.OptionCodes = append(r.OptionCodes, int(o.code))
		val, _ := decodeValue(o.code, o.data) // problems are already in m.problems
		name := optionName(o.code)
		if v, n := capItems(val); n > 0 {
			val = v
			if r.OptionsCut == nil {
				r.OptionsCut = map[string]int{}
			}
			r.OptionsCut[name] = n
		}
		r.Options[name] = val
	}
	u32 := func(code uint8) *int64 {
		if v, ok := m.optU32(code); ok {
			x := int64(v)
			return &x
		}
		return nil
	}
	r.LeaseTime, r.RenewalTime, r.RebindingTime = u32(optLeaseTime), u32(optRenewalTime), u32(optRebindingTime)
	str := func(a netip.Addr) *string {
		if !a.IsValid() {
			return nil
		}
		s := a.String()
		return &s
	}
	r.ServerID, r.RequestedIP = str(m.optIP(optServerID)), str(m.optIP(optRequestedIP))
	if v, ok := m.opt(optClientID); ok && len(v) > 0 {
		s := hwBound(v)
		r.ClientID = &s
	}
	if v, ok := m.opt(optHostname); ok {
		r.Hostname = text(v)
	}
	return r
}

// capItems cuts a list-valued option to its first maxOptionItems items;
// n is how many it had when it was cut, 0 when it was not.
func capItems(val any) (any, int) {
	switch v := val.(type) {
	case []string:
		if len(v) > maxOptionItems {
			return v[:maxOptionItems], len(v)
		}
	case []int:
		if len(v) > maxOptionItems {
			return v[:maxOptionItems], len(v)
		}
	case []Route:
		if len(v) > maxOptionItems {
			return v[:maxOptionItems], len(v)
		}
	case ParameterRequestList:
		if len(v.Codes) > maxOptionItems {
			return ParameterRequestList{Codes: v.Codes[:maxOptionItems], Names: v.Names[:maxOptionItems]}, len(v.Codes)
		}
	case []VendorEnterprise:
		n := 0
		if len(v) > maxOptionItems {
			v, n = v[:maxOptionItems], len(v)
		}
		for i := range v {
			if d := v[i].Data; len(d) > maxOptionItems {
				v[i].Data, n = d[:maxOptionItems], max(n, len(d))
			}
			if so := v[i].SubOptions; len(so) > maxOptionItems {
				v[i].SubOptions, n = so[:maxOptionItems], max(n, len(so))
			}
		}
		return v, n
	}
	return val, 0
}

// cString is a NUL-terminated BOOTP field; empty when it holds nothing
// printable.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return ""
	}
	return text(b)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func msPtr(from, to time.Time) *float64 {
	v, ok := latencyMs(from, to)
	if !ok {
		return nil
	}
	return &v
}

// latencyMs is the time from one message to another in milliseconds; ok
// is false unless both are known and in order.
func latencyMs(from, to time.Time) (v float64, ok bool) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0, false
	}
	return ms(to.Sub(from)), true
}

func (tx *txn) outcome() string {
	switch tx.decisive {
	case MsgRelease:
		return "released"
	case MsgDecline:
		return "declined"
	case MsgAck:
		if tx.informs > 0 {
			return "informed"
		}
		return "acked"
	case MsgNak:
		return "naked"
	}
	switch {
	case tx.leaseQueries > 0:
		return "leasequery"
	case tx.requests > 0 || tx.informs > 0:
		return "no_ack"
	case tx.offers > 0:
		return "offered"
	case tx.discovers > 0:
		return "no_offer"
	case tx.bootp > 0:
		return "bootp"
	}
	return "other"
}

// ipField formats a BOOTP address field; "" when the message was cut
// before it.
func ipField(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func addrString(a netip.Addr) string {
	if !a.IsValid() || a.IsUnspecified() {
		return ""
	}
	return a.String()
}

func (tx *txn) output() Transaction {
	t := Transaction{
		TransactionID:           fmt.Sprintf("0x%08x", tx.key.xid),
		ClientMAC:               tx.key.hw.String(),
		FirstPacket:             int(tx.msgs[0].frame),
		StartTime:               result.FormatTime(tx.msgs[0].t.Time()),
		EndTime:                 result.FormatTime(tx.last.Time()),
		MessagesTotal:           int(tx.total),
		Outcome:                 tx.outcome(),
		OfferedIP:               addrString(tx.offered.addr()),
		RequestedIP:             addrString(tx.requested.addr()),
		AssignedIP:              addrString(tx.assigned.addr()),
		ServerID:                addrString(tx.server),
		RelayIP:                 addrString(tx.relay.addr()),
		DiscoverToOfferMs:       msPtr(tx.firstDiscover.Time(), tx.firstOffer.Time()),
		RequestToAckMs:          msPtr(tx.firstRequest.Time(), tx.answer.Time()),
		DiscoverRetransmissions: int(max(tx.discovers-1, 0)),
		RequestRetransmissions:  int(max(tx.requests-1, 0)),
		MessageTypes:            make([]string, 0, len(tx.msgs)),
		Messages:                make([]TxMessage, 0, len(tx.msgs)),
	}
	if tx.hasLease {
		l := int64(tx.lease)
		t.LeaseTime = &l
	}
	if len(tx.offering) > 1 {
		for _, a := range tx.offering {
			t.OfferingServers = append(t.OfferingServers, a.String())
		}
	}
	for _, m := range tx.msgs {
		t.MessageTypes = append(t.MessageTypes, m.typ.String())
		t.Messages = append(t.Messages, TxMessage{PacketNumber: int(m.frame), MessageType: m.typ.String(), Timestamp: result.FormatTime(m.t.Time()), ServerID: addrString(m.server)})
	}
	return t
}

func (c *client) output() Client {
	out := Client{
		ClientMAC:       c.hw.String(),
		Hostname:        c.hostname,
		VendorClass:     c.vendor,
		FQDN:            c.fqdn,
		FirstSeen:       result.FormatTime(c.first.Time()),
		LastSeen:        result.FormatTime(c.last.Time()),
		Packets:         int(c.packets),
		Transactions:    int(c.txns),
		Discovers:       int(c.discovers),
		Requests:        int(c.requests),
		Acks:            int(c.acks),
		Naks:            int(c.naks),
		Declines:        int(c.declines),
		Releases:        int(c.releases),
		LeasesTotal:     int(c.leasesTotal),
		LastRequestedIP: addrString(c.lastRequested.addr()),
		Addresses:       []string{},
		Leases:          []Lease{},
		Servers:         []string{},
	}
	if len(c.clientID) > 0 {
		out.ClientID = formatHW(c.clientID)
		if int(c.clientIDLen) > len(c.clientID) {
			out.ClientID += cutNote(int(c.clientIDLen))
		}
	}
	if len(c.prl) > 0 {
		out.Fingerprint = fingerprint(c.prl)
	}
	for _, a := range c.addrs {
		out.Addresses = append(out.Addresses, a.addr().String())
	}
	for _, s := range c.servers {
		out.Servers = append(out.Servers, s.String())
	}
	for _, l := range c.leases {
		ol := Lease{Address: l.addr.addr().String(), ServerID: addrString(l.server), Start: result.FormatTime(l.start.Time()), Renewals: int(l.renewals), AckPacket: int(l.ackFrame), Released: l.released, Declined: l.declined}
		if l.secs >= 0 {
			s := l.secs
			ol.LeaseSeconds = &s
			if l.secs != 0xffffffff {
				ol.Expiry = result.FormatTime(l.lastAck.Time().Add(time.Duration(l.secs) * time.Second))
			}
		}
		if l.released || l.declined {
			ol.ReleasedAt = result.FormatTime(l.releasedAt.Time())
		}
		out.Leases = append(out.Leases, ol)
	}
	return out
}

func (s *server) output() Server {
	out := Server{
		ServerID:       s.id.String(),
		FirstSeen:      result.FormatTime(s.first),
		LastSeen:       result.FormatTime(s.last),
		Offers:         s.offers,
		Acks:           s.acks,
		Naks:           s.naks,
		Other:          s.other,
		ClientsServed:  len(s.clients),
		RelayedReplies: s.relayedReply,
		SourceIPs:      []string{},
		SourceMACs:     append([]string{}, s.srcMACs...),
		Configurations: []ServerConfig{},
	}
	for _, a := range s.srcIPs {
		out.SourceIPs = append(out.SourceIPs, a.String())
	}
	for _, c := range s.configs {
		sc := ServerConfig{SubnetMask: addrString(c.mask), Routers: c.routers, DNSServers: c.dns, DomainName: c.domain, Packets: c.packets, FirstPacket: c.firstFrame}
		if c.lease >= 0 {
			l := c.lease
			sc.LeaseTime = &l
		}
		out.Configurations = append(out.Configurations, sc)
	}
	return out
}

// output assembles the result after the pass.
func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{
		File:                in.PcapFile,
		TotalPackets:        res.Packets,
		DHCPPacketsFound:    o.found,
		DHCPPacketsAnalyzed: o.analyzed,
		Filters:             c.filters,
		Thresholds:          c.th,
		Warnings:            warnings,
	}
	out.Anomalies = o.run.Conclude(o)
	out.Statistics = o.statistics()
	var notes []string
	if c.maxPackets > 0 && o.found > c.maxPackets {
		notes = append(notes, modkit.MaxPacketsNote(c.maxPackets, "DHCP"))
	}
	if o.dhcpv6 > 0 {
		notes = append(notes, fmt.Sprintf("%d DHCPv6 messages (UDP 546/547): not analyzed by this tool; analyze_dhcpv6_packets does", o.dhcpv6))
	}
	out.Note = strings.Join(notes, "; ")
	if o.found == 0 {
		out.Message = "No DHCP packets found"
	}
	out.Warnings = append(out.Warnings, o.lim.warnings(len(o.clients), len(o.servers), c.th.Get(starvationWindowSeconds), c.th.Get(nakStormWindowSeconds))...)

	// Packets: already the requested page of the matches.
	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	// Transactions and clients: filter, then page.
	var txs []*txn
	for _, s := range o.txOrder {
		if c.txMatches(s.tx.listKey()) {
			txs = append(txs, s.tx)
		}
	}
	pageTx, pg := result.Paginate(txs, c.txOffset, c.txLimit)
	out.TxPage = pg
	out.Transactions = make([]Transaction, 0, len(pageTx))
	for _, tx := range pageTx {
		out.Transactions = append(out.Transactions, tx.output())
	}
	out.Statistics.Transactions = legacyTransactions(out.Transactions)
	var cls []*client
	for _, cl := range o.cliOrd {
		if c.clientMatches(cl.listKey()) {
			cls = append(cls, cl)
		}
	}
	pageCl, pg := result.Paginate(cls, c.cliOffset, c.cliLimit)
	out.ClientsPage = pg
	out.Clients = make([]Client, 0, len(pageCl))
	for _, cl := range pageCl {
		out.Clients = append(out.Clients, cl.output())
	}

	// Servers: busiest first.
	srvs := slices.Clone(o.srvOrd)
	sort.SliceStable(srvs, func(i, j int) bool {
		return srvs[i].offers+srvs[i].acks+srvs[i].naks+srvs[i].other > srvs[j].offers+srvs[j].acks+srvs[j].naks+srvs[j].other
	})
	out.ServersTotal = len(srvs)
	out.Servers = []Server{}
	for i, s := range srvs {
		if i == maxUniqueListed {
			break
		}
		out.Servers = append(out.Servers, s.output())
	}
	return out
}

// statistics are the figures over the whole capture, whatever the filters
// and paging; Transactions, which shows the current transactions page, is
// left empty.
func (o *observer) statistics() Statistics {
	st := Statistics{Transactions: map[string][]TxMessage{}}
	st.UniqueClientsCount = len(o.clients)
	st.UniqueServersCount = len(o.servers)
	st.UniqueClients, st.UniqueServers = []string{}, []string{}
	for i, cl := range o.cliOrd {
		if i == maxUniqueListed {
			break
		}
		st.UniqueClients = append(st.UniqueClients, cl.hw.String())
	}
	for i, s := range o.srvOrd {
		if i == maxUniqueListed {
			break
		}
		st.UniqueServers = append(st.UniqueServers, s.id.String())
	}
	st.MessageTypeCounts = map[string]int{}
	for t, n := range o.typeCounts {
		st.MessageTypeCounts[t.String()] += n
	}
	if o.short > 0 {
		st.MessageTypeCounts["Malformed"] = o.short
	}
	st.TransactionCount = o.txCreated
	st.OutcomeCounts = maps.Clone(o.evictedOutcomes)
	for _, s := range o.txOrder {
		st.OutcomeCounts[s.tx.outcome()]++
	}
	st.DiscoverToOfferMs, st.RequestToAckMs = o.d2o.Latency(), o.r2a.Latency()
	st.BOOTPPackets, st.RelayedPackets, st.NonStandardPortPackets, st.MalformedPackets = o.bootp, o.relayed, o.nonStd, o.malformed
	st.DHCPv6Packets = o.dhcpv6
	st.StateLimits = o.lim.counts()
	return st
}

// maxLegacyTransactions is how many transactions mcpcap's
// statistics.transactions map shows: it repeats transactions[].
const maxLegacyTransactions = 5

// legacyTransactions is mcpcap's statistics.transactions map, "0x<xid>" to
// messages, for the first maxLegacyTransactions of the given transactions.
func legacyTransactions(txs []Transaction) map[string][]TxMessage {
	m := map[string][]TxMessage{}
	for _, t := range txs[:min(len(txs), maxLegacyTransactions)] {
		m[t.TransactionID] = append(m[t.TransactionID], t.Messages...)
	}
	return m
}
