package packets

import (
	"fmt"
	"io"
	"strings"
)

func warn(w io.Writer, ws []string) {
	for _, s := range ws {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}

func writeGet(w io.Writer, o *GetOutput) error {
	fmt.Fprintf(w, "%s: %d of %d frames match", o.File, o.Matched, o.FramesRead)
	if o.Filter != "" {
		fmt.Fprintf(w, " filter %q", o.Filter)
	}
	fmt.Fprintln(w)
	warn(w, o.Warnings)
	for _, p := range o.Packets {
		fmt.Fprintf(w, "%6d %12.6f %-22s %-22s %-6s %5d %s\n", p.Number, p.RelativeSecond, p.Source, p.Destination, p.Protocol, p.Length, p.Info)
		for _, l := range p.Layers {
			var fs []string
			for _, f := range l.Fields {
				fs = append(fs, f.Name+"="+f.Value)
			}
			fmt.Fprintf(w, "         %s: %s\n", l.Name, strings.Join(fs, " "))
		}
		for _, line := range p.Hex {
			fmt.Fprintf(w, "         %s\n", line)
		}
	}
	if pg := o.PacketsPage; pg.NextOffset != nil {
		fmt.Fprintf(w, "(%d of %d shown; next page: --offset %d)\n", pg.Returned, pg.Total, *pg.NextOffset)
	}
	return nil
}

func writeFollow(w io.Writer, o *FollowOutput) error {
	fmt.Fprintf(w, "%s stream %d: %s -> %s, %d bytes (%d client, %d server), %d gap(s)\n", o.Protocol, o.Stream, o.Client, o.Server, o.TotalBytes, o.ClientBytes, o.ServerBytes, o.Gaps)
	warn(w, o.Warnings)
	fmt.Fprintf(w, "note: %s\n", o.Note)
	for _, c := range o.Chunks {
		arrow := ">>"
		if c.Direction == "server_to_client" {
			arrow = "<<"
		}
		if c.Gap > 0 {
			fmt.Fprintf(w, "%s [%d bytes missing]\n", arrow, c.Gap)
		}
		fmt.Fprintf(w, "%s frame %d offset %d, %d bytes: %s\n", arrow, c.Frame, c.Offset, c.Bytes, c.Data)
	}
	if o.NextOffset != nil {
		fmt.Fprintf(w, "(more: --offset %d)\n", *o.NextOffset)
	}
	return nil
}

func writeExport(w io.Writer, o *ExportOutput) error {
	fmt.Fprintf(w, "wrote %d of %d frames to %s (%s, %d bytes, sha256 %s)\n", o.Packets, o.FramesRead, o.Path, o.Format, o.Bytes, o.SHA256)
	warn(w, o.Warnings)
	return nil
}
