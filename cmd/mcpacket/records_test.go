package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

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
