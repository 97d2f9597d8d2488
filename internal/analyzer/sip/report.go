package sip

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// writeReport prints a readable SIP report.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("SIP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d SIP messages (%d requests, %d responses), %d Call-IDs\n", o.TotalPacketsInFile, o.SIPPacketsFound, st.Requests, st.Responses, st.UniqueCallIDs)
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	p("  transports: %s\n", modkit.Counts(st.Transports))
	p("  methods: %s\n", modkit.Counts(st.Methods))
	p("  status codes: %s\n", modkit.Counts(st.StatusCodes))
	p("  %d retransmissions, %d malformed, %d on ports other than 5060/5061\n", st.Retransmissions, st.Malformed, st.NonStandardPort)
	c := st.Calls
	p("  calls: %d (answered %d, busy %d, declined %d, cancelled %d, redirected %d, challenged %d, failed %d, unanswered %d, in progress %d)\n",
		c.Total, c.Answered, c.Busy, c.Declined, c.Cancelled, c.Redirected, c.Challenged, c.Failed, c.Unanswered, c.InProgress)
	if l := c.PostDialDelayMs; l != nil {
		p("  post-dial delay ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}
	if l := c.SetupTimeMs; l != nil {
		p("  setup time ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}
	r := st.Registrations
	p("  registrations: %d (registered %d, unregistered %d, challenged %d, failed %d, unanswered %d; %d failed authentications)\n",
		r.Total, r.Registered, r.Unregistered, r.Challenged, r.Failed, r.Unanswered, r.AuthFailures)
	if len(st.UserAgents) > 0 {
		p("  user agents (%d): %s\n", st.UserAgentsTotal, strings.Join(st.UserAgents, "; "))
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
	p("\nCalls (%d; showing %d)\n", o.CallsPage.Total, len(o.Calls))
	for _, cl := range o.Calls {
		p("  %6d %s %s -> %s  %s", cl.InviteFrame, cl.InviteTime, cl.Caller, cl.Callee, cl.State)
		if cl.FinalCode != nil {
			p(" %d %s", *cl.FinalCode, cl.FinalReason)
		}
		if cl.PostDialDelayMs != nil {
			p(", post-dial delay %.1f ms", *cl.PostDialDelayMs)
		}
		if cl.DurationSeconds != nil {
			p(", %.1f s", *cl.DurationSeconds)
		}
		p("\n")
		for _, m := range cl.Media {
			p("         %s media %s %s:%d %s\n", m.Side, m.Type, m.Address, m.Port, strings.Join(m.Codecs, ","))
		}
	}
	if o.CallsPage.Truncated {
		p("  ... use --calls-offset %d for more\n", *o.CallsPage.NextOffset)
	}
	p("\nRegistrations (%d; showing %d)\n", o.RegistrationsPage.Total, len(o.Registrations))
	for _, rg := range o.Registrations {
		p("  %6d %s %s from %s to %s: %s", rg.FirstFrame, rg.FirstTime, rg.AOR, rg.Client, rg.Registrar, rg.Result)
		if rg.LastStatusCode != nil {
			p(" (%d %s)", *rg.LastStatusCode, rg.LastReason)
		}
		if rg.GrantedExpires != nil {
			p(", expires %d s", *rg.GrantedExpires)
		}
		p("\n")
	}
	if o.RegistrationsPage.Truncated {
		p("  ... use --registrations-offset %d for more\n", *o.RegistrationsPage.NextOffset)
	}
	p("\nMessages (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %s:%d -> %s:%d %s  %s\n", m.PacketNumber, m.Timestamp, m.SourceIP, m.SourcePort, m.DestinationIP, m.DestinationPort, m.Transport, m.Summary)
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
