package lldp

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
	p("LLDP/CDP analysis of %s\n", o.File)
	p("  %d packets in the capture, %d discovery frames (%s)\n", o.TotalPackets, o.DiscoveryFrames, modkit.Counts(st.ByProtocol))
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	for _, w := range o.Warnings {
		p("  warning: %s\n", w)
	}
	if o.DiscoveryFrames == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	p("  %d devices from %d source MACs; capabilities: %s", st.Devices, st.SourceMACs, modkit.Counts(st.ByCapability))
	if st.Malformed > 0 {
		p("; malformed %d", st.Malformed)
	}
	p("\n")
	modkit.Findings(&b, o.Anomalies)
	p("\nDevices (%d", o.DevicesTotal)
	if o.DevicesTotal > len(o.Devices) {
		p("; showing %d", len(o.Devices))
	}
	p(")\n")
	for _, d := range o.Devices {
		p("  %s %s", d.Protocol, d.ChassisID)
		if d.SystemName != "" {
			p(" (%s)", d.SystemName)
		}
		if d.Platform != "" {
			p(", %s", d.Platform)
		}
		p(", capabilities: %s", strings.Join(d.EnabledCapabilities, ", "))
		if len(d.ManagementAddresses) > 0 {
			p(", management %s", strings.Join(d.ManagementAddresses, ", "))
		}
		p(", %d frames, source MACs %s\n", d.Frames, strings.Join(d.SourceMACs, ", "))
		for _, pt := range d.Ports {
			p("      port %s", pt.PortID)
			if pt.PortDescription != "" {
				p(" (%s)", pt.PortDescription)
			}
			if pt.VLAN != nil {
				p(" vlan %d", *pt.VLAN)
			}
			if pt.VoiceVLAN != nil {
				p(" voice vlan %d", *pt.VoiceVLAN)
			}
			p("\n")
		}
	}
	if len(o.Neighbors) > 0 {
		p("\nNeighbors (%d)\n", o.NeighborsTotal)
	}
	for _, n := range o.Neighbors {
		p("  interface %d", n.Interface)
		if n.VLAN != nil {
			p(" vlan %d", *n.VLAN)
		}
		p(": %s %s port %s (from %s)", n.Protocol, n.Device, n.PortID, n.SourceMAC)
		if len(n.Stations) > 0 {
			p("; stations on the link: %s", strings.Join(n.Stations, ", "))
		}
		p("\n")
	}
	p("\nFrames (%d; showing %d)\n", o.PacketsPage.Total, len(o.Packets))
	for _, m := range o.Packets {
		p("  %6d %s %s %s  %s port %s", m.PacketNumber, m.Timestamp, m.Protocol, m.SrcMAC, m.ChassisID, m.PortID)
		if m.SystemName != "" {
			p(" %s", m.SystemName)
		}
		if m.Malformed != "" {
			p(" [malformed: %s]", m.Malformed)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
