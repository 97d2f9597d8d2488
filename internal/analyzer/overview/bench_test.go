package overview

import (
	"context"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool (with no other module) on a generated
// capture, or on $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := pcaptest.BenchCapture(b, genFile(b, "conn-SF.pcap"))
	m := New(Options{})
	for b.Loop() {
		if _, err := m.analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file}); err != nil {
			b.Fatal(err)
		}
	}
}
