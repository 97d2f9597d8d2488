package capinfos

import (
	"fmt"
	"io"
	"strings"
)

// writeReport prints the output in the layout of capinfos.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-22s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	orNA := func(p *float64, unit string) string {
		if p == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.2f %s", *p, unit)
	}
	strNA := func(p *string) string {
		if p == nil {
			return "n/a"
		}
		return *p
	}
	line("File name", "%s", o.File)
	line("File type", "%s (version %s, %s)", o.FileType, o.FormatVersion, o.ByteOrder)
	line("File encapsulation", "%s (%s)", o.FileEncapsulation, o.FileEncapsulationShort)
	if len(o.Encapsulations) > 1 {
		for _, e := range o.Encapsulations {
			line("  in use", "%s (%d packets)", e.Name, e.Packets)
		}
	}
	line("Timestamp precision", "%s (%d)", o.TimestampPrecision, o.TimestampDigits)
	if o.SnaplenBytes != nil {
		line("Packet size limit", "%d bytes", *o.SnaplenBytes)
	} else {
		line("Packet size limit", "(not set)")
	}
	line("Number of packets", "%d", o.PacketCount)
	line("File size", "%d bytes", o.FileSizeBytes)
	line("Data size", "%d bytes (%d captured, %d packets cut by snaplen)", o.DataSizeBytes, o.CapturedBytes, o.PacketsCutBySnaplen)
	if o.FirstPacketTime != nil {
		line("Capture duration", "%.9f seconds", o.CaptureDurationSeconds)
	} else {
		line("Capture duration", "n/a")
	}
	line("First packet time", "%s", strNA(o.FirstPacketTime))
	line("Last packet time", "%s", strNA(o.LastPacketTime))
	line("Data byte rate", "%s", orNA(o.DataRateBytes, "bytes/s"))
	line("Data bit rate", "%s", orNA(o.DataRateBits, "bits/s"))
	line("Average packet size", "%s", orNA(o.AveragePacketSizeBytes, "bytes"))
	line("Average packet rate", "%s", orNA(o.AveragePacketRate, "packets/s"))
	line("SHA256", "%s", o.SHA256)
	line("Strict time order", "%t (%d out of order)", o.StrictTimeOrder, o.OutOfOrderPackets)
	for _, s := range o.Sections {
		if s.Hardware != "" {
			line("Capture hardware", "%s", s.Hardware)
		}
		if s.OS != "" {
			line("Capture oper-sys", "%s", s.OS)
		}
		if s.Application != "" {
			line("Capture application", "%s", s.Application)
		}
		if s.Comment != "" {
			line("Capture comment", "%s", s.Comment)
		}
	}
	if o.PacketComments > 0 {
		line("Packet comments", "%d", o.PacketComments)
	}
	line("Number of interfaces", "%d", o.InterfaceCount)
	for _, it := range o.Interfaces {
		fmt.Fprintf(&b, "Interface #%d:\n", it.Index)
		sub := func(label, format string, args ...any) {
			fmt.Fprintf(&b, "    %-20s %s\n", label, fmt.Sprintf(format, args...))
		}
		if it.Name != "" {
			sub("Name", "%s", it.Name)
		}
		if it.Description != "" {
			sub("Description", "%s", it.Description)
		}
		sub("Encapsulation", "%s (%d - %s)", it.Encapsulation, it.LinkType, it.EncapsulationShort)
		if it.SnaplenBytes != nil {
			sub("Capture length", "%d", *it.SnaplenBytes)
		}
		sub("Time precision", "%s", it.TimestampPrecision)
		if it.Filter != "" {
			sub("Filter string", "%s", it.Filter)
		}
		if it.OS != "" {
			sub("Operating system", "%s", it.OS)
		}
		if it.Comment != "" {
			sub("Comment", "%s", it.Comment)
		}
		if st := it.Statistics; st != nil {
			if st.Received != nil {
				sub("Received", "%d", *st.Received)
			}
			if st.Dropped != nil {
				sub("Dropped", "%d", *st.Dropped)
			}
		}
		sub("Number of packets", "%d", it.Packets)
	}
	if o.InterfacesPage.Truncated {
		fmt.Fprintf(&b, "(%d of %d interfaces shown; use --offset %d for more)\n", o.InterfacesPage.Returned, o.InterfacesPage.Total, *o.InterfacesPage.NextOffset)
	}
	for _, w := range o.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
