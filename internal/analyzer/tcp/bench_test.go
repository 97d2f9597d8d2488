package tcp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs analyze_tcp_connections on the generated normal
// capture, or on $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "tcp-retransmissions.pcap", New(Options{}).connections, func(file string) ConnectionsInput { return ConnectionsInput{Common: Common{PcapFile: file}} })
}
