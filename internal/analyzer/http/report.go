package http

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// writeReport prints a readable HTTP report, summary first. Strings from
// the capture are already escaped in o.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	s := o.Summary
	p("HTTP analysis of %s\n", result.Text(o.File, 0))
	p("  %d packets, %d connections (%d HTTP/2), %d requests, %d responses, %d unanswered, %d files\n",
		o.TotalPacketsInFile, s.Connections, s.H2Connections, s.Requests, s.Responses, s.Unanswered, s.Files)
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	if l := s.LatencyMs; l != nil {
		p("  latency ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}
	if len(s.Upgrades) > 0 {
		p("  upgrades: %s\n", modkit.Counts(s.Upgrades))
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v\n", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
	}
	top := func(name string, l result.TopList) {
		if len(l.Items) == 0 {
			return
		}
		parts := make([]string, 0, len(l.Items))
		for _, it := range l.Items {
			parts = append(parts, fmt.Sprintf("%s %d", it.Key, it.Count))
		}
		p("  %s: %s\n", name, strings.Join(parts, ", "))
	}
	p("\nTop\n")
	top("hosts", o.Top.Hosts)
	top("methods", o.Top.Methods)
	top("statuses", o.Top.Statuses)
	top("user agents", o.Top.UserAgents)
	top("content types", o.Top.ContentTypes)
	p("\nTransactions (%d of %d)\n", len(o.Transactions), o.TxPage.Total)
	for _, t := range o.Transactions {
		p("  %d→%d %s %s %s%s %d %s\n", t.RequestFrame, t.ResponseFrame, t.Protocol, t.Method, t.Host, t.URI, t.Status, t.Problem)
	}
	p("\nFiles (%d of %d)\n", len(o.Files), o.FilesPage.Total)
	for _, f := range o.Files {
		p("  frame %d %s %s %s (%s) %d bytes sha256 %s\n", f.Frame, f.Direction, f.Name, f.SniffedType, f.DeclaredType, f.Size, f.SHA256)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
