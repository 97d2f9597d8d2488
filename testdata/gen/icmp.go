package main

import (
	"log"
	"math/rand/v2"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	gateway = host{mac(0x00, 0x00, 0x5e, 0x00, 0x01, 0x01), ip(10, 0, 0, 254)}
	farHost = host{gateway.mac, ip(198, 51, 100, 10)}
)

func serial(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// icmp4 builds Ethernet/IPv4/ICMP; body follows the 8-byte ICMP header.
func icmp4(src, dst host, ttl uint8, typ, code uint8, id, seq uint16, body []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: ttl, Protocol: layers.IPProtocolICMPv4, SrcIP: src.ip, DstIP: dst.ip, Id: seq}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code), Id: id, Seq: seq}
	return serial(eth, ip4, ic, gopacket.Payload(body))
}

// ipHeader returns the IPv4 header and first 8 payload bytes of a frame
// built by udp4 or icmp4: what an ICMP error quotes.
func quote(frame []byte) []byte {
	ip := frame[14:]
	ihl := int(ip[0]&0xf) * 4
	return append([]byte(nil), ip[:min(len(ip), ihl+8)]...)
}

func pingPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x10 + i%48)
	}
	return b
}

// icmpNormal: pings answered, a UDP traceroute that reaches its target,
// and an IPv6 neighbor discovery exchange.
func icmpNormal(w *capWriter) {
	c := lanHost(1)
	for i := range 10 {
		t := time.Duration(i) * time.Second
		w.frame(t, icmp4(c, farHost, 64, 8, 0, 0x77, uint16(i), pingPayload(56)))
		w.frame(t+12*time.Millisecond, icmp4(farHost, c, 55, 0, 0, 0x77, uint16(i), pingPayload(56)))
	}
	routers := []net.IP{ip(10, 0, 0, 254), ip(192, 0, 2, 1), ip(192, 0, 2, 33)}
	t := 20 * time.Second
	for ttl := 1; ttl <= 4; ttl++ {
		for probe := range 3 {
			sport, dport := uint16(33000), uint16(33434+3*(ttl-1)+probe)
			eth := &layers.Ethernet{SrcMAC: c.mac, DstMAC: gateway.mac, EthernetType: layers.EthernetTypeIPv4}
			ip4 := &layers.IPv4{Version: 4, TTL: uint8(ttl), Protocol: layers.IPProtocolUDP, SrcIP: c.ip, DstIP: farHost.ip, Id: uint16(0x4000 + 3*ttl + probe)}
			u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
			u.SetNetworkLayerForChecksum(ip4)
			pr := serial(eth, ip4, u, gopacket.Payload(make([]byte, 32)))
			w.frame(t, pr)
			q := quote(pr)
			q[8] = 1 // the TTL as the router saw it
			if ttl <= len(routers) {
				r := host{gateway.mac, routers[ttl-1]}
				w.frame(t+time.Duration(ttl)*time.Millisecond, icmp4(r, c, 250, 11, 0, 0, 0, q))
			} else {
				w.frame(t+15*time.Millisecond, icmp4(farHost, c, 60, 3, 3, 0, 0, quote(pr)))
			}
			t += 50 * time.Millisecond
		}
	}
	// IPv6: neighbor solicitation and advertisement.
	a, b := net.ParseIP("fe80::1"), net.ParseIP("fe80::2")
	ns := &layers.ICMPv6NeighborSolicitation{TargetAddress: b, Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptSourceAddress, Data: c.mac}}}
	na := &layers.ICMPv6NeighborAdvertisement{TargetAddress: b, Flags: 0x60, Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptTargetAddress, Data: gateway.mac}}}
	for i, m := range []struct {
		src, dst net.IP
		typ      uint8
		body     gopacket.SerializableLayer
	}{{a, net.ParseIP("ff02::1:ff00:2"), 135, ns}, {b, a, 136, na}} {
		eth := &layers.Ethernet{SrcMAC: c.mac, DstMAC: bcastMAC, EthernetType: layers.EthernetTypeIPv6}
		ip6 := &layers.IPv6{Version: 6, HopLimit: 255, NextHeader: layers.IPProtocolICMPv6, SrcIP: m.src, DstIP: m.dst}
		ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(m.typ, 0)}
		ic.SetNetworkLayerForChecksum(ip6)
		w.frame(40*time.Second+time.Duration(i)*time.Millisecond, serial(eth, ip6, ic, m.body))
	}
}

// icmpSweep: one host pings 60 addresses in 6 seconds.
func icmpSweep(w *capWriter) {
	scanner := lanHost(66)
	for i := range 60 {
		target := host{bcastMAC, ip(10, 0, 2, byte(i+1))}
		w.frame(time.Duration(i)*100*time.Millisecond, icmp4(scanner, target, 64, 8, 0, 0x1234, uint16(i), pingPayload(8)))
		if i%10 == 0 {
			w.frame(time.Duration(i)*100*time.Millisecond+time.Millisecond, icmp4(target, scanner, 64, 0, 0, 0x1234, uint16(i), pingPayload(8)))
		}
	}
}

// icmpFlood: 600 echo requests in one second at one victim.
func icmpFlood(w *capWriter) {
	attacker, victim := lanHost(9), host{gateway.mac, ip(10, 0, 3, 3)}
	for i := range 600 {
		w.frame(time.Duration(i)*1600*time.Microsecond, icmp4(attacker, victim, 64, 8, 0, 0x5555, uint16(i), pingPayload(56)))
	}
}

// icmpTunnel: a host exchanges random 1 KB payloads in echo messages.
func icmpTunnel(w *capWriter) {
	r := rand.New(rand.NewPCG(7, 8))
	c, relay := lanHost(12), host{gateway.mac, ip(203, 0, 113, 9)}
	for i := range 20 {
		up, down := make([]byte, 1024), make([]byte, 1024)
		for j := range up {
			up[j], down[j] = byte(r.IntN(256)), byte(r.IntN(256))
		}
		t := time.Duration(i) * 200 * time.Millisecond
		w.frame(t, icmp4(c, relay, 64, 8, 0, 0x4242, uint16(i), up))
		w.frame(t+30*time.Millisecond, icmp4(relay, c, 50, 0, 0, 0x4242, uint16(i), down))
	}
}

// icmpRedirect: a host on the LAN tells another to route through it.
func icmpRedirect(w *capWriter) {
	victim, attacker := lanHost(2), lanHost(200)
	pr := udp4(victim, farHost, 5000, 53, gopacket.Payload(make([]byte, 20)))
	w.frame(0, pr)
	body := append(append([]byte(nil), attacker.ip...), quote(pr)...)
	// The redirect's second word is the gateway: build it by hand.
	eth := &layers.Ethernet{SrcMAC: attacker.mac, DstMAC: victim.mac, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: gateway.ip, DstIP: victim.ip}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(5, 1), Id: uint16(attacker.ip[0])<<8 | uint16(attacker.ip[1]), Seq: uint16(attacker.ip[2])<<8 | uint16(attacker.ip[3])}
	w.frame(time.Millisecond, serial(eth, ip4, ic, gopacket.Payload(body[4:])))
}

// icmpUnreachableStorm: a UDP scan of 100 closed ports, each answered.
func icmpUnreachableStorm(w *capWriter) {
	scanner, target := lanHost(77), host{gateway.mac, ip(10, 0, 4, 4)}
	for i := range 100 {
		pr := udp4(scanner, target, 40000, uint16(1000+i), gopacket.Payload(nil))
		t := time.Duration(i) * 50 * time.Millisecond
		w.frame(t, pr)
		w.frame(t+time.Millisecond, icmp4(target, scanner, 64, 3, 3, 0, 0, quote(pr)))
	}
}

// icmpBlackhole: a sender keeps sending 1500-byte DF packets after being
// told the path MTU is 1400.
func icmpBlackhole(w *capWriter) {
	s, d := lanHost(30), farHost
	for i := range 5 {
		eth := &layers.Ethernet{SrcMAC: s.mac, DstMAC: gateway.mac, EthernetType: layers.EthernetTypeIPv4}
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP, SrcIP: s.ip, DstIP: d.ip, Id: uint16(100 + i)}
		tcp := &layers.TCP{SrcPort: 44000, DstPort: 443, Seq: 1000, ACK: true, Ack: 1, Window: 1000}
		tcp.SetNetworkLayerForChecksum(ip4)
		pr := serial(eth, ip4, tcp, gopacket.Payload(make([]byte, 1460)))
		t := time.Duration(i) * time.Second
		w.frame(t, pr)
		w.frame(t+2*time.Millisecond, icmp4(gateway, s, 64, 3, 4, 0, 1400, quote(pr)))
	}
}

// icmpMalformed: an ICMP header cut to 4 bytes and an error quoting garbage.
func icmpMalformed(w *capWriter) {
	c := lanHost(4)
	full := icmp4(c, farHost, 64, 8, 0, 1, 1, nil)
	w.cut(0, full[:14+20+6], len(full))
	w.frame(time.Second, icmp4(gateway, c, 64, 3, 1, 0, 0, []byte{0xff, 0xee, 0xdd}))
}
