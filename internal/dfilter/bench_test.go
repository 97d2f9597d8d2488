package dfilter_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkMatch evaluates the example filter on a decoded DNS
// frame: ns and allocations per frame (the engine's decoding excluded).
func BenchmarkMatch(b *testing.B) {
	frame := pcaptest.UDP4(b, "00:00:5e:00:53:01", "00:00:5e:00:53:02", "198.18.0.1", "198.18.1.2", 40000, 53,
		append([]byte("\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01"), make([]byte, 300)...))
	pcap := pcaptest.Pcap(b, layers.LinkTypeEthernet, false, []pcaptest.Frame{{Time: time.Unix(1e9, 0), Data: frame}})
	f, err := dfilter.Compile("ip.addr == 198.18.0.0/16 && udp.port == 53 && frame.len > 300")
	if err != nil {
		b.Fatal(err)
	}
	tr := dissect.NewTracker(dissect.Options{NoStack: true})
	engine.Run(context.Background(), bytes.NewReader(pcap), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		fr := tr.Frame(p)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if !f.Match(fr) {
				b.Fatal("no match")
			}
		}
	}))
}
