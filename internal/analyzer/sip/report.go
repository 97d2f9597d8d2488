package sip

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// writeReport prints a readable SIP report: the summary, warnings and
// findings first, then calls, registrations and messages. Every string
// from a packet in o is made safe already (text, result.Text): the report
// holds no control byte but newline.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("SIP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d SIP messages (%d requests, %d responses), %d Call-IDs\n", o.TotalPacketsInFile, o.SIPPacketsFound, st.Requests, st.Responses, st.UniqueCallIDs)
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	for _, l := range []struct {
		name string
		m    map[string]int
	}{{"transports", st.Transports}, {"methods", st.Methods}, {"status codes", st.StatusCodes}} {
		if len(l.m) > 0 {
			p("  %s: %s\n", l.name, modkit.Counts(l.m))
		}
	}
	if o.SIPPacketsFound > 0 {
		p("  %d retransmissions, %d malformed, %d on ports other than 5060/5061\n", st.Retransmissions, st.Malformed, st.NonStandardPort)
	}
	if c := st.Calls; c.Total > 0 {
		var states []string
		for _, s := range []struct {
			name string
			n    int
		}{{"answered", c.Answered}, {"busy", c.Busy}, {"declined", c.Declined}, {"cancelled", c.Cancelled}, {"redirected", c.Redirected},
			{"challenged", c.Challenged}, {"failed", c.Failed}, {"unanswered", c.Unanswered}, {"in progress", c.InProgress}} {
			if s.n > 0 {
				states = append(states, fmt.Sprintf("%s %d", s.name, s.n))
			}
		}
		p("  calls: %d (%s)", c.Total, strings.Join(states, ", "))
		if c.ReInviteFailed > 0 {
			p("; %d with a failed re-INVITE", c.ReInviteFailed)
		}
		p("\n")
		if l := c.PostDialDelayMs; l != nil {
			p("  post-dial delay ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
		}
		if l := c.SetupTimeMs; l != nil {
			p("  setup time ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
		}
	}
	if r := st.Registrations; r.Total > 0 {
		p("  registrations: %d (registered %d, unregistered %d, challenged %d, failed %d, unanswered %d; %d failed authentications)\n",
			r.Total, r.Registered, r.Unregistered, r.Challenged, r.Failed, r.Unanswered, r.AuthFailures)
	}
	if len(st.UserAgents) > 0 {
		p("  user agents (%d): %s\n", st.UserAgentsTotal, strings.Join(st.UserAgents, "; "))
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
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
	if o.CallsPage.Total > 0 {
		p("\nCalls (%d; showing %d)\n", o.CallsPage.Total, len(o.Calls))
	}
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
		if cl.ReInviteFailure != "" {
			p("         but %s\n", cl.ReInviteFailure)
		}
		for _, m := range cl.Media {
			p("         %s media %s\n", m.Side, m.line())
		}
		// The initial transaction is the call line; re-INVITEs each get
		// one.
		for _, tx := range cl.Transactions {
			if tx.Kind != "re-INVITE" {
				continue
			}
			p("         re-INVITE by the %s, frame %d: %s", tx.SentBy, tx.Frame, tx.Result)
			if tx.FinalCode != nil {
				p(" (%d %s)", *tx.FinalCode, tx.FinalReason)
			}
			if len(tx.Offer) > 0 {
				p(", offer %s", strings.Join(tx.Offer, "; "))
			}
			if len(tx.Answer) > 0 {
				p(", answer %s", strings.Join(tx.Answer, "; "))
			}
			p("\n")
		}
	}
	more(p, o.CallsPage, "--calls-limit", "--calls-offset")
	if o.RegistrationsPage.Total > 0 {
		p("\nRegistrations (%d; showing %d)\n", o.RegistrationsPage.Total, len(o.Registrations))
	}
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
	more(p, o.RegistrationsPage, "--registrations-limit", "--registrations-offset")
	if o.PacketsPage.Total > 0 {
		p("\nMessages (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	}
	for _, m := range o.Packets {
		p("  %6d %s %s:%d -> %s:%d %s  %s\n", m.PacketNumber, m.Timestamp, m.SourceIP, m.SourcePort, m.DestinationIP, m.DestinationPort, m.Transport, m.Summary)
	}
	more(p, o.PacketsPage, "--limit", "--offset")
	_, err := io.WriteString(w, b.String())
	return err
}

// more says how to see the rest of a list cut short.
func more(p func(string, ...any), pg result.Page, limitFlag, offsetFlag string) {
	switch {
	case !pg.Truncated:
	case pg.Returned == 0 && pg.Offset == 0:
		p("  ... use %s N to list them\n", limitFlag)
	default:
		p("  ... use %s %d for more\n", offsetFlag, *pg.NextOffset)
	}
}
