package dns

import (
	"context"
	"os"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if file == "" {
		file = genFile(b, "dns-normal.pcap")
	}
	st, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	m := New(Options{})
	for b.Loop() {
		if _, err := m.analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file}); err != nil {
			b.Fatal(err)
		}
	}
}
