package dhcp

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// writeReport prints a readable DHCP report: servers, clients and leases,
// transaction outcomes, anomalies. Text from packets (host names, vendor
// classes, domains) is already escaped and bounded (result.Text); lines
// with nothing to list are left out.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("DHCP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d DHCP/BOOTP messages", o.TotalPackets, o.DHCPPacketsFound)
	st := o.Statistics
	p(" (%d BOOTP, %d relayed, %d malformed, %d on non-standard ports)\n", st.BOOTPPackets, st.RelayedPackets, st.MalformedPackets, st.NonStandardPortPackets)
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	if len(st.MessageTypeCounts) > 0 {
		p("  message types: %s\n", modkit.Counts(st.MessageTypeCounts))
	}
	if st.TransactionCount > 0 {
		p("  %d transactions: %s\n", st.TransactionCount, modkit.Counts(st.OutcomeCounts))
	}
	if l := st.DiscoverToOfferMs; l != nil {
		p("  DISCOVER->OFFER ms: median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}
	if l := st.RequestToAckMs; l != nil {
		p("  REQUEST->ACK ms:    median %.1f, p95 %.1f, max %.1f (%d)\n", l.Median, l.P95, l.Max, l.Count)
	}

	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n", a.Severity, a.Type, a.Summary)
		if len(a.EvidenceFrames) > 0 {
			p("      evidence frames: %s\n", frames(a.EvidenceFrames, a.EvidenceFramesTotal))
		}
	}

	if o.ServersTotal > 0 {
		p("\nServers (%d", o.ServersTotal)
		if len(o.Servers) < o.ServersTotal {
			p("; showing the busiest %d", len(o.Servers))
		}
		p(")\n")
	}
	for _, s := range o.Servers {
		p("  %s  offers %d, acks %d, naks %d, clients %d", s.ServerID, s.Offers, s.Acks, s.Naks, s.ClientsServed)
		if s.RelayedReplies > 0 {
			p(", %d via relays", s.RelayedReplies)
		}
		p("\n")
		for _, c := range s.Configurations {
			lease := "-"
			if c.LeaseTime != nil {
				lease = fmt.Sprintf("%ds", *c.LeaseTime)
			}
			p("      mask %s, routers %s, dns %s, domain %s, lease %s (%d replies)\n", dash(c.SubnetMask), list(c.Routers), list(c.DNSServers), dash(c.DomainName), lease, c.Packets)
		}
	}

	if o.ClientsPage.Total > 0 {
		p("\nClients (%d; %s)\n", o.ClientsPage.Total, shown(len(o.Clients)))
	}
	for _, c := range o.Clients {
		p("  %s  %s", c.ClientMAC, dash(c.Hostname))
		if c.VendorClass != "" {
			p(", vendor \"%s\"", c.VendorClass)
		}
		if c.Fingerprint != "" {
			p(", fingerprint %s", c.Fingerprint)
		}
		p("\n")
		for _, l := range c.Leases {
			state := ""
			switch {
			case l.Released:
				state = ", released " + l.ReleasedAt
			case l.Declined:
				state = ", declined " + l.ReleasedAt
			}
			p("      %s from %s at %s (renewed %d)%s\n", l.Address, dash(l.ServerID), l.Start, l.Renewals, state)
		}
	}
	if o.ClientsPage.Truncated && len(o.Clients) > 0 {
		p("  ... %d more (use --clients-offset %d)\n", o.ClientsPage.Total-o.ClientsPage.Offset-o.ClientsPage.Returned, *o.ClientsPage.NextOffset)
	}

	if o.TxPage.Total > 0 {
		p("\nTransactions (%d; %s)\n", o.TxPage.Total, shown(len(o.Transactions)))
	}
	for _, t := range o.Transactions {
		p("  %s %s  %-9s %s", t.TransactionID, t.ClientMAC, t.Outcome, strings.Join(t.MessageTypes, " "))
		if t.AssignedIP != "" {
			p("  -> %s", t.AssignedIP)
		} else if t.OfferedIP != "" {
			p("  offered %s", t.OfferedIP)
		}
		if t.DiscoverToOfferMs != nil {
			p("  D->O %.1f ms", *t.DiscoverToOfferMs)
		}
		if t.RequestToAckMs != nil {
			p("  R->A %.1f ms", *t.RequestToAckMs)
		}
		p("\n")
	}
	if o.TxPage.Truncated && len(o.Transactions) > 0 {
		p("  ... %d more (use --transactions-offset %d)\n", o.TxPage.Total-o.TxPage.Offset-o.TxPage.Returned, *o.TxPage.NextOffset)
	}
	for _, w := range o.Warnings {
		p("\nwarning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func shown(n int) string {
	if n == 0 {
		return "none shown"
	}
	return fmt.Sprintf("showing %d", n)
}

func frames(f []int, total int) string {
	var parts []string
	for _, n := range f {
		parts = append(parts, fmt.Sprint(n))
	}
	s := strings.Join(parts, ", ")
	if total > len(f) {
		s += fmt.Sprintf(" ... (%d in all)", total)
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
