package ntp

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	st := o.Statistics
	p("NTP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d NTP messages\n", o.TotalPackets, o.NTPPacketsFound)
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	if o.NTPPacketsFound == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("  modes: %s\n  versions: %s\n", modkit.Counts(st.ByMode), modkit.Counts(st.ByVersion))
	if len(st.ByStratum) > 0 {
		p("  stratum: %s\n", modkit.Counts(st.ByStratum))
	}
	p("  client requests %d, server responses %d, exchanges %d, unanswered %d, unmatched responses %d\n",
		st.Requests, st.Responses, st.Exchanges, st.Unanswered, st.UnmatchedResponses)
	if l := st.OffsetMs; l != nil {
		p("  offset ms min %.3f avg %.3f max %.3f\n", l.Min, *l.Avg, l.Max)
	}
	if l := st.DelayMs; l != nil {
		p("  delay ms min %.3f avg %.3f max %.3f\n", l.Min, *l.Avg, l.Max)
	}
	if len(st.KissCodes) > 0 {
		p("  stratum-0 reference ids: %s\n", modkit.Counts(st.KissCodes))
	}
	if st.ControlRequests+st.ControlResponses+st.PrivateRequests+st.PrivateResponses > 0 {
		p("  control (mode 6): %d requests, %d responses; private (mode 7): %d requests, %d responses (%d monlist)\n",
			st.ControlRequests, st.ControlResponses, st.PrivateRequests, st.PrivateResponses, st.MonlistResponses)
	}
	if st.Malformed > 0 {
		p("  malformed: %d\n", st.Malformed)
	}
	modkit.Findings(&b, o.Anomalies)
	if len(o.Servers) > 0 {
		p("\nServers (%d", o.ServersTotal)
		if o.ServersTotal > len(o.Servers) {
			p("; showing %d", len(o.Servers))
		}
		p(")\n")
	}
	for _, s := range o.Servers {
		p("  %s  requests %d, responses %d, unanswered %d, clients %d", s.Address, s.Requests, s.Responses, s.Unanswered, s.Clients)
		if s.Stratum != nil {
			p(", stratum %d", *s.Stratum)
		}
		if s.ReferenceID != "" {
			p(", reference %s", s.ReferenceID)
		}
		if s.Leap != "" && s.Leap != leapNames[0] {
			p(", leap: %s", s.Leap)
		}
		if l := s.OffsetMs; l != nil {
			p(", offset ms avg %.3f", *l.Avg)
		}
		if l := s.DelayMs; l != nil {
			p(", delay ms avg %.3f", *l.Avg)
		}
		if s.ControlBytes > 0 {
			p(", mode 6/7 response bytes %d", s.ControlBytes)
		}
		p("\n")
	}
	p("\nPackets (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %s -> %s  v%d %s", m.PacketNumber, m.Timestamp, hostPort(m.SrcIP, m.SrcPort), hostPort(m.DstIP, m.DstPort), m.Version, m.ModeName)
		if m.Stratum != nil {
			p(" stratum %d", *m.Stratum)
		}
		if m.ReferenceID != "" {
			p(" ref %s", m.ReferenceID)
		}
		if m.Control != nil {
			p(" %s", m.Control.OpcodeName)
		}
		if m.Private != nil {
			p(" %s", m.Private.RequestName)
		}
		if m.OffsetMs != nil {
			p(" offset %.3f ms delay %.3f ms", *m.OffsetMs, *m.DelayMs)
		}
		if m.Malformed != "" {
			p(" [malformed: %s]", m.Malformed)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// hostPort joins an address and a port, bracketing IPv6.
func hostPort(addr string, port int) string {
	return net.JoinHostPort(addr, strconv.Itoa(port))
}
