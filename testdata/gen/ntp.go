package main

import (
	"encoding/binary"
	"net"
	"time"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

// NTP captures: every client clock is the capture's clock plus its skew,
// and every server clock the capture's own, so an exchange's offset is
// minus the client's skew and its delay the capture time from request to
// response less the server's 50 µs of processing.

var (
	ntpServer1 = host{mac(0x00, 0x50, 0x56, 0x00, 0x01, 0x23), ip(10, 0, 0, 123)} // stratum 2
	ntpServer2 = host{mac(0x00, 0x50, 0x56, 0x00, 0x01, 0x24), ip(10, 0, 0, 124)} // stratum 1, GPS
	ntpRouter  = host{gateway.mac, ip(10, 0, 0, 254)}
)

const ntpProcessing = 50 * time.Microsecond

// ntpTS is t after genkit.Epoch as an NTP timestamp, skewed by skew.
func ntpTS(t, skew time.Duration) uint64 {
	at := genkit.Epoch.Add(t + skew)
	sec := uint64(at.Unix() + 2208988800)
	frac := (uint64(at.Nanosecond()) << 32) / 1e9
	return sec<<32 | frac
}

// ntpMsg is the 48-byte header of modes 1 to 5.
type ntpMsg struct {
	leap, version, mode, stratum uint8
	poll, precision              int8
	rootDelay, rootDisp, refID   uint32
	ref, org, rec, xmt           uint64
}

func (m ntpMsg) bytes() []byte {
	b := []byte{m.leap<<6 | m.version<<3 | m.mode, m.stratum, byte(m.poll), byte(m.precision)}
	b = binary.BigEndian.AppendUint32(b, m.rootDelay)
	b = binary.BigEndian.AppendUint32(b, m.rootDisp)
	b = binary.BigEndian.AppendUint32(b, m.refID)
	for _, ts := range []uint64{m.ref, m.org, m.rec, m.xmt} {
		b = binary.BigEndian.AppendUint64(b, ts)
	}
	return b
}

func refText(s string) uint32 { return binary.BigEndian.Uint32(append([]byte(s), 0, 0, 0, 0)[:4]) }
func refAddr(a net.IP) uint32 { return binary.BigEndian.Uint32(a.To4()) }

// ntpServerState is what a server puts in its responses.
type ntpServerState struct {
	leap, stratum uint8
	refID         uint32
}

var (
	stratum2 = ntpServerState{0, 2, refAddr(ip(192, 0, 2, 1))}
	stratum1 = ntpServerState{0, 1, refText("GPS")}
)

// ntpPoll writes a client request at t and, unless answer is nil, the
// server's response delay later. The client's clock is skewed by skew.
func ntpPoll(w *capWriter, t time.Duration, c, s host, cport uint16, skew, delay time.Duration, answer *ntpServerState) {
	xmt := ntpTS(t, skew)
	req := ntpMsg{version: 4, mode: 3, poll: 6, precision: -20, xmt: xmt}
	w.frame(t, udp4(c, s, cport, 123, rawUDP(req.bytes())))
	if answer == nil {
		return
	}
	rec := ntpTS(t+(delay-ntpProcessing)/2, 0)
	resp := ntpMsg{leap: answer.leap, version: 4, mode: 4, stratum: answer.stratum, poll: 6, precision: -23,
		rootDelay: 0x0000_0400, rootDisp: 0x0000_0800, refID: answer.refID,
		ref: ntpTS(t-30*time.Second, 0), org: xmt, rec: rec, xmt: rec + uint64(ntpProcessing)*(1<<32)/1e9}
	if answer.stratum == 0 || answer.stratum >= 16 {
		resp.ref = 0
	}
	w.frame(t+delay, udp4(s, c, 123, cport, rawUDP(resp.bytes())))
}

func ntpClient(i int) host { return host{clientMAC(i), ip(10, 0, 1, byte(i))} }

// ntpControl is a mode 6 message: a header and data.
func ntpControl(response bool, opcode uint8, seq, assoc uint16, data []byte) []byte {
	b := []byte{2<<3 | 6, opcode}
	if response {
		b[1] |= 0x80
	}
	b = binary.BigEndian.AppendUint16(b, seq)
	b = binary.BigEndian.AppendUint16(b, 0x0618) // status
	b = binary.BigEndian.AppendUint16(b, assoc)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ntpPrivate is a mode 7 message with items of size bytes each.
func ntpPrivate(response, more bool, seq, reqcode uint8, items, size int) []byte {
	b := []byte{2<<3 | 7, seq, 3, reqcode}
	if response {
		b[0] |= 0x80
	}
	if more {
		b[0] |= 0x40
	}
	b = binary.BigEndian.AppendUint16(b, uint16(items))
	b = binary.BigEndian.AppendUint16(b, uint16(size))
	return append(b, make([]byte, items*size)...)
}

// ntpNormal: eight clients poll two servers every 64 s for ten minutes
// (clocks within 40 ms, delays 2 to 16 ms); an IPv6 client polls too; one
// request is lost; an operator reads the server's variables with ntpq
// (mode 6) and its peers with ntpdc (mode 7); two servers are symmetric
// peers. Nothing any detector should flag.
func ntpNormal(w *capWriter) {
	type ev struct {
		t    time.Duration
		emit func(t time.Duration)
	}
	for round := range 10 {
		base := time.Duration(round) * 64 * time.Second
		for i := 1; i <= 8; i++ {
			c, s, st := ntpClient(i), ntpServer1, &stratum2
			if i%2 == 0 {
				s, st = ntpServer2, &stratum1
			}
			skew := time.Duration(i*5-20) * time.Millisecond
			delay := time.Duration(2+2*(i%8)) * time.Millisecond
			if round == 7 && i == 3 {
				st = nil // lost
			}
			ntpPoll(w, base+time.Duration(i)*500*time.Millisecond, c, s, uint16(40000+i), skew, delay, st)
		}
		// IPv6 client and server.
		t := base + 5*time.Second
		c6, s6 := net.ParseIP("2001:db8::10"), net.ParseIP("2001:db8::123")
		xmt := ntpTS(t, 3*time.Millisecond)
		w.frame(t, udp6(clientMAC(50), ntpServer1.mac, c6, s6, 123, 123, ntpMsg{version: 4, mode: 3, poll: 6, precision: -20, xmt: xmt}.bytes()))
		rec := ntpTS(t+2*time.Millisecond, 0)
		w.frame(t+4*time.Millisecond+ntpProcessing, udp6(ntpServer1.mac, clientMAC(50), s6, c6, 123, 123,
			ntpMsg{version: 4, mode: 4, stratum: 2, poll: 6, precision: -23, rootDelay: 0x400, rootDisp: 0x800, refID: refAddr(ip(192, 0, 2, 1)),
				ref: ntpTS(t-time.Minute, 0), org: xmt, rec: rec, xmt: rec + uint64(ntpProcessing)*(1<<32)/1e9}.bytes()))
		// The two servers peer with each other (symmetric active both ways).
		t = base + 6*time.Second
		a := ntpMsg{version: 4, mode: 1, stratum: 2, poll: 6, precision: -23, refID: refAddr(ip(192, 0, 2, 1)), ref: ntpTS(t-time.Minute, 0), xmt: ntpTS(t, 0)}
		w.frame(t, udp4(ntpServer1, ntpServer2, 123, 123, rawUDP(a.bytes())))
		b := ntpMsg{version: 4, mode: 1, stratum: 1, poll: 6, precision: -23, refID: refText("GPS"), ref: ntpTS(t-time.Minute, 0),
			org: a.xmt, rec: ntpTS(t+time.Millisecond, 0), xmt: ntpTS(t+time.Millisecond+ntpProcessing, 0)}
		w.frame(t+2*time.Millisecond+ntpProcessing, udp4(ntpServer2, ntpServer1, 123, 123, rawUDP(b.bytes())))
	}
	// ntpq -c rv, then ntpdc -c peers, from the administrator's host.
	admin := ntpClient(100)
	t := 11 * time.Minute
	w.frame(t, udp4(admin, ntpServer1, 50123, 123, rawUDP(ntpControl(false, 1, 1, 0, nil))))
	w.frame(t+time.Millisecond, udp4(ntpServer1, admin, 123, 50123, rawUDP(ntpControl(true, 1, 1, 0, []byte{0xf6, 0x14, 0x96, 0x24}))))
	w.frame(t+2*time.Millisecond, udp4(admin, ntpServer1, 50123, 123, rawUDP(ntpControl(false, 2, 2, 0, nil))))
	w.frame(t+3*time.Millisecond, udp4(ntpServer1, admin, 123, 50123, rawUDP(ntpControl(true, 2, 2, 0,
		[]byte(`version="ntpd 4.2.8p15", processor="x86_64", system="Linux", leap=00, stratum=2, precision=-23, refid=192.0.2.1`)))))
	w.frame(t+time.Second, udp4(admin, ntpServer1, 50124, 123, rawUDP(ntpPrivate(false, false, 0, 1, 0, 0))))
	peers := ntpPrivate(true, false, 0, 1, 2, 72)
	for i, p := range []struct {
		addr    net.IP
		stratum byte
	}{{ip(192, 0, 2, 1), 1}, {ntpServer2.ip, 1}} {
		it := peers[8+i*72:]
		copy(it[0:4], ntpServer1.ip)
		copy(it[4:8], p.addr)
		binary.BigEndian.PutUint16(it[8:], 123)
		it[10], it[13] = p.stratum, 0xff
	}
	w.frame(t+time.Second+time.Millisecond, udp4(ntpServer1, admin, 123, 50124, rawUDP(peers)))
}

// ntpAmplification: spoofed monlist requests "from" 203.0.113.7 port 80
// reach three servers, each of which sends back 10 responses of six
// 72-byte entries: 26,880 bytes for 48 bytes of requests.
func ntpAmplification(w *capWriter) {
	victim := host{gateway.mac, ip(203, 0, 113, 7)}
	t := time.Duration(0)
	for r := range 2 {
		for s := range 3 {
			srv := host{mac(0x00, 0x50, 0x56, 0x00, 0x02, byte(s)), ip(198, 51, 100, byte(10+s))}
			w.frame(t, udp4(victim, srv, 80, 123, rawUDP(ntpPrivate(false, false, 0, 42, 0, 0))))
			for i := range 10 {
				w.frame(t+time.Duration(i+1)*100*time.Microsecond, udp4(srv, victim, 123, 80, rawUDP(ntpPrivate(true, i < 9, uint8(i), 42, 6, 72))))
			}
			t += 20 * time.Millisecond
		}
		t += time.Duration(r+1) * time.Second
	}
}

// ntpKissOfDeath: a server rate-limits a client polling every 2 s (RATE)
// and denies another (DENY), while answering a third normally.
func ntpKissOfDeath(w *capWriter) {
	rate, deny := ntpServerState{3, 0, refText("RATE")}, ntpServerState{3, 0, refText("DENY")}
	for i := range 6 {
		t := time.Duration(i) * 2 * time.Second
		ntpPoll(w, t, ntpClient(1), ntpServer1, 40001, 0, 4*time.Millisecond, &rate)
		if i < 2 {
			ntpPoll(w, t+time.Second, ntpClient(2), ntpServer1, 40002, 0, 4*time.Millisecond, &deny)
		}
		ntpPoll(w, t+500*time.Millisecond, ntpClient(3), ntpServer1, 40003, 0, 4*time.Millisecond, &stratum2)
	}
}

// ntpUnsynchronized: a server that lost its upstream answers with leap 3
// and stratum 16; a router just started answers with stratum 0 INIT.
func ntpUnsynchronized(w *capWriter) {
	lost, starting := ntpServerState{3, 16, 0}, ntpServerState{3, 0, refText("INIT")}
	for i := range 4 {
		t := time.Duration(i) * 64 * time.Second
		ntpPoll(w, t, ntpClient(1), ntpServer1, 40001, 0, 3*time.Millisecond, &lost)
		ntpPoll(w, t+time.Second, ntpClient(2), ntpServer1, 40002, 0, 3*time.Millisecond, &lost)
		ntpPoll(w, t+2*time.Second, ntpClient(3), ntpRouter, 40003, 0, 3*time.Millisecond, &starting)
	}
}

// ntpLargeOffset: one client's clock is ten minutes slow and another's
// 90 s fast, both against a good server; a third is right.
func ntpLargeOffset(w *capWriter) {
	for i := range 4 {
		t := time.Duration(i) * 64 * time.Second
		ntpPoll(w, t, ntpClient(1), ntpServer1, 40001, -10*time.Minute, 8*time.Millisecond, &stratum2)
		ntpPoll(w, t+time.Second, ntpClient(2), ntpServer1, 40002, 90*time.Second, 6*time.Millisecond, &stratum2)
		ntpPoll(w, t+2*time.Second, ntpClient(3), ntpServer1, 40003, 2*time.Millisecond, 6*time.Millisecond, &stratum2)
	}
}

// ntpMalformed: a 20-byte client message, a control message whose count
// runs past its end, a version 0 header, a mode 7 message whose items run
// past its end, and an empty datagram.
func ntpMalformed(w *capWriter) {
	c := ntpClient(1)
	good := ntpMsg{version: 4, mode: 3, poll: 6, precision: -20, xmt: ntpTS(0, 0)}.bytes()
	w.frame(0, udp4(c, ntpServer1, 40001, 123, rawUDP(good[:20])))
	ctl := ntpControl(false, 2, 1, 0, nil)
	binary.BigEndian.PutUint16(ctl[10:], 400)
	w.frame(time.Second, udp4(c, ntpServer1, 40002, 123, rawUDP(ctl)))
	v0 := append([]byte(nil), good...)
	v0[0] = 3 // version 0, mode 3
	w.frame(2*time.Second, udp4(c, ntpServer1, 40003, 123, rawUDP(v0)))
	w.frame(3*time.Second, udp4(c, ntpServer1, 40004, 123, rawUDP(ntpPrivate(false, false, 0, 42, 0, 0)[:8])))
	pr := ntpPrivate(true, false, 0, 42, 6, 72)
	w.frame(4*time.Second, udp4(ntpServer1, c, 123, 40004, rawUDP(pr[:200])))
	w.frame(5*time.Second, udp4(c, ntpServer1, 40005, 123, rawUDP(nil)))
	// and one good exchange
	ntpPoll(w, 6*time.Second, c, ntpServer1, 40006, 0, 4*time.Millisecond, &stratum2)
}
