package tcp

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// view is a connection oriented client to server, with its outcome.
type view struct {
	c              *conn
	cl, sv         int // flow indexes of the client and server sides
	client, server netip.AddrPort
	source         string
	filterMatched  bool
	tcpState       string
	state          string // mcpcap's: closed or active
	closeReason    string
	complete       bool
}

// wellKnownServerPorts are service ports above 1023 that mark the server
// side of a connection whose handshake was not captured.
var wellKnownServerPorts = map[uint16]bool{
	1433: true, 1521: true, 1883: true, 2049: true, 2375: true, 2376: true, 3000: true, 3128: true, 3306: true, 3389: true,
	5060: true, 5061: true, 5432: true, 5671: true, 5672: true, 5900: true, 6379: true, 6443: true, 8000: true, 8008: true,
	8080: true, 8081: true, 8443: true, 8888: true, 9000: true, 9092: true, 9200: true, 9300: true, 11211: true, 27017: true,
}

// orient decides which side of c is the server: the filter's server when
// given, else the SYN's receiver, else the SYN-ACK's sender, else the
// well-known or lower port, else the first packet's destination.
func orient(c *conn, f *connFilter) *view {
	v := &view{c: c}
	matchEnd := func(e netip.AddrPort) bool {
		return (!f.serverIP.IsValid() || e.Addr() == f.serverIP) && (f.serverPort == 0 || e.Port() == f.serverPort)
	}
	switch {
	case (f.serverIP.IsValid() || f.serverPort != 0) && (matchEnd(c.a) || matchEnd(c.b)):
		v.sv, v.source, v.filterMatched = 1, "server_filter", true
		if !matchEnd(c.b) {
			v.sv = 0
		}
	case c.synDir >= 0:
		v.sv, v.source = 1-int(c.synDir), "syn"
	case c.synAckDir >= 0:
		v.sv, v.source = int(c.synAckDir), "syn_ack"
	case c.a.Port() != c.b.Port():
		v.sv, v.source = 1, "port"
		pa, pb := c.a.Port(), c.b.Port()
		switch {
		case (pa < 1024) != (pb < 1024):
			if pa < 1024 {
				v.sv = 0
			}
		case wellKnownServerPorts[pa] != wellKnownServerPorts[pb]:
			if wellKnownServerPorts[pa] {
				v.sv = 0
			}
		case pa < pb:
			v.sv = 0
		}
	default:
		v.sv, v.source = 1, "first_packet"
	}
	v.cl = 1 - v.sv
	ends := [2]netip.AddrPort{c.a, c.b}
	v.client, v.server = ends[v.cl], ends[v.sv]
	v.complete = c.ackFrame != 0
	data := c.f[0].st.dataPackets + c.f[1].st.dataPackets
	switch {
	case c.rstFrame != 0:
		v.tcpState = "reset"
		if c.rstState == phaseSynSent && c.synDir >= 0 && c.rstDir != c.synDir {
			v.tcpState = "refused"
		}
	case c.finFrame[0] != 0 && c.finFrame[1] != 0:
		v.tcpState = "closed"
	case c.finFrame[0] != 0 || c.finFrame[1] != 0:
		v.tcpState = "half_closed"
	case c.synFrame != 0 && c.synAckFrame == 0:
		v.tcpState = "syn_sent"
	case c.synAckFrame != 0 && !v.complete && data == 0:
		v.tcpState = "syn_received"
	case c.synFrame == 0 && c.synAckFrame == 0:
		v.tcpState = "midstream"
	default:
		v.tcpState = "established"
	}
	v.state = "active"
	if c.rstFrame != 0 || c.finFrame[0] != 0 || c.finFrame[1] != 0 {
		v.state = "closed"
	}
	v.closeReason = closeReasons[v.tcpState]
	if v.closeReason == "" {
		v.closeReason = "active"
	}
	return v
}

// closeReasons maps a connection's final TCP state to its close_reason.
var closeReasons = map[string]string{"reset": "reset", "refused": "refused", "closed": "normal", "half_closed": "half_closed", "syn_sent": "unanswered"}

func (v *view) packets() int { return int(v.c.f[0].st.packets) + int(v.c.f[1].st.packets) }
func (v *view) bytes() int64 { return v.c.f[0].st.bytes + v.c.f[1].st.bytes }
func (v *view) retrans() int { return v.c.f[0].st.retrans() + v.c.f[1].st.retrans() }

// lossRetrans is retrans without the spurious retransmissions (data the
// receiver had already acknowledged: duplicated frames, early timers),
// which are not loss.
func (v *view) lossRetrans() int {
	return v.retrans() - v.c.f[0].st.count(aSpuriousRetransmission) - v.c.f[1].st.count(aSpuriousRetransmission)
}

// flagCounts is how many segments of both directions carried each flag.
func (v *view) flagCounts() (out [numFlags]int) {
	for d := range v.c.f {
		for i, n := range v.c.f[d].st.flagCounts() {
			out[i] += n
		}
	}
	return out
}
func (v *view) duration() int64 {
	return v.c.lastTime - v.c.firstTime
}

// label is "client <-> server".
func (v *view) label() string { return v.client.String() + " <-> " + v.server.String() }

// handshakeRTT is the time from the latest SYN before the SYN-ACK to the
// client's ACK of it.
func (v *view) handshakeRTT() *float64 {
	c := v.c
	if !v.complete || c.synFrame == 0 {
		return nil
	}
	ms := msOf(c.ackTime - c.synBeforeSynAck)
	return &ms
}

// handshakeLatencies is the handshake RTT of every complete handshake (the
// values behind the summary's median), at the time of the client's ACK.
func (r *results) handshakeLatencies() modkit.Latencies {
	res := result.Reservoir{Cap: len(r.views)}
	for _, v := range r.views {
		if rtt := v.handshakeRTT(); rtt != nil {
			res.AddAt(v.c.ackTime, *rtt)
		}
	}
	return modkit.LatenciesOf("tcp handshake rtt", &res)
}

// analysisCounts turns per-flag counts into a map of the non-zero ones (of
// all of them when all). "retransmission" counts what Wireshark's
// tcp.analysis.retransmission matches: plain, fast and spurious
// retransmissions (the last two are also counted under their own names).
func analysisCounts(counts *[numFlags]int, all bool) map[string]int {
	m := map[string]int{}
	for i, n := range counts {
		if aflag(1<<i) == aRetransmission {
			n += counts[flagIndex(aFastRetransmission)] + counts[flagIndex(aSpuriousRetransmission)]
		}
		if n > 0 || all {
			m[flagNames[i]] = n
		}
	}
	return m
}

func (v *view) record(detailed bool) Connection {
	c := v.c
	cs, ss := &c.f[v.cl].st, &c.f[v.sv].st
	counts := v.flagCounts()
	r := Connection{
		Stream: int(c.stream), Client: v.client.String(), Server: v.server.String(), DirectionSource: v.source,
		State: v.state, TCPState: v.tcpState, HandshakeComplete: v.complete,
		SynCount: int(cs.syn) + int(ss.syn), SynAckCount: int(cs.synAck) + int(ss.synAck), AckCount: int(cs.ack) + int(ss.ack),
		RstCount: int(cs.rst) + int(ss.rst), FinCount: int(cs.fin) + int(ss.fin), DataPackets: int(cs.dataPackets) + int(ss.dataPackets),
		Retransmissions: v.retrans(), CloseReason: v.closeReason, PacketCount: int(cs.packets) + int(ss.packets),
		FirstPacket: int(c.firstFrame), LastPacket: int(c.lastFrame),
		StartTime: result.FormatTime(nsTime(c.firstTime)), EndTime: result.FormatTime(nsTime(c.lastTime)),
		DurationSeconds: secondsOf(v.duration()),
		BytesToServer:   cs.bytes, BytesToClient: ss.bytes, PayloadToServer: cs.payload, PayloadToClient: ss.payload,
		HandshakeRTTMs: v.handshakeRTT(), ReusedPorts: c.reused, SeenOnlyInICMP: c.icmpOnly,
		Analysis: analysisCounts(&counts, false),
	}
	if c.rstFrame != 0 {
		r.ResetBy = "client"
		if int(c.rstDir) == v.sv {
			r.ResetBy = "server"
		}
		r.ResetInState, r.ResetPacket = c.rstState.String(), int(c.rstFrame)
	}
	if detailed {
		d := &ConnDetail{ClientToServer: v.direction(v.cl), ServerToClient: v.direction(v.sv)}
		h := &d.Handshake
		h.SynPacket, h.SynAckPacket, h.AckPacket = int(c.synFrame), int(c.synAckFrame), int(c.ackFrame)
		if c.synFrame != 0 && c.synAckFrame != 0 {
			ms := msOf(c.synAckTime - c.synBeforeSynAck)
			h.SynToSynAckMs = &ms
		}
		if c.synAckFrame != 0 && c.ackFrame != 0 {
			ms := msOf(c.ackTime - c.synAckTime)
			h.SynAckToAckMs = &ms
		}
		if c.tsFirstRtt != 0 {
			ms := msOf(c.tsFirstRtt)
			h.WiresharkIRTMs = &ms
		}
		r.Detail = d
	}
	return r
}

func (v *view) direction(i int) Direction {
	st := &v.c.f[i].st
	counts := st.flagCounts()
	d := Direction{Packets: int(st.packets), Bytes: st.bytes, PayloadBytes: st.payload, DataPackets: int(st.dataPackets),
		Syn: int(st.syn) + int(st.synAck), Fin: int(st.fin), Rst: int(st.rst), MSS: int(st.mss), SackPermitted: st.sackPerm, Timestamps: st.timestamps,
		Analysis: analysisCounts(&counts, false), ZeroWindowMaxMs: msOf(st.zeroWinMax), EndsInZeroWindow: st.zeroWinStart != 0}
	if st.wscale >= 0 {
		ws := int(st.wscale)
		d.WindowScale = &ws
	}
	if dur := v.duration(); dur > 0 {
		d.ThroughputBps = math.Round(float64(st.payload*8)/secondsOf(dur)*10) / 10
	}
	return d
}

// results is one pass's outcome, oriented and filtered for one call.
type results struct {
	o     *observer
	f     *connFilter
	views []*view // matching connections, in stream order
	match []*view // by stream number (streams are 0..n-1): nil when not matching

	servers *[]*serverAttempts // see attempts; nil until asked for
}

func newResults(o *observer, f *connFilter) *results {
	r := &results{o: o, f: f, match: make([]*view, len(o.t.conns))}
	for _, c := range o.t.conns {
		v := orient(c, f)
		if f.matches(v) {
			r.views = append(r.views, v)
			r.match[c.stream] = v
		}
	}
	return r
}

func (r *results) packets() int {
	n := 0
	for _, v := range r.views {
		n += v.packets()
	}
	return n
}

func (r *results) summary() Summary {
	s := Summary{TotalConnections: len(r.views), ConnectionsByTCPState: map[string]int{}}
	var rtts []float64
	for _, v := range r.views {
		c := v.c
		s.ConnectionsByTCPState[v.tcpState]++
		if v.complete {
			s.SuccessfulHandshakes++
			if rtt := v.handshakeRTT(); rtt != nil {
				rtts = append(rtts, *rtt)
			}
		} else if c.synFrame != 0 {
			s.FailedHandshakes++
		}
		if c.rstFrame != 0 {
			s.ResetConnections++
		}
		switch v.tcpState {
		case "closed":
			s.NormalClose++
		case "refused":
			s.RefusedConnections++
		case "syn_sent":
			s.UnansweredSyns++
		case "syn_received":
			s.HalfOpen++
		case "midstream":
			s.Midstream++
		}
		if v.state == "active" {
			s.ActiveConnections++
		}
		if c.reused {
			s.ReusedPorts++
		}
		if c.icmpOnly {
			s.SeenOnlyInICMP++
		}
		s.TotalRetransmissions += v.retrans()
	}
	s.EstablishedConns = s.SuccessfulHandshakes
	if len(rtts) > 0 {
		slices.Sort(rtts)
		m := rtts[len(rtts)/2]
		if len(rtts)%2 == 0 {
			m = (rtts[len(rtts)/2-1] + m) / 2
		}
		s.HandshakeRTTMsMedian = &m
	}
	s.UntrackedSegments = r.o.t.untracked
	return s
}

// sortViews orders views for the connections list.
func sortViews(vs []*view, by string) []*view {
	out := slices.Clone(vs)
	key := func(v *view) int64 {
		switch by {
		case "bytes":
			return v.bytes()
		case "packets":
			return int64(v.packets())
		case "retransmissions":
			return int64(v.retrans())
		case "duration":
			return v.duration()
		}
		return 0
	}
	if by != "stream" {
		sort.SliceStable(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	}
	return out
}

// segments lists the flagged segments of matching connections that pass
// keep, in capture order.
func (r *results) segments(keep func(e *event) bool) []*event {
	var out []*event
	for i := range r.o.events {
		e := &r.o.events[i]
		v := r.match[int(e.stream)]
		if v == nil {
			continue
		}
		if r.f.start != 0 && e.ts < r.f.start || r.f.end != 0 && e.ts > r.f.end {
			continue
		}
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func (r *results) flagged(e *event) FlaggedSegment {
	v := r.match[int(e.stream)]
	ends := [2]netip.AddrPort{v.c.a, v.c.b}
	d := int(e.dir)
	dir := "client_to_server"
	if d == v.sv {
		dir = "server_to_client"
	}
	return FlaggedSegment{PacketNumber: int(e.frame), Timestamp: result.FormatTime(nsTime(e.ts)), Stream: int(e.stream),
		Src: ends[d].String(), Dst: ends[1-d].String(), Direction: dir, TCPFlags: tcpFlagString(e.tcp), Flags: e.flags.names(), Seq: e.relSeq, Len: e.seglen}
}

func pageFlagged(r *results, evs []*event, offset, limit int) ([]FlaggedSegment, result.Page) {
	page, pg := result.Paginate(evs, offset, limit)
	out := make([]FlaggedSegment, len(page))
	for i, e := range page {
		out[i] = r.flagged(e)
	}
	return out, pg
}

// warnings adds the pass's own limits to the engine's warnings.
func (r *results) warnings(base []string) []string {
	out := append([]string{}, base...)
	if n := r.o.t.untracked; n > 0 {
		out = append(out, fmt.Sprintf("%d connections tracked under the state budget (--max-state-bytes): %d segments of later connections (%d of them SYNs) were counted "+
			"but not tracked; connection counts, summaries and detectors cover the tracked connections only", r.o.t.max, n, r.o.t.untrackedSyns))
	}
	if n := r.o.eventsDropped; n > 0 {
		out = append(out, fmt.Sprintf("%d flagged segments past the first %d (state budget, --max-state-bytes) are counted in analysis_counts but not listed", n, r.o.maxEvents))
	}
	if n := r.o.t.budget.refused; n > 0 {
		out = append(out, fmt.Sprintf("%d unacknowledged segments past the state budget (--max-state-bytes) were counted but not remembered; "+
			"sequence analysis of connections with over 10,000 unacknowledged segments may differ from Wireshark's", n))
	}
	if n := r.o.skipped; n > 0 {
		out = append(out, fmt.Sprintf("%s: %d later TCP segments were not analysed", modkit.MaxPacketsNote(r.o.maxPackets, "TCP"), n))
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// topN keeps the n largest counts of m.
func topN(m map[string]int, n int) map[string]int {
	if len(m) <= n {
		return m
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	out := map[string]int{}
	for _, k := range keys[:n] {
		out[k] = m[k]
	}
	return out
}
