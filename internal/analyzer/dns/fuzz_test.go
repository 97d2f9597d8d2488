package dns

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// dnsPayloads returns the DNS messages of the test captures, as seeds.
func dnsPayloads(f *testing.F) [][]byte {
	return pcaptest.UDPPayloads(f, pcaptest.ModuleCaptures(f, "dns-*.pcap"), 300, func(p *engine.Packet) bool {
		return serviceOf(uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)) != ""
	})
}

// FuzzDecode feeds arbitrary bytes to the DNS message decoder and the
// record builder. Properties: no panic; decoding twice gives the same
// record; the header fields come from the first 12 bytes; the record
// marshals to JSON with no control or format character in any string and
// every string bounded.
func FuzzDecode(f *testing.F) {
	for _, p := range dnsPayloads(f) {
		f.Add(p)
	}
	f.Add([]byte{0x12, 0x34})                                                 // header cut short
	f.Add([]byte{0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1}) // pointer to itself
	f.Fuzz(func(t *testing.T, data []byte) {
		md := meta{frame: 1, t: time.Unix(1, 0), src: netip.MustParseAddrPort("10.0.0.1:5353"), dst: netip.MustParseAddrPort("224.0.0.251:5353"), transport: "UDP", service: "MDNS"}
		var m1, m2 message
		m1.decode(data)
		m2.decode(data)
		r1, r2 := record(&m1, md), record(&m2, md)
		if !reflect.DeepEqual(r1, r2) {
			t.Fatal("decoding twice differs")
		}
		if len(data) >= 2 && r1.DNSID != int(binary.BigEndian.Uint16(data)) {
			t.Fatalf("id %d from %x", r1.DNSID, data[:2])
		}
		b, err := json.Marshal(r1)
		if err != nil {
			t.Fatal(err)
		}
		// Packet text: no control or format character in any string,
		// each bounded (a name is at most about 1 KB escaped).
		var v any
		json.Unmarshal(b, &v)
		pcaptest.CheckText(t, "", v, 1100)
		o := newObserver(fuzzConfig(t))
		o.msg.decode(data)
		o.handle(md)
		md.service = "DNS"
		o.msg.decode(data)
		o.handle(md)
		if _, err := json.Marshal(o.output(Input{}, &engine.Result{}, nil)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzTCPStream feeds arbitrary bytes, cut at arbitrary points, as a DNS
// over TCP stream. Properties: no panic; the handler consumes whole
// length-prefixed messages only, so feeding the stream in two pieces finds
// the same messages as feeding it whole.
func FuzzTCPStream(f *testing.F) {
	// Seeds: each direction of the DNS-over-TCP connections of the test
	// captures, cut in the middle.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	streams := pcaptest.TCPStreams(f, files, func(p *engine.Packet) bool { return p.TCP.SrcPort == 53 || p.TCP.DstPort == 53 })
	if len(streams) == 0 {
		f.Fatal("no DNS over TCP in the test captures to seed from")
	}
	for _, s := range streams {
		f.Add(s, len(s)/2)
	}
	two := []byte{0, 12, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 2, 1}
	f.Add(two, 5)
	f.Add([]byte{0, 0, 0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 1, 2, 3}, 2)
	f.Fuzz(func(t *testing.T, stream []byte, cut int) {
		if cut < 0 || cut > len(stream) {
			return
		}
		whole := feed(t, [][]byte{stream})
		split := feed(t, [][]byte{stream[:cut], stream[cut:]})
		if whole != split {
			t.Fatalf("whole stream: %d messages; in two pieces: %d", whole, split)
		}
	})
}

// feed runs the observer's stream handler over pieces of one direction,
// keeping what it leaves unconsumed as the reassembler does.
func feed(t *testing.T, pieces [][]byte) int {
	o := newObserver(fuzzConfig(t))
	c := &engine.StreamConn{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.53:53")}
	pcaptest.FeedStream(t, o, c, pieces, nil)
	return o.found
}

func fuzzConfig(t *testing.T) *config {
	c, err := newConfig(Input{}, New(Options{}).opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
