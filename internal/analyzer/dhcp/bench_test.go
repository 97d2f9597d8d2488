package dhcp

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the whole tool on a capture: the generated normal
// LAN capture, or the file named by $MCPACKET_BENCH_CAPTURE (for example a
// bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := pcaptest.BenchCapture(b, filepath.Join(pcaptest.Root(b), "testdata", "gen", "dhcp-normal-lan.pcap"))
	m := New(Options{})
	for b.Loop() {
		if _, err := m.analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes one DHCP message (an OFFER with many options)
// per iteration, with the checks every message gets.
func BenchmarkDecode(b *testing.B) {
	out := analyze(b, Input{PcapFile: filepath.Join(pcaptest.Root(b), "testdata", "gen", "dhcp-options.pcap"), Limit: 2})
	_ = out
	payload := offerPayload(b)
	var m message
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		m.decode(payload)
		if m.msgType != MsgOffer {
			b.Fatal("not decoded")
		}
	}
}
