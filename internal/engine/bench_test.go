package engine_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkRun measures a whole engine pass (read and decode) over a
// 100,000-packet mixed capture held in memory, per packet.
func BenchmarkRun(b *testing.B) {
	const n = 100000
	file := pcaptest.Pcap(b, layers.LinkTypeEthernet, false, mixedFrames(b, n))
	var count int
	obs := engine.ObserverFunc(func(p *engine.Packet) {
		if p.UDP != nil || p.TCP != nil {
			count++
		}
	})
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		if _, err := engine.Run(b.Context(), bytes.NewReader(file), engine.Options{}, obs); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&ms1)
	pkts := float64(b.N) * n
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/pkts, "ns/pkt")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/pkts, "allocs/pkt")
}
