package plot

import (
	"fmt"
	"io"
)

// writeReport writes the chart's summary for a person; the CLI's plot
// command writes the picture itself to a file.
func writeReport(w io.Writer, out *Output) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("%s chart of %s (%s, %dx%d, %d bytes)\n", out.Chart, out.File, out.Image.MIMEType, out.Image.Width, out.Image.Height, out.Image.Bytes)
	for _, s := range out.Summary {
		p("  %s\n", s)
	}
	for _, s := range out.Warnings {
		p("warning: %s\n", s)
	}
	return nil
}
