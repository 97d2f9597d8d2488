package ntp

import (
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzDecode feeds arbitrary UDP payloads on port 123 through the
// decoder (mode 6 and 7 headers, PEER_LIST_SUM items; modes 0 to 5 through
// gopacket's layers.NTP), the observer, its detectors and the record
// builder. Properties: no panic; the version and mode are the first
// byte's bits whatever the rest; a message without error has the header
// its mode needs; decoding the same bytes twice gives the same result; the
// output marshals to JSON.
func FuzzDecode(f *testing.F) {
	// Seeds: every NTP payload of the test captures, then hand-written
	// cases (more under testdata/fuzz/FuzzDecode).
	seeds := pcaptest.UDPPayloads(f, pcaptest.ModuleCaptures(f, "ntp-*.pcap"), 300, func(p *engine.Packet) bool {
		return p.UDP.SrcPort == Port || p.UDP.DstPort == Port
	})
	if len(seeds) == 0 {
		f.Fatal("no NTP payload in the test captures to seed from")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{0x1e, 0x01, 0x00, 0x01})                                                                          // mode 6, cut short
	f.Add([]byte{0x16, 0x82, 0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff})                                                  // mode 6 response, count past the end
	f.Add([]byte{0x97, 0x00, 0x03, 0x01, 0x00, 0x01, 0x00, 0x48})                                                  // PEER_LIST_SUM response, its item missing
	f.Add([]byte{0x17, 0x00, 0x03, 0x2a, 0x00, 0x00, 0x00, 0x00})                                                  // monlist request
	f.Add(append([]byte{0x24, 0x00, 0x06, 0xec}, make([]byte, 44)...))                                             // server, stratum 0, empty reference
	f.Add(append([]byte{0xe4, 0x00, 0x06, 0xec, 0, 0, 0, 0, 0, 0, 0, 0, 'R', 'A', 'T', 'E'}, make([]byte, 32)...)) // kiss-o'-death
	f.Fuzz(func(t *testing.T, b []byte) {
		var m1, m2 message
		err1, err2 := decode(b, &m1), decode(b, &m2)
		if err1 != err2 || m1.mode != m2.mode || m1.version != m2.version || m1.hasHeader != m2.hasHeader || m1.ctl != m2.ctl || m1.priv != m2.priv {
			t.Fatalf("two decodings of % x differ", b)
		}
		if len(b) > 0 && (m1.mode != Mode(b[0]&7) || m1.version != b[0]>>3&7) {
			t.Fatalf("mode %d version %d from first byte %#x", m1.mode, m1.version, b[0])
		}
		if err1 == nil {
			need := map[Mode]int{ModeControl: controlLen, ModePrivate: privateLen}[m1.mode]
			if need == 0 {
				need = headerLen
			}
			if len(b) < need || m1.mode < ModeControl && !m1.hasHeader {
				t.Fatalf("mode %d accepted from %d bytes", m1.mode, len(b))
			}
		}
		if ps, n := peers(&m1, maxPeersListed); len(ps) > n || len(ps) > maxPeersListed {
			t.Fatalf("%d peers of %d", len(ps), n)
		}
		c, err := newConfig(Input{Limit: intp(10), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(c)
		for i, dir := range [][2]uint16{{40000, 123}, {123, 40000}} {
			p := &engine.Packet{Number: i + 1, Timestamp: time.Unix(int64(i), 0), Length: 100,
				IPv4: &layers.IPv4{SrcIP: net.IP{10, 0, 0, byte(1 + i)}, DstIP: net.IP{10, 0, 0, byte(2 - i)}, Protocol: layers.IPProtocolUDP},
				UDP:  &layers.UDP{SrcPort: layers.UDPPort(dir[0]), DstPort: layers.UDPPort(dir[1]), BaseLayer: layers.BaseLayer{Payload: b}}}
			o.Observe(p)
		}
		out := o.output(Input{}, &engine.Result{}, nil)
		if len(b) > 0 && (len(out.Packets) != 2 || out.Packets[0].Mode != int(b[0]&7)) {
			t.Fatalf("%d records from two datagrams of % x", len(out.Packets), b)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}
