package icmp

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("ICMP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d ICMP/ICMPv6 messages (%s)\n", o.TotalPackets, o.ICMPPacketsFound, modkit.Counts(st.ByVersion))
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	if o.ICMPPacketsFound == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("  types: %s\n", modkit.Counts(st.ICMPTypeCounts))
	p("  echo: %d requests, %d replies", st.EchoRequests, st.EchoReplies)
	if st.EchoLost > 0 {
		p(", %d of the requests unanswered (%s)", st.EchoLost, result.Percent(st.EchoLost, st.EchoRequests))
	} else if st.EchoRequests > 0 {
		p(", all answered")
	}
	if l := st.RTTMs; l != nil {
		p("; RTT ms min %.3f avg %.3f max %.3f", l.Min, *l.Avg, l.Max)
	}
	p("\n  %d errors", st.Errors)
	if len(st.UnreachableByCo) > 0 {
		p("; unreachable: %s", modkit.Counts(st.UnreachableByCo))
	}
	p("\n")
	if n := len(st.UnreachableDests); n > 0 {
		p("  unreachable hosts: %s", strings.Join(st.UnreachableDests, ", "))
		if st.UnreachableDestsCount > n {
			p(" (first %d of %d)", n, st.UnreachableDestsCount)
		}
		p("\n")
	}
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
		if a.EvidenceFramesTotal > len(a.EvidenceFrames) {
			p(" (first %d of %d)", len(a.EvidenceFrames), a.EvidenceFramesTotal)
		}
		p("\n")
	}
	if len(o.HostPairs) > 0 {
		p("\nHost pairs (%d", o.PairsTotal)
		if o.PairsTotal > len(o.HostPairs) {
			p("; showing %d", len(o.HostPairs))
		}
		p(")\n")
	}
	for _, h := range o.HostPairs {
		p("  %s -> %s  sent %d, received %d", h.Source, h.Destination, h.Sent, h.Received)
		if h.Errored > 0 {
			p(", answered by an error %d", h.Errored)
		}
		if lost := h.Sent - h.Received - h.Errored; lost > 0 {
			p(", lost %d of %d (%s)", lost, h.Sent, result.Percent(lost, h.Sent))
		}
		if h.AvgRTTMs != nil {
			p(", rtt min/avg/max %.3f/%.3f/%.3f ms", *h.MinRTTMs, *h.AvgRTTMs, *h.MaxRTTMs)
		}
		p("\n")
	}
	for _, t := range o.Traceroutes {
		p("\nTraceroute %s -> %s (%s)", t.Source, t.Destination, t.Protocol)
		if t.Reached {
			p(", reached")
		}
		p("\n")
		for i, h := range t.Hops {
			p("  %2d  %s", h.TTL, h.Router)
			for _, r := range h.RTTMs {
				p("  %.3f ms", r)
			}
			if t.Reached && i == len(t.Hops)-1 {
				p("  (destination)")
			}
			p("\n")
		}
	}
	if o.TraceroutesTotal > len(o.Traceroutes) {
		p("\n(%d more traceroutes not shown)\n", o.TraceroutesTotal-len(o.Traceroutes))
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
	_, err := io.WriteString(w, b.String())
	return err
}
