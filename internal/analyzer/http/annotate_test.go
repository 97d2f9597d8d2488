package http

import (
	"maps"
	"slices"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestAnnotator checks that the frames the Annotator says an HTTP/1
// message ends in are the frames the tool gives its transactions'
// requests, responses and interim responses, and that every frame of a
// followed connection is said to be followed. The generated captures carry
// bodies over many segments (the large upload), pipelining and malformed
// messages.
func TestAnnotator(t *testing.T) {
	for _, name := range []string{"http-normal.pcap", "http-large-upload.pcap", "http-executable.pcap", "http-malformed.pcap", "http-scanner.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := pcaptest.GenFile(t, name)
			txs, _, _ := everything(t, path)
			want := map[int]bool{}
			for _, tx := range txs {
				for _, f := range []int{tx.RequestFrame, tx.ResponseFrame} {
					if f > 0 {
						want[f] = true
					}
				}
				for _, i := range tx.Interim {
					want[i.Frame] = true
				}
			}
			if len(want) == 0 {
				t.Fatal("the tool found no HTTP message")
			}
			a := NewAnnotator(pcaptest.Env(0))
			got := map[int]bool{}
			bodies := 0
			pcaptest.EachPacket(t, []string{path}, func(_ string, p *engine.Packet) {
				var info dissect.AppInfo
				a.Frame(p, &info)
				if info.HTTPDone {
					got[p.Number] = true
					if !info.HTTPFollowed {
						t.Errorf("frame %d ends a message of a connection not followed", p.Number)
					}
				}
				if info.HTTPBody {
					bodies++
				}
			})
			if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
				t.Errorf("messages end in frames %v, the tool's transactions in %v", g, w)
			}
			if bodies == 0 {
				t.Error("no message with a body")
			}
		})
	}
}
