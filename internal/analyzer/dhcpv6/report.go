package dhcpv6

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
	p("DHCPv6 analysis of %s\n", o.File)
	p("  %d packets in the capture, %d DHCPv6 messages (%s)\n", o.TotalPackets, o.DHCPv6PacketsFound, modkit.Counts(st.MessageTypes))
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	if o.DHCPv6PacketsFound == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("  %d transactions (%d completed, %d unanswered SOLICITs), %d relayed messages, %d clients, %d servers, %d addresses assigned, %d prefixes delegated, %d malformed\n",
		st.Transactions, st.Completed, st.UnansweredSolicits, st.Relayed, st.Clients, st.Servers, st.AddressesAssigned, st.PrefixesDelegated, st.Malformed)
	if len(st.StatusCodes) > 0 {
		p("  status codes: %s\n", modkit.Counts(st.StatusCodes))
	}
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v\n", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
	}
	p("\nServers (%d; showing %d)\n", o.ServersTotal, len(o.Servers))
	for _, s := range o.Servers {
		p("  %s (%s) from %s: %d ADVERTISE, %d REPLY; leases %s; DNS %s\n", s.DUID.Hex, s.DUID.TypeName, strings.Join(s.Addresses, ", "),
			s.Advertises, s.Replies, strings.Join(s.Leases, ", "), strings.Join(s.DNSServers, ", "))
	}
	p("\nClients (%d; showing %d)\n", o.ClientsTotal, len(o.Clients))
	for _, c := range o.Clients {
		p("  %s (%s) %d messages: %s %s\n", c.DUID.Hex, c.DUID.TypeName, c.Messages, strings.Join(c.Addresses, ", "), strings.Join(c.Prefixes, ", "))
	}
	p("\nTransactions (%d; showing %d)\n", o.TransactionsTotal, len(o.Transactions))
	for _, t := range o.Transactions {
		p("  %s frame %d: %s -> %s", t.TransactionID, t.FirstFrame, strings.Join(t.Messages, " "), t.Outcome)
		if t.LatencyMs != nil {
			p(" (%.3f ms)", *t.LatencyMs)
		}
		p("\n")
	}
	p("\nPackets (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		name := m.MsgTypeName
		if len(m.MsgTypes) > 0 {
			name = strings.Join(m.MsgTypes, " > ")
		}
		p("  %6d %s %s -> %s  %s %s", m.PacketNumber, m.Timestamp, m.SrcIP, m.DstIP, name, m.TransactionID)
		if m.Malformed != "" {
			p(" [malformed: %s]", m.Malformed)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
