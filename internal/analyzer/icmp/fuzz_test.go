package icmp

import (
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzMessage feeds arbitrary ICMP and ICMPv6 messages (type, code and
// body) through the observer, the quoted-datagram decoder and the record
// builder. Properties: no panic; the record's type and code are the
// message's; the output marshals to JSON.
func FuzzMessage(f *testing.F) {
	// Seeds: every ICMP and ICMPv6 message of the test captures.
	seeds := 0
	pcaptest.EachPacket(f, pcaptest.ModuleCaptures(f, "icmp-*.pcap"), func(_ string, p *engine.Packet) {
		if seeds >= 300 {
			return
		}
		switch {
		case p.ICMPv4 != nil:
			f.Add(false, append(append([]byte(nil), p.ICMPv4.Contents...), p.ICMPv4.Payload...))
		case p.ICMPv6 != nil:
			f.Add(true, append(append([]byte(nil), p.ICMPv6.Contents...), p.ICMPv6.Payload...))
		default:
			return
		}
		seeds++
	})
	if seeds == 0 {
		f.Fatal("no ICMP message in the test captures to seed from")
	}
	f.Add(false, []byte{8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'})
	f.Add(false, []byte{11, 0, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 28, 0, 1, 0, 0, 1, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x82, 0x9b, 0, 53})
	f.Add(false, []byte{3, 4, 0, 0, 0, 0, 5, 0x78, 0x45})
	f.Add(true, []byte{135, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 1, 0, 1, 2, 3, 4, 5})
	f.Add(true, []byte{143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb})
	f.Add(true, []byte{2, 0, 0, 0, 0, 0, 5, 0xdc, 0x60})
	f.Fuzz(func(t *testing.T, v6 bool, msg []byte) {
		p := &engine.Packet{Number: 1, Timestamp: time.Unix(1, 0), Length: 100}
		df := gopacket.NilDecodeFeedback
		if v6 {
			p.IPv6 = &layers.IPv6{SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("ff02::1"), HopLimit: 1, NextHeader: layers.IPProtocolICMPv6, BaseLayer: layers.BaseLayer{Payload: msg}}
			var l layers.ICMPv6
			if l.DecodeFromBytes(msg, df) == nil {
				p.ICMPv6 = &l
			}
		} else {
			p.IPv4 = &layers.IPv4{SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}, TTL: 1, Protocol: layers.IPProtocolICMPv4, BaseLayer: layers.BaseLayer{Payload: msg}}
			var l layers.ICMPv4
			if l.DecodeFromBytes(msg, df) == nil {
				p.ICMPv4 = &l
			}
		}
		c, err := newConfig(Input{Limit: intp(10), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(c)
		o.Observe(p)
		o.Observe(p)
		out := o.output(Input{}, &engine.Result{}, nil)
		if len(msg) >= 2 && len(out.Packets) > 0 && (out.Packets[0].ICMPType != int(msg[0]) || out.Packets[0].ICMPCode != int(msg[1])) {
			t.Fatalf("record type/code %d/%d from % x", out.Packets[0].ICMPType, out.Packets[0].ICMPCode, msg[:2])
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}
