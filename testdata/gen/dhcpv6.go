package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"time"
)

// DHCPv6 captures: a normal link (with a relayed exchange), and one
// capture per detector of the dhcpv6 module. Messages are built byte by
// byte (RFC 8415 §7-§21), so that the malformed ones can be.

var (
	v6AllServers = net.ParseIP("ff02::1:2")
	v6Server     = v6Node{mac(0x00, 0x1b, 0x21, 0x00, 0x06, 0x01), net.ParseIP("fe80::21b:21ff:fe00:601")}
	v6Rogue      = v6Node{mac(0x02, 0xba, 0xd0, 0x00, 0x06, 0x66), net.ParseIP("fe80::ba:d0ff:fe00:666")}
	v6Relay      = v6Node{mac(0x00, 0x1b, 0x21, 0x00, 0x06, 0xfe), net.ParseIP("2001:db8:0:1::fe")}
	v6RelayPeer  = net.ParseIP("2001:db8:0:2::fe") // the server's side of the relay
	v6ServerGlob = net.ParseIP("2001:db8:0:1::547")
	v6Multicast  = mac(0x33, 0x33, 0x00, 0x01, 0x00, 0x02)
)

type v6Node struct {
	mac net.HardwareAddr
	ip  net.IP
}

func v6Client(i int) v6Node {
	m := mac(0x3c, 0x22, 0xfb, 0x60, byte(i>>8), byte(i))
	ip := net.ParseIP("fe80::3e22:fbff:fe60:0")
	ip[14], ip[15] = byte(i>>8), byte(i)
	return v6Node{m, ip}
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// opt6 is one option: code, length, data.
func opt6(code uint16, data ...[]byte) []byte {
	var d []byte
	for _, p := range data {
		d = append(d, p...)
	}
	return append(append(u16(code), u16(uint16(len(d)))...), d...)
}

// duidLLT is a DUID-LLT of an Ethernet address.
func duidLLT(m net.HardwareAddr) []byte {
	return append(append(append(u16(1), u16(1)...), u32(0x2e000000)...), m...)
}

func iaAddr(a string, pref, valid uint32, sub ...[]byte) []byte {
	return opt6(5, append([][]byte{net.ParseIP(a).To16(), u32(pref), u32(valid)}, sub...)...)
}

func iaNA(iaid, t1, t2 uint32, sub ...[]byte) []byte {
	return opt6(3, append([][]byte{u32(iaid), u32(t1), u32(t2)}, sub...)...)
}

func iaPD(iaid uint32, prefix string, plen byte) []byte {
	return opt6(25, u32(iaid), u32(1800), u32(2880), opt6(26, u32(3600), u32(7200), []byte{plen}, net.ParseIP(prefix).To16()))
}

func status6(code uint16, msg string) []byte { return opt6(13, u16(code), []byte(msg)) }

// msg6 is a client/server message.
func msg6(typ byte, xid uint32, opts ...[]byte) []byte {
	b := []byte{typ, byte(xid >> 16), byte(xid >> 8), byte(xid)}
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

// relay6 wraps inner in a relay message.
func relay6(typ, hops byte, link, peer net.IP, inner []byte, opts ...[]byte) []byte {
	b := append(append([]byte{typ, hops}, link.To16()...), peer.To16()...)
	for _, o := range opts {
		b = append(b, o...)
	}
	return append(b, opt6(9, inner)...)
}

var (
	v6DNS    = opt6(23, net.ParseIP("2001:db8::53").To16(), net.ParseIP("2001:db8::54").To16())
	v6Domain = opt6(24, []byte("\x04corp\x07example\x00"))
	v6ORO    = opt6(6, u16(23), u16(24), u16(82))
)

func elapsed(cs uint16) []byte { return opt6(8, u16(cs)) }

// toServers sends a client message to All_DHCP_Relay_Agents_and_Servers.
func toServers(w *capWriter, t time.Duration, c v6Node, payload []byte) {
	w.frame(t, udp6(c.mac, v6Multicast, c.ip, v6AllServers, 546, 547, payload))
}

// toClient sends a server message to a client's link-local address.
func toClient(w *capWriter, t time.Duration, s, c v6Node, payload []byte) {
	w.frame(t, udp6(s.mac, c.mac, s.ip, c.ip, 547, 546, payload))
}

// exchange6 writes SOLICIT, ADVERTISE, REQUEST, REPLY for client c from
// server s, assigning addr (and a prefix when pd is set).
func exchange6(w *capWriter, t time.Duration, s v6Node, c v6Node, i int, addr string, pd bool, dns []byte) {
	cid, sid := opt6(1, duidLLT(c.mac)), opt6(2, duidLLT(s.mac))
	xid := uint32(0x100000 + i*7)
	ia := func(valid bool) []byte {
		if !valid {
			return iaNA(uint32(i), 0, 0)
		}
		return iaNA(uint32(i), 1800, 2880, iaAddr(addr, 3600, 7200))
	}
	solicit := [][]byte{cid, elapsed(0), v6ORO, ia(false)}
	if pd {
		solicit = append(solicit, opt6(25, u32(uint32(i)), u32(0), u32(0)))
	}
	toServers(w, t, c, msg6(1, xid, solicit...))
	adv := [][]byte{cid, sid, opt6(7, []byte{255}), ia(true), dns, v6Domain}
	if pd {
		adv = append(adv, iaPD(uint32(i), "2001:db8:100:"+string(rune('a'+i%6))+"00::", 56))
	}
	toClient(w, t+3*time.Millisecond, s, c, msg6(2, xid, adv...))
	xid2 := xid + 1
	req := append([][]byte{cid, sid, elapsed(5), v6ORO, ia(true)}, adv[5:]...)
	toServers(w, t+10*time.Millisecond, c, msg6(3, xid2, req...))
	rep := append([][]byte{cid, sid, ia(true), dns, v6Domain}, adv[6:]...)
	toClient(w, t+14*time.Millisecond, s, c, msg6(7, xid2, rep...))
}

// dhcpv6Normal: one server assigning addresses to eight clients (one with
// a prefix, one after a retransmitted SOLICIT), an INFORMATION-REQUEST, a
// RENEW and a RELEASE, and one client served through a relay agent.
func dhcpv6Normal(w *capWriter) {
	for i := 1; i <= 8; i++ {
		t := time.Duration(i) * 3 * time.Second
		c := v6Client(i)
		if i == 4 {
			toServers(w, t-time.Second, c, msg6(1, uint32(0x100000+i*7), opt6(1, duidLLT(c.mac)), elapsed(0), v6ORO, iaNA(uint32(i), 0, 0)))
		}
		exchange6(w, t, v6Server, c, i, fmt.Sprintf("2001:db8:0:1::%x", 0x100+i), i == 3, v6DNS)
	}
	c := v6Client(9)
	cid, sid := opt6(1, duidLLT(c.mac)), opt6(2, duidLLT(v6Server.mac))
	toServers(w, 30*time.Second, c, msg6(11, 0x424242, cid, elapsed(0), v6ORO))
	toClient(w, 30*time.Second+2*time.Millisecond, v6Server, c, msg6(7, 0x424242, sid, cid, v6DNS, v6Domain, opt6(32, u32(86400))))
	c1 := v6Client(1)
	cid1 := opt6(1, duidLLT(c1.mac))
	toServers(w, 40*time.Second, c1, msg6(5, 0x515151, cid1, sid, elapsed(0), iaNA(1, 1800, 2880, iaAddr("2001:db8:0:1::101", 3600, 7200))))
	toClient(w, 40*time.Second+2*time.Millisecond, v6Server, c1, msg6(7, 0x515151, cid1, sid, iaNA(1, 1800, 2880, iaAddr("2001:db8:0:1::101", 3600, 7200)), v6DNS))
	c2 := v6Client(2)
	cid2 := opt6(1, duidLLT(c2.mac))
	toServers(w, 45*time.Second, c2, msg6(8, 0x525252, cid2, sid, elapsed(0), iaNA(2, 0, 0, iaAddr("2001:db8:0:1::102", 0, 0))))
	toClient(w, 45*time.Second+2*time.Millisecond, v6Server, c2, msg6(7, 0x525252, cid2, sid, status6(0, "released")))
	// A client on another link, through a relay agent.
	r := v6Client(20)
	rcid := opt6(1, duidLLT(r.mac))
	ifid := opt6(18, []byte("Gi0/20"))
	sol := msg6(1, 0x606060, rcid, elapsed(0), v6ORO, iaNA(20, 0, 0))
	w.frame(50*time.Second, udp6(v6Relay.mac, v6Server.mac, v6RelayPeer, v6ServerGlob, 547, 547, relay6(12, 0, v6Relay.ip, r.ip, sol, ifid)))
	adv := msg6(2, 0x606060, rcid, sid, iaNA(20, 1800, 2880, iaAddr("2001:db8:0:1::20", 3600, 7200)), v6DNS)
	w.frame(50*time.Second+3*time.Millisecond, udp6(v6Server.mac, v6Relay.mac, v6ServerGlob, v6RelayPeer, 547, 547, relay6(13, 0, v6Relay.ip, r.ip, adv, ifid)))
}

// dhcpv6Rogue: a second server answers the same clients, handing out
// other DNS servers.
func dhcpv6Rogue(w *capWriter) {
	evil := opt6(23, net.ParseIP("2001:db8:bad::53").To16())
	for i := 1; i <= 4; i++ {
		t := time.Duration(i) * 2 * time.Second
		exchange6(w, t, v6Server, v6Client(i), i, "2001:db8:0:1::"+string(rune('a'+i)), false, v6DNS)
		exchange6(w, t+time.Second, v6Rogue, v6Client(10+i), 10+i, "2001:db8:bad::"+string(rune('a'+i)), false, evil)
	}
}

// dhcpv6Starvation: 150 forged DUIDs soliciting within 30 seconds; the
// server answers the first 20.
func dhcpv6Starvation(w *capWriter) {
	for i := range 150 {
		t := time.Duration(i) * 200 * time.Millisecond
		c := v6Client(100 + i)
		cid := opt6(1, duidLLT(c.mac))
		xid := uint32(0x700000 + i)
		toServers(w, t, c, msg6(1, xid, cid, elapsed(0), iaNA(uint32(i), 0, 0)))
		if i < 20 {
			toClient(w, t+2*time.Millisecond, v6Server, c, msg6(2, xid, cid, opt6(2, duidLLT(v6Server.mac)), iaNA(uint32(i), 1800, 2880, iaAddr("2001:db8:0:1::1:"+string(rune('a'+i%6)), 3600, 7200))))
		}
	}
}

// dhcpv6NoAddrs: a server whose pool is empty answering 15 clients with
// NoAddrsAvail within 30 seconds.
func dhcpv6NoAddrs(w *capWriter) {
	for i := range 15 {
		t := time.Duration(i) * 2 * time.Second
		c := v6Client(300 + i)
		cid := opt6(1, duidLLT(c.mac))
		xid := uint32(0x710000 + i)
		toServers(w, t, c, msg6(1, xid, cid, elapsed(0), iaNA(uint32(i), 0, 0)))
		toClient(w, t+2*time.Millisecond, v6Server, c, msg6(2, xid, cid, opt6(2, duidLLT(v6Server.mac)), status6(2, "no addresses available")))
	}
}

// dhcpv6Unanswered: one client soliciting for a minute with RFC 8415
// backoff, and no server.
func dhcpv6Unanswered(w *capWriter) {
	c := v6Client(5)
	cid := opt6(1, duidLLT(c.mac))
	t := time.Duration(0)
	for i, wait := range []int{1, 2, 4, 8, 16, 32} {
		toServers(w, t, c, msg6(1, 0x720000, cid, elapsed(uint16(t/(10*time.Millisecond))), iaNA(1, 0, 0)))
		t += time.Duration(wait) * time.Second
		_ = i
	}
}

// dhcpv6Malformed: a message shorter than its header, an option running
// past its message, an IA_NA shorter than its header, and a relay message
// without a relayed message.
func dhcpv6Malformed(w *capWriter) {
	c := v6Client(6)
	cid := opt6(1, duidLLT(c.mac))
	exchange6(w, 0, v6Server, c, 6, "2001:db8:0:1::66", false, v6DNS)
	toServers(w, time.Second, c, []byte{1, 0})
	over := msg6(1, 0x730001, cid, elapsed(0))
	over = append(over, 0, 3, 0, 40, 1, 2, 3)
	toServers(w, 2*time.Second, c, over)
	toServers(w, 3*time.Second, c, msg6(1, 0x730002, cid, opt6(3, []byte{0, 0, 0, 1, 0})))
	w.frame(4*time.Second, udp6(v6Relay.mac, v6Server.mac, v6RelayPeer, v6ServerGlob, 547, 547, append(append([]byte{12, 0}, v6Relay.ip.To16()...), c.ip.To16()...)))
}
