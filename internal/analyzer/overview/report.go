package overview

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// writeReport prints the overview for a person: the summary, findings and
// next steps, then each table as the output lists it.
func writeReport(w io.Writer, out *Output) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("Overview of %s\n\n", out.File)
	for _, s := range out.Summary {
		p("  %s\n", s)
	}
	for _, s := range out.Warnings {
		p("  warning: %s\n", s)
	}

	p("\nFindings (%d of %d)\n", out.FindingsPage.Returned, out.FindingsPage.Total)
	if len(out.Findings) == 0 {
		p("  none\n")
	}
	for _, f := range out.Findings {
		p("  [%s] %s/%s: %s\n      frames %s (%d in all); details: %s\n", f.Severity, f.Module, f.Type, f.Summary,
			ints(f.EvidenceFrames), f.EvidenceFramesTotal, call(f.Details))
	}
	p("\nNext steps\n")
	for _, s := range out.NextSteps {
		p("  %s\n      %s\n", call(s), s.Reason)
	}

	p("\nProtocol hierarchy (%d of %d nodes)\n", out.ProtocolsPage.Returned, out.ProtocolsPage.Total)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	for _, n := range out.Protocols {
		depth := strings.Count(n.Path, "/")
		name := n.Path[strings.LastIndexByte(n.Path, '/')+1:]
		extra := ""
		if len(n.TopPorts) > 0 {
			extra = "  ports " + strings.Join(n.TopPorts, " ")
		}
		fmt.Fprintf(tw, "  %s%s\t%d frames\t%d bytes\t%s\n", strings.Repeat("  ", depth), name, n.Frames, n.Bytes, extra)
	}
	tw.Flush()

	tp := out.TimeProfile
	if len(tp.Packets) > 0 {
		p("\nTime profile: %d buckets of %.6g s from %s\n", len(tp.Packets), tp.BucketSeconds, tp.StartTime)
		p("  %s\n", sparkline(tp.Packets))
		if b := tp.Busiest; b != nil {
			p("  busiest: bucket %d at %s, %d frames, %d bytes (%s)\n", b.Index, b.StartTime, b.Packets, b.Bytes, strings.Join(b.TopProtocols, ", "))
		}
	}

	for _, c := range out.Conversations {
		p("\n%s conversations: %s\n", strings.ToUpper(c.Type), c.Coverage)
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		for _, r := range c.Items {
			a, b := r.AAddr, r.BAddr
			if r.APort != nil {
				a, b = fmt.Sprintf("%s:%d", a, *r.APort), fmt.Sprintf("%s:%d", b, *r.BPort)
			}
			fmt.Fprintf(tw, "  %s <-> %s\t%d/%d frames\t%d/%d bytes\tstart %.3f s\t%.3f s\n", a, b,
				r.FramesAToB, r.FramesBToA, r.BytesAToB, r.BytesBToA, r.RelStartSeconds, r.DurationSeconds)
		}
		tw.Flush()
	}

	p("\nHosts (%d of %d)\n", out.HostsPage.Returned, out.HostsPage.Total)
	for _, h := range out.Hosts {
		p("  %s  %d frames, %d bytes (sent %d, received %d), %d peers\n", h.IP, h.Frames, h.Bytes, h.TxBytes, h.RxBytes, h.Peers)
		var names []string
		for _, n := range h.Names {
			names = append(names, n.Name+" ("+n.Source+")")
		}
		if len(names) > 0 {
			p("      names: %s\n", strings.Join(names, ", "))
		}
		if len(h.MACs) > 0 {
			p("      macs: %s\n", strings.Join(h.MACs, ", "))
		}
		if len(h.Roles) > 0 {
			p("      roles: %s\n", strings.Join(h.Roles, ", "))
		}
		var svcs []string
		for _, s := range h.Services {
			svc := fmt.Sprintf("%s/%d", s.Proto, s.Port)
			if s.Service != "" {
				svc += " " + s.Service
			}
			svcs = append(svcs, fmt.Sprintf("%s (%d flows)", svc, s.Flows))
		}
		if len(svcs) > 0 {
			p("      answered on: %s\n", strings.Join(svcs, ", "))
		}
		if h.TTL != nil {
			p("      ttl: %d (%s)\n", h.TTL.Max, h.TTL.Hint)
		}
	}

	fs := out.FlowSummary
	p("\nFlows: %d in all; by protocol %s; tcp conn_state %s; services %s\n", fs.Total, counts(fs.ByProto), counts(fs.ByState), counts(fs.ByService))
	p("  listed %d of %d that match\n", out.FlowsPage.Returned, out.FlowsPage.Total)
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, f := range out.Flows {
		svc := f.Service
		if svc == "" {
			svc = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s %s:%d -> %s:%d\t%s\t%s\t%s\t%d/%d bytes\t%.3f s\t%s\n", f.ID, f.Proto, f.OrigIP, f.OrigPort,
			f.RespIP, f.RespPort, svc, f.ConnState, f.History, f.OrigBytes, f.RespBytes, f.DurationSeconds, f.CommunityID)
	}
	return tw.Flush()
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func call(tc ToolCall) string {
	keys := make([]string, 0, len(tc.Arguments))
	for k := range tc.Arguments {
		if k != "pcap_file" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, tc.Arguments[k]))
	}
	return tc.Tool + "(" + strings.Join(parts, ", ") + ")"
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// sparkline draws counts as a row of block characters.
func sparkline(v []uint64) string {
	const blocks = "▁▂▃▄▅▆▇█"
	runes := []rune(blocks)
	var top uint64
	for _, x := range v {
		top = max(top, x)
	}
	var b strings.Builder
	for _, x := range v {
		i := 0
		if top > 0 {
			i = int(x * uint64(len(runes)-1) / top)
		}
		b.WriteRune(runes[i])
	}
	return b.String()
}
