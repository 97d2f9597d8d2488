// Package records writes what the modules find in a capture as tables for
// engines that scale past one machine (DuckDB, Spark, Trino, ClickHouse):
// the flow table (Zeek's conn.log with Community ID), one table per module
// (dns, http, tls, tcp, ...) and the findings, as Parquet or JSON Lines, in
// Hive-style partitions:
//
//	<dir>/table=<table>/date=<YYYY-MM-DD>/part-<capture>.<format>
//
// where <capture> is a hash of the capture's bytes, so exporters on many
// machines can write into one prefix without coordination and a capture
// exported twice is refused, not duplicated. It is the "records" module;
// its tool export_records writes under the server's output directory.
// One engine pass runs every module that hands out rows (modkit.Recorder);
// rows stream to the files as they become final, so memory stays bounded
// whatever the capture's size. docs/records.md documents every column.
package records

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Options are the modules whose records and findings the export writes.
type Options struct {
	// Recorders hand out the tables (the overview's flows, dns, ...).
	Recorders []modkit.Recorder
	// Modules are the modules whose findings go into the findings
	// table; a Recorder among them runs once, as a Recorder.
	Modules []modkit.Passer
}

// Module is the records module.
type Module struct{ opts Options }

// New returns the records module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "records".
func (*Module) Name() string { return "records" }

// Prompts returns none.
func (*Module) Prompts() []analyzer.Prompt { return nil }

// Tools returns export_records.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:  "export_records",
		Title: "Export records",
		Description: "Write the capture's flows (Zeek conn.log-like, Community ID), per-protocol records (" + strings.Join(m.tableNames(), ", ") +
			") and findings as Parquet or JSON Lines tables, Hive-partitioned (table=/date=/part-<capture hash>), into the server's output " +
			"directory for DuckDB, Spark or Trino. Returns files and row counts.",
		OpenWorld:      true,
		NeedsOutputDir: true,
	}, m.export, writeReport)}
}

// Input is the argument object of export_records.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`
	Format   string `json:"format,omitempty" jsonschema:"parquet (default) or jsonl"`
	Tables   string `json:"tables,omitempty" jsonschema:"comma-separated tables to write (default all)"`
	Subdir   string `json:"subdir,omitempty" jsonschema:"directory under the output directory to write into (default: the output directory itself)"`
}

// Output is the result of export_records.
type Output struct {
	File       string      `json:"file" jsonschema:"the capture reference as given"`
	Capture    string      `json:"capture" jsonschema:"the capture's id: the first 32 hex digits of the SHA-256 of its bytes, the <capture> of part-<capture> file names"`
	Format     string      `json:"format"`
	Dir        string      `json:"dir" jsonschema:"the directory the tables are under"`
	Skipped    bool        `json:"skipped,omitempty" jsonschema:"true when this capture was exported into dir before: nothing was written"`
	Message    string      `json:"message,omitempty"`
	FramesRead int         `json:"frames_read"`
	Tables     []TableRows `json:"tables" jsonschema:"rows and files written per table"`
	Warnings   []string    `json:"warnings"`
}

// TableRows is what was written of one table.
type TableRows struct {
	Table string   `json:"table"`
	Rows  int64    `json:"rows"`
	Files []string `json:"files" jsonschema:"paths under dir"`
}

// findingsTable is the table of every module's findings.
const findingsTable = "findings"

// FindingRow is one finding as a record of table "findings".
type FindingRow struct {
	TS          time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	Module      string    `parquet:"module" json:"module"`
	Type        string    `parquet:"type" json:"type"`
	Severity    string    `parquet:"severity" json:"severity"`
	Summary     string    `parquet:"summary" json:"summary"`
	Frames      []int64   `parquet:"frames,list" json:"frames"`
	FramesTotal int64     `parquet:"frames_total" json:"frames_total"`
	Details     string    `parquet:"details,json" json:"details"`
}

// Tables lists every table export_records can write, in order
// (docs/records.md documents them).
func (m *Module) Tables() []modkit.Table { return m.tables() }

// tables lists every table the module can write, in order.
func (m *Module) tables() []modkit.Table {
	var out []modkit.Table
	for _, r := range m.opts.Recorders {
		out = append(out, r.Tables()...)
	}
	return append(out, modkit.TableOf[FindingRow](findingsTable))
}

func (m *Module) tableNames() []string {
	var out []string
	for _, t := range m.tables() {
		out = append(out, t.Name)
	}
	return out
}

// selectTables parses a comma-separated list of tables ("" is all).
func (m *Module) selectTables(spec string) ([]modkit.Table, error) {
	all := m.tables()
	if strings.TrimSpace(spec) == "" {
		return all, nil
	}
	var out []modkit.Table
	for _, n := range strings.Split(spec, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		i := slices.IndexFunc(all, func(t modkit.Table) bool { return t.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("tables: unknown table %q; the tables are %s", n, strings.Join(m.tableNames(), ", "))
		}
		if !slices.ContainsFunc(out, func(t modkit.Table) bool { return t.Name == n }) {
			out = append(out, all[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tables: none named; the tables are %s", strings.Join(m.tableNames(), ", "))
	}
	return out, nil
}

var subdirRE = regexp.MustCompile(`^[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*$`)

func (m *Module) export(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	if env.OutputDir == "" {
		return nil, fmt.Errorf("capture %q: exporting needs the server's output directory (--output-dir DIR is required for export_records)", in.PcapFile)
	}
	format := strings.ToLower(strings.TrimSpace(in.Format))
	switch format {
	case "":
		format = Parquet
	case Parquet, JSONL:
	default:
		return nil, fmt.Errorf("format %q: use parquet or jsonl", in.Format)
	}
	tables, err := m.selectTables(in.Tables)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(env.OutputDir)
	if err != nil {
		return nil, fmt.Errorf("output directory: %v", err)
	}
	defer root.Close()
	dir := env.OutputDir
	if in.Subdir != "" {
		if !subdirRE.MatchString(in.Subdir) || slices.Contains(strings.Split(in.Subdir, "/"), "..") {
			return nil, fmt.Errorf("subdir %q: give a relative path of plain names under the output directory", in.Subdir)
		}
		if err := root.MkdirAll(in.Subdir, 0o755); err != nil {
			return nil, fmt.Errorf("subdir %q: %v", in.Subdir, err)
		}
		sub, err := root.OpenRoot(in.Subdir)
		if err != nil {
			return nil, fmt.Errorf("subdir %q: %v", in.Subdir, err)
		}
		defer sub.Close()
		root, dir = sub, dir+string(os.PathSeparator)+in.Subdir
	}
	w, err := newWriter(root, format, tables)
	if err != nil {
		return nil, err
	}
	defer w.discard()
	want := map[string]bool{}
	for _, t := range tables {
		want[t.Name] = true
	}
	passes, names, err := m.passes(env, want, w)
	if err != nil {
		return nil, err
	}
	// The capture's first frame dates the findings.
	var first time.Time
	passes = append(passes, &modkit.SimplePass{
		Obs: []engine.Observer{engine.ObserverFunc(func(p *engine.Packet) {
			if first.IsZero() || p.Timestamp.Before(first) {
				first = p.Timestamp
			}
		})},
		Conclude: func(*engine.Result) modkit.Brief { return modkit.Brief{} },
	})
	// Each pass lets go of its tables once it has concluded, so that the
	// modules concluding after it (the overview's flows first) do not
	// add their briefs and rows on top of every table of the capture.
	for i, p := range passes {
		passes[i] = &releasing{p}
	}
	h := sha256.New()
	res, briefs, err := modkit.RunPassesWith(ctx, env, in.PcapFile, engine.Options{Tee: h}, passes...)
	if err != nil {
		return nil, err
	}
	if want[findingsTable] {
		for i, b := range briefs[:len(names)] {
			putFindings(w, names[i], b.Findings, first.UTC())
		}
	}
	out := &Output{File: in.PcapFile, Capture: hex.EncodeToString(h.Sum(nil))[:32], Format: format, Dir: dir, FramesRead: res.Packets,
		Tables: []TableRows{}, Warnings: modkit.Warnings(res, true)}
	for _, b := range briefs {
		out.Warnings = append(out.Warnings, b.Warnings...)
	}
	if err := w.close(); err != nil {
		return nil, fmt.Errorf("write records: %v", err)
	}
	if ex := w.existing(out.Capture); len(ex) > 0 {
		out.Skipped = true
		out.Message = fmt.Sprintf("capture %s was exported into %s before (%s exists); nothing written: exports never replace files", out.Capture, dir, ex[0])
		return out, nil
	}
	files, err := w.commit(out.Capture)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("capture %s is being exported into %s by another export too: %v", out.Capture, dir, err)
		}
		return nil, fmt.Errorf("write records: %v", err)
	}
	for _, t := range tables {
		out.Tables = append(out.Tables, TableRows{Table: t.Name, Rows: w.tables[t.Name].rows, Files: append([]string{}, files[t.Name]...)})
	}
	return out, nil
}

// passes are the shared-pass analyses the export runs: the recorders with
// a wanted table, and every module when the findings are wanted. names
// are their module names, in order.
func (m *Module) passes(env *analyzer.Env, want map[string]bool, sink modkit.Sink) (passes []modkit.Pass, names []string, err error) {
	var recs []modkit.Recorder
	var mods []modkit.Passer
	ran := map[string]bool{}
	for _, r := range m.opts.Recorders {
		if slices.ContainsFunc(r.Tables(), func(t modkit.Table) bool { return want[t.Name] }) {
			recs, ran[r.Name()] = append(recs, r), true
		}
	}
	if want[findingsTable] {
		for _, pm := range m.opts.Modules {
			if !ran[pm.Name()] {
				mods = append(mods, pm)
			}
		}
	}
	// Each pass gets its share of the export's state budget as its own.
	shared := 0
	for _, r := range recs {
		if _, ok := stateShares[r.Name()]; !ok {
			shared++
		}
	}
	for _, pm := range mods {
		if _, ok := stateShares[pm.Name()]; !ok {
			shared++
		}
	}
	envOf := func(name string) *analyzer.Env {
		e := *env
		budget := env.MaxStateBytes
		if budget <= 0 {
			budget = analyzer.DefaultMaxStateBytes
		}
		share, ok := stateShares[name]
		if !ok {
			share = sharedStateShare / float64(max(shared, 1))
		}
		e.MaxStateBytes = max(1, int64(float64(budget)*share))
		return &e
	}
	for _, r := range recs {
		p, err := r.RecordPass(envOf(r.Name()), sink)
		if err != nil {
			return nil, nil, fmt.Errorf("module %s: %w", r.Name(), err)
		}
		passes, names = append(passes, p), append(names, r.Name())
	}
	for _, pm := range mods {
		p, err := pm.NewPass(envOf(pm.Name()))
		if err != nil {
			return nil, nil, fmt.Errorf("module %s: %w", pm.Name(), err)
		}
		passes, names = append(passes, p), append(names, pm.Name())
	}
	return passes, names, nil
}

// stateShares divide an export's state budget (analyzer.Env.MaxStateBytes:
// --max-state-bytes of mcpacket export records) among the passes of the
// export, each pass's share its own budget, which the module divides among
// its tables as in an analysis. The overview's flow table (about 430 bytes
// a flow), the tls sessions (4 KiB each, at share 0.45 of tls's) and the
// tcp connections (2 KiB each, at share 0.70 of tcp's) are the tables that
// grow with the capture's connections; they get fixed shares, with which
// the CLI's 192 MiB budget holds every flow, session and connection of the
// 1M bench capture (123k flows, 4.9k sessions, 12.3k connections) with a
// tenth to spare. Every other pass gets an equal part of sharedStateShare
// (about 5 MiB each of 192 MiB; a module's tables hold at least 1,000
// entries whatever its share, analyzer.Env.StateItems): what their
// detectors cannot hold, they say in the export's warnings.
var stateShares = map[string]float64{"overview": 0.30, "tls": 0.24, "tcp": 0.20}

// sharedStateShare is what the passes without a stateShares entry share.
const sharedStateShare = 0.26

// releasing is a pass that drops its pass once it has concluded: what the
// brief needs it keeps, the module's tables go to the collector.
type releasing struct{ p modkit.Pass }

func (r *releasing) Observers() []engine.Observer { return r.p.Observers() }

func (r *releasing) Brief(res *engine.Result) modkit.Brief {
	b := r.p.Brief(res)
	r.p = nil
	return b
}
