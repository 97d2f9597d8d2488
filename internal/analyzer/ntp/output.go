package ntp

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// maxPeersListed is how many peers a PEER_LIST_SUM record lists.
const maxPeersListed = 8

func intp(v int) *int             { return &v }
func floatp(v float64) *float64   { return &v }
func ms(seconds float64) *float64 { return floatp(round3(seconds * 1000)) }

// round3 rounds v to three decimals.
func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	return r + 0 // no negative zero
}

func formatTS(ts uint64) string {
	if t, ok := timeOf(ts); ok {
		return result.FormatTime(t)
	}
	return ""
}

// record builds the packet record of the message being observed.
func record(p *engine.Packet, m *message, e *event) Packet {
	r := Packet{
		PacketNumber: p.Number, Timestamp: result.FormatTime(p.Timestamp),
		SrcIP: result.Addr(e.src.Addr()), DstIP: result.Addr(e.dst.Addr()), SrcPort: int(e.src.Port()), DstPort: int(e.dst.Port()),
		Size: m.size, Version: int(m.version), Mode: int(m.mode), ModeName: m.mode.String(),
	}
	if e.malformed != nil {
		r.Malformed = e.malformed.Error()
	}
	switch {
	case m.size == 0:
		r.ModeName = ""
	case m.mode == ModeControl && (e.malformed == nil || e.malformed == errControlCount):
		c := m.ctl
		r.Control = &Control{Response: c.response, Error: c.err, More: c.more, Opcode: int(c.opcode), OpcodeName: controlOpName(c.opcode),
			Sequence: int(c.seq), Status: int(c.status), AssociationID: int(c.assoc), Offset: int(c.offset), Count: int(c.count)}
	case m.mode == ModePrivate && (e.malformed == nil || e.malformed == errPrivateItems):
		v := m.priv
		r.Private = &Private{Response: v.response, More: v.more, Authenticated: v.auth, Sequence: int(v.seq), Implementation: int(v.impl),
			RequestCode: int(v.reqcode), RequestName: privateCodeName(v.reqcode), Error: int(v.errCode), Items: int(v.items), ItemSize: int(v.itemSize)}
		if e.malformed == nil {
			var n int
			r.Private.Peers, n = peers(m, maxPeersListed)
			if n > len(r.Private.Peers) {
				r.Private.PeersTotal = n
			}
		}
	case !m.hasHeader && m.mode < ModeControl && m.size >= 2 && p.UDP != nil:
		r.Stratum = intp(int(p.UDP.Payload[1])) // a header cut short: its stratum, as tshark shows it
	case m.hasHeader:
		h := &m.hdr
		r.Leap = leapNames[m.leap]
		r.Stratum = intp(int(h.Stratum))
		r.PollSeconds = floatp(log2Seconds(int8(h.Poll)))
		r.Precision = floatp(log2Seconds(int8(h.Precision)))
		r.RootDelayMs = floatp(round3(short(uint32(h.RootDelay)) * 1000))
		r.RootDispersionMs = floatp(round3(short(uint32(h.RootDispersion)) * 1000))
		text, addr := refID(uint8(h.Stratum), uint32(h.ReferenceID))
		r.ReferenceID = addr
		if addr == "" {
			r.ReferenceID = result.TextBytes(text, 8)
		}
		if h.Stratum == 0 && m.mode != ModeClient {
			r.KissCode = kissCodes[string(text)]
		}
		r.ReferenceTime, r.OriginTime = formatTS(uint64(h.ReferenceTimestamp)), formatTS(uint64(h.OriginTimestamp))
		r.ReceiveTime, r.TransmitTime = formatTS(uint64(h.ReceiveTimestamp)), formatTS(uint64(h.TransmitTimestamp))
		r.TrailerBytes = m.size - headerLen
	}
	if ex := e.ex; ex != nil {
		r.RequestPacket = intp(ex.reqFrame)
		if ex.timed {
			r.OffsetMs, r.DelayMs = ms(ex.offset), ms(ex.delay)
		}
	}
	return r
}

// latency summarizes a reservoir of milliseconds with its mean, rounded
// to the microsecond; nil when empty.
func latency(r *result.Reservoir) *result.Latency {
	l := r.Latency()
	if l == nil {
		return nil
	}
	l.Min, l.Median, l.P95, l.Max = round3(l.Min), round3(l.Median), round3(l.P95), round3(l.Max)
	l.Avg = floatp(round3(r.Mean()))
	return l
}

// kissKey is a stratum-0 reference id as a statistics key.
func kissKey(text []byte) string {
	if len(text) == 0 {
		return "(empty)"
	}
	return result.TextBytes(text, 8)
}

// statistics returns the statistics of the whole capture.
func (o *observer) statistics() Statistics {
	o.finish()
	st := Statistics{
		ByMode: map[string]int{}, ByVersion: map[string]int{}, ByStratum: map[string]int{}, ByLeap: map[string]int{}, KissCodes: o.kiss,
		Requests: o.requests, Responses: o.responses, Exchanges: o.exchanges, Unanswered: o.unanswered(), UnmatchedResponses: o.unmatched,
		OffsetMs: latency(&o.offsets), DelayMs: latency(&o.delays),
		ControlRequests: o.ctlReq, ControlResponses: o.ctlResp, PrivateRequests: o.privReq, PrivateResponses: o.privResp, MonlistResponses: o.monlist,
		UniqueClients: o.clients.Distinct(), Malformed: o.malformed,
	}
	for i, n := range o.byMode {
		if n > 0 {
			st.ByMode[Mode(i).String()] = n
		}
	}
	for i, n := range o.byVersion {
		if n > 0 {
			st.ByVersion["v"+strconv.Itoa(i)] = n
		}
	}
	for s, n := range o.byStratum {
		st.ByStratum[strconv.Itoa(s)] = n
	}
	for i, n := range o.byLeap {
		if n > 0 {
			st.ByLeap[leapNames[i]] = n
		}
	}
	for _, s := range o.serverOrder {
		if s.responses > 0 || s.controlResponses > 0 {
			st.UniqueServers++
		}
	}
	return st
}

// findings concludes the detectors (once).
func (o *observer) findings() []result.Finding {
	o.finish()
	return o.run.Conclude(o)
}

func (o *observer) server(s *serverStat) Server {
	out := Server{
		Address: result.Addr(s.addr), Requests: s.requests, Responses: s.responses, Unanswered: s.unanswered, Clients: s.clients,
		Versions: []int{}, KissCodes: s.kiss, OffsetMs: latency(&s.offsets), DelayMs: latency(&s.delays), ControlBytes: s.controlBytes,
		FirstSeen: result.FormatTime(s.first), LastSeen: result.FormatTime(s.lastSeen),
	}
	for v, n := range s.versions {
		if n > 0 {
			out.Versions = append(out.Versions, v)
		}
	}
	if s.hasLast {
		h := &s.last
		out.Stratum = intp(int(h.Stratum))
		text, addr := refID(uint8(h.Stratum), uint32(h.ReferenceID))
		out.ReferenceID = addr
		if addr == "" {
			out.ReferenceID = result.TextBytes(text, 8)
		}
		out.Leap = leapNames[h.LeapIndicator&3]
		out.RootDelayMs = floatp(round3(short(uint32(h.RootDelay)) * 1000))
		out.RootDispersionMs = floatp(round3(short(uint32(h.RootDispersion)) * 1000))
	}
	return out
}

// output builds the result after the pass.
func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	st := o.statistics()
	anomalies := o.findings()
	out := &Output{
		File: in.PcapFile, TotalPackets: res.Packets, NTPPacketsFound: o.found, NTPPacketsAnalyzed: o.analyzed,
		Warnings: warnings, Statistics: st, Anomalies: anomalies, Servers: []Server{}, ServersTotal: len(o.serverOrder),
		Filters: o.cfg.filters, Thresholds: o.cfg.th,
	}
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		out.Note = modkit.MaxPacketsNote(o.cfg.maxPackets, "NTP")
	}
	if o.found == 0 {
		out.Message = "No NTP packets found in this capture"
	}
	for i, s := range o.serversByTraffic() {
		if i == maxServersListed {
			break
		}
		out.Servers = append(out.Servers, o.server(s))
	}
	out.Warnings = append(out.Warnings, o.limitWarnings()...)
	out.Warnings = append(out.Warnings, o.detWarnings...)
	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, o.cfg.offset, o.cfg.limit, len(o.page))
	return out
}

// limitWarnings says which tables reached their bound, and what is partial.
func (o *observer) limitWarnings() []string {
	var w []string
	if o.evicted > 0 {
		w = append(w, fmt.Sprintf("%d client request(s) were forgotten before any response, past %d waiting (state budget, --max-state-bytes): they count as unanswered and a later response to them is unmatched", o.evicted, o.cfg.lim.pending))
	}
	if o.serversRefused > 0 {
		w = append(w, fmt.Sprintf("servers past the first %d were not tracked (state budget, --max-state-bytes): %d of their messages count in the statistics, not in servers", o.cfg.lim.servers, o.serversRefused))
	}
	if o.pairsCapped {
		w = append(w, "clients per server were not all counted (state budget, --max-state-bytes, or 10,000 per server): servers[].clients is a lower bound")
	}
	if o.clients.Capped() {
		w = append(w, fmt.Sprintf("distinct clients past %d were not counted (state budget, --max-state-bytes): unique_clients is a lower bound", o.clients.Distinct()))
	}
	return w
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
