package dns

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// writeReport prints a readable DNS report.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("DNS analysis of %s\n", o.File)
	p("  %d packets in the capture, %d DNS messages (%d queries, %d responses)\n", o.TotalPacketsInFile, o.DNSPacketsFound, st.Queries, st.Responses)
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	p("  services: %s; transports: %s\n", modkit.Counts(st.ByService), modkit.Counts(st.ByTransport))
	p("  response codes: %s\n", modkit.Counts(st.RcodeCounts))
	p("  query types: %s\n", modkit.Counts(st.QTypeCounts))
	p("  %d answered, %d unanswered, %d retransmitted, %d unsolicited responses, %d truncated\n", st.Answered, st.Unanswered, st.Retransmissions, st.Unsolicited, st.TruncatedReplies)
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
	p("\nServers (%d)\n", o.ServersTotal)
	for _, s := range o.Servers {
		p("  %-40s queries %d, answered %d, unanswered %d", s.Server, s.Queries, s.Answered, s.Unanswered)
		if l := s.ResponseTimeMs; l != nil {
			p(", median %.1f ms, p95 %.1f ms", l.Median, l.P95)
		}
		p("\n")
	}
	p("\nTop domains (%d distinct)\n", o.Top.Names.Distinct)
	for _, it := range o.Top.Names.Items {
		p("  %6d  %s\n", it.Count, it.Key)
	}
	p("\nMessages (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %s -> %s  %s\n", m.PacketNumber, m.Timestamp, m.SourceIP, m.DestinationIP, m.Summary)
	}
	if o.PacketsPage.Truncated {
		p("  ... use --offset %d for more\n", *o.PacketsPage.NextOffset)
	}
	for _, w := range o.Warnings {
		p("\nwarning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
