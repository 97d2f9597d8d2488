package lldp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "lldp-normal.pcap", New(Options{}).analyze, func(file string) Input {
		return Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())}
	})
}

// BenchmarkObserve times the observer on one LLDP announcement.
func BenchmarkObserve(b *testing.B) {
	o := testObserver(b, limits{devices: 1000, neighbors: 1000, keys: 1000, macs: 1000})
	p := frame(1, macN(1), lldpdu(1, "Gi1/0/5", 0x04))
	b.ReportAllocs()
	b.SetBytes(int64(len(p.NetworkPayload)))
	for b.Loop() {
		o.Observe(p)
	}
}

// BenchmarkOtherFrame times what the module costs on a frame it does not
// want, as the overview runs it on every frame: the engine's interest
// check.
func BenchmarkOtherFrame(b *testing.B) {
	o := testObserver(b, limits{devices: 1000, neighbors: 1000, keys: 1000, macs: 1000})
	in := o.Interest()
	p := &engine.Packet{EtherType: 0x0800}
	b.ReportAllocs()
	for b.Loop() {
		if in.Matches(p) {
			b.Fatal("matched an IPv4 frame")
		}
	}
}
