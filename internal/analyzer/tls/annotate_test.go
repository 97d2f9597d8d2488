package tls

import (
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestAnnotator checks the frames the Annotator names as TLS against a
// plain walk of each direction's payload (the generated captures have no
// loss or reordering): a record's header gives its length, and the frame
// holding its last byte is where it ends; a segment whose first byte
// starts a record is TLS too (Wireshark's dissector shows itself there
// before it asks for the rest).
func TestAnnotator(t *testing.T) {
	for _, name := range []string{"tls-go-normal.pcap", "tls-go-tls13.pcap", "tls-handshake-failure.pcap", "tls-missing-sni.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := pcaptest.GenFile(t, name)
			want := map[int]bool{}
			type walk struct {
				buf    []byte // unread bytes of this direction
				frames []int  // the frame of each byte of buf
			}
			dirs := map[[2]netip.AddrPort]*walk{}
			a := NewAnnotator(pcaptest.Env(0))
			got := map[int]bool{}
			pcaptest.EachPacket(t, []string{path}, func(_ string, p *engine.Packet) {
				var info dissect.AppInfo
				if a.Frame(p, &info); info.TLSDone {
					got[p.Number] = true
				}
				if p.TCP == nil || len(p.TCP.Payload) == 0 {
					return
				}
				k := [2]netip.AddrPort{netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort))}
				w := dirs[k]
				if w == nil {
					w = &walk{}
					dirs[k] = w
				}
				if len(w.buf) < 5 { // at a record's first byte, or its header cut
					want[p.Number] = true
				}
				for range p.TCP.Payload {
					w.frames = append(w.frames, p.Number)
				}
				w.buf = append(w.buf, p.TCP.Payload...)
				for len(w.buf) >= 5 && 5+(int(w.buf[3])<<8|int(w.buf[4])) <= len(w.buf) {
					n := 5 + (int(w.buf[3])<<8 | int(w.buf[4]))
					want[w.frames[n-1]] = true
					w.buf, w.frames = w.buf[n:], w.frames[n:]
				}
			})
			if len(want) < 4 {
				t.Fatalf("the walk found records ending in %d frames only", len(want))
			}
			if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
				t.Errorf("records end in frames %v, the walk says %v", g, w)
			}
		})
	}
}

// FuzzRecordFramer fuzzes the record framer (pcaptest.FuzzSplitter): at
// most a record header is offered back.
func FuzzRecordFramer(f *testing.F) {
	pcaptest.FuzzSplitter(f, [][]byte{{22, 3, 1, 0, 2, 1, 0, 23, 3, 3, 0, 0}, {0x80, 5, 1, 3, 1, 0, 0}}, func() pcaptest.Feeder { return new(recordFramer) }, 4)
}
