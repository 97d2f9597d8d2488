package icmp

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

func intp(v int) *int { return &v }

var protoNames = map[uint8]string{1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP", 47: "GRE", 50: "ESP"}

func protoName(p uint8) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// msgInfo is what a packet record is made of: the message and the little
// the observer knew of it, without the strings (made only for records
// shown). Its slices are the frame's until kept (keep copies them).
type msgInfo struct {
	number, length int
	ts             time.Time
	src, dst       netip.Addr
	ipVersion      int
	ttl            uint8 // TTL or hop limit
	m              icmpMessage
	quote          []byte // the datagram an error quotes
	why            string // why the message is malformed
	rtt            float64
	reqFrame       int // for an echo reply, its request's frame (0 when none)
}

// info returns what the record of the message being observed is made of.
func (o *observer) info(p *engine.Packet, m icmpMessage, why string) msgInfo {
	in := msgInfo{number: p.Number, length: p.Length, ts: p.Timestamp, src: p.SrcIP(), dst: p.DstIP(), m: m, why: why}
	switch {
	case p.IPv4 != nil:
		in.ipVersion, in.ttl = 4, p.IPv4.TTL
	case p.IPv6 != nil:
		in.ipVersion, in.ttl = 6, p.IPv6.HopLimit
	}
	if isError(m.v6, m.typ) {
		in.quote, _ = p.ICMPErrorQuote()
	}
	if o.lastReqFrame > 0 && isEchoReply(m.v6, m.typ) {
		in.rtt, in.reqFrame = o.lastRTT, o.lastReqFrame
	}
	return in
}

// keep returns in with its own copies of the frame's bytes.
func (in msgInfo) keep() msgInfo {
	in.m.rest, in.quote = bytes.Clone(in.m.rest), bytes.Clone(in.quote)
	return in
}

// record builds the packet record of a message.
func (in msgInfo) record() Packet {
	m, why := in.m, in.why
	r := Packet{
		PacketNumber: in.number, Timestamp: result.FormatTime(in.ts), SrcIP: in.src.String(), DstIP: in.dst.String(),
		PacketSize: in.length, ICMPType: int(m.typ), ICMPCode: int(m.code), ICMPTypeName: typeName(m.v6, m.typ),
		ICMPCodeName: codeName(m.v6, m.typ, m.code), Checksum: int(m.checksum), Malformed: why,
	}
	switch in.ipVersion {
	case 4:
		r.IPVersion, r.TTL = 4, intp(int(in.ttl))
	case 6:
		r.IPVersion, r.HopLimit = 6, intp(int(in.ttl))
	}
	if len(m.rest) >= 4 {
		r.PayloadSize = len(m.rest) - 4
	}
	if why != "" && len(m.rest) == 0 {
		return r
	}
	if isEchoRequest(m.v6, m.typ) || isEchoReply(m.v6, m.typ) {
		if id, seq, ok := echoIDSeq(m); ok {
			r.ICMPID, r.ICMPSeq = intp(int(id)), intp(int(seq))
		}
		if in.reqFrame > 0 {
			rtt, f := in.rtt, in.reqFrame
			r.RTTMs, r.RequestPacket = &rtt, &f
		}
	}
	if isError(m.v6, m.typ) {
		if len(in.quote) > 0 {
			if q, err := engine.DecodeQuoted(in.quote); err == nil {
				r.Original = quoted(q)
			}
		}
		switch {
		case isFragNeeded(m.v6, m.typ, m.code) && len(m.rest) >= 4:
			if m.v6 {
				r.MTU = intp(int(binary.BigEndian.Uint32(m.rest[0:4])))
			} else {
				r.MTU = intp(int(binary.BigEndian.Uint16(m.rest[2:4])))
			}
		case isRedirect(m.v6, m.typ) && !m.v6 && len(m.rest) >= 4:
			r.Gateway = netip.AddrFrom4([4]byte(m.rest[0:4])).String()
		case (!m.v6 && m.typ == 12 || m.v6 && m.typ == 4) && len(m.rest) >= 4:
			if m.v6 {
				r.Pointer = intp(int(binary.BigEndian.Uint32(m.rest[0:4])))
			} else {
				r.Pointer = intp(int(m.rest[0]))
			}
		}
	}
	if m.v6 {
		r.NDP, r.MLD = ndp(m), mld(m)
		if r.NDP != nil && m.typ == 137 {
			r.Gateway = r.NDP.Target
		}
	}
	return r
}

func quoted(q engine.Quoted) *Quoted {
	out := &Quoted{Src: q.Src.String(), Dst: q.Dst.String(), Protocol: protoName(q.Protocol), TTL: int(q.TTL), Length: q.Length}
	if q.HasPorts {
		out.SrcPort, out.DstPort = intp(int(q.SrcPort)), intp(int(q.DstPort))
	}
	if (q.Protocol == 1 || q.Protocol == 58) && len(q.Transport) >= 8 {
		out.ICMPType = intp(int(q.Transport[0]))
		out.ICMPID = intp(int(binary.BigEndian.Uint16(q.Transport[4:6])))
		out.ICMPSeq = intp(int(binary.BigEndian.Uint16(q.Transport[6:8])))
	}
	return out
}

// ndp decodes neighbor discovery messages with gopacket's layers.
func ndp(m icmpMessage) *NDP {
	var opts layers.ICMPv6Options
	out := &NDP{}
	df := gopacket.NilDecodeFeedback
	switch m.typ {
	case 133:
		var l layers.ICMPv6RouterSolicitation
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		opts = l.Options
	case 134:
		var l layers.ICMPv6RouterAdvertisement
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		opts = l.Options
		out.RouterLifetime, out.CurHopLimit = intp(int(l.RouterLifetime)), intp(int(l.HopLimit))
		if l.Flags&0x80 != 0 {
			out.Flags = append(out.Flags, "managed")
		}
		if l.Flags&0x40 != 0 {
			out.Flags = append(out.Flags, "other")
		}
	case 135:
		var l layers.ICMPv6NeighborSolicitation
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		opts, out.Target = l.Options, l.TargetAddress.String()
	case 136:
		var l layers.ICMPv6NeighborAdvertisement
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		opts, out.Target = l.Options, l.TargetAddress.String()
		for bit, name := range map[uint8]string{0x80: "router", 0x40: "solicited", 0x20: "override"} {
			if l.Flags&bit != 0 {
				out.Flags = append(out.Flags, name)
			}
		}
		slices.Sort(out.Flags)
	case 137:
		var l layers.ICMPv6Redirect
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		opts, out.Target, out.Destination = l.Options, l.TargetAddress.String(), l.DestinationAddress.String()
	default:
		return nil
	}
	for _, o := range opts {
		switch o.Type {
		case layers.ICMPv6OptSourceAddress:
			out.SourceLinkAddr = net.HardwareAddr(o.Data).String()
		case layers.ICMPv6OptTargetAddress:
			out.TargetLinkAddr = net.HardwareAddr(o.Data).String()
		case layers.ICMPv6OptPrefixInfo:
			if len(o.Data) >= 30 {
				if a, ok := netip.AddrFromSlice(o.Data[14:30]); ok {
					out.Prefixes, out.PrefixesTotal = appendCapped(out.Prefixes, out.PrefixesTotal, netip.PrefixFrom(a, int(o.Data[0])).String())
				}
			}
		case layers.ICMPv6OptMTU:
			if len(o.Data) >= 6 {
				out.MTU = intp(int(binary.BigEndian.Uint32(o.Data[2:6])))
			}
		case layers.ICMPv6OptRecursiveDNSServer:
			for i := 6; i+16 <= len(o.Data); i += 16 {
				a, _ := netip.AddrFromSlice(o.Data[i : i+16])
				out.RDNSS, out.RDNSSTotal = appendCapped(out.RDNSS, out.RDNSSTotal, a.String())
			}
		default:
			out.OtherOptions, out.OtherTotal = appendCapped(out.OtherOptions, out.OtherTotal, int(o.Type))
		}
	}
	out.PrefixesTotal, out.RDNSSTotal, out.OtherTotal = cutTotal(out.PrefixesTotal), cutTotal(out.RDNSSTotal), cutTotal(out.OtherTotal)
	return out
}

// appendCapped appends v to a list of a packet record kept to maxListed
// items, counting every item in total.
func appendCapped[T any](list []T, total int, v T) ([]T, int) {
	if len(list) < maxListed {
		list = append(list, v)
	}
	return list, total + 1
}

// cutTotal is the total shown beside a capped list: only when the list
// was cut.
func cutTotal(total int) int {
	if total > maxListed {
		return total
	}
	return 0
}

// mld decodes multicast listener queries and reports.
func mld(m icmpMessage) *MLD {
	df := gopacket.NilDecodeFeedback
	switch m.typ {
	case 130, 131, 132:
		if len(m.rest) >= 20 {
			a, _ := netip.AddrFromSlice(m.rest[4:20])
			v := 1
			if m.typ == 130 && len(m.rest) >= 24 {
				v = 2
			}
			return &MLD{Version: v, Groups: []string{a.String()}}
		}
	case 143:
		var l layers.MLDv2MulticastListenerReportMessage
		if l.DecodeFromBytes(m.rest, df) != nil {
			return nil
		}
		out := &MLD{Version: 2, Groups: []string{}}
		for _, r := range l.MulticastAddressRecords {
			out.Groups, out.GroupsTotal = appendCapped(out.Groups, out.GroupsTotal, r.MulticastAddress.String())
		}
		out.GroupsTotal = cutTotal(out.GroupsTotal)
		return out
	}
	return nil
}

// latency summarizes the round-trip times, with their mean (the key icmp
// has that other modules' latencies omit).
func latency(r *result.Reservoir) *result.Latency {
	l := r.Latency()
	if l != nil {
		avg := round3(r.Mean())
		l.Avg = &avg
	}
	return l
}

// round3 rounds to three decimals (microseconds, for milliseconds).
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// addrs lists the first addresses counted, in order of appearance.
func addrs(c *result.Counter[netip.Addr]) []string {
	out := make([]string, 0, len(c.Order()))
	for _, a := range c.Order() {
		out = append(out, a.String())
	}
	return out
}

// statistics cover the whole capture, whatever the filters and paging.
func (o *observer) statistics() Statistics {
	var st Statistics
	st.ICMPTypeCounts, st.ByVersion = foldCounts(o.typeCountsByName(), "types"), o.byVersion
	st.UnreachableByCo = foldCounts(maps.Clone(o.unreachByCode), "codes")
	st.UniqueSourcesCount, st.UniqueDestinationsCount = o.sources.Distinct(), o.dests.Distinct()
	st.UniqueSources, st.UniqueDestinations = addrs(o.sources), addrs(o.dests)
	st.UnreachableDestsCount, st.UnreachableDests = o.unreach.Distinct(), addrs(o.unreach)
	st.EchoSessions = len(o.sessions)
	st.EchoRequests, st.EchoReplies, st.Errors, st.Malformed = o.echoReqs, o.echoReps, o.errors, o.malformed
	st.EchoLost = o.pending.Len() + o.pending.evicted
	st.RTTMs = latency(&o.rtt)
	type sk struct {
		k sessKey
		s *session
	}
	// The most active sessions, without copying and sorting them all.
	best := result.NewBest(maxUniqueListed, func(x, y sk) int {
		return cmp.Or(cmp.Compare(y.s.requests, x.s.requests), x.k.src.Compare(y.k.src), x.k.dst.Compare(y.k.dst), cmp.Compare(x.k.id, y.k.id))
	})
	for k, s := range o.sessions {
		best.Add(sk{k, s})
	}
	st.EchoPairs = map[string]EchoCount{}
	for _, e := range best.Sorted() {
		ec := EchoCount{Requests: e.s.requests, Replies: e.s.replies}
		if e.s.replies > 0 {
			v := round3(e.s.rttSum / float64(e.s.replies))
			ec.AvgRTTMs = &v
		}
		st.EchoPairs[fmt.Sprintf("%s > %s id %d", e.k.src, e.k.dst, e.k.id)] = ec
	}
	return st
}

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{File: in.PcapFile, TotalPackets: res.Packets, ICMPPacketsFound: o.found, ICMPPacketsAnalyzed: o.analyzed,
		Filters: c.filters, Thresholds: c.th}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "ICMP")
	}
	if o.found == 0 {
		out.Message = "No ICMP packets found"
	}
	out.Statistics = o.statistics()

	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	pairs := slices.Clone(o.pairOrder)
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].sent > pairs[j].sent })
	out.PairsTotal = len(pairs)
	out.HostPairs = []HostPair{}
	for i, ps := range pairs {
		if i == maxUniqueListed {
			break
		}
		hp := HostPair{Source: ps.key.src.String(), Destination: ps.key.dst.String(), Sent: ps.sent, Received: ps.recv, Errored: ps.errored, Identifiers: len(ps.ids)}
		if lost := max(ps.sent-ps.recv-ps.errored, 0); lost > 0 {
			// Never 0 for a loss: a share too small for three decimals
			// keeps its digits.
			if hp.LossPercent = round3(100 * float64(lost) / float64(ps.sent)); hp.LossPercent == 0 {
				hp.LossPercent = 100 * float64(lost) / float64(ps.sent)
			}
		}
		if ps.recv > 0 {
			mn, mx, avg := ps.rttMin, ps.rttMax, round3(ps.rttS/float64(ps.recv))
			hp.MinRTTMs, hp.AvgRTTMs, hp.MaxRTTMs = &mn, &avg, &mx
		}
		out.HostPairs = append(out.HostPairs, hp)
	}
	out.Traceroutes, out.TraceroutesTotal = []Traceroute{}, len(o.routeOrder)
	for i, r := range o.routeOrder {
		if i == maxRoutesListed {
			break
		}
		out.Traceroutes = append(out.Traceroutes, r.traceroute())
	}
	out.Anomalies = o.run.Conclude(o)
	out.Warnings = append(warnings, o.stateWarnings()...)
	return out
}

// traceroute is the path of r: its hops by probe TTL where every TTL is
// known, numbered in order of appearance otherwise, then the destination
// when it answered.
func (r *route) traceroute() Traceroute {
	tr := Traceroute{Source: r.src.String(), Destination: r.dst.String(), Protocol: protoName(r.proto), Reached: r.reached, Hops: slices.Clone(r.hops)}
	known := true
	for _, h := range tr.Hops {
		known = known && h.TTL > 0
	}
	if known {
		sort.SliceStable(tr.Hops, func(i, j int) bool { return tr.Hops[i].TTL < tr.Hops[j].TTL })
	} else {
		for i := range tr.Hops {
			tr.Hops[i].TTL = i + 1
		}
	}
	if r.dest != nil {
		d := *r.dest
		d.RTTMs = slices.Clone(d.RTTMs)
		if last := len(tr.Hops); !known || d.TTL == 0 || last > 0 && d.TTL <= tr.Hops[last-1].TTL {
			d.TTL = 1
			if last > 0 {
				d.TTL = tr.Hops[last-1].TTL + 1
			}
		}
		tr.Hops = append(tr.Hops, d)
	}
	return tr
}

// stateWarnings says which tables reached their bound under the state
// budget, and what is partial for it.
func (o *observer) stateWarnings() []string {
	var w []string
	budget := "(state budget, --max-state-bytes)"
	if n := o.pending.evicted; n > 0 {
		w = append(w, fmt.Sprintf("%s echo requests were evicted unanswered, the longest outstanding first, past %s outstanding %s: they count in echo_unanswered, and a later reply to one is not matched",
			commas(n), commas(o.cfg.lim.pending), budget))
	}
	if o.pairsRefused > 0 {
		w = append(w, fmt.Sprintf("host pairs past the first %s were not tracked %s: their %s echo requests count in the statistics but not in host_pairs, icmp_flood or icmp_tunneling_suspected",
			commas(len(o.pairs)), budget, commas(o.pairsRefused)))
	}
	if o.sessionRefused > 0 {
		w = append(w, fmt.Sprintf("echo sessions past the first %s were not tracked %s: echo_sessions and echo_pairs leave out %s echo requests",
			commas(len(o.sessions)), budget, commas(o.sessionRefused)))
	}
	for _, c := range []struct {
		name string
		n    *result.Counter[netip.Addr]
	}{{"unique_sources_count", o.sources}, {"unique_destinations_count", o.dests}, {"unreachable_destinations_count", o.unreach}} {
		if c.n.Capped() {
			w = append(w, fmt.Sprintf("%s counts the first %s distinct addresses only %s: it is a lower bound", c.name, commas(c.n.Distinct()), budget))
		}
	}
	if n := o.probes.evicted; n > 0 {
		w = append(w, fmt.Sprintf("%s low-TTL datagrams (possible traceroute probes) were forgotten, the longest idle first, past %s %s: a time-exceeded reply to one shows no TTL or RTT",
			commas(n), commas(o.cfg.lim.probes), budget))
	}
	if o.routesRefused > 0 {
		w = append(w, fmt.Sprintf("traceroutes past the first %s were not tracked %s: %s time-exceeded messages are not in traceroutes",
			commas(len(o.routes)), budget, commas(o.routesRefused)))
	}
	return append(w, o.detWarnings...)
}

// maxCountKeys is how many keys a count map of the statistics shows; a
// capture of every type and code cannot make the summary grow past it.
const maxCountKeys = 24

// foldCounts keeps the maxCountKeys-1 largest counts of m (ties by name)
// and folds the rest into one key, "Other <what> (N)", when m has more
// than maxCountKeys keys.
func foldCounts(m map[string]int, what string) map[string]int {
	if len(m) <= maxCountKeys {
		return m
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	out, other := map[string]int{}, 0
	for i, k := range keys {
		if i < maxCountKeys-1 {
			out[k] = m[k]
		} else {
			other += m[k]
		}
	}
	out[fmt.Sprintf("Other %s (%d)", what, len(keys)-(maxCountKeys-1))] = other
	return out
}

// typeCountsByName names the message types counted: ICMPv6 names begin
// with "ICMPv6 ".
func (o *observer) typeCountsByName() map[string]int {
	out := map[string]int{}
	for v6, counts := range o.typeCounts {
		for typ, n := range counts {
			if n == 0 {
				continue
			}
			name := typeName(v6 == 1, uint8(typ))
			if v6 == 1 {
				name = "ICMPv6 " + name
			}
			out[name] += n
		}
	}
	return out
}
