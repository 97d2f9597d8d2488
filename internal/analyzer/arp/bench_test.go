package arp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "arp-normal.pcap", New(Options{}).analyze, func(file string) Input {
		return Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())}
	})
}
