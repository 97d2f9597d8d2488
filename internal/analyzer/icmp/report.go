package icmp

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("ICMP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d ICMP/ICMPv6 messages (%s)\n", o.TotalPackets, o.ICMPPacketsFound, modkit.Counts(st.ByVersion))
	p("  types: %s\n", modkit.Counts(st.ICMPTypeCounts))
	p("  echo: %d requests, %d replies, %d unanswered", st.EchoRequests, st.EchoReplies, st.EchoLost)
	if l := st.RTTMs; l != nil {
		p("; RTT ms min %.3f avg %.3f max %.3f", l.Min, *l.Avg, l.Max)
	}
	p("\n  %d errors; unreachable hosts: %s\n", st.Errors, strings.Join(st.UnreachableDests, ", "))
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v\n", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
	}
	p("\nHost pairs (%d)\n", o.PairsTotal)
	for _, h := range o.HostPairs {
		p("  %s -> %s  sent %d, received %d, loss %.1f%%", h.Source, h.Destination, h.Sent, h.Received, h.LossPercent)
		if h.AvgRTTMs != nil {
			p(", rtt min/avg/max %.3f/%.3f/%.3f ms", *h.MinRTTMs, *h.AvgRTTMs, *h.MaxRTTMs)
		}
		p("\n")
	}
	for _, t := range o.Traceroutes {
		p("\nTraceroute %s -> %s (%s)%s\n", t.Source, t.Destination, t.Protocol, map[bool]string{true: ", reached", false: ""}[t.Reached])
		for _, h := range t.Hops {
			p("  %2d  %s", h.TTL, h.Router)
			for _, r := range h.RTTMs {
				p("  %.3f ms", r)
			}
			p("\n")
		}
	}
	p("\nPackets (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %s -> %s  %s", m.PacketNumber, m.Timestamp, m.SrcIP, m.DstIP, m.ICMPTypeName)
		if m.ICMPCodeName != "" {
			p(" (%s)", m.ICMPCodeName)
		}
		if m.Original != nil {
			p("  [original %s -> %s %s]", m.Original.Src, m.Original.Dst, m.Original.Protocol)
		}
		p("\n")
	}
	for _, w := range o.Warnings {
		p("\nwarning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
