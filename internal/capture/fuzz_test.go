package capture_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzReader reads arbitrary bytes as a capture (pcap, pcapng, either
// gzip-compressed), seeded with the repository's captures. Properties: no
// panic or hang; NewReader fails only with a sentinel of this package; each
// packet's data is as long as its capture length; reading ends with io.EOF,
// a DamagedError, or ErrTooLarge.
func FuzzReader(f *testing.F) {
	pcaptest.SeedCaptures(f, 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := capture.NewReaderLimit(bytes.NewReader(data), 1<<20)
		if err != nil {
			if !errors.Is(err, capture.ErrNotCapture) && !errors.Is(err, capture.ErrEmpty) && !errors.Is(err, capture.ErrUnsupported) && !errors.Is(err, capture.ErrTooLarge) {
				t.Fatalf("NewReader: %v wraps no sentinel", err)
			}
			return
		}
		var p capture.Packet
		for n := 0; ; n++ {
			err := rd.ReadPacket(&p)
			if err != nil {
				var de *capture.DamagedError
				if err != io.EOF && !errors.As(err, &de) && !errors.Is(err, capture.ErrTooLarge) {
					t.Fatalf("packet %d: %v", n+1, err)
				}
				return
			}
			if len(p.Data) != p.CaptureLength || p.Length < 0 {
				t.Fatalf("packet %d: %d bytes, caplen %d, len %d", n+1, len(p.Data), p.CaptureLength, p.Length)
			}
			_ = rd.Info()
		}
	})
}
