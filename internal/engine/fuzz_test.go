package engine_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzRun feeds arbitrary bytes through the capture reader and the engine.
// Properties: no panic, no hang; either an error that wraps one of capture's
// sentinels, or a result whose packet count equals the frames observed, with
// frame numbers 1..n in order; a damaged capture is reported, not an error.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(f), "testdata", "*.pcap*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && len(b) <= 64<<10 {
			f.Add(b)
		}
	}
	f.Add(pcaptest.Pcap(f, layers.LinkTypeEthernet, false, mixedFrames(f, 6)))
	f.Add(pcaptest.PcapNG(f, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, mixedFrames(f, 6)))
	f.Add(pcaptest.Gzip(f, pcaptest.Pcap(f, layers.LinkTypeLinuxSLL2, true, mixedFrames(f, 3))))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		res, err := engine.Run(t.Context(), bytes.NewReader(data), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			n++
			if p.Number != n {
				t.Fatalf("frame number %d, want %d", p.Number, n)
			}
			_ = p.SrcIP()
			_ = p.DstIP()
			_, _, _ = p.Ports()
			_ = p.Payload()
			_ = p.SrcMAC()
		}))
		if err != nil {
			if !errors.Is(err, capture.ErrNotCapture) && !errors.Is(err, capture.ErrEmpty) && !errors.Is(err, capture.ErrUnsupported) {
				t.Fatalf("error %v wraps no capture sentinel", err)
			}
			return
		}
		if res.Packets != n {
			t.Fatalf("result says %d packets, observed %d", res.Packets, n)
		}
		if res.Damaged != nil && res.Damaged.Packets != n {
			t.Fatalf("damage after packet %d, but %d were read", res.Damaged.Packets, n)
		}
	})
}
