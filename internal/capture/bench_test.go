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

// TestOffset: a packet's Offset is where its bytes sit in the file, for
// pcap and pcapng (records cut to MaxRecordBytes included), and -1 for a
// gzip-compressed file.
func TestOffset(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var fs []pcaptest.Frame
	for i := range 300 {
		data := make([]byte, 1+(i*397)%3000)
		for j := range data {
			data[j] = byte(i + j*7)
		}
		fs = append(fs, pcaptest.Frame{Time: base.Add(time.Duration(i) * time.Millisecond), Data: data})
	}
	for _, tc := range []struct {
		name string
		file []byte
		gz   bool
	}{
		{"pcap", pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs), false},
		{"pcapng", pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet}, fs), false},
		{"gzip", pcaptest.Gzip(t, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := capture.NewReaderOptions(bytes.NewReader(tc.file), capture.Options{MaxRecordBytes: 2000})
			if err != nil {
				t.Fatal(err)
			}
			var p capture.Packet
			for n := 0; ; n++ {
				err := rd.ReadPacket(&p)
				if err == io.EOF {
					if n != len(fs) {
						t.Fatalf("read %d packets, want %d", n, len(fs))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if tc.gz {
					if p.Offset != -1 {
						t.Fatalf("packet %d: Offset = %d in a gzip-compressed file, want -1", n, p.Offset)
					}
					continue
				}
				if p.Offset < 0 || p.Offset+int64(len(p.Data)) > int64(len(tc.file)) || !bytes.Equal(tc.file[p.Offset:p.Offset+int64(len(p.Data))], p.Data) {
					t.Fatalf("packet %d: Offset = %d does not name its %d bytes in the file", n, p.Offset, len(p.Data))
				}
			}
		})
	}
}
