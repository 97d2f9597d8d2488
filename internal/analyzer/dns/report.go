package dns

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// writeReport prints a readable DNS report. Every string from the capture
// in o is already escaped (names in presentation form, text through
// result.Text); the capture's name is escaped here.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("DNS analysis of %s\n", result.Text(o.File, 0))
	p("  %d packets in the capture, %d DNS messages (%d queries, %d responses)\n", o.TotalPacketsInFile, o.DNSPacketsFound, st.Queries, st.Responses)
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	if o.DNSPacketsFound > 0 {
		p("  services: %s; transports: %s\n", modkit.Counts(st.ByService), modkit.Counts(st.ByTransport))
	}
	if len(st.RcodeCounts) > 0 {
		p("  response codes: %s\n", modkit.Counts(st.RcodeCounts))
	}
	if len(st.QTypeCounts) > 0 {
		p("  query types: %s\n", modkit.Counts(st.QTypeCounts))
	}
	if st.Queries > 0 || st.Responses > 0 {
		p("  %d answered, %d unanswered, %d retransmitted, %d unsolicited responses, %d truncated\n", st.Answered, st.Unanswered, st.Retransmissions, st.Unsolicited, st.TruncatedReplies)
	}
	if l := st.ResponseTimeMs; l != nil {
		p("  response time ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
		if a.EvidenceFramesTotal > len(a.EvidenceFrames) {
			p(" (%d in all)", a.EvidenceFramesTotal)
		}
		p("\n")
	}
	if len(o.Servers) > 0 {
		p("\nServers (%d)\n", o.ServersTotal)
		for _, s := range o.Servers {
			p("  %-40s queries %d, answered %d, unanswered %d", s.Server, s.Queries, s.Answered, s.Unanswered)
			if l := s.ResponseTimeMs; l != nil {
				p(", median %.1f ms, p95 %.1f ms", l.Median, l.P95)
			}
			p("\n")
		}
	}
	if len(o.Top.Names.Items) > 0 {
		p("\nTop domains (%d distinct)\n", o.Top.Names.Distinct)
		for _, it := range o.Top.Names.Items {
			p("  %6d  %s\n", it.Count, it.Key)
		}
	}
	switch {
	case len(o.Packets) > 0:
		p("\nMessages (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
		for _, m := range o.Packets {
			p("  %6d %s %s -> %s  %s\n", m.PacketNumber, m.Timestamp, m.SourceIP, m.DestinationIP, m.Summary)
		}
		if o.PacketsPage.Truncated {
			p("  ... use --offset %d for more\n", *o.PacketsPage.NextOffset)
		}
	case o.PacketsPage.Total > 0:
		p("\nMessages: %d match, none listed (--limit)\n", o.PacketsPage.Total)
	}
	for _, w := range o.Warnings {
		p("\nwarning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
