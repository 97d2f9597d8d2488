package arp

import (
	"encoding/binary"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzObserve feeds arbitrary ARP messages (what the engine hands the
// module as NetworkPayload) through the decoder, the observer, every
// detector and the output. Properties: no panic; a message decodes the
// same twice; the record's opcode is the message's; an address is shown as
// a MAC or IPv4 address only when its size says so; the output marshals
// to JSON.
func FuzzObserve(f *testing.F) {
	seeds := 0
	pcaptest.EachPacket(f, pcaptest.ModuleCaptures(f, "arp-*.pcap"), func(_ string, p *engine.Packet) {
		if (p.EtherType == layers.EthernetTypeARP || p.EtherType == ethernetTypeRARP) && seeds < 200 {
			f.Add(append([]byte(nil), p.NetworkPayload...))
			seeds++
		}
	})
	if seeds == 0 {
		f.Fatal("no ARP message in the test captures to seed from")
	}
	f.Add([]byte{0, 1, 8, 0, 6, 4, 0, 1})                                // header only
	f.Add([]byte{0, 1, 8, 0, 0, 0, 0, 2})                                // zero-size addresses
	f.Add([]byte{0, 6, 8, 0, 6, 4, 0, 0, 1, 2, 3, 4, 5, 6, 10, 0, 0, 1}) // cut inside the target
	f.Fuzz(func(t *testing.T, msg []byte) {
		var l layers.ARP
		var m1, m2 message
		decode(msg, &l, &m1)
		decode(msg, &l, &m2)
		if m1.malformed != m2.malformed || m1.op != m2.op || m1.sha != m2.sha || m1.spa != m2.spa || m1.tpa != m2.tpa || m1.cut != m2.cut {
			t.Fatalf("decoded twice differently: %+v, %+v", m1, m2)
		}
		c, err := newConfig(Input{Limit: intp(10), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(c)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeARP}
		for i := range 3 {
			p := &engine.Packet{Number: i + 1, Timestamp: time.Unix(int64(i), 0), Length: len(msg) + 14, Ethernet: eth,
				EtherType: layers.EthernetTypeARP, NetworkPayload: msg}
			o.Observe(p)
		}
		out := o.output(Input{}, &engine.Result{}, nil)
		if len(out.Packets) != 3 {
			t.Fatalf("%d packets recorded of 3", len(out.Packets))
		}
		r := out.Packets[0]
		if len(msg) >= 8 && r.Opcode != int(binary.BigEndian.Uint16(msg[6:8])) {
			t.Fatalf("record opcode %d from % x", r.Opcode, msg[:8])
		}
		if r.SenderMAC != "" && (len(msg) < 8 || msg[4] != 6) || r.SenderIP != "" && (len(msg) < 8 || msg[5] != 4) {
			t.Fatalf("addresses %q %q from sizes % x", r.SenderMAC, r.SenderIP, msg[4:6])
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}
