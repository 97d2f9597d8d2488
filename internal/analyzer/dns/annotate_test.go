package dns

import (
	"maps"
	"slices"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestAnnotator checks that the frames the Annotator says DNS-over-TCP
// messages end in are the frames the tool gives those messages (a query
// split over two segments, a response over two, two messages in one
// segment), and that port-53 segments with payload are followed.
func TestAnnotator(t *testing.T) {
	path := pcaptest.GenFile(t, "dns-normal.pcap")
	limit := MaxLimit
	out := analyze(t, Input{PcapFile: path, Limit: &limit})
	want := map[int]bool{}
	for _, p := range out.Packets {
		if p.Protocol == "TCP" {
			want[p.PacketNumber] = true
		}
	}
	if len(want) < 3 {
		t.Fatalf("the tool found DNS over TCP in %d frames", len(want))
	}
	a := NewAnnotator(pcaptest.Env(0))
	got := map[int]bool{}
	partial := 0
	pcaptest.EachPacket(t, []string{path}, func(_ string, p *engine.Packet) {
		var info dissect.AppInfo
		a.Frame(p, &info)
		if p.TCP != nil && len(p.TCP.Payload) > 0 && (p.TCP.SrcPort == 53 || p.TCP.DstPort == 53) && !info.DNSFollowed {
			t.Errorf("frame %d: a port-53 segment with payload not followed", p.Number)
		}
		if info.DNSDone {
			got[p.Number] = true
		} else if info.DNSFollowed && len(p.TCP.Payload) > 0 {
			partial++
		}
	})
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Errorf("messages end in frames %v, the tool's TCP messages in %v", g, w)
	}
	if partial != 2 {
		t.Errorf("%d segments with part of a message, want 2 (the split query and response)", partial)
	}
}

// FuzzLengthFramer fuzzes the length framer (pcaptest.FuzzSplitter): at
// most one byte of a prefix is offered back.
func FuzzLengthFramer(f *testing.F) {
	pcaptest.FuzzSplitter(f, [][]byte{{0, 2, 1, 2, 0, 0, 0}}, func() pcaptest.Feeder { return new(lengthFramer) }, 1)
}
