package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	resolver = host{mac(0x00, 0x50, 0x56, 0x00, 0x00, 0x35), ip(10, 0, 0, 53)}
	lanHost  = func(i int) host { return host{clientMAC(i), ip(10, 0, 1, byte(i))} }
)

func dnsQ(id uint16, name string, t layers.DNSType) *layers.DNS {
	return &layers.DNS{ID: id, RD: true, OpCode: layers.DNSOpCodeQuery, Questions: []layers.DNSQuestion{{Name: []byte(name), Type: t, Class: layers.DNSClassIN}}}
}

func dnsA(q *layers.DNS, rcode layers.DNSResponseCode, answers ...layers.DNSResourceRecord) *layers.DNS {
	r := *q
	r.QR, r.RA, r.ResponseCode, r.Answers = true, true, rcode, answers
	return &r
}

func aRR(name string, a net.IP) layers.DNSResourceRecord {
	return layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: a}
}

func txtRR(name string, txt string) layers.DNSResourceRecord {
	r := layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeTXT, Class: layers.DNSClassIN, TTL: 0}
	if txt != "" {
		r.TXTs = [][]byte{[]byte(txt)}
	}
	return r
}

// exchange writes a query from c and, unless delay < 0, the response.
func exchange(w *capWriter, t time.Duration, c, s host, sport, dport uint16, q, r *layers.DNS, delay time.Duration) {
	w.frame(t, udp4(c, s, sport, dport, q))
	if delay >= 0 && r != nil {
		w.frame(t+delay, udp4(s, c, dport, sport, r))
	}
}

// tcp4 builds Ethernet/IPv4/TCP with the given flags and payload.
func tcp4(src, dst host, sport, dport uint16, seq, ack uint32, syn, ackf, fin, psh bool, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.ip, DstIP: dst.ip}
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, SYN: syn, ACK: ackf, FIN: fin, PSH: psh, Window: 65535}
	t.SetNetworkLayerForChecksum(ip4)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip4, t, gopacket.Payload(payload)); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func wire(d *layers.DNS) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func prefixed(d *layers.DNS) []byte {
	b := wire(d)
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
}

// dnsNormal: a LAN resolving names: every query answered in a few ms, a few
// NXDOMAINs, one retransmission, a CNAME chain, and a DNS-over-TCP
// connection whose messages are split across segments and packed together.
func dnsNormal(w *capWriter) {
	names := []string{"www.example.com", "mail.example.com", "api.example.org", "cdn.example.net", "intranet.corp.example", "updates.example.com"}
	var t time.Duration
	for i := 0; i < 150; i++ {
		c := lanHost(i % 20)
		name := names[i%len(names)]
		q := dnsQ(uint16(0x1000+i), name, layers.DNSTypeA)
		r := dnsA(q, layers.DNSResponseCodeNoErr, aRR(name, ip(93, 184, 216, byte(i%50))))
		if i%17 == 0 { // a typo now and then
			q = dnsQ(uint16(0x1000+i), "wwww.example.com", layers.DNSTypeA)
			r = dnsA(q, layers.DNSResponseCodeNXDomain)
		}
		if i%9 == 0 {
			q.Questions[0].Type = layers.DNSTypeAAAA
			r = dnsA(q, layers.DNSResponseCodeNoErr, layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN, TTL: 60, IP: net.ParseIP("2001:db8::1")})
		}
		if i == 40 { // lost on the way: asked again after a second
			w.frame(t, udp4(c, resolver, 40000+uint16(i), 53, q))
			t += time.Second
		}
		exchange(w, t, c, resolver, 40000+uint16(i), 53, q, r, time.Duration(2+i%7)*time.Millisecond)
		t += 700 * time.Millisecond
	}
	// A CNAME chain.
	q := dnsQ(0x3000, "www.shop.example", layers.DNSTypeA)
	exchange(w, t, lanHost(3), resolver, 41000, 53, q, dnsA(q, layers.DNSResponseCodeNoErr,
		layers.DNSResourceRecord{Name: []byte("www.shop.example"), Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN, TTL: 60, CNAME: []byte("shop.cdn.example")},
		aRR("shop.cdn.example", ip(203, 0, 113, 7))), 4*time.Millisecond)
	// DNS over TCP: a zone lookup split over two segments, then two
	// queries in one segment and their answers.
	c := lanHost(5)
	t += time.Second
	cs, ss := uint32(1000), uint32(5000)
	w.frame(t, tcp4(c, resolver, 42000, 53, cs, 0, true, false, false, false, nil))
	w.frame(t+time.Millisecond, tcp4(resolver, c, 53, 42000, ss, cs+1, true, true, false, false, nil))
	w.frame(t+2*time.Millisecond, tcp4(c, resolver, 42000, 53, cs+1, ss+1, false, true, false, false, nil))
	cs, ss = cs+1, ss+1
	q1 := prefixed(dnsQ(0x4001, "big.example.com", layers.DNSTypeTXT))
	w.frame(t+3*time.Millisecond, tcp4(c, resolver, 42000, 53, cs, ss, false, true, false, true, q1[:10]))
	w.frame(t+4*time.Millisecond, tcp4(c, resolver, 42000, 53, cs+10, ss, false, true, false, true, q1[10:]))
	cs += uint32(len(q1))
	big := txtRR("big.example.com", "")
	for range 3 {
		big.TXTs = append(big.TXTs, []byte(strings.Repeat("v=spf1 include:_spf.example.com ", 6)))
	}
	r1 := prefixed(dnsA(dnsQ(0x4001, "big.example.com", layers.DNSTypeTXT), layers.DNSResponseCodeNoErr, big))
	w.frame(t+6*time.Millisecond, tcp4(resolver, c, 53, 42000, ss, cs, false, true, false, true, r1[:300]))
	w.frame(t+7*time.Millisecond, tcp4(resolver, c, 53, 42000, ss+300, cs, false, true, false, true, r1[300:]))
	ss += uint32(len(r1))
	two := append(prefixed(dnsQ(0x4002, "a.example.com", layers.DNSTypeA)), prefixed(dnsQ(0x4003, "b.example.com", layers.DNSTypeA))...)
	w.frame(t+8*time.Millisecond, tcp4(c, resolver, 42000, 53, cs, ss, false, true, false, true, two))
	cs += uint32(len(two))
	ans := append(prefixed(dnsA(dnsQ(0x4002, "a.example.com", layers.DNSTypeA), layers.DNSResponseCodeNoErr, aRR("a.example.com", ip(192, 0, 2, 1)))),
		prefixed(dnsA(dnsQ(0x4003, "b.example.com", layers.DNSTypeA), layers.DNSResponseCodeNoErr, aRR("b.example.com", ip(192, 0, 2, 2))))...)
	w.frame(t+10*time.Millisecond, tcp4(resolver, c, 53, 42000, ss, cs, false, true, false, true, ans))
	ss += uint32(len(ans))
	w.frame(t+11*time.Millisecond, tcp4(c, resolver, 42000, 53, cs, ss, false, true, true, false, nil))
	w.frame(t+12*time.Millisecond, tcp4(resolver, c, 53, 42000, ss, cs+1, false, true, true, false, nil))
}

// dnsTunnel: a host moves data out in TXT queries for long random
// subdomains of one domain (as iodine or dnscat2 do).
func dnsTunnel(w *capWriter) {
	r := rand.New(rand.NewPCG(3, 4))
	const b32 = "abcdefghijklmnopqrstuvwxyz234567"
	c := lanHost(66)
	for i := range 60 {
		var sb strings.Builder
		for range 56 {
			sb.WriteByte(b32[r.IntN(len(b32))])
		}
		name := fmt.Sprintf("%s.%04x.t.exfil-tunnel.com", sb.String(), i)
		q := dnsQ(uint16(0x5000+i), name, layers.DNSTypeTXT)
		exchange(w, time.Duration(i)*300*time.Millisecond, c, resolver, 50000+uint16(i), 53, q, dnsA(q, layers.DNSResponseCodeNoErr, txtRR(name, "ack")), 20*time.Millisecond)
	}
}

// dnsDGA: malware tries 40 generated domains; none exists.
func dnsDGA(w *capWriter) {
	r := rand.New(rand.NewPCG(5, 6))
	c := lanHost(13)
	for i := range 40 {
		var sb strings.Builder
		for range 12 + r.IntN(6) {
			sb.WriteByte("bcdfghjklmnpqrstvwxz0123456789"[r.IntN(30)])
		}
		name := sb.String() + []string{".com", ".net", ".info", ".biz"}[i%4]
		q := dnsQ(uint16(0x6000+i), name, layers.DNSTypeA)
		exchange(w, time.Duration(i)*200*time.Millisecond, c, resolver, 51000+uint16(i), 53, q, dnsA(q, layers.DNSResponseCodeNXDomain), 15*time.Millisecond)
	}
}

// dnsTypos: a misconfigured search domain makes half the lookups fail.
func dnsTypos(w *capWriter) {
	words := []string{"mail", "files", "printer", "wiki", "jira", "git", "vpn", "portal", "intranet", "backup"}
	for i := range 40 {
		c := lanHost(i % 5)
		name := words[i%len(words)] + ".corp.example"
		rc := layers.DNSResponseCodeNoErr
		var ans []layers.DNSResourceRecord
		if i%2 == 0 {
			name = words[i%len(words)] + ".corp.example.corp.example"
			rc = layers.DNSResponseCodeNXDomain
		} else {
			ans = []layers.DNSResourceRecord{aRR(name, ip(10, 0, 2, byte(i)))}
		}
		q := dnsQ(uint16(0x7000+i), name, layers.DNSTypeA)
		exchange(w, time.Duration(i)*time.Second, c, resolver, 52000+uint16(i), 53, q, dnsA(q, rc, ans...), 3*time.Millisecond)
	}
}

// dnsSlow: the resolver takes 400-900 ms for every answer.
func dnsSlow(w *capWriter) {
	for i := range 20 {
		q := dnsQ(uint16(0x8000+i), fmt.Sprintf("host%d.example.com", i), layers.DNSTypeA)
		exchange(w, time.Duration(i)*2*time.Second, lanHost(i%4), resolver, 53000+uint16(i), 53, q,
			dnsA(q, layers.DNSResponseCodeNoErr, aRR(string(q.Questions[0].Name), ip(198, 51, 100, byte(i)))), time.Duration(400+25*i)*time.Millisecond)
	}
}

// dnsUnanswered: a second resolver answers only a quarter of its queries.
func dnsUnanswered(w *capWriter) {
	flaky := host{mac(0x00, 0x50, 0x56, 0x00, 0x00, 0x36), ip(10, 0, 0, 54)}
	for i := range 20 {
		q := dnsQ(uint16(0x9000+i), fmt.Sprintf("svc%d.example.com", i), layers.DNSTypeA)
		delay := time.Duration(-1)
		if i%4 == 0 {
			delay = 8 * time.Millisecond
		}
		exchange(w, time.Duration(i)*time.Second, lanHost(i%3), flaky, 54000+uint16(i), 53, q, dnsA(q, layers.DNSResponseCodeNoErr, aRR(string(q.Questions[0].Name), ip(198, 51, 100, 9))), delay)
	}
	// Good traffic to the main resolver until well after the last query.
	for i := range 10 {
		q := dnsQ(uint16(0x9100+i), "www.example.com", layers.DNSTypeA)
		exchange(w, 20*time.Second+time.Duration(i)*time.Second, lanHost(9), resolver, 55000+uint16(i), 53, q, dnsA(q, layers.DNSResponseCodeNoErr, aRR("www.example.com", ip(93, 184, 216, 34))), 2*time.Millisecond)
	}
}

// dnsNonStandard: a host talks DNS to a resolver on UDP port 5300.
func dnsNonStandard(w *capWriter) {
	odd := host{mac(0x02, 0x00, 0x00, 0x00, 0x53, 0x00), ip(203, 0, 113, 53)}
	for i := range 4 {
		q := dnsQ(uint16(0xa000+i), "c2.example.org", layers.DNSTypeA)
		exchange(w, time.Duration(i)*time.Second, lanHost(7), odd, 56000+uint16(i), 5300, q, dnsA(q, layers.DNSResponseCodeNoErr, aRR("c2.example.org", ip(203, 0, 113, 80))), 30*time.Millisecond)
	}
}

// dnsAmplification: a victim receives large ANY answers it never asked for.
func dnsAmplification(w *capWriter) {
	victim := host{mac(0x02, 0x00, 0x00, 0x00, 0x00, 0x99), ip(10, 0, 1, 200)}
	reflector := host{mac(0x02, 0x00, 0x00, 0x00, 0x00, 0x53), ip(198, 51, 100, 53)}
	for i := range 10 {
		q := dnsQ(uint16(0xb000+i), "example.com", layers.DNSType(255))
		var ans []layers.DNSResourceRecord
		for j := range 12 {
			ans = append(ans, txtRR("example.com", strings.Repeat(fmt.Sprintf("k%02d", j), 80)))
		}
		w.frame(time.Duration(i)*10*time.Millisecond, udp4(reflector, victim, 53, 80, dnsA(q, layers.DNSResponseCodeNoErr, ans...)))
	}
}

// dnsMalformed: a header cut short, a name with a compression loop, and
// a record that runs past the end of the message.
func dnsMalformed(w *capWriter) {
	c := lanHost(1)
	good := wire(dnsQ(0xc000, "www.example.com", layers.DNSTypeA))
	w.frame(0, udp4(c, resolver, 57000, 53, rawUDP(good[:8])))
	loop := append(append([]byte(nil), good[:12]...), 0xc0, 0x0c, 0, 1, 0, 1) // the name points at itself
	w.frame(time.Second, udp4(c, resolver, 57001, 53, rawUDP(loop)))
	resp := wire(dnsA(dnsQ(0xc002, "www.example.com", layers.DNSTypeA), layers.DNSResponseCodeNoErr, aRR("www.example.com", ip(93, 184, 216, 34))))
	w.frame(2*time.Second, udp4(resolver, c, 53, 57002, rawUDP(resp[:len(resp)-3])))
}
