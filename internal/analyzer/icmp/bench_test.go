package icmp

import (
	"context"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := pcaptest.BenchCapture(b, genFile(b, "icmp-normal.pcap"))
	m := New(Options{})
	in := Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())}
	for b.Loop() {
		if _, err := m.analyze(context.Background(), pcaptest.Env(0), in); err != nil {
			b.Fatal(err)
		}
	}
}
