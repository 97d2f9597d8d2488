package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// exportStateBytes is an export's --max-state-bytes unless the flag is
// given: the state budget of the whole export pass, which the records
// module divides among the pass's modules and the overview's flow table
// (records.stateShares). It holds every row of the 1M bench capture.
const exportStateBytes = 192 << 20

// exportOverheadBytes is what an export holds beside its state budget: the
// engine's and the overview's buffers, the table writers' row groups and
// the briefs. The Go soft memory limit of an export is the state budget
// plus this (GOMEMLIMIT overrides): 224 MiB by default, which peak RSS
// follows (the heap grows to it between collections), well above the live
// heap the budget's tables take in practice (133 MB at most on the 5M bench
// capture, so the collector does not run back to back), and under 300 MB
// of RSS whatever the capture (docs/scale.md).
const exportOverheadBytes = 32 << 20

// exportRecords runs: mcpacket export records <capture|dir|glob>... -o DIR
// [--format parquet|jsonl] [--tables a,b]. It is export_records, once per
// capture, with the output directory taken from -o.
func (a *App) exportRecords(ctx context.Context, args []string) int {
	tool, ok := a.Registry.Tool("export_records")
	if !ok {
		fmt.Fprintf(a.Stderr, "mcpacket export: the records module is not enabled\n")
		return ExitUsage
	}
	fs := flag.NewFlagSet("export records", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c common
	c.register(fs, a.Registry.Names())
	out := fs.String("o", "", "directory to write the tables under (created if missing; files are never overwritten)")
	format := fs.String("format", "parquet", "parquet or jsonl")
	tables := fs.String("tables", "", "comma-separated tables (default all)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket export records <capture|dir|glob>... -o DIR [--format parquet|jsonl] [--tables a,b]\n\n"+
			"Write each capture's flows, per-protocol records and findings as Hive-partitioned tables\n"+
			"(DIR/table=T/date=D/part-<capture hash>.parquet) for DuckDB, Spark or Trino; docs/records.md\n"+
			"lists the columns. A directory means every capture under it; a capture exported into DIR before\n"+
			"is skipped. --max-state-bytes is the state budget of the whole export, shared among its modules\n"+
			"and the flow table (192 MiB without it; peak RSS stays under 300 MB); a table at its bound\n"+
			"stops taking rows, and the warnings say how many it dropped and what findings may miss.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() == 0 || *out == "" {
		fs.Usage()
		return ExitUsage
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: -o %q: %v\n", *out, err)
		return ExitUsage
	}
	// An export's modules hold a smaller state budget than an analysis'
	// unless told otherwise: exports run many at once beside other work,
	// and a table at its bound evicts its oldest idle entries (the export's
	// warnings say so).
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "max-state-bytes" })
	if !explicit {
		c.maxStateBytes = exportStateBytes
	}
	c.outputDir = *out
	env, err := c.env(a.Version)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	// Exports run on sensors and batch nodes beside other work: hold the
	// heap near what the state budget bounds (GOMEMLIMIT overrides).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(env.MaxStateBytes + exportOverheadBytes)
	}
	refs, err := expandCaptures(ctx, fs.Args())
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket export records: %v\n", err)
		return ExitUsage
	}
	code := ExitOK
	for _, ref := range refs {
		in := tool.NewInput()
		for k, v := range map[string]string{"pcap_file": ref, "format": *format, "tables": *tables} {
			if v == "" {
				continue
			}
			if err := tool.SetArg(in, k, v); err != nil {
				fmt.Fprintf(a.Stderr, "mcpacket export records: %v\n", err)
				return ExitUsage
			}
		}
		res, err := tool.Run(ctx, &env, in)
		if err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
			code = ExitError
			continue
		}
		if err := tool.Text(terminalSafe{a.Stdout}, res); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
			return ExitError
		}
	}
	return code
}

// expandCaptures turns the arguments into captures: a URL or a file as
// given, a directory as every capture under it (by their first bytes,
// hidden files skipped), a glob pattern as the files it matches.
func expandCaptures(ctx context.Context, args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
			out = append(out, arg)
			continue
		}
		st, err := os.Stat(arg)
		switch {
		case err == nil && st.IsDir():
			op := &capture.Opener{}
			if err := op.SetRoots([]string{arg}); err != nil {
				return nil, fmt.Errorf("%s: %v", arg, err)
			}
			files, truncated, err := op.List(ctx, "")
			if err != nil {
				return nil, fmt.Errorf("%s: %v", arg, err)
			}
			if truncated {
				return nil, fmt.Errorf("%s: more files than one listing scans; give subdirectories or a glob", arg)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no capture under it", arg)
			}
			for _, f := range files {
				out = append(out, f.Path)
			}
		case err == nil:
			out = append(out, arg)
		default:
			m, gerr := filepath.Glob(arg)
			if gerr != nil || len(m) == 0 {
				return nil, fmt.Errorf("%s: %v", arg, err)
			}
			out = append(out, m...)
		}
	}
	return out, nil
}
