package arp

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
	p("ARP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d ARP messages (%s)\n", o.TotalPackets, o.ARPPacketsFound, modkit.Counts(st.OpcodeCounts))
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	if o.ARPPacketsFound == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("  %d requests (%d unanswered), %d replies (%d unsolicited), %d gratuitous, %d probes, %d announcements\n",
		st.Requests, st.Unanswered, st.Replies, st.Unsolicited, st.Gratuitous, st.Probes, st.Announcements)
	p("  %d addresses, %d MACs, %d binding changes, %d Ethernet/ARP sender mismatches, %d malformed\n",
		st.UniqueIPs, st.UniqueMACs, st.BindingChanges, st.EthMismatch, st.Malformed)
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
	p("\nBindings (%d; showing %d)\n", o.BindingsTotal, len(o.Bindings))
	for _, bd := range o.Bindings {
		p("  %-15s %s  frames %d, %s .. %s", bd.IP, bd.MAC, bd.Frames, bd.FirstSeen, bd.LastSeen)
		if bd.Changes > 0 {
			p("  changed %d times: %s", bd.Changes, strings.Join(bd.MACs, ", "))
		}
		p("\n")
	}
	p("\nHosts (%d; showing %d)\n", o.HostsTotal, len(o.Hosts))
	for _, h := range o.Hosts {
		p("  %s  %s  frames %d\n", h.MAC, strings.Join(h.IPs, ", "), h.Frames)
	}
	p("\nPackets (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %-15s %s %s -> %s %s", m.PacketNumber, m.Timestamp, m.OpcodeName, m.SenderMAC, m.SenderIP, m.TargetMAC, m.TargetIP)
		for _, f := range []struct {
			on   bool
			name string
		}{{m.Gratuitous, "gratuitous"}, {m.Probe, "probe"}, {m.Unsolicited, "unsolicited"}, {m.EthMismatch, "ethernet sender mismatch"}} {
			if f.on {
				p(" [%s]", f.name)
			}
		}
		if m.Malformed != "" {
			p(" [malformed: %s]", m.Malformed)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
