package tcp

import (
	"cmp"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// anomalyStatistics are mcpcap's statistics of analyze_tcp_anomalies.
func (r *results) anomalyStatistics() AnomalyStatistics {
	s := AnomalyStatistics{TotalConnections: len(r.views), ConnectionStates: map[string]int{"established": 0, "reset": 0, "closed": 0, "unknown": 0}}
	rd := &s.RstDistribution
	rd.BySource, rd.ByDirection = map[string]int{}, map[string]int{"to_server": 0, "from_server": 0, "unknown": 0}
	rd.ConnectionsWithRst = []string{}
	byConn := map[string]int{}
	for _, v := range r.views {
		c := v.c
		s.TotalPackets += v.packets()
		switch {
		case v.complete:
			s.Handshake.Successful++
		case c.synFrame != 0:
			s.Handshake.Failed++
		default:
			s.Handshake.Incomplete++
		}
		ends := [2]netip.AddrPort{c.a, c.b}
		for d := range c.f {
			st := &c.f[d].st
			s.Flags.Syn += int(st.syn)
			s.Flags.SynAck += int(st.synAck)
			s.Flags.Rst += int(st.rst)
			s.Flags.Fin += int(st.fin)
			s.Flags.Ack += int(st.ack)
			if rst := int(st.rst); rst > 0 {
				rd.BySource[ends[d].Addr().String()] += rst
				switch {
				case v.source == "first_packet":
					rd.ByDirection["unknown"] += rst
				case d == v.cl:
					rd.ByDirection["to_server"] += rst
				default:
					rd.ByDirection["from_server"] += rst
				}
			}
		}
		if c.rstFrame != 0 {
			rd.ConnectionsWithRstLen++
			if len(rd.ConnectionsWithRst) < 50 {
				rd.ConnectionsWithRst = append(rd.ConnectionsWithRst, v.label())
			}
		}
		if n := v.retrans(); n > 0 {
			byConn[v.label()] += n
			s.Retransmissions.Total += n
		}
		switch {
		case c.rstFrame != 0:
			s.ConnectionStates["reset"]++
		case c.finFrame[0] != 0 || c.finFrame[1] != 0:
			s.ConnectionStates["closed"]++
		case v.complete || v.tcpState == "established" || v.tcpState == "midstream":
			s.ConnectionStates["established"]++
		default:
			s.ConnectionStates["unknown"]++
		}
	}
	rd.BySource = topN(rd.BySource, 20)
	s.Retransmissions.ByConnection = topN(byConn, 20)
	s.Retransmissions.Rate = round3(ratio(s.Retransmissions.Total, s.TotalPackets))
	return s
}

// patterns are mcpcap's observations, computed from correct counts.
func (r *results) patterns(s *AnomalyStatistics, th analyzer.Thresholds) ([]Pattern, PatternSummary) {
	minRate := th.Get(retransMinRate)
	ps := []Pattern{}
	sum := PatternSummary{ByCategory: map[string]int{}, Notable: []Notable{}}
	add := func(p Pattern) {
		ps = append(ps, p)
		sum.ByCategory[p.Category]++
	}
	rd := s.RstDistribution.ByDirection
	if total := rd["to_server"] + rd["from_server"]; total > 0 {
		share := ratio(max(rd["to_server"], rd["from_server"]), total)
		who := "clients"
		if rd["from_server"] > rd["to_server"] {
			who = "servers"
		}
		add(Pattern{Pattern: "rst_directional_asymmetry", Category: "connection_termination",
			Observations: map[string]any{"to_server": rd["to_server"], "from_server": rd["from_server"], "dominant_share": round3(share)},
			Description:  fmt.Sprintf("%d RSTs sent by clients, %d by servers", rd["to_server"], rd["from_server"])})
		if share >= 0.8 && total >= 5 {
			sum.Notable = append(sum.Notable, Notable{Type: "strong_rst_asymmetry", Detail: fmt.Sprintf("%.0f%% of %d RSTs were sent by %s", 100*share, total, who)})
		}
	}
	if rt := s.Retransmissions; rt.Total > 0 {
		add(Pattern{Pattern: "packet_retransmission", Category: "reliability",
			Observations: map[string]any{"retransmissions": rt.Total, "rate": rt.Rate, "connections_affected": len(rt.ByConnection)},
			Description:  fmt.Sprintf("%d of %d segments are retransmissions (%s)", rt.Total, s.TotalPackets, result.Percent(rt.Total, s.TotalPackets))})
		if rt.Rate >= minRate {
			sum.Notable = append(sum.Notable, Notable{Type: "high_retransmission", Detail: fmt.Sprintf("retransmission rate %.1f%% is at or above %.1f%%", 100*rt.Rate, 100*minRate)})
		}
	}
	if hs := s.Handshake; hs.Successful+hs.Failed > 0 {
		add(Pattern{Pattern: "handshake_completion", Category: "connection_establishment",
			Observations: map[string]any{"successful": hs.Successful, "failed": hs.Failed, "completion_rate": round3(ratio(hs.Successful, hs.Successful+hs.Failed))},
			Description:  fmt.Sprintf("%d of %d connection attempts completed the handshake", hs.Successful, hs.Successful+hs.Failed)})
	}
	if reset := s.ConnectionStates["reset"]; s.TotalConnections > 0 && ratio(reset, s.TotalConnections) > 0.1 {
		add(Pattern{Pattern: "abnormal_termination", Category: "connection_termination",
			Observations: map[string]any{"reset_connections": reset, "total_connections": s.TotalConnections, "rate": round3(ratio(reset, s.TotalConnections))},
			Description:  fmt.Sprintf("%d of %d connections (more than 10%%) ended with a RST", reset, s.TotalConnections)})
	}
	if f := s.Flags; f.Syn >= 5 && ratio(f.SynAck, f.Syn) < 0.5 {
		add(Pattern{Pattern: "syn_response_imbalance", Category: "connection_establishment",
			Observations: map[string]any{"syn": f.Syn, "syn_ack": f.SynAck, "ratio": round3(ratio(f.SynAck, f.Syn))},
			Description:  fmt.Sprintf("%d SYNs drew %d SYN-ACKs: many connection attempts went unanswered or were refused", f.Syn, f.SynAck)})
	}
	sum.TotalPatterns = len(ps)
	return ps, sum
}

func (r *results) retransmissionsOutput(file string, threshold float64, offset, limit, segOffset, segLimit int) *RetransmissionsOutput {
	out := &RetransmissionsOutput{File: file, Threshold: threshold, Filter: r.f.echo, Breakdown: map[string]int{}}
	var counts [numFlags]int
	var rows []ConnRetrans
	worst := -1.0
	for _, v := range r.views {
		p, n := v.packets(), v.retrans()
		out.TotalPackets += p
		out.TotalRetransmissions += n
		for i, k := range v.flagCounts() {
			counts[i] += k
		}
		if n == 0 {
			continue
		}
		cs, ss := &v.c.f[v.cl].st, &v.c.f[v.sv].st
		row := ConnRetrans{Connection: v.label(), Stream: int(v.c.stream), RetransCount: n, TotalPackets: p, RetransRate: round3(ratio(n, p)),
			Fast:           cs.count(aFastRetransmission) + ss.count(aFastRetransmission),
			Spurious:       cs.count(aSpuriousRetransmission) + ss.count(aSpuriousRetransmission),
			ClientToServer: cs.retrans(), ServerToClient: ss.retrans()}
		rows = append(rows, row)
		rate := ratio(n, p)
		if rate > threshold {
			out.Summary.ConnectionsAboveThreshold++
		}
		if rate > worst {
			worst = rate
			label := row.Connection
			out.Summary.WorstConnection, out.Summary.WorstRetransRate = &label, round3(rate)
		}
	}
	out.Summary.ConnectionsWithRetrans = len(rows)
	for _, fl := range []aflag{aRetransmission, aFastRetransmission, aSpuriousRetransmission, aOutOfOrder, aLostSegment, aDuplicateAck} {
		i := flagIndex(fl)
		out.Breakdown[flagNames[i]] = counts[i]
	}
	out.RetransmissionRate = round3(ratio(out.TotalRetransmissions, out.TotalPackets))
	out.ExceedsThreshold = ratio(out.TotalRetransmissions, out.TotalPackets) > threshold
	slices.SortStableFunc(rows, func(a, b ConnRetrans) int { return cmp.Compare(b.RetransCount, a.RetransCount) })
	out.ByConnection, out.ByConnectionPage = result.Paginate(rows, offset, limit)
	evs := r.segments(func(e *event) bool { return e.flags&anyRetransmission != 0 })
	out.Segments, out.SegmentsPage = pageFlagged(r, evs, segOffset, segLimit)
	return out
}

// flagIndex is the bit number of a single flag.
func flagIndex(f aflag) int { return bits.TrailingZeros16(uint16(f)) }

func (r *results) flowOutput(in FlowInput, offset, limit int) *FlowOutput {
	out := &FlowOutput{File: in.PcapFile, Filter: r.f.echo}
	port := "any"
	if r.f.serverPort != 0 {
		port = strconv.Itoa(int(r.f.serverPort))
	}
	out.Server = r.f.serverIP.String() + ":" + port
	if r.f.serverIP.Is6() {
		out.Server = "[" + r.f.serverIP.String() + "]:" + port
	}
	c2s, s2c := &out.ClientToServer, &out.ServerToClient
	var cc, sc [numFlags]int
	out.Connections = FlowConns{Total: len(r.views), ByTCPState: map[string]int{}, Ports: map[string]int{}}
	clients := map[netip.Addr]*FlowClient{}
	var order []netip.Addr
	for _, v := range r.views {
		cs, ss := &v.c.f[v.cl].st, &v.c.f[v.sv].st
		addDir(c2s, cs, &cc)
		addDir(s2c, ss, &sc)
		out.Connections.ByTCPState[v.tcpState]++
		out.Connections.Ports[strconv.Itoa(int(v.server.Port()))]++
		cl := clients[v.client.Addr()]
		if cl == nil {
			cl = &FlowClient{Client: v.client.Addr().String()}
			clients[v.client.Addr()] = cl
			order = append(order, v.client.Addr())
		}
		cl.Connections++
		cl.BytesSent += cs.bytes
		cl.BytesRecv += ss.bytes
		cl.Retrans += v.retrans()
		if v.c.rstFrame != 0 {
			cl.Resets++
		}
	}
	out.Connections.Ports = topN(out.Connections.Ports, 20)
	c2s.Analysis, s2c.Analysis = analysisCounts(&cc, false), analysisCounts(&sc, false)
	list := make([]FlowClient, 0, len(order))
	for _, a := range order {
		list = append(list, *clients[a])
	}
	slices.SortStableFunc(list, func(a, b FlowClient) int { return cmp.Compare(b.BytesSent+b.BytesRecv, a.BytesSent+a.BytesRecv) })
	out.Clients, out.ClientsPage = result.Paginate(list, offset, limit)

	an := &out.Analysis
	if s2c.ByteCount > 0 {
		a := round3(float64(c2s.ByteCount) / float64(s2c.ByteCount))
		an.AsymmetryRatio = &a
	}
	switch {
	case c2s.RstCount == 0 && s2c.RstCount == 0:
		an.PrimaryRstSource = "none"
	case c2s.RstCount > s2c.RstCount:
		an.PrimaryRstSource = "client"
	case s2c.RstCount > c2s.RstCount:
		an.PrimaryRstSource = "server"
	default:
		an.PrimaryRstSource = "balanced"
	}
	switch {
	case c2s.PayloadBytes > 2*s2c.PayloadBytes:
		an.DataFlowDirection = "client_heavy"
	case s2c.PayloadBytes > 2*c2s.PayloadBytes:
		an.DataFlowDirection = "server_heavy"
	default:
		an.DataFlowDirection = "balanced"
	}
	an.Interpretation = interpret(out)
	return out
}

func addDir(d *FlowDirection, st *dirStats, counts *[numFlags]int) {
	d.PacketCount += int(st.packets)
	d.ByteCount += st.bytes
	d.SynCount += int(st.syn) + int(st.synAck)
	d.RstCount += int(st.rst)
	d.FinCount += int(st.fin)
	d.DataPackets += int(st.dataPackets)
	d.Retransmissions += st.retrans()
	d.PayloadBytes += st.payload
	for i, n := range st.flagCounts() {
		counts[i] += n
	}
}

// interpret states what the flow counts show, without diagnosing.
func interpret(o *FlowOutput) string {
	c2s, s2c := o.ClientToServer, o.ServerToClient
	if o.Connections.Total == 0 {
		return fmt.Sprintf("No TCP connections with %s were found.", o.Server)
	}
	text := fmt.Sprintf("%d connection(s) with %s from %d client(s). Clients sent %d segments (%d payload bytes); the server sent %d segments (%d payload bytes).",
		o.Connections.Total, o.Server, o.ClientsPage.Total, c2s.PacketCount, c2s.PayloadBytes, s2c.PacketCount, s2c.PayloadBytes)
	switch o.Analysis.DataFlowDirection {
	case "server_heavy":
		text += " Most payload flowed from the server to its clients."
	case "client_heavy":
		text += " Most payload flowed from the clients to the server."
	}
	switch {
	case c2s.RstCount+s2c.RstCount == 0:
		text += " No RSTs were seen."
	default:
		text += fmt.Sprintf(" RSTs: %d sent by clients, %d by the server.", c2s.RstCount, s2c.RstCount)
	}
	if n := c2s.Retransmissions + s2c.Retransmissions; n > 0 {
		text += fmt.Sprintf(" Retransmissions: %d by clients, %d by the server.", c2s.Retransmissions, s2c.Retransmissions)
	}
	return text
}
