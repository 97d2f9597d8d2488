package overview

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool (with no other module) on a generated
// capture, or on $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "conn-SF.pcap", New(Options{}).analyze, func(file string) Input { return Input{PcapFile: file} })
}
