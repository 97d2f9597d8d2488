package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// plot runs: mcpacket plot <capture> --chart C -o OUT.png|OUT.svg [--force]
// It is plot_traffic with the picture written to a file and the summary
// printed.
func (a *App) plot(ctx context.Context, args []string) int {
	tool, ok := a.Registry.Tool("plot_traffic")
	if !ok {
		fmt.Fprintf(a.Stderr, "mcpacket plot: the plot module is not enabled\n")
		return ExitUsage
	}
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c common
	c.register(fs, a.Registry.Names())
	out := fs.String("o", "", "picture to write: .png or .svg (the format follows the extension unless --format says)")
	force := fs.Bool("force", false, "overwrite the -o file if it exists")
	toolArgs := registerToolFlags(fs, tool)
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket plot <capture> --chart timeline|protocols|conversations|latency|tcp_sequence -o OUT.png\n\nDraw a chart of the capture (plot_traffic) into a PNG or SVG file and print what it shows.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return ExitUsage
	}
	env, err := c.env(a.Version)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	in := tool.NewInput()
	set := map[string]bool{}
	if err := tool.SetArg(in, "pcap_file", fs.Arg(0)); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket plot: %v\n", err)
		return ExitUsage
	}
	for _, f := range toolArgs {
		for _, v := range f.values {
			set[f.name] = true
			if err := tool.SetArg(in, f.name, v); err != nil {
				fmt.Fprintf(a.Stderr, "mcpacket plot: --%s: %v\n", strings.ReplaceAll(f.name, "_", "-"), err)
				return ExitUsage
			}
		}
	}
	if !set["format"] && strings.EqualFold(filepath.Ext(*out), ".svg") {
		if err := tool.SetArg(in, "format", "svg"); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket plot: %v\n", err)
			return ExitUsage
		}
	}
	// Refuse before the analysis, not after it.
	if _, err := os.Lstat(*out); err == nil && !*force {
		fmt.Fprintf(a.Stderr, "mcpacket plot: %s exists; give --force to overwrite it or another -o\n", *out)
		return ExitUsage
	}
	res, err := tool.Run(ctx, &env, in)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	im, ok := res.(analyzer.Imager)
	if !ok || len(im.Images()) == 0 {
		fmt.Fprintf(a.Stderr, "mcpacket plot: the tool returned no picture\n")
		return ExitError
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(*out, flags, 0o644)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket plot: %v\n", err)
		return ExitError
	}
	_, werr := f.Write(im.Images()[0].Data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(*out)
		fmt.Fprintf(a.Stderr, "mcpacket plot: writing %s: %v\n", *out, werr)
		return ExitError
	}
	if tool.Text != nil {
		if err := tool.Text(terminalSafe{a.Stdout}, res); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
			return ExitError
		}
	}
	fmt.Fprintf(a.Stdout, "wrote %s\n", *out)
	return ExitOK
}
