package overview

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// maxEvidence is how many evidence frames a finding lists here; the
// module's own tool lists more.
const maxEvidence = 5

// rankFindings puts every module's findings in one list, most severe first,
// then those with the most evidence, and counts them per severity.
func rankFindings(a *args, mods []modkit.Passer, briefs []modkit.Brief) ([]Finding, map[string]int) {
	counts := map[string]int{"high": 0, "medium": 0, "low": 0}
	type ranked struct {
		f   Finding
		sev result.Severity
	}
	var all []ranked
	for i, b := range briefs {
		for _, f := range b.Findings {
			ev := f.EvidenceFrames
			if len(ev) > maxEvidence {
				ev = ev[:maxEvidence]
			}
			if ev == nil {
				ev = []int{}
			}
			name := b.Module
			if name == "" {
				name = mods[i].Name()
			}
			all = append(all, ranked{sev: f.Severity, f: Finding{
				Module: name, Type: f.Type, Severity: f.Severity.String(), Summary: f.Summary,
				EvidenceFrames: slices.Clone(ev), EvidenceFramesTotal: f.EvidenceFramesTotal,
				Details: ToolCall{Tool: mainTool(mods[i]), Arguments: callArgs(mods[i], a.in.PcapFile, f.Details)},
			}})
			counts[f.Severity.String()]++
		}
	}
	slices.SortStableFunc(all, func(x, y ranked) int {
		return cmp.Or(cmp.Compare(x.sev, y.sev), cmp.Compare(y.f.EvidenceFramesTotal, x.f.EvidenceFramesTotal))
	})
	out := make([]Finding, len(all))
	for i, r := range all {
		out[i] = r.f
	}
	return out, counts
}

// callArgs are the arguments of a module's main tool that show a finding:
// the capture, and every argument of the tool the finding's details name
// with a plain value (a domain, a client address, ...).
func callArgs(m modkit.Passer, file string, details map[string]any) map[string]any {
	args := map[string]any{"pcap_file": file}
	tools := m.Tools()
	if len(tools) == 0 {
		return args
	}
	for _, arg := range tools[0].Args() {
		v, ok := details[arg.Name]
		if !ok || arg.Name == "pcap_file" || arg.Param != nil {
			continue
		}
		switch v.(type) {
		case string, bool, int, int64, uint16, uint32, uint64, float64:
			args[arg.Name] = v
		}
	}
	return args
}

// moduleProtocols are the hierarchy protocols each module analyzes, to
// suggest a module's tool when its protocol is in the capture.
var moduleProtocols = map[string][]string{
	"dns":  {"dns", "mdns", "llmnr"},
	"dhcp": {"dhcp"},
	"sip":  {"sip"},
	"icmp": {"icmp", "icmpv6"},
	"tcp":  {"tcp"},
}

// nextSteps suggests the 3 to 5 calls most worth making next: the details
// of the most severe findings, the busiest host's flows, the modules whose
// protocols the capture carries, and what no module recognises.
func nextSteps(a *args, mods []modkit.Passer, findings []Finding, hosts []*hostAgg, nodes []ProtocolNode, fs FlowSummary) []ToolCall {
	file := a.in.PcapFile
	var steps []ToolCall
	seen := map[string]bool{}
	add := func(tc ToolCall) {
		key := tc.Tool + fmt.Sprint(tc.Arguments)
		if len(steps) < 5 && !seen[key] {
			seen[key] = true
			steps = append(steps, tc)
		}
	}
	byModule := map[string]bool{}
	for _, f := range findings {
		if byModule[f.Module] || len(byModule) == 2 {
			continue
		}
		byModule[f.Module] = true
		n := 0
		for _, g := range findings {
			if g.Module == f.Module {
				n++
			}
		}
		add(ToolCall{Tool: f.Details.Tool, Arguments: f.Details.Arguments,
			Reason: fmt.Sprintf("%d %s finding(s), the most severe %s: %s", n, f.Module, f.Type, f.Summary)})
	}
	// Failed TCP connections: many rejected or unanswered attempts (a scan,
	// a service down, a filter).
	if tcp := fs.ByProto["tcp"]; tcp > 0 {
		state, n := "REJ", fs.ByState["REJ"]
		if s0 := fs.ByState["S0"]; s0 > n {
			state, n = "S0", s0
		}
		if n >= 10 && n*5 >= tcp {
			what := map[string]string{"REJ": "rejected (REJ)", "S0": "unanswered (S0)"}[state]
			add(ToolCall{Tool: "analyze_overview", Arguments: map[string]any{"pcap_file": file, "state": state, "flows_limit": 20},
				Reason: fmt.Sprintf("%d of %d TCP connection attempts %s: a scan, a service down or a filter", n, tcp, what)})
		}
	}
	if len(hosts) > 0 && hosts[0].bytes() > 0 {
		h := hosts[0]
		var total uint64
		for _, x := range hosts {
			total += x.bytes()
		}
		add(ToolCall{Tool: "analyze_overview", Arguments: map[string]any{"pcap_file": file, "address": h.addr.String(), "flows_limit": 20},
			Reason: fmt.Sprintf("the busiest host, %s, sent or received %s of the IP bytes: its flows", h.addr, result.Percent(int(h.bytes()), int(total)))})
	}
	// Modules whose protocol the capture carries, most frames first.
	frames := protoFrames(nodes)
	type cand struct {
		m      modkit.Passer
		frames uint64
		proto  string
	}
	var cands []cand
	for _, m := range mods {
		if byModule[m.Name()] {
			continue
		}
		var best cand
		for _, p := range moduleProtocols[m.Name()] {
			if frames[p] > best.frames {
				best = cand{m, frames[p], p}
			}
		}
		if best.frames > 0 {
			cands = append(cands, best)
		}
	}
	slices.SortStableFunc(cands, func(x, y cand) int { return cmp.Compare(y.frames, x.frames) })
	for _, c := range cands {
		add(ToolCall{Tool: mainTool(c.m), Arguments: map[string]any{"pcap_file": file},
			Reason: fmt.Sprintf("%s frames of %s, which the %s module analyzes in detail", thousands(c.frames), c.proto, c.m.Name())})
	}
	// Unrecognised traffic: the busiest data port.
	var dataNode *ProtocolNode
	for i := range nodes {
		n := &nodes[i]
		if len(n.TopPorts) > 0 && (dataNode == nil || n.Frames > dataNode.Frames) {
			dataNode = n
		}
	}
	if dataNode != nil {
		port, _, _ := strings.Cut(dataNode.TopPorts[0], ":")
		if p, err := strconv.Atoi(port); err == nil {
			add(ToolCall{Tool: "analyze_overview", Arguments: map[string]any{"pcap_file": file, "port": p, "flows_limit": 20},
				Reason: fmt.Sprintf("%s frames under %s that no module recognises, most on port %d: their flows", thousands(dataNode.Frames), dataNode.Path, p)})
		}
	}
	if len(steps) < 3 {
		add(ToolCall{Tool: "analyze_overview", Arguments: map[string]any{"pcap_file": file, "conversation_type": "tcp", "conversations_limit": 20},
			Reason: "the largest TCP conversations"})
	}
	if len(steps) < 3 {
		add(ToolCall{Tool: "analyze_overview", Arguments: map[string]any{"pcap_file": file, "flows_sort": "duration", "flows_limit": 20},
			Reason: "the longest flows"})
	}
	return steps
}

// protoFrames gives each protocol's frames: its largest node.
func protoFrames(nodes []ProtocolNode) map[string]uint64 {
	out := map[string]uint64{}
	for _, n := range nodes {
		name := n.Path[strings.LastIndexByte(n.Path, '/')+1:]
		out[name] = max(out[name], n.Frames)
	}
	return out
}

// linkNames are the protocols the summary leaves out of its list.
var linkNames = map[string]bool{
	"eth": true, "vlan": true, "llc": true, "sll": true, "null": true, "raw": true, "radiotap": true,
	"wlan_radio": true, "wlan": true, "fddi": true, "mpls": true, "pppoes": true, "ppp": true, "chdlc": true,
	"ip": true, "ipv6": true, "data": true, "netlink": true,
}

// summary says what the capture holds in a few sentences.
func summary(out *Output, findings []Finding, hosts []*hostAgg, nodes []ProtocolNode) []string {
	c := out.Capture
	var lines []string
	if c.Packets == 0 {
		return []string{"The capture holds no frames."}
	}
	lines = append(lines, fmt.Sprintf("%s frames, %s bytes on the wire, over %s seconds (%s to %s).",
		thousands(uint64(c.Packets)), thousands(uint64(c.DataSizeBytes)), strconv.FormatFloat(c.DurationSeconds, 'f', -1, 64), c.FirstPacketTime, c.LastPacketTime))
	frames := protoFrames(nodes)
	type pc struct {
		name string
		n    uint64
	}
	var ps []pc
	for name, n := range frames {
		if !linkNames[name] {
			ps = append(ps, pc{name, n})
		}
	}
	slices.SortFunc(ps, func(x, y pc) int { return cmp.Or(cmp.Compare(y.n, x.n), strings.Compare(x.name, y.name)) })
	var parts []string
	for _, p := range ps[:min(6, len(ps))] {
		parts = append(parts, fmt.Sprintf("%s %s", p.name, result.Percent(int(p.n), c.Packets)))
	}
	if len(parts) > 0 {
		lines = append(lines, "Protocols (share of frames): "+strings.Join(parts, ", ")+".")
	}
	if len(hosts) > 0 {
		var total uint64
		for _, h := range hosts {
			total += h.bytes()
		}
		var top []string
		for _, h := range hosts[:min(3, len(hosts))] {
			top = append(top, fmt.Sprintf("%s (%s)", h.addr, result.Percent(int(h.bytes()), int(total))))
		}
		lines = append(lines, fmt.Sprintf("%d IP hosts; top talkers by bytes: %s.", len(hosts), strings.Join(top, ", ")))
	}
	fs := out.FlowSummary
	if fs.Total > 0 {
		s := fmt.Sprintf("%s flows: %d tcp, %d udp, %d icmp", thousands(uint64(fs.Total)), fs.ByProto["tcp"], fs.ByProto["udp"], fs.ByProto["icmp"])
		if fs.ByProto["tcp"] > 0 {
			s += fmt.Sprintf(" (tcp: %d complete SF, %d rejected REJ, %d unanswered S0)", fs.ByState["SF"], fs.ByState["REJ"], fs.ByState["S0"])
		}
		lines = append(lines, s+".")
	}
	if len(findings) == 0 {
		names := make([]string, len(out.Modules))
		for i, m := range out.Modules {
			names[i] = m.Module
		}
		lines = append(lines, "No findings from the modules that ran ("+strings.Join(names, ", ")+").")
	} else {
		fc := out.FindingCounts
		lines = append(lines, fmt.Sprintf("Findings: %d high, %d medium, %d low; the most severe: %s (%s): %s",
			fc["high"], fc["medium"], fc["low"], findings[0].Type, findings[0].Module, findings[0].Summary))
	}
	return lines
}
