package ntp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "ntp-normal.pcap", New(Options{}).analyze, func(file string) Input {
		return Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())}
	})
}

// BenchmarkObserve times the observer on one client request and its
// response: decode, matching, offset and delay, the detectors.
func BenchmarkObserve(b *testing.B) {
	o := testObserver(b, limits{pending: 1000, servers: 1000, pairs: 1000, addrs: 1000, clients: 1000, victims: 1000, detServers: 1000})
	c, s := netip.AddrPortFrom(addrN(1), 40000), netip.AddrPortFrom(addrN(2), 123)
	req := datagram(1, 0, c, s, header(ModeClient, 0, 0, 0, 1<<32))
	resp := datagram(2, time.Millisecond, s, c, header(ModeServer, 2, 0, 1<<32, 1<<32+1<<20))
	b.ReportAllocs()
	b.SetBytes(2 * headerLen)
	for b.Loop() {
		o.Observe(req)
		o.Observe(resp)
	}
}

// BenchmarkOtherFrame times what the module costs on a frame it does not
// want, as the overview runs it on every frame: the engine's interest
// check.
func BenchmarkOtherFrame(b *testing.B) {
	in := testObserver(b, limits{pending: 1000, servers: 1000, pairs: 1000, addrs: 1000, clients: 1000, victims: 1000, detServers: 1000}).Interest()
	p := datagram(1, 0, netip.AddrPortFrom(addrN(1), 40000), netip.AddrPortFrom(addrN(2), 53), []byte{0})
	b.ReportAllocs()
	for b.Loop() {
		if in.Matches(p) {
			b.Fatal("matched a DNS datagram")
		}
	}
}
