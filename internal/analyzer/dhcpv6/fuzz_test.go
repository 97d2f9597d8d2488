package dhcpv6

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

// FuzzObserve feeds arbitrary DHCPv6 messages (UDP payloads) through the
// decoder (relays, options inside options), the observer, every detector
// and the output. Properties: no panic; a message decodes the same twice;
// the record's message type is the message's first byte when it is not a
// relay; at most maxRelayDepth+1 messages in a chain; the output marshals
// to JSON.
func FuzzObserve(f *testing.F) {
	seeds := 0
	pcaptest.EachPacket(f, pcaptest.ModuleCaptures(f, "dhcpv6-*.pcap"), func(_ string, p *engine.Packet) {
		if p.UDP != nil && (p.UDP.DstPort == 547 || p.UDP.DstPort == 546) && seeds < 200 {
			f.Add(append([]byte(nil), p.UDP.Payload...))
			seeds++
		}
	})
	if seeds == 0 {
		f.Fatal("no DHCPv6 message in the test captures to seed from")
	}
	f.Add([]byte{1, 0, 0, 1})                                         // header only
	f.Add([]byte{12, 0})                                              // relay cut short
	f.Add([]byte{7, 0, 0, 1, 0, 3, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0}) // IA_NA cut inside
	f.Fuzz(func(t *testing.T, msg []byte) {
		var l layers.DHCPv6
		var m1, m2 message
		decode(msg, &l, &m1)
		decode(msg, &l, &m2)
		if m1.malformed != m2.malformed || m1.inner != m2.inner || m1.xid != m2.xid || len(m1.types) != len(m2.types) || len(m1.addrs) != len(m2.addrs) {
			t.Fatalf("decoded twice differently: %+v, %+v", m1, m2)
		}
		if len(m1.types) > maxRelayDepth+1 {
			t.Fatalf("%d messages in a relay chain", len(m1.types))
		}
		c, err := newConfig(Input{Limit: intp(10), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(c)
		for i := range 3 {
			p := &engine.Packet{Number: i + 1, Timestamp: time.Unix(int64(i), 0), Length: len(msg) + 62,
				IPv6: &layers.IPv6{SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("ff02::1:2")},
				UDP:  &layers.UDP{SrcPort: 546, DstPort: 547, BaseLayer: layers.BaseLayer{Payload: msg}}}
			o.Observe(p)
		}
		out := o.output(Input{}, &engine.Result{}, nil)
		if len(out.Packets) != 3 {
			t.Fatalf("%d packets recorded of 3", len(out.Packets))
		}
		if len(msg) > 0 && msg[0] != typeRelayForw && msg[0] != typeRelayRepl && out.Packets[0].MsgType != int(msg[0]) {
			t.Fatalf("record type %d from % x", out.Packets[0].MsgType, msg[:1])
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}
