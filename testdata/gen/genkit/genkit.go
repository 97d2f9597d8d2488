// Package genkit holds what the capture generators (testdata/gen and
// internal/analyzer/overview/testdata/gen) share: the in-memory capture
// they write frames to, and their main loop.
package genkit

import (
	"bytes"
	"flag"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Epoch is the start of every generated capture.
var Epoch = time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)

// Capture is a generated capture being written: an Ethernet pcap with
// nanosecond timestamps, in memory.
type Capture struct {
	buf bytes.Buffer
	w   *pcapgo.Writer
}

// Write writes a frame captured t after Epoch, wireLen bytes long on the
// wire (more than len(data) when a small snaplen cut it).
func (c *Capture) Write(t time.Duration, data []byte, wireLen int) {
	if c.w == nil {
		c.w = pcapgo.NewWriterNanos(&c.buf)
		if err := c.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			log.Fatal(err)
		}
	}
	ci := gopacket.CaptureInfo{Timestamp: Epoch.Add(t), CaptureLength: len(data), Length: wireLen}
	if err := c.w.WritePacket(ci, data); err != nil {
		log.Fatal(err)
	}
}

// Bytes returns the capture's file.
func (c *Capture) Bytes() []byte { return c.buf.Bytes() }

// Main writes the capture each builder of captures makes, under its name,
// into the directory the -out flag names (def by default).
func Main[W any, P interface {
	*W
	Bytes() []byte
}](def string, captures map[string]func(P)) {
	out := flag.String("out", def, "directory to write the captures to")
	flag.Parse()
	for name, build := range captures {
		var w W
		build(&w)
		if err := os.WriteFile(filepath.Join(*out, name), P(&w).Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
