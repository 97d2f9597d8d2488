package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/records"
)

// TestRecordsDocumented checks that docs/records.md has a section for
// every table export_records writes and a row for each of its columns, in
// order, and nothing it does not write: the schema documentation is the
// stability promise.
func TestRecordsDocumented(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := reg.Module("records")
	if !ok {
		t.Fatal("no records module")
	}
	doc, err := os.ReadFile("../../docs/records.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string][]string{}
	cur := ""
	col := regexp.MustCompile("^\\| `([a-z0-9_]+)` \\|")
	for _, line := range strings.Split(string(doc), "\n") {
		if name, ok := strings.CutPrefix(line, "## "); ok {
			cur = name
			continue
		}
		if mm := col.FindStringSubmatch(line); mm != nil {
			sections[cur] = append(sections[cur], mm[1])
		}
	}
	tables := m.(*records.Module).Tables()
	if len(tables) < 6 {
		t.Fatalf("%d tables, want flows, dns, http, tls, tcp and findings at least", len(tables))
	}
	for _, tb := range tables {
		var want []string
		for i := range tb.Row.NumField() {
			name, _, _ := strings.Cut(tb.Row.Field(i).Tag.Get("parquet"), ",")
			if js, _, _ := strings.Cut(tb.Row.Field(i).Tag.Get("json"), ","); js != name {
				t.Errorf("table %s: column %s has json name %q", tb.Name, name, js)
			}
			want = append(want, name)
		}
		if got := sections[tb.Name]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("docs/records.md section %q lists columns\n  %v\nthe table has\n  %v", tb.Name, got, want)
		}
		delete(sections, tb.Name)
	}
	for name, cols := range sections {
		if len(cols) > 0 {
			t.Errorf("docs/records.md documents table %q, which export_records does not write", name)
		}
	}
}

// TestExportRecordsAllTables exports a capture through the registry's
// export_records: every recorder and module in one concurrent pass (run
// with -race), each table's rows counted as written.
func TestExportRecordsAllTables(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, _ := reg.Tool("export_records")
	out := t.TempDir()
	env := &analyzer.Env{OutputDir: out, Open: func(_ context.Context, ref string) (*analyzer.Source, error) {
		f, err := os.Open(ref)
		if err != nil {
			return nil, err
		}
		st, _ := f.Stat()
		return &analyzer.Source{ReadCloser: f, Name: ref, Size: st.Size()}, nil
	}}
	for _, format := range []string{"parquet", "jsonl"} {
		res, err := tool.Call(t.Context(), env, []byte(`{"pcap_file":"../../testdata/http-download.pcap.gz","format":"`+format+`","subdir":"`+format+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]int64{}
		for _, tb := range res.(*records.Output).Tables {
			rows[tb.Table] = tb.Rows
		}
		// One HTTP download over one TCP connection.
		if rows["flows"] != 1 || rows["http"] != 1 || rows["tcp"] != 1 || rows["dns"] != 0 {
			t.Errorf("%s: rows %v, want one flow, one HTTP transaction, one TCP connection", format, rows)
		}
	}
}
