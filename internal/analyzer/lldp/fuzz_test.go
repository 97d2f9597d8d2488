package lldp

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

// FuzzDecode feeds arbitrary LLDP and CDP payloads through gopacket's
// layers and this module's own readers (management addresses, capability
// bits, TLV order, the ids of broken frames), the observer, its detectors
// and the record builder. Properties: no panic; decoding twice gives the
// same ids and error; a well-formed LLDP frame begins with its chassis id,
// port id and TTL; every string in the output is escaped and bounded; the
// output marshals to JSON.
func FuzzDecode(f *testing.F) {
	seeds := 0
	pcaptest.EachPacket(f, pcaptest.ModuleCaptures(f, "lldp-*.pcap"), func(_ string, p *engine.Packet) {
		switch p.EtherType {
		case layers.EthernetTypeLinkLayerDiscovery:
			f.Add(false, append([]byte(nil), p.NetworkPayload...))
		case layers.EthernetTypeCiscoDiscovery:
			f.Add(true, append([]byte(nil), p.NetworkPayload...))
		default:
			return
		}
		seeds++
	})
	if seeds == 0 {
		f.Fatal("no LLDP or CDP frame in the test captures to seed from")
	}
	f.Add(false, []byte{0x02, 0x07, 0x04, 1, 2, 3, 4, 5, 6, 0x04, 0x02, 0x07, 'x', 0x06, 0x02, 0, 120, 0x10, 0x05, 0x05, 0x01, 10, 0, 0, 1, 0, 0}) // management address cut
	f.Add(true, []byte{0x02, 0xb4, 0, 0, 0x00, 0x02, 0x00, 0x0d, 0xff, 0xff, 0xff, 0xff, 1, 1, 0xcc})                                              // a huge address count
	f.Add(true, []byte{0x01, 0xb4, 0, 0, 0x00, 0x01, 0x00, 0x08, 's', 'w', 0, 0})                                                                  // CDPv1, NUL-ended id
	f.Fuzz(func(t *testing.T, cdp bool, b []byte) {
		proto := protoLLDP
		et := layers.EthernetTypeLinkLayerDiscovery
		if cdp {
			proto, et = protoCDP, layers.EthernetTypeCiscoDiscovery
		}
		var a1, a2 announcement
		err1, err2 := decode(proto, b, &a1), decode(proto, b, &a2)
		if (err1 == nil) != (err2 == nil) || string(a1.chassisID) != string(a2.chassisID) || string(a1.portID) != string(a2.portID) {
			t.Fatalf("two decodings of % x differ", b)
		}
		if !cdp && err1 == nil && !mandatoryFirst(b) {
			t.Fatalf("accepted an LLDPDU not led by chassis id, port id and TTL: % x", b)
		}
		c, err := newConfig(Input{Limit: intp(10), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(c)
		for i := range 2 {
			o.Observe(&engine.Packet{Number: i + 1, Timestamp: time.Unix(int64(i), 0), Length: 100, EtherType: et, NetworkPayload: b,
				Ethernet: &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, byte(i)}, DstMAC: net.HardwareAddr{1, 0x80, 0xc2, 0, 0, 0x0e}}})
		}
		out := o.output(Input{}, &engine.Result{}, nil)
		if len(out.Packets) != 2 {
			t.Fatalf("%d records from two frames", len(out.Packets))
		}
		raw, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		pcaptest.CheckText(t, "output", v, maxDesc+64)
	})
}
