package sip

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "sip-normal.pcap", New(Options{}).analyze, func(file string) Input { return Input{PcapFile: file} })
}

// BenchmarkParse times the message parser on every SIP message of the
// generated normal capture.
func BenchmarkParse(b *testing.B) {
	msgs := sipPayloads(b)
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var m message
	for b.Loop() {
		for _, p := range msgs {
			m.parse(p, true)
		}
	}
}
