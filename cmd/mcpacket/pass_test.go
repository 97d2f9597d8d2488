package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestOnePassForAllModules runs every module that can share a pass in ONE
// engine pass over each generated attack capture and checks that each
// module's findings are exactly the anomalies its own tool reports on the
// same capture: running together changes nothing.
func TestOnePassForAllModules(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	env := pcaptest.Env(0)
	passers := 0
	for _, m := range reg.Modules() {
		if _, ok := m.(modkit.Passer); ok {
			passers++
		}
	}
	if passers < 2 {
		t.Fatalf("%d modules can share a pass; want every module", passers)
	}
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "*.pcap"))
	if len(files) == 0 {
		t.Fatal("no generated captures")
	}
	compared := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			passes, err := modkit.Passes(reg, env)
			if err != nil {
				t.Fatal(err)
			}
			_, briefs, err := modkit.RunPasses(t.Context(), env, file, passes...)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range briefs {
				m, _ := reg.Module(b.Module)
				want, ok := toolAnomalies(t, m.Tools(), file)
				if !ok {
					continue // a module whose tools report no anomalies (capinfos)
				}
				got, _ := json.Marshal(b.Findings)
				if string(got) != string(want) {
					t.Errorf("%s: findings in the shared pass\n%s\nits tool's anomalies\n%s", b.Module, got, want)
				}
				compared++
			}
		})
	}
	if compared == 0 {
		t.Fatal("nothing compared")
	}
}

// toolAnomalies runs a module's tools on file with default arguments and
// returns the anomalies of the first tool that reports them.
func toolAnomalies(t *testing.T, tools []analyzerTool, file string) (json.RawMessage, bool) {
	t.Helper()
	for _, tool := range tools {
		if !slices.ContainsFunc(tool.Args(), func(a analyzerArg) bool { return a.Name == "pcap_file" }) {
			continue
		}
		out, err := tool.Call(t.Context(), pcaptest.Env(0), []byte(`{"pcap_file":`+quote(file)+`}`))
		if err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		b, _ := json.Marshal(out)
		var o struct {
			Anomalies json.RawMessage `json:"anomalies"`
		}
		json.Unmarshal(b, &o)
		if o.Anomalies != nil {
			return o.Anomalies, true
		}
	}
	return nil, false
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

type (
	analyzerTool = analyzer.Tool
	analyzerArg  = analyzer.Arg
)
