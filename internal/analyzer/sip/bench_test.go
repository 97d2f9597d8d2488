package sip

import (
	"context"
	"os"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	file := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if file == "" {
		file = genFile(b, "sip-normal.pcap")
	}
	st, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	m := New(Options{})
	for b.Loop() {
		if _, err := m.analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file}); err != nil {
			b.Fatal(err)
		}
	}
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
