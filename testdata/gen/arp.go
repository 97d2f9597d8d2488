package main

import (
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ARP captures: a normal LAN, and one capture per detector of the arp
// module. Hosts live in 10.0.2.0/24; the gateway is 10.0.2.1, the DNS
// server 10.0.2.53.
var (
	arpGW     = host{mac(0x00, 0x1b, 0x21, 0x00, 0x02, 0x01), ip(10, 0, 2, 1)}
	arpDNS    = host{mac(0x00, 0x1b, 0x21, 0x00, 0x02, 0x35), ip(10, 0, 2, 53)}
	arpFar    = ip(198, 51, 100, 80)
	zeroMAC   = mac(0, 0, 0, 0, 0, 0)
	arpAttack = host{mac(0x02, 0xba, 0xd0, 0x00, 0x00, 0x66), ip(10, 0, 2, 66)}
)

func arpHost(i int) host {
	return host{mac(0x3c, 0x22, 0xfb, 0x20, 0x00, byte(i)), ip(10, 0, 2, byte(100+i))}
}

// arpFrame builds an Ethernet ARP message (padded to 60 bytes, as on the
// wire).
func arpFrame(ethSrc, ethDst net.HardwareAddr, op uint16, sha net.HardwareAddr, spa net.IP, tha net.HardwareAddr, tpa net.IP) []byte {
	eth := &layers.Ethernet{SrcMAC: ethSrc, DstMAC: ethDst, EthernetType: layers.EthernetTypeARP}
	a := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
		SourceHwAddress: sha, SourceProtAddress: spa, DstHwAddress: tha, DstProtAddress: tpa}
	b := serial(eth, a)
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

// request is who-has tpa, tell src (broadcast).
func request(src host, tpa net.IP) []byte {
	return arpFrame(src.mac, bcastMAC, layers.ARPRequest, src.mac, src.ip, zeroMAC, tpa)
}

// reply is src's answer to dst.
func reply(src, dst host) []byte {
	return arpFrame(src.mac, dst.mac, layers.ARPReply, src.mac, src.ip, dst.mac, dst.ip)
}

// resolve writes a request from a for b and b's reply.
func resolve(w *capWriter, t time.Duration, a, b host) {
	w.frame(t, request(a, b.ip))
	w.frame(t+300*time.Microsecond, reply(b, a))
}

// dnsLookup writes a DNS query from c through the LAN to the DNS server
// and its answer.
func dnsLookup(w *capWriter, t time.Duration, c host, id uint16) {
	q := &layers.DNS{ID: id, RD: true, QDCount: 1, Questions: []layers.DNSQuestion{{Name: []byte("www.example.com"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	w.frame(t, udp4(c, arpDNS, 40000+id, 53, q))
	r := &layers.DNS{ID: id, QR: true, RD: true, RA: true, QDCount: 1, ANCount: 1, Questions: q.Questions,
		Answers: []layers.DNSResourceRecord{{Name: []byte("www.example.com"), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: arpFar}}}
	w.frame(t+2*time.Millisecond, udp4(arpDNS, c, 53, 40000+id, r))
}

// webTraffic writes an exchange between c and the far host through next
// hop via (the gateway, or whoever poses as it).
func webTraffic(w *capWriter, t time.Duration, c host, via net.HardwareAddr, seq uint16) {
	w.frame(t, udp4(c, host{via, arpFar}, 50000, 443, gopacket.Payload(pingPayload(64))))
	w.frame(t+20*time.Millisecond, udp4(host{via, arpFar}, c, 443, 50000, gopacket.Payload(pingPayload(64+int(seq%8)))))
}

// arpNormal: hosts resolving the gateway, the DNS server and each other,
// an RFC 5227 probe and announcement of a new host, gratuitous ARP at
// boot, unicast refreshes, and traffic through the gateway: nothing to
// flag.
func arpNormal(w *capWriter) {
	t := time.Duration(0)
	for i := 1; i <= 8; i++ {
		h := arpHost(i)
		resolve(w, t, h, arpGW)
		resolve(w, t+10*time.Millisecond, h, arpDNS)
		dnsLookup(w, t+20*time.Millisecond, h, uint16(i))
		webTraffic(w, t+30*time.Millisecond, h, arpGW.mac, uint16(i))
		t += 2 * time.Second
	}
	resolve(w, t, arpHost(1), arpHost(2))
	resolve(w, t+time.Second, arpHost(3), arpHost(4))
	// A new host: three probes, no answer, then two announcements.
	n := arpHost(9)
	t += 5 * time.Second
	for i := range 3 {
		w.frame(t+time.Duration(i)*time.Second, arpFrame(n.mac, bcastMAC, layers.ARPRequest, n.mac, zeroIP, zeroMAC, n.ip))
	}
	for i := range 2 {
		w.frame(t+5*time.Second+time.Duration(i)*2*time.Second, arpFrame(n.mac, bcastMAC, layers.ARPRequest, n.mac, n.ip, zeroMAC, n.ip))
	}
	// The gateway refreshes its entries with unicast requests, answered.
	t += 15 * time.Second
	for i := 1; i <= 4; i++ {
		h := arpHost(i)
		w.frame(t, arpFrame(arpGW.mac, h.mac, layers.ARPRequest, arpGW.mac, arpGW.ip, zeroMAC, h.ip))
		w.frame(t+200*time.Microsecond, reply(h, arpGW))
		webTraffic(w, t+time.Second, h, arpGW.mac, uint16(10+i))
		t += time.Second
	}
	// A gratuitous reply after a link flap.
	w.frame(t+time.Second, arpFrame(arpGW.mac, bcastMAC, layers.ARPReply, arpGW.mac, arpGW.ip, bcastMAC, arpGW.ip))
}

// arpSpoofing: a man in the middle. The victim reaches the far host
// through the gateway; the attacker sends it unsolicited replies claiming
// the gateway's address (and the gateway the victim's), and the victim's
// traffic then goes to the attacker.
func arpSpoofing(w *capWriter) {
	v := arpHost(1)
	resolve(w, 0, v, arpGW)
	for i := range 5 {
		webTraffic(w, time.Duration(i)*time.Second, v, arpGW.mac, uint16(i))
	}
	resolve(w, 5*time.Second, arpAttack, arpGW) // the attacker's own address
	t := 6 * time.Second
	for i := range 6 {
		w.frame(t, arpFrame(arpAttack.mac, v.mac, layers.ARPReply, arpAttack.mac, arpGW.ip, v.mac, v.ip))
		w.frame(t+time.Millisecond, arpFrame(arpAttack.mac, arpGW.mac, layers.ARPReply, arpAttack.mac, v.ip, arpGW.mac, arpGW.ip))
		webTraffic(w, t+500*time.Millisecond, v, arpAttack.mac, uint16(10+i))
		t += 2 * time.Second
	}
}

// arpFlapping: one address moving back and forth between two MACs, with
// no traffic to show who is right.
func arpFlapping(w *capWriter) {
	a, b := arpHost(20), host{mac(0x02, 0x00, 0x00, 0x00, 0x00, 0x21), arpHost(20).ip}
	asker := arpHost(3)
	t := time.Duration(0)
	for i := range 4 {
		resolve(w, t, asker, a)
		resolve(w, t+time.Second, asker, b)
		t += 10 * time.Second
		_ = i
	}
}

// arpScan: one host asking for 200 addresses in four seconds; some
// answer.
func arpScan(w *capWriter) {
	s := arpHost(7)
	for i := 1; i <= 200; i++ {
		t := time.Duration(i) * 20 * time.Millisecond
		target := ip(10, 0, 3, byte(i))
		w.frame(t, request(s, target))
		if i%25 == 0 {
			w.frame(t+time.Millisecond, reply(host{mac(0x3c, 0x22, 0xfb, 0x30, 0x00, byte(i)), target}, s))
		}
	}
}

// arpGratuitousFlood: one MAC announcing its address 60 times in six
// seconds.
func arpGratuitousFlood(w *capWriter) {
	h := arpHost(5)
	resolve(w, 0, arpHost(1), h)
	for i := range 60 {
		w.frame(time.Second+time.Duration(i)*100*time.Millisecond, arpFrame(h.mac, bcastMAC, layers.ARPReply, h.mac, h.ip, bcastMAC, h.ip))
	}
}

// arpConflict: a new host's probe answered by the host that holds the
// address, and an address claimed by a second MAC once (tshark's
// duplicate-address case).
func arpConflict(w *capWriter) {
	holder := arpHost(30)
	newcomer := host{mac(0x3c, 0x22, 0xfb, 0x20, 0x01, 0x30), holder.ip}
	resolve(w, 0, arpHost(1), holder)
	w.frame(2*time.Second, arpFrame(newcomer.mac, bcastMAC, layers.ARPRequest, newcomer.mac, zeroIP, zeroMAC, holder.ip))
	w.frame(2*time.Second+time.Millisecond, arpFrame(holder.mac, newcomer.mac, layers.ARPReply, holder.mac, holder.ip, newcomer.mac, zeroIP))
	// A second device configured with 10.0.2.140 by hand.
	first := arpHost(40)
	second := host{mac(0x3c, 0x22, 0xfb, 0x20, 0x01, 0x40), first.ip}
	resolve(w, 5*time.Second, arpHost(2), first)
	resolve(w, 8*time.Second, arpHost(2), second)
}

// arpUnanswered: a host asking for its configured gateway, which is not
// there, ten times.
func arpUnanswered(w *capWriter) {
	h := arpHost(4)
	resolve(w, 0, h, arpDNS)
	for i := range 10 {
		w.frame(time.Second+time.Duration(i)*time.Second, request(h, ip(10, 0, 2, 254)))
	}
}

// arpMalformed: an ARP message cut short, one with a 255-byte hardware
// size, and one with the reserved opcode 0.
func arpMalformed(w *capWriter) {
	h := arpHost(6)
	resolve(w, 0, h, arpGW)
	ok := request(h, arpGW.ip)
	w.frame(time.Second, ok[:14+12])
	big := append([]byte(nil), ok[:14+8]...)
	big[14+4] = 255
	big = append(big, make([]byte, 2*255+8)...)
	w.frame(2*time.Second, big)
	zero := append([]byte(nil), ok...)
	zero[14+6], zero[14+7] = 0, 0
	w.frame(3*time.Second, zero)
}
