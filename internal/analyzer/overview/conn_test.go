package overview

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// analyze runs analyze_overview with the given modules beside it.
func analyze(t testing.TB, in Input, mods ...analyzer.Module) *Output {
	t.Helper()
	m := New(Options{Modules: Passers(mods...)})
	return pcaptest.Run(t, m.analyze, in)
}

func genFile(t testing.TB, name string) string {
	return filepath.Join(pcaptest.Root(t), "internal", "analyzer", "overview", "testdata", "gen", name)
}

// wantFlow is a flow's expected conn.log fields, derived by hand from
// Zeek's definitions (scripts/base/protocols/conn/main.zeek and its TCP
// analyzer) for the packets the generator writes.
type wantFlow struct {
	proto, state, history string
	missed                uint64
}

// TestConnStates runs each generated capture and checks every flow's
// conn_state and history.
func TestConnStates(t *testing.T) {
	cases := map[string][]wantFlow{
		"conn-S0.pcap":             {{"tcp", "S0", "S", 0}},
		"conn-S1.pcap":             {{"tcp", "S1", "ShADd", 0}},
		"conn-SF.pcap":             {{"tcp", "SF", "ShADdFf", 0}},
		"conn-REJ.pcap":            {{"tcp", "REJ", "Sr", 0}},
		"conn-S2.pcap":             {{"tcp", "S2", "ShADdF", 0}},
		"conn-S3.pcap":             {{"tcp", "S3", "ShADdf", 0}},
		"conn-RSTO.pcap":           {{"tcp", "RSTO", "ShADdR", 0}},
		"conn-RSTR.pcap":           {{"tcp", "RSTR", "ShADdr", 0}},
		"conn-RSTOS0.pcap":         {{"tcp", "RSTOS0", "SR", 0}},
		"conn-RSTRH.pcap":          {{"tcp", "RSTRH", "^hr", 0}},
		"conn-SH.pcap":             {{"tcp", "SH", "SF", 0}},
		"conn-SHR.pcap":            {{"tcp", "SHR", "^hf", 0}},
		"conn-OTH.pcap":            {{"tcp", "OTH", "Da", 0}},
		"hist-retransmission.pcap": {{"tcp", "SF", "ShADTdFf", 0}},
		"hist-zero-window.pcap":    {{"tcp", "SF", "ShADawFf", 0}},
		"hist-gap.pcap":            {{"tcp", "SF", "ShADaGFf", 100}},
		"hist-flipped.pcap":        {{"tcp", "OTH", "^dA", 0}},
		"hist-multiflag.pcap":      {{"tcp", "SH", "Q", 0}},
		"conn-reuse.pcap":          {{"tcp", "SF", "ShADdFf", 0}, {"tcp", "REJ", "Sr", 0}},
		"udp-states.pcap":          {{"udp", "SF", "Dd", 0}, {"udp", "S0", "D", 0}, {"udp", "SHR", "^d", 0}},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			out := analyze(t, Input{PcapFile: genFile(t, name), FlowsSort: "start", FlowsLimit: 100})
			if len(out.Flows) != len(want) {
				t.Fatalf("%d flows, want %d: %+v", len(out.Flows), len(want), out.Flows)
			}
			for i, w := range want {
				f := out.Flows[i]
				if f.Proto != w.proto || f.ConnState != w.state || f.History != w.history || f.MissedBytes != w.missed {
					t.Errorf("flow %s: %s %s %q missed %d, want %s %s %q missed %d", f.ID, f.Proto, f.ConnState, f.History, f.MissedBytes,
						w.proto, w.state, w.history, w.missed)
				}
			}
			pcaptest.GoldenJSON(t, filepath.Join("testdata", "gen", strings.TrimSuffix(name, ".pcap")+".flows.golden"), out.Flows)
		})
	}
}

// TestGeneratedCapturesUpToDate regenerates testdata/gen and compares.
func TestGeneratedCapturesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	pcaptest.GeneratorUpToDate(t, "internal/analyzer/overview/testdata/gen", 20)
}
