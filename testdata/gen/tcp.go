package main

import (
	"math/rand/v2"
	"net"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	webServer = host{gateway.mac, ip(198, 51, 100, 80)}
	dbServer  = host{mac(0x02, 0xdb, 0, 0, 0, 5), ip(10, 0, 0, 5)}
)

// Flags of a generated segment.
const (
	tFIN = 1 << iota
	tSYN
	tRST
	tPSH
	tACK
)

// tcpSeg builds Ethernet/IP/TCP; IPv6 when the hosts have IPv6 addresses.
func tcpSeg(src, dst host, sport, dport uint16, seq, ack uint32, flags int, win uint16, opts []layers.TCPOption, payload []byte) []byte {
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: win, Options: opts,
		FIN: flags&tFIN != 0, SYN: flags&tSYN != 0, RST: flags&tRST != 0, PSH: flags&tPSH != 0, ACK: flags&tACK != 0}
	if src.ip.To4() == nil {
		eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv6}
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.ip, DstIP: dst.ip}
		t.SetNetworkLayerForChecksum(ip6)
		return serial(eth, ip6, t, gopacket.Payload(payload))
	}
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.ip, DstIP: dst.ip, Flags: layers.IPv4DontFragment}
	t.SetNetworkLayerForChecksum(ip4)
	return serial(eth, ip4, t, gopacket.Payload(payload))
}

// synOptions are the options of a modern SYN: MSS, SACK permitted,
// timestamps, window scale.
func synOptions(mss uint16, ws byte) []layers.TCPOption {
	return []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(mss >> 8), byte(mss)}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{ws}},
	}
}

// tcpEnd is one side of a simulated connection.
type tcpEnd struct {
	h    host
	port uint16
	next uint32 // next sequence number to send
	win  uint16
}

// timeline collects frames written out of time order (a reply is built
// before the next segment its sender had already sent) and writes them to
// the capture in time order.
type timeline struct{ frames []timedFrame }

type timedFrame struct {
	t    time.Duration
	data []byte
}

func (tl *timeline) frame(t time.Duration, data []byte) {
	tl.frames = append(tl.frames, timedFrame{t, data})
}

func (tl *timeline) writeTo(w *capWriter) {
	sort.SliceStable(tl.frames, func(i, j int) bool { return tl.frames[i].t < tl.frames[j].t })
	for _, f := range tl.frames {
		w.frame(f.t, f.data)
	}
}

// tcpTimeline runs build on a timeline and writes it to w.
func tcpTimeline(build func(*timeline)) func(*capWriter) {
	return func(w *capWriter) {
		var tl timeline
		build(&tl)
		tl.writeTo(w)
	}
}

// tcpConn simulates a connection and writes its segments.
type tcpConn struct {
	w    *timeline
	c, s tcpEnd
	rtt  time.Duration // round trip as seen at the capture point (near the client)
}

func newConn(w *timeline, c host, cport uint16, s host, sport uint16, rtt time.Duration, seed uint32) *tcpConn {
	return &tcpConn{w: w, rtt: rtt,
		c: tcpEnd{h: c, port: cport, next: 1000000 + seed*7919, win: 502},
		s: tcpEnd{h: s, port: sport, next: 3000000000 + seed*104729, win: 509}}
}

// seg writes one segment from the client (fromClient) or the server,
// advancing its sender's sequence number.
func (k *tcpConn) seg(t time.Duration, fromClient bool, flags int, payload []byte, opts []layers.TCPOption) {
	src, dst := &k.c, &k.s
	if !fromClient {
		src, dst = dst, src
	}
	ack := uint32(0)
	if flags&tACK != 0 {
		ack = dst.next
	}
	k.w.frame(t, tcpSeg(src.h, dst.h, src.port, dst.port, src.next, ack, flags, src.win, opts, payload))
	src.next += uint32(len(payload))
	if flags&(tSYN|tFIN) != 0 {
		src.next++
	}
}

// handshake writes SYN, SYN-ACK, ACK starting at t and returns when it ends.
func (k *tcpConn) handshake(t time.Duration) time.Duration {
	k.seg(t, true, tSYN, nil, synOptions(1460, 7))
	k.seg(t+k.rtt, false, tSYN|tACK, nil, synOptions(1400, 9))
	k.seg(t+k.rtt+k.rtt/20, true, tACK, nil, nil)
	return t + k.rtt + k.rtt/20
}

// close writes a FIN exchange started by the client.
func (k *tcpConn) close(t time.Duration) time.Duration {
	k.seg(t, true, tFIN|tACK, nil, nil)
	k.seg(t+k.rtt, false, tFIN|tACK, nil, nil)
	k.seg(t+k.rtt+k.rtt/20, true, tACK, nil, nil)
	return t + k.rtt + k.rtt/20
}

func body(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + (seed+byte(i))%26
	}
	return b
}

// exchange writes a request and a response of respSegs full segments, each
// pair acknowledged, and returns when it ends.
func (k *tcpConn) exchange(t time.Duration, respSegs int) time.Duration {
	k.seg(t, true, tPSH|tACK, body(300, 1), nil)
	t += k.rtt
	for i := range respSegs {
		k.seg(t, false, tACK, body(1400, byte(i)), nil)
		t += 100 * time.Microsecond
		if i%2 == 1 || i == respSegs-1 {
			k.seg(t+k.rtt/2, true, tACK, nil, nil)
		}
	}
	return t + k.rtt/2 + time.Millisecond
}

// tcpNormal: clean connections: web transfers over IPv4 and IPv6, a
// keep-alive, one refused attempt, and a connection whose start was not
// captured.
func tcpNormal(w *timeline) {
	t := time.Duration(0)
	for i := range 12 {
		k := newConn(w, lanHost(1+i%4), uint16(50000+i), webServer, 443, 20*time.Millisecond, uint32(i))
		t = k.handshake(t)
		t = k.exchange(t, 6+i%5)
		t = k.close(t + 5*time.Millisecond)
		t += 150 * time.Millisecond
	}
	// The first client port used again after its connection closed: a new
	// connection with a new initial sequence number.
	k := newConn(w, lanHost(1), 50000, webServer, 443, 20*time.Millisecond, 77)
	t = k.handshake(t)
	t = k.exchange(t, 3)
	t = k.close(t+5*time.Millisecond) + 150*time.Millisecond
	c6 := host{lanHost(9).mac, net.ParseIP("2001:db8::9")}
	s6 := host{gateway.mac, net.ParseIP("2001:db8:80::1")}
	k = newConn(w, c6, 51000, s6, 80, 30*time.Millisecond, 99)
	t = k.handshake(t)
	t = k.exchange(t, 4)
	// A keep-alive after idle time, and its ACK.
	t += 2 * time.Second
	k.c.next--
	k.seg(t, true, tACK, []byte{0}, nil)
	k.seg(t+k.rtt, false, tACK, nil, nil)
	t = k.close(t + time.Second)
	// One refused connection.
	r := newConn(w, lanHost(2), 52000, dbServer, 5432, 2*time.Millisecond, 7)
	r.seg(t, true, tSYN, nil, synOptions(1460, 7))
	r.seg(t+r.rtt, false, tRST|tACK, nil, nil)
	// A connection already open when the capture began.
	m := newConn(w, lanHost(3), 53000, dbServer, 3306, 2*time.Millisecond, 8)
	t += 100 * time.Millisecond
	for range 3 {
		t = m.exchange(t, 2)
	}
}

// tcpPortScan: one host probes 60 ports of a server; most are closed
// (RST), a few filtered (no answer), three open (SYN-ACK, then the
// scanner's RST, as a SYN scan does).
func tcpPortScan(w *timeline) {
	scanner := host{mac(0x02, 0x66, 0, 0, 0, 6), ip(10, 0, 9, 66)}
	open := map[uint16]bool{22: true, 80: true, 443: true}
	t := time.Duration(0)
	for i := range 60 {
		port := uint16(20 + i)
		switch i {
		case 58:
			port = 80
		case 59:
			port = 443
		}
		k := newConn(w, scanner, 40444, dbServer, port, time.Millisecond, uint32(i))
		k.seg(t, true, tSYN, nil, []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{5, 0xb4}}})
		switch {
		case open[port]:
			k.seg(t+k.rtt, false, tSYN|tACK, nil, synOptions(1460, 7))
			k.seg(t+k.rtt+50*time.Microsecond, true, tRST, nil, nil)
		case i%9 == 4: // filtered
		default:
			k.seg(t+k.rtt, false, tRST|tACK, nil, nil)
		}
		t += 3 * time.Millisecond
	}
}

// tcpSynFlood: 400 SYNs in under a second from spoofed sources to a web
// server, which answers each with a SYN-ACK that is never acknowledged,
// while two real clients still get through.
func tcpSynFlood(w *timeline) {
	r := rand.New(rand.NewPCG(5, 5))
	t := time.Duration(0)
	for i := range 400 {
		src := host{gateway.mac, ip(byte(11+r.IntN(200)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1+r.IntN(254)))}
		k := newConn(w, src, uint16(1024+r.IntN(60000)), dbServer, 80, time.Millisecond, uint32(i))
		k.seg(t, true, tSYN, nil, nil)
		k.seg(t+200*time.Microsecond, false, tSYN|tACK, nil, synOptions(1460, 7))
		t += 2 * time.Millisecond
		if i%200 == 100 {
			ok := newConn(w, lanHost(4), uint16(45000+i), dbServer, 80, time.Millisecond, uint32(1000+i))
			t = ok.handshake(t)
			t = ok.exchange(t, 2)
			t = ok.close(t)
		}
	}
}

// tcpLossy: bulk downloads over a lossy path: lost segments are seen
// again after a timeout or after three duplicate ACKs.
func tcpLossy(w *timeline) {
	r := rand.New(rand.NewPCG(7, 7))
	t := time.Duration(0)
	for c := range 3 {
		k := newConn(w, lanHost(5+c), uint16(41000+c), webServer, 443, 40*time.Millisecond, uint32(c))
		t = k.handshake(t)
		k.seg(t, true, tPSH|tACK, body(200, 2), nil)
		t += k.rtt
		for i := range 60 {
			if r.IntN(8) == 0 { // this segment is lost before the capture point
				lost := k.s.next
				k.s.next += 1400
				// The next segments arrive and draw duplicate ACKs.
				for d := range 3 {
					k.seg(t, false, tACK, body(1400, byte(i+d)), nil)
					k.w.frame(t+k.rtt/2, tcpSeg(k.c.h, k.s.h, k.c.port, k.s.port, k.c.next, lost, tACK, k.c.win, nil, nil))
					t += 200 * time.Microsecond
				}
				// Fast retransmission of the hole, then everything is
				// acknowledged.
				t += k.rtt/2 + time.Millisecond
				k.w.frame(t, tcpSeg(k.s.h, k.c.h, k.s.port, k.c.port, lost, k.c.next, tACK, k.s.win, nil, body(1400, byte(i))))
				k.seg(t+k.rtt/2, true, tACK, nil, nil)
				t += k.rtt/2 + time.Millisecond
				continue
			}
			if r.IntN(10) == 0 { // a timeout: the same segment again after 200 ms
				seq := k.s.next
				k.seg(t, false, tACK, body(1400, byte(i)), nil)
				t += 200 * time.Millisecond
				k.w.frame(t, tcpSeg(k.s.h, k.c.h, k.s.port, k.c.port, seq, k.c.next, tACK, k.s.win, nil, body(1400, byte(i))))
				k.seg(t+k.rtt/2, true, tACK, nil, nil)
				t += k.rtt
				continue
			}
			k.seg(t, false, tACK, body(1400, byte(i)), nil)
			k.seg(t+k.rtt/2, true, tACK, nil, nil)
			t += time.Millisecond
		}
		t = k.close(t + 10*time.Millisecond)
	}
}

// tcpRstStorm: 30 established connections to one server are all reset by
// it within a second, after a calm minute.
func tcpRstStorm(w *timeline) {
	var conns []*tcpConn
	t := time.Duration(0)
	for i := range 30 {
		k := newConn(w, lanHost(1+i%10), uint16(42000+i), dbServer, 8080, 2*time.Millisecond, uint32(i))
		t = k.handshake(t)
		t = k.exchange(t, 2)
		conns = append(conns, k)
		t += 2 * time.Second
	}
	for _, k := range conns {
		k.seg(t, false, tRST|tACK, nil, nil)
		t += 20 * time.Millisecond
	}
}

// tcpZeroWindow: a client stops reading; its window closes, the server
// probes it for five seconds, then the window opens again.
func tcpZeroWindow(w *timeline) {
	k := newConn(w, lanHost(6), 43000, webServer, 443, 20*time.Millisecond, 3)
	t := k.handshake(0)
	k.seg(t, true, tPSH|tACK, body(200, 3), nil)
	t += k.rtt
	for i := range 8 {
		k.seg(t, false, tACK, body(1400, byte(i)), nil)
		t += 100 * time.Microsecond
	}
	k.c.win = 0
	k.seg(t+k.rtt/2, true, tACK, nil, nil)
	t += k.rtt
	for range 5 { // zero-window probes, each answered with a zero window
		k.w.frame(t, tcpSeg(k.s.h, k.c.h, k.s.port, k.c.port, k.s.next, k.c.next, tACK, k.s.win, nil, body(1, 9)))
		k.seg(t+k.rtt/2, true, tACK, nil, nil)
		t += time.Second
	}
	k.c.win = 502
	k.seg(t, true, tACK, nil, nil) // window update
	t += k.rtt / 2
	for i := range 4 {
		k.seg(t, false, tACK, body(1400, byte(i)), nil)
		t += 100 * time.Microsecond
	}
	k.seg(t+k.rtt/2, true, tACK, nil, nil)
	k.close(t + k.rtt)
}

// tcpHandshakeFailures: clients cannot reach a database: some attempts are
// refused, others time out after retransmitted SYNs.
func tcpHandshakeFailures(w *timeline) {
	t := time.Duration(0)
	for i := range 10 {
		k := newConn(w, lanHost(1+i%5), uint16(44000+i), dbServer, 5432, 3*time.Millisecond, uint32(i))
		if i%2 == 0 {
			k.seg(t, true, tSYN, nil, synOptions(1460, 7))
			k.seg(t+k.rtt, false, tRST|tACK, nil, nil)
		} else {
			for try := range 3 {
				if try > 0 {
					k.c.next-- // the same SYN again
				}
				k.seg(t+time.Duration(1<<try)*time.Second, true, tSYN, nil, synOptions(1460, 7))
			}
		}
		t += 10 * time.Second
	}
	// One success: the service came back.
	k := newConn(w, lanHost(2), 44100, dbServer, 5432, 3*time.Millisecond, 50)
	t = k.handshake(t)
	t = k.exchange(t, 1)
	k.close(t)
}

// tcpHalfOpen: over a minute, a server's SYN-ACKs to 15 clients are never
// acknowledged (the ACKs are lost on their way), while other connections
// complete.
func tcpHalfOpen(w *timeline) {
	t := time.Duration(0)
	for i := range 30 {
		k := newConn(w, lanHost(1+i%15), uint16(46000+i), webServer, 443, 15*time.Millisecond, uint32(i))
		if i%2 == 0 {
			k.seg(t, true, tSYN, nil, synOptions(1460, 7))
			k.seg(t+k.rtt, false, tSYN|tACK, nil, synOptions(1400, 9))
		} else {
			t = k.handshake(t)
			t = k.exchange(t, 2)
			t = k.close(t)
		}
		t += 2 * time.Second
	}
}
