package overview

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// build assembles the output from the pass.
func build(a *args, o *observer, res *engine.Result, mods []modkit.Passer, briefs []modkit.Brief, opts Options) *Output {
	out := &Output{
		Summary:       []string{},
		Findings:      []Finding{},
		Modules:       []ModuleRun{},
		NextSteps:     []ToolCall{},
		Protocols:     []ProtocolNode{},
		Conversations: []Conversations{},
		Hosts:         []Host{},
		Flows:         []Flow{},
		Warnings:      modkit.Warnings(res, true),
	}
	out.Capture = o.capture(res)
	findings, counts := rankFindings(a, mods, briefs)
	out.FindingCounts = counts
	for i, m := range mods {
		out.Modules = append(out.Modules, ModuleRun{Module: m.Name(), Tool: mainTool(m), Findings: len(briefs[i].Findings)})
	}
	out.Findings, out.FindingsPage = result.Paginate(findings, a.findOff, a.findLim)

	nodes := o.protocolNodes()
	out.Protocols, out.ProtocolsPage = result.Paginate(nodes, a.protoOff, a.protoLim)
	out.TimeProfile = o.timeProfile(a.buckets, a.in.ProtocolSeries)
	for _, t := range a.convTypes {
		out.Conversations = append(out.Conversations, o.conversations(t, a))
	}
	hosts := o.hostAggs()
	hs := min(a.hostOff, len(hosts))
	out.Hosts = o.hostRows(hosts[hs:min(len(hosts), hs+a.hostLim)], briefs)
	out.HostsPage = result.PageOf(len(hosts), hs, a.hostLim, len(out.Hosts))
	out.FlowSummary, out.Flows, out.FlowsPage = o.flowRows(a)
	nameFlows(out.Flows, briefs)
	out.NextSteps = nextSteps(a, mods, findings, hosts, nodes, out.FlowSummary)
	out.Summary = summary(out, findings, hosts, nodes)

	out.Limits = Limits{MaxFlows: opts.MaxFlows, MaxConversations: opts.MaxConversations, MaxHosts: opts.MaxHosts,
		FlowPacketsUntracked: o.flows.droppedPkts}
	for _, t := range o.convs {
		out.Limits.ConversationFramesUntracked += t.dropped
		if t.full {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the %s conversation table reached its limit of %d conversations: %d later frames (%d bytes) of new conversations are not in it",
				t.typ, opts.MaxConversations, t.dropped, t.droppedBy))
		}
	}
	if o.flows.full {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the flow table reached its limit of %d flows: %d packets of later flows are not in it", opts.MaxFlows, o.flows.droppedPkts))
	}
	if o.names.dropped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("names were kept for %d addresses at most: %d names of other addresses were not", opts.MaxHosts, o.names.dropped))
	}
	if o.tree.cut > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the protocol hierarchy reached %d nodes: %d frames are counted only down to the last node it had room for", maxNodes, o.tree.cut))
	}
	return out
}

// flowNamer is a module brief's summary that names flows: the tls
// module's names a TLS, QUIC or DTLS flow by the server name its client
// asked for (already escaped).
type flowNamer interface {
	FlowName(a, b netip.AddrPort) string
}

// nameFlows sets the server name of the flows listed from the briefs
// that name flows.
func nameFlows(flows []Flow, briefs []modkit.Brief) {
	for _, b := range briefs {
		n, ok := b.Summary.(flowNamer)
		if !ok {
			continue
		}
		for i := range flows {
			f := &flows[i]
			oa, err1 := netip.ParseAddr(f.OrigIP)
			ra, err2 := netip.ParseAddr(f.RespIP)
			if err1 != nil || err2 != nil {
				continue
			}
			if name := n.FlowName(netip.AddrPortFrom(oa, uint16(f.OrigPort)), netip.AddrPortFrom(ra, uint16(f.RespPort))); name != "" {
				f.ServerName = name
			}
		}
	}
}

func mainTool(m modkit.Passer) string {
	if ts := m.Tools(); len(ts) > 0 {
		return ts[0].Name
	}
	return ""
}

// capture gives the capture's essentials.
func (o *observer) capture(res *engine.Result) Capture {
	c := Capture{
		Format:          string(res.Info.Format),
		FileSizeBytes:   res.Bytes,
		Packets:         o.packets,
		DataSizeBytes:   o.dataSize,
		CapturedBytes:   o.captured,
		LinkTypes:       []LinkType{},
		NonIPFrames:     o.nonIP,
		IPFragments:     o.fragments,
		UndecodedFrames: o.undecoded,
		DecodeErrors:    res.DecodeErrors,
		TruncatedFrames: res.TruncatedFrames,
	}
	if res.Info.Compressed != "" {
		c.Format += " (" + res.Info.Compressed + ")"
	}
	if o.packets > 0 {
		c.FirstPacketTime = result.FormatTime(time.Unix(0, o.first))
		c.LastPacketTime = result.FormatTime(time.Unix(0, o.last))
		c.DurationSeconds = roundTo(float64(o.last-o.first)/1e9, 6)
	}
	for lt, n := range o.linkTypes {
		c.LinkTypes = append(c.LinkTypes, LinkType{LinkType: int(lt), Name: lt.String(), Frames: n})
	}
	slices.SortFunc(c.LinkTypes, func(a, b LinkType) int { return cmp.Or(b.Frames-a.Frames, a.LinkType-b.LinkType) })
	return c
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

// protocolNodes flattens the hierarchy.
func (o *observer) protocolNodes() []ProtocolNode {
	var out []ProtocolNode
	o.tree.walk(func(n *node, path string) {
		pn := ProtocolNode{Path: path, Frames: n.frames, Bytes: n.bytes}
		if n.ports != nil {
			for _, it := range n.ports.Top(portName).Items[:min(5, len(n.ports.Top(portName).Items))] {
				pn.TopPorts = append(pn.TopPorts, it.Key+":"+strconv.Itoa(it.Count))
			}
		}
		out = append(out, pn)
	})
	return out
}

// timeProfile gives n buckets over the capture.
func (o *observer) timeProfile(n int, series bool) TimeProfile {
	tp := TimeProfile{Packets: []uint64{}, Bytes: []uint64{}, TopProtocols: [][]string{}}
	slots, w := o.tp.buckets(n, o.first, o.last)
	if len(slots) == 0 {
		return tp
	}
	tp.StartTime = result.FormatTime(time.Unix(0, slots[0].start))
	tp.BucketSeconds = float64(w) / 1e9
	busiest := 0
	for i, s := range slots {
		tp.Packets = append(tp.Packets, s.packets)
		tp.Bytes = append(tp.Bytes, s.bytes)
		top := topProtos(s.protos)
		names := make([]string, len(top))
		for j, t := range top {
			names[j] = t.p.String()
		}
		tp.TopProtocols = append(tp.TopProtocols, names)
		if s.packets > slots[busiest].packets {
			busiest = i
		}
	}
	if series {
		tp.ByProtocol = protocolSeries(slots)
	}
	b := slots[busiest]
	bk := &Bucket{Index: busiest, StartTime: result.FormatTime(time.Unix(0, b.start)), Packets: b.packets, Bytes: b.bytes, TopProtocols: []string{}}
	for _, t := range topProtos(b.protos) {
		bk.TopProtocols = append(bk.TopProtocols, t.p.String()+":"+strconv.FormatUint(t.n, 10))
	}
	tp.Busiest = bk
	return tp
}

// protocolSeries is the frames of each innermost protocol per slot, the
// protocol with most frames first; frames of no protocol are "none".
func protocolSeries(slots []slot) []ProtocolSeries {
	var cols [numProtos][]uint64
	var totals [numProtos]uint64
	for i, s := range slots {
		for p, n := range s.protos {
			if cols[p] == nil {
				cols[p] = make([]uint64, len(slots))
			}
			cols[p][i] += n
			totals[p] += n
		}
	}
	out := []ProtocolSeries{}
	for p, col := range cols {
		if col != nil {
			name := cmp.Or(proto(p).String(), "none")
			out = append(out, ProtocolSeries{Protocol: name, Frames: totals[p], Packets: col})
		}
	}
	slices.SortStableFunc(out, func(a, b ProtocolSeries) int { return cmp.Compare(b.Frames, a.Frames) })
	return out
}

type protoCount struct {
	p proto
	n uint64
}

func topProtos(m map[proto]uint64) []protoCount {
	var out []protoCount
	for p, n := range m {
		if p != pNone {
			out = append(out, protoCount{p, n})
		}
	}
	slices.SortFunc(out, func(a, b protoCount) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.p, b.p)) })
	return out[:min(len(out), maxTopPerSlot)]
}

// conversations gives one conversation table, sorted and paged.
func (o *observer) conversations(t convType, a *args) Conversations {
	tab := o.convs[t]
	out := Conversations{Type: t.String(), Total: tab.convs.len(), Items: []Conversation{}}
	type ranked struct {
		key   int64
		first int64
		i     int32
	}
	n := tab.convs.len()
	start := min(a.convOff, n)
	best := result.NewBest(start+a.convLim, func(x, y ranked) int {
		return cmp.Or(cmp.Compare(y.key, x.key), cmp.Compare(x.first, y.first), cmp.Compare(x.i, y.i))
	})
	sortBy := strings.ToLower(a.in.ConversationsSort)
	for i := range int32(n) {
		c := tab.convs.at(i)
		out.Frames += c.frames[0] + c.frames[1]
		out.Bytes += c.bytes[0] + c.bytes[1]
		r := ranked{key: int64(c.bytes[0] + c.bytes[1]), first: c.first, i: i}
		switch sortBy {
		case "frames":
			r.key = int64(c.frames[0] + c.frames[1])
		case "duration":
			r.key = c.last - c.first
		}
		best.Add(r)
	}
	top := best.Sorted()
	for _, r := range top[start:] {
		out.Items = append(out.Items, o.convRow(t, tab.convs.at(r.i), tab.key(r.i)))
	}
	out.Page = result.PageOf(n, start, a.convLim, len(out.Items))
	out.Coverage = coverage(&out)
	return out
}

// coverage says what the returned rows cover.
func coverage(c *Conversations) string {
	if c.Total == 0 {
		return "no " + c.Type + " conversations"
	}
	var bytes uint64
	for _, it := range c.Items {
		bytes += it.Bytes
	}
	which := "top " + strconv.Itoa(len(c.Items))
	if c.Page.Offset > 0 {
		which = fmt.Sprintf("rows %d-%d", c.Page.Offset+1, c.Page.Offset+len(c.Items))
	}
	return fmt.Sprintf("%s of %s %s conversations = %s of %s bytes", which, thousands(uint64(c.Total)), c.Type,
		result.Percent(int(bytes), int(c.Bytes)), c.Type)
}

func (o *observer) convRow(t convType, c *conv, k convKey) Conversation {
	ai, bi := 0, 1
	aa, ba, ap, bp := k.a, k.b, k.pa, k.pb
	if !c.aFirst {
		ai, bi = 1, 0
		aa, ba, ap, bp = ba, aa, bp, ap
	}
	r := Conversation{
		AAddr: t.addrString(aa), BAddr: t.addrString(ba),
		FramesAToB: c.frames[ai], BytesAToB: c.bytes[ai], FramesBToA: c.frames[bi], BytesBToA: c.bytes[bi],
		Frames: c.frames[0] + c.frames[1], Bytes: c.bytes[0] + c.bytes[1],
		RelStartSeconds: float64(c.first-o.frame1) / 1e9,
		DurationSeconds: float64(c.last-c.first) / 1e9,
	}
	if t == convTCP || t == convUDP {
		x, y := int(ap), int(bp)
		r.APort, r.BPort = &x, &y
	}
	return r
}

func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// flowFilter selects flows.
type flowFilter struct {
	addr    netip.Addr
	port    int
	proto   string
	service string
	state   string
	times   result.TimeRange
}

var connStates = []string{"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"}

func newFlowFilter(in Input) (flowFilter, error) {
	var f flowFilter
	var err error
	if f.addr, err = result.ParseIP("address", in.Address); err != nil {
		return f, err
	}
	if in.Port < 0 || in.Port > 65535 {
		return f, fmt.Errorf("port must be a whole number from 0 to 65535; got %d", in.Port)
	}
	f.port = in.Port
	switch f.proto = strings.ToLower(strings.TrimSpace(in.Protocol)); f.proto {
	case "", "tcp", "udp", "icmp":
	default:
		return f, fmt.Errorf("protocol %q is not one of tcp, udp, icmp", in.Protocol)
	}
	f.service = strings.ToLower(strings.TrimSpace(in.Service))
	if f.service != "" && f.service != "none" && !slices.Contains(serviceList(), f.service) {
		return f, fmt.Errorf("service %q is not one of %s, none", in.Service, strings.Join(serviceList(), ", "))
	}
	if f.state = strings.ToUpper(strings.TrimSpace(in.State)); f.state != "" && !slices.Contains(connStates, f.state) {
		return f, fmt.Errorf("state %q is not a Zeek conn_state; use one of %s", in.State, strings.Join(connStates, ", "))
	}
	if f.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return f, err
	}
	switch strings.ToLower(in.FlowsSort) {
	case "", "bytes", "packets", "duration", "start":
	default:
		return f, fmt.Errorf("flows_sort %q is not one of bytes, packets, duration, start", in.FlowsSort)
	}
	return f, nil
}

func serviceList() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range serviceNames {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// flowRows summarizes every flow and returns the page of the flows that
// pass the filters, sorted.
func (o *observer) flowRows(a *args) (FlowSummary, []Flow, result.Page) {
	sum := FlowSummary{Total: o.flows.recs.len(), ByProto: map[string]int{}, ByState: map[string]int{}, ByService: map[string]int{}}
	f := a.flows
	type row struct {
		rec   *flowRec
		state string
		key   float64
	}
	sortBy := strings.ToLower(a.in.FlowsSort)
	// Only the page is kept, sorted and turned into rows; the rest stays
	// as records.
	best := result.NewBest(a.flowOff+a.flowLim, func(x, y row) int {
		return cmp.Or(cmp.Compare(y.key, x.key), cmp.Compare(x.rec.firstFrame, y.rec.firstFrame))
	})
	total := 0
	for i := range int32(o.flows.recs.len()) {
		r := o.flows.recs.at(i)
		proto := flow.ProtoName(r.proto)
		state := r.conn.State()
		svc := serviceNames[r.service]
		sum.ByProto[proto]++
		if r.proto == flow.ProtoTCP {
			sum.ByState[state]++
		}
		if svc != "" {
			sum.ByService[svc]++
		}
		if f.proto != "" && f.proto != proto || f.state != "" && f.state != state {
			continue
		}
		if f.service == "none" && svc != "" || f.service != "" && f.service != "none" && f.service != svc {
			continue
		}
		if f.port != 0 {
			if k := o.flows.key(r); int(k.pa) != f.port && int(k.pb) != f.port {
				continue
			}
		}
		if f.addr.IsValid() {
			oa, _ := o.flows.orig(r)
			ra, _ := o.flows.resp(r)
			if oa != f.addr && ra != f.addr {
				continue
			}
		}
		if !f.times.Start.IsZero() && r.lastSeen < f.times.Start.UnixNano() || !f.times.End.IsZero() && r.start > f.times.End.UnixNano() {
			continue
		}
		var key float64
		switch sortBy {
		case "packets":
			key = float64(r.pkts[0] + r.pkts[1])
		case "duration":
			key = float64(r.lastTime - r.start)
		case "start":
			key = -float64(r.firstFrame)
		default:
			ob, rb := flowBytes(r)
			key = float64(ob + rb)
		}
		best.Add(row{r, state, key})
		total++
	}
	start := min(a.flowOff, total)
	top := best.Sorted()
	out := make([]Flow, 0, max(len(top)-start, 0))
	for _, r := range top[start:] {
		out = append(out, o.flows.row(r.rec, r.state))
	}
	return sum, out, result.PageOf(total, start, a.flowLim, len(out))
}

// flowBytes are a flow's payload bytes each way as Zeek counts them.
func flowBytes(r *flowRec) (uint64, uint64) {
	if r.proto == flow.ProtoTCP {
		return r.conn.Bytes()
	}
	return r.payload[0], r.payload[1]
}

func (t *flowTable) row(r *flowRec, state string) Flow {
	oa, op := t.orig(r)
	ra, rp := t.resp(r)
	ob, rb := flowBytes(r)
	return Flow{
		ID: flow.ID(int(r.firstFrame)), CommunityID: t.communityID(r), Proto: flow.ProtoName(r.proto),
		Service: serviceNames[r.service], OrigIP: result.Addr(oa), OrigPort: int(op), RespIP: result.Addr(ra), RespPort: int(rp),
		StartTime: result.FormatTime(time.Unix(0, r.start)), DurationSeconds: roundTo(float64(r.lastTime-r.start)/1e9, 6),
		OrigBytes: ob, RespBytes: rb, ConnState: state, History: r.conn.History(), MissedBytes: r.conn.MissedBytes(),
		OrigPkts: r.pkts[0], OrigIPBytes: r.ipBytes[0], RespPkts: r.pkts[1], RespIPBytes: r.ipBytes[1],
		FirstFrame: int(r.firstFrame), LastFrame: int(r.lastFrame),
	}
}
