package capture_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// benchFile returns a capture of 10,000 frames of 60 to 1,500 bytes.
func benchFile(b *testing.B, format string) []byte {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var fs []pcaptest.Frame
	for i := range 10000 {
		size := 60 + (i*97)%1440
		fs = append(fs, pcaptest.Frame{Time: base.Add(time.Duration(i) * time.Microsecond), Data: make([]byte, size)})
	}
	switch format {
	case "pcapng":
		return pcaptest.PcapNG(b, []layers.LinkType{layers.LinkTypeEthernet}, fs)
	case "gzip":
		return pcaptest.Gzip(b, pcaptest.Pcap(b, layers.LinkTypeEthernet, false, fs))
	}
	return pcaptest.Pcap(b, layers.LinkTypeEthernet, false, fs)
}

// BenchmarkRead reads one packet per iteration, reopening the in-memory file
// at its end, so ns/op and allocs/op are per packet.
func BenchmarkRead(b *testing.B) {
	for _, format := range []string{"pcap", "pcapng", "gzip"} {
		b.Run(format, func(b *testing.B) {
			file := benchFile(b, format)
			open := func() *capture.Reader {
				rd, err := capture.NewReader(bytes.NewReader(file))
				if err != nil {
					b.Fatal(err)
				}
				return rd
			}
			rd := open()
			var p capture.Packet
			var n int64
			b.ReportAllocs()
			for b.Loop() {
				err := rd.ReadPacket(&p)
				if err == io.EOF {
					rd = open()
					err = rd.ReadPacket(&p)
				}
				if err != nil {
					b.Fatal(err)
				}
				n += int64(len(p.Data))
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/pkt")
		})
	}
}
