package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
)

// export runs: mcpacket export packets <capture> [--filter F] [--frames L] -o OUT [--format pcapng|pcap]
// It is export_packets with the output directory taken from -o.
func (a *App) export(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "records" {
		return a.exportRecords(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "packets" {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket export packets <capture> --filter FILTER -o OUT.pcapng\n       mcpacket export records <capture|dir|glob>... -o DIR [--format parquet|jsonl] [--tables a,b]\n")
		return ExitUsage
	}
	tool, ok := a.Registry.Tool("export_packets")
	if !ok {
		fmt.Fprintf(a.Stderr, "mcpacket export: the packets module is not enabled\n")
		return ExitUsage
	}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c common
	c.register(fs, a.Registry.Names())
	filter := fs.String("filter", "", "Wireshark display filter selecting the frames")
	frames := fs.String("frames", "", "frame numbers and ranges, e.g. 12,40,100-120")
	out := fs.String("o", "", "file to create (never overwritten); its directory is the only one written to")
	format := fs.String("format", "", "pcapng or pcap (default: from the -o extension, else pcapng)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket export packets <capture> --filter FILTER -o OUT.pcapng\n\nWrite the frames a display filter (and/or frame list) selects, with their original bytes and times.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(interleave(fs, args[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return ExitUsage
	}
	c.outputDir = filepath.Dir(*out)
	env, err := c.env(a.Version)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	if *format == "" {
		*format = "pcapng"
		if strings.EqualFold(filepath.Ext(*out), ".pcap") {
			*format = "pcap"
		}
	}
	in := tool.NewInput()
	for k, v := range map[string]string{"pcap_file": fs.Arg(0), "filter": *filter, "frames": *frames, "output_name": filepath.Base(*out), "format": *format} {
		if v == "" {
			continue
		}
		if err := tool.SetArg(in, k, v); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket export: %v\n", err)
			return ExitUsage
		}
	}
	res, err := tool.Run(ctx, &env, in)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	if err := tool.Text(terminalSafe{a.Stdout}, res); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	return ExitOK
}
