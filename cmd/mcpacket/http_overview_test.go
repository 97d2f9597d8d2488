package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/overview"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestOverviewRunsHTTP runs analyze_overview on each generated HTTP
// capture: the http module runs in the overview's one pass, and its
// findings are among the overview's, each as analyze_http_transactions
// reports it (type, severity, evidence, summary) and pointing at that
// tool; every detector's capture gives at least one.
func TestOverviewRunsHTTP(t *testing.T) {
	reg, tool := overviewTool(t)
	httpTool, ok := reg.Tool("analyze_http_transactions")
	if !ok {
		t.Fatal("analyze_http_transactions is not registered")
	}
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "http-*.pcap"))
	if len(files) < 2 {
		t.Fatalf("%d generated HTTP captures", len(files))
	}
	joined := 0
	for _, file := range files {
		name := filepath.Base(file)
		raw, _ := json.Marshal(map[string]any{"pcap_file": file, "findings_limit": 500})
		res, err := tool.Call(t.Context(), pcaptest.Env(0), raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := res.(*overview.Output)
		ran := false
		for _, m := range out.Modules {
			ran = ran || m.Module == "http"
		}
		if !ran {
			t.Errorf("%s: the overview did not run the http module", name)
		}
		var got []string
		for _, f := range out.Findings {
			if f.Module != "http" {
				continue
			}
			if f.Details.Tool != "analyze_http_transactions" || f.Details.Arguments["pcap_file"] != file {
				t.Errorf("%s: finding %s points at %s %v", name, f.Type, f.Details.Tool, f.Details.Arguments)
			}
			got = append(got, fmt.Sprintf("%s %s %d %q", f.Type, f.Severity, f.EvidenceFramesTotal, f.Summary))
		}
		res, err = httpTool.Call(t.Context(), pcaptest.Env(0), []byte(`{"pcap_file":`+quote(file)+`}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var want []string
		for _, f := range res.(*http.Output).Anomalies {
			want = append(want, fmt.Sprintf("%s %s %d %q", f.Type, f.Severity, f.EvidenceFramesTotal, f.Summary))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the overview's http findings\n%s\nwant the tool's\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if name != "http-normal.pcap" && name != "http-large-upload.pcap" && len(want) == 0 {
			t.Errorf("%s: no finding to join", name)
		}
		joined += len(got)
	}
	t.Logf("%d captures, %d http findings joined the overview's", len(files), joined)
}
