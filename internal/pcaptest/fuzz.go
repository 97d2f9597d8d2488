package pcaptest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// Helpers for fuzz tests: seeds taken from the repository's captures.

// EachPacket runs the engine over each capture file and calls observe with
// every packet. The engine reuses its buffers: observe copies what it
// keeps. It fails the test when a file cannot be read or is no capture.
func EachPacket(tb testing.TB, files []string, observe func(file string, p *engine.Packet)) {
	tb.Helper()
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := engine.Run(tb.Context(), bytes.NewReader(b), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) { observe(file, p) })); err != nil {
			tb.Fatalf("%s: %v", file, err)
		}
	}
}

// UDPPayloads returns copies of the UDP payloads of files that keep
// accepts, at most max of them.
func UDPPayloads(tb testing.TB, files []string, max int, keep func(p *engine.Packet) bool) [][]byte {
	tb.Helper()
	var out [][]byte
	EachPacket(tb, files, func(_ string, p *engine.Packet) {
		if p.UDP != nil && len(out) < max && keep(p) {
			out = append(out, append([]byte(nil), p.UDP.Payload...))
		}
	})
	return out
}

// TCPStreams returns, for each direction of each TCP connection of files
// with a segment keep accepts, the payload bytes of its segments in
// capture order (the repository's generators write them in order, without
// loss), in the order the directions first appear.
func TCPStreams(tb testing.TB, files []string, keep func(p *engine.Packet) bool) [][]byte {
	tb.Helper()
	streams := map[string][]byte{}
	var order []string
	EachPacket(tb, files, func(file string, p *engine.Packet) {
		if p.TCP == nil || len(p.TCP.Payload) == 0 || !keep(p) {
			return
		}
		k := file + p.SrcIP().String() + p.TCP.SrcPort.String() + p.DstIP().String() + p.TCP.DstPort.String()
		if _, ok := streams[k]; !ok {
			order = append(order, k)
		}
		streams[k] = append(streams[k], p.TCP.Payload...)
	})
	out := make([][]byte, 0, len(order))
	for _, k := range order {
		out = append(out, streams[k])
	}
	return out
}

// SeedCaptures adds each capture of the repository's testdata of at most
// maxSize bytes to f's seed corpus.
func SeedCaptures(f *testing.F, maxSize int) {
	files, _ := filepath.Glob(filepath.Join(Root(f), "testdata", "*.pcap*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && len(b) <= maxSize {
			f.Add(b)
		}
	}
}

// FeedStream hands pieces of the client's direction of c to o's Data one
// after the other, at frame 1 and one second past the epoch, keeping what
// it leaves unconsumed as the reassembler does. It fails the test when o
// consumes more than it was given. after, when not nil, runs after each
// piece.
func FeedStream(tb testing.TB, o interface {
	Data(c *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time))
}, c *engine.StreamConn, pieces [][]byte, after func()) {
	tb.Helper()
	var held []byte
	for _, p := range pieces {
		data := append(held, p...)
		c.Consume(true, len(data))
		o.Data(c, true, data, func(int) (int, time.Time) { return 1, time.Unix(1, 0) })
		consumed := c.Consumed(true)
		if consumed < 0 || consumed > len(data) {
			tb.Fatalf("consumed %d of %d bytes", consumed, len(data))
		}
		held = append([]byte(nil), data[consumed:]...)
		if after != nil {
			after()
		}
	}
}
