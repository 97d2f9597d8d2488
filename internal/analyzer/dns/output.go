package dns

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// maxSection is how many questions or records of each section a message
// record lists (the response budget may list fewer); counts has them all
// and omitted says how many were left out.
const maxSection = 10

// record builds the packet record of the message being handled.
func record(m *message, md meta) Packet {
	p := Packet{
		PacketNumber:    md.frame,
		Timestamp:       result.FormatTime(md.t),
		SourceIP:        md.src.Addr().String(),
		DestinationIP:   md.dst.Addr().String(),
		SourcePort:      int(md.src.Port()),
		DestinationPort: int(md.dst.Port()),
		Protocol:        md.transport,
		Service:         md.service,
		Size:            len(m.raw),
		InICMPError:     md.inICMP,
		NonStandardPort: md.nonStd,
		Questions:       []Question{},
		Answers:         []RR{},
		Authorities:     []RR{},
		Additionals:     []RR{},
	}
	if !m.ok() {
		p.Malformed = "message shorter than the 12-byte header"
		p.Summary = "Malformed DNS message"
		// The header fields present, as Wireshark shows them.
		if len(m.raw) >= 2 {
			p.DNSID = m.id()
		}
		if len(m.raw) >= 4 {
			p.Flags.IsResponse = m.isResponse()
			p.Opcode, p.OpcodeName = m.opcode(), opcodeName(m.opcode())
			if p.Flags.IsResponse {
				rc := m.headerRcode()
				p.Rcode, p.RcodeName = &rc, rcodeName(rc)
			}
		}
		for i := range p.Counts {
			if len(m.raw) >= 6+2*i {
				p.Counts[i] = m.count(i)
			}
		}
		return p
	}
	if m.err != nil {
		p.Malformed = result.Text(m.err.Error(), result.MaxText)
	}
	f := m.raw[2:4]
	p.DNSID = m.id()
	p.Flags = Flags{IsResponse: f[0]&0x80 != 0, Authoritative: f[0]&0x04 != 0, Truncated: f[0]&0x02 != 0, RecursionDesired: f[0]&0x01 != 0,
		RecursionAvailable: f[1]&0x80 != 0, AuthenticatedData: f[1]&0x20 != 0, CheckingDisabled: f[1]&0x10 != 0}
	p.Opcode, p.OpcodeName = m.opcode(), opcodeName(m.opcode())
	if p.Flags.IsResponse {
		rc := m.rcode()
		p.Rcode, p.RcodeName = &rc, rcodeName(rc)
	}
	for i := range p.Counts {
		p.Counts[i] = m.count(i)
	}
	qs, rrs := m.layout()
	var omitted [4]int
	mdns := md.service == "MDNS"
	for i, q := range m.layer.Questions {
		if i == maxSection {
			omitted[0] = len(m.layer.Questions) - i
			break
		}
		qq := Question{Name: m.nameAt(at(qs, i), q.Name), Type: int(q.Type), TypeName: typeName(uint16(q.Type)), Class: int(q.Class)}
		if mdns {
			qq.UnicastResponse = q.Class&0x8000 != 0
			qq.Class &= 0x7fff
		}
		qq.ClassName = className(uint16(qq.Class))
		p.Questions = append(p.Questions, qq)
	}
	// The records of the three sections are numbered in one sequence, as
	// layout finds them.
	base := 0
	for sec, list := range [][]layers.DNSResourceRecord{m.layer.Answers, m.layer.Authorities, m.layer.Additionals} {
		dst := [...]*[]RR{&p.Answers, &p.Authorities, &p.Additionals}[sec]
		for i := range list {
			r := &list[i]
			if sec == 2 && r.Type == layers.DNSTypeOPT {
				continue
			}
			if len(*dst) == maxSection {
				omitted[sec+1]++
				continue
			}
			*dst = append(*dst, m.rr(r, mdns, rrAtIndex(rrs, base+i)))
		}
		base += len(list)
	}
	if omitted != [4]int{} {
		p.Omitted = &omitted
	}
	p.EDNS = m.edns()
	p.Summary = m.summary(qs, rrs)
	return p
}

// cutRecords lists at most n records of each section of p (n >= 0),
// counting the rest in omitted: the response budget's last resort for
// large messages.
func cutRecords(p *Packet, n int) bool {
	cut := false
	var omitted [4]int
	if p.Omitted != nil {
		omitted = *p.Omitted
	}
	for i, l := range []*[]RR{&p.Answers, &p.Authorities, &p.Additionals} {
		if len(*l) > n {
			omitted[i+1] += len(*l) - n
			*l = (*l)[:n]
			cut = true
		}
	}
	if cut {
		p.Omitted = &omitted
	}
	return cut
}

func (o *observer) status(t *txn) string {
	switch {
	case t.answered:
		return "answered"
	case o.lastTime.Sub(t.query.time()) >= o.cfg.timeout:
		return "unanswered"
	}
	return "pending"
}

func (o *observer) txOutput(t *txn) Transaction {
	tr := Transaction{
		Client: t.key.clientAddrPort().String(), Protocol: "UDP", DNSID: int(t.key.id), QType: typeName(t.qtype),
		QueryPacket: int(t.query.frame), QueryTime: result.FormatTime(t.query.time()), Status: o.status(t), Retransmissions: int(t.retrans),
	}
	if t.name != "" {
		tr.Name = presentKey(t.name)
	}
	if !t.multicast() {
		tr.Server = t.key.serverAddrPort().String()
	} else {
		tr.Server = "any (multicast)"
	}
	if t.key.tcp {
		tr.Protocol = "TCP"
	}
	if t.answered {
		f := int(t.resp.frame)
		ms := t.responseMs()
		tr.ResponsePacket, tr.ResponseTimeMs, tr.Rcode, tr.Answers = &f, &ms, rcodeName(int(t.rcode)), int(t.answers)
		if t.retrans > 0 {
			wait := float64(t.resp.time().Sub(t.query.time()).Microseconds()) / 1000
			tr.WaitMs = &wait
		}
	}
	return tr
}

// txSel is what the filters test of a transaction.
type txSel struct {
	t              time.Time
	client, server netip.Addr
	name           string // the question's name as a key
	qtype          uint16
	rcode          int // of the response; -1 when unanswered
}

func selOf(t *txn) txSel {
	k := txSel{t: t.query.time(), client: t.key.client.Addr(), server: t.key.server.Addr(), name: t.name, qtype: t.qtype, rcode: -1}
	if t.answered {
		k.rcode = int(t.rcode)
	}
	return k
}

func (c *config) txMatches(k txSel) bool {
	if !c.when.Contains(k.t) {
		return false
	}
	if c.clientIP.IsValid() && k.client != c.clientIP {
		return false
	}
	if c.serverIP.IsValid() && k.server != c.serverIP {
		return false
	}
	if c.domain != "" && !strings.Contains(k.name, c.domain) { // both keys
		return false
	}
	if c.qtype != nil && k.qtype != *c.qtype {
		return false
	}
	if c.rcode != nil && k.rcode != *c.rcode {
		return false
	}
	return true
}

// settle counts the transactions answered and unanswered, overall and per
// server, once the capture has been read. It runs once.
func (o *observer) settle() {
	if o.settled {
		return
	}
	o.settled = true
	o.answeredN, o.unanswerN = o.evAnswered, o.evUnanswered
	for _, t := range o.transactions() {
		switch o.status(t) {
		case "answered":
			o.answeredN++
		case "unanswered":
			o.unanswerN++
			if s := o.servers[t.key.server.Addr()]; s != nil && !t.multicast() {
				s.unanswered++
			}
		}
	}
}

// statistics are the capture's statistics, whatever the filters and
// paging: the summary of a shared pass.
func (o *observer) statistics() Statistics {
	o.settle()
	st := Statistics{Queries: o.queries, Responses: o.responses}
	st.UniqueDomainsQueried = o.names.Distinct()
	st.UniqueDomains = make([]string, 0, len(o.names.Order()))
	for _, k := range o.names.Order() {
		st.UniqueDomains = append(st.UniqueDomains, presentKey(k))
	}
	st.ByService, st.ByTransport = o.byService, o.byTransport
	st.RcodeCounts = rcodeCounts(o.rcodes)
	st.OpcodeCounts = map[string]int{}
	for op, n := range o.opcodes {
		st.OpcodeCounts[opcodeName(op)] += n
	}
	st.QTypeCounts = topCounts(func(f func(string, int)) {
		o.qtypes.All(func(k uint16, n int) { f(typeName(k), n) })
	})
	st.Answered, st.Unanswered = o.answeredN, o.unanswerN
	st.Retransmissions, st.Unsolicited, st.TruncatedReplies = o.retransmits, o.unsolicited, o.truncated
	st.ResponseTimeMs = o.allLat.Latency()
	st.Malformed, st.InICMPErrors, st.NonStandardPort = o.malformed, o.inICMP, o.nonStd
	return st
}

// findings are the detectors' findings over the whole capture, most severe
// first.
func (o *observer) findings() []result.Finding {
	o.settle()
	return o.run.Conclude(o)
}

// maxCodes is how many codes a count map names; the rest count under
// "other".
const maxCodes = 16

// topCounts gathers counts by name (each passes every name and count):
// the maxCodes largest by name, the rest summed under "other".
func topCounts(each func(func(name string, n int))) map[string]int {
	byName := map[string]int{}
	each(func(name string, n int) { byName[name] += n })
	if len(byName) <= maxCodes {
		return byName
	}
	items := make([]result.TopItem, 0, len(byName))
	for k, n := range byName {
		items = append(items, result.TopItem{Key: k, Count: n})
	}
	slices.SortFunc(items, func(a, b result.TopItem) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	out := map[string]int{}
	for i, it := range items {
		if i < maxCodes && it.Key != "other" {
			out[it.Key] = it.Count
		} else {
			out["other"] += it.Count
		}
	}
	return out
}

// rcodeCounts names response-code counts (see topCounts).
func rcodeCounts(m map[int]int) map[string]int {
	return topCounts(func(f func(string, int)) {
		for r, n := range m {
			name := "other"
			if r != otherRcode {
				name = rcodeName(r)
			}
			f(name, n)
		}
	})
}

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{
		File:               in.PcapFile,
		TotalPacketsInFile: res.Packets,
		DNSPacketsFound:    o.found,
		DNSPacketsAnalyzed: o.analyzed,
		Filters:            c.filters,
		Thresholds:         c.th,
		Warnings:           warnings,
	}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "DNS")
	}
	if o.found == 0 {
		out.Message = "No DNS packets found"
	}
	out.Warnings = append(out.Warnings, o.budgetWarnings()...)
	out.Statistics = o.statistics()

	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	var txs []*txn
	for _, t := range o.transactions() {
		if c.txMatches(selOf(t)) {
			txs = append(txs, t)
		}
	}
	pageTx, pg := result.Paginate(txs, c.txOffset, c.txLimit)
	out.TxPage = pg
	out.Transactions = make([]Transaction, 0, len(pageTx))
	for _, t := range pageTx {
		out.Transactions = append(out.Transactions, o.txOutput(t))
	}

	srvs := slices.Clone(o.srvOrder)
	sort.SliceStable(srvs, func(i, j int) bool { return srvs[i].queries > srvs[j].queries })
	out.ServersTotal = len(srvs)
	out.Servers = []Server{}
	for i, s := range srvs {
		if i == maxUniqueListed {
			break
		}
		sv := Server{Server: s.addr.String(), Queries: s.queries, Answered: s.answered, Unanswered: s.unanswered, RcodeCounts: rcodeCounts(s.rcodes),
			ResponseTimeMs: s.lat.Latency(), Clients: s.clients, ClientsCapped: s.clientsCapped}
		if n := s.answered + s.unanswered; n > 0 {
			sv.AnswerRate = float64(int(1000*float64(s.answered)/float64(n)+0.5)) / 1000
		}
		out.Servers = append(out.Servers, sv)
	}
	out.Top = TopLists{Names: o.names.Top(presentKey), RegisteredDomains: o.regDomains.Top(presentKey), Clients: o.clients.Top(result.AddrKey.String),
		Servers: o.serverTop.Top(result.AddrKey.String), QTypes: o.qtypes.Top(typeName)}
	out.Anomalies = o.findings()
	return out
}
