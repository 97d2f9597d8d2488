//go:build !race

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/records"
)

// TestExportFindingsBudgetSaid: an export whose modules without a table
// reach their share of the state budget says so, module by module, as
// the tables at their bound do: the findings table may lack what the
// modules' detectors could not hold.
func TestExportFindingsBudgetSaid(t *testing.T) {
	f := filepath.Join(t.TempDir(), "icmp-worst.pcap")
	w, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeICMPWorst(w, 50_000); err != nil {
		t.Fatal(err)
	}
	w.Close()
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, _ := reg.Tool("export_records")
	env := &analyzer.Env{OutputDir: t.TempDir(), MaxStateBytes: 16 << 20, Open: func(_ context.Context, ref string) (*analyzer.Source, error) {
		f, err := os.Open(ref)
		if err != nil {
			return nil, err
		}
		return &analyzer.Source{ReadCloser: f, Name: ref, Size: -1}, nil
	}}
	res, err := tool.Call(t.Context(), env, []byte(`{"pcap_file":"`+f+`","tables":"flows,findings"}`))
	if err != nil {
		t.Fatal(err)
	}
	var icmp []string
	for _, w := range res.(*records.Output).Warnings {
		if strings.HasPrefix(w, "icmp: ") && strings.Contains(w, "--max-state-bytes") {
			icmp = append(icmp, w)
		}
	}
	if len(icmp) == 0 {
		t.Errorf("no icmp state-budget warning in %q", res.(*records.Output).Warnings)
	}
	t.Logf("%d icmp warnings, e.g. %q", len(icmp), icmp[:min(len(icmp), 1)])
}
