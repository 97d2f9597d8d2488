package tcp

import (
	"context"
	"os"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs analyze_tcp_connections on the generated normal
// capture, or on $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if file == "" {
		file = genFile(b, "tcp-retransmissions.pcap")
	}
	st, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	m := New(Options{})
	for b.Loop() {
		if _, err := m.connections(context.Background(), pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file}}); err != nil {
			b.Fatal(err)
		}
	}
}
