package tcp

import (
	"context"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs analyze_tcp_connections on the generated normal
// capture, or on $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := pcaptest.BenchCapture(b, genFile(b, "tcp-retransmissions.pcap"))
	m := New(Options{})
	for b.Loop() {
		if _, err := m.connections(context.Background(), pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file}}); err != nil {
			b.Fatal(err)
		}
	}
}
