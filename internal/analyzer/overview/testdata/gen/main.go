// Command gen writes the overview's generated captures: one small capture
// per Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH,
// SH, SHR, OTH) and per history letter worth showing (retransmission, zero
// window, content gap, direction flipped, multi-flag packets), the UDP
// states, and a mixed capture for the tool as a whole. Each capture's
// expected flows are in the test (conn_test.go) and its golden file. The
// output is deterministic: the same program writes the same bytes.
//
//	go run ./internal/analyzer/overview/testdata/gen [-out internal/analyzer/overview/testdata/gen]
package main

import (
	"log"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

func main() {
	genkit.Main("internal/analyzer/overview/testdata/gen", captures)
}

// capWriter is the capture a builder writes.
type capWriter struct {
	genkit.Capture
	t time.Duration
}

// frame writes a frame 10 ms after the previous one.
func (c *capWriter) frame(data []byte) {
	c.t += 10 * time.Millisecond
	c.Write(c.t, data, len(data))
}

type host struct {
	mac net.HardwareAddr
	ip  net.IP
}

var (
	client = host{net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0c}, net.IPv4(192, 168, 1, 10).To4()}
	server = host{net.HardwareAddr{0x02, 0, 0, 0, 0, 0x5e}, net.IPv4(10, 0, 0, 80).To4()}
)

// Flags of a segment.
const (
	fFIN = 1 << iota
	fSYN
	fRST
	fPSH
	fACK
)

// side is one end of a simulated connection.
type side struct {
	h    host
	port uint16
	seq  uint32 // next sequence number to send
	win  uint16
}

// conn writes the segments of one connection.
type conn struct {
	w    *capWriter
	c, s side
}

func newConn(w *capWriter, cport, sport uint16) *conn {
	return &conn{w: w, c: side{client, cport, 1000, 64240}, s: side{server, sport, 5000, 65160}}
}

// seg sends a segment from the client (fromClient) or the server with the
// given flags and payload length, acknowledging what the other side sent.
func (k *conn) seg(fromClient bool, flags int, n int) {
	src, dst := &k.c, &k.s
	if !fromClient {
		src, dst = dst, src
	}
	ack := uint32(0)
	if flags&fACK != 0 {
		ack = dst.seq
	}
	k.w.frame(tcp(src, dst, src.seq, ack, flags, src.win, n))
	src.seq += uint32(n)
	if flags&(fSYN|fFIN) != 0 {
		src.seq++
	}
}

func tcp(src, dst *side, seq, ack uint32, flags int, win uint16, n int) []byte {
	t := &layers.TCP{SrcPort: layers.TCPPort(src.port), DstPort: layers.TCPPort(dst.port), Seq: seq, Ack: ack, Window: win,
		FIN: flags&fFIN != 0, SYN: flags&fSYN != 0, RST: flags&fRST != 0, PSH: flags&fPSH != 0, ACK: flags&fACK != 0}
	eth := &layers.Ethernet{SrcMAC: src.h.mac, DstMAC: dst.h.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.h.ip, DstIP: dst.h.ip}
	t.SetNetworkLayerForChecksum(ip)
	return serialize(eth, ip, t, gopacket.Payload(payload(n)))
}

func udp(src, dst host, sport, dport uint16, n int) []byte {
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.ip, DstIP: dst.ip}
	u.SetNetworkLayerForChecksum(ip)
	return serialize(eth, ip, u, gopacket.Payload(payload(n)))
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// handshake and exchange: the common opening of established connections.
func (k *conn) handshake() {
	k.seg(true, fSYN, 0)
	k.seg(false, fSYN|fACK, 0)
	k.seg(true, fACK, 0)
}

func (k *conn) exchange() {
	k.seg(true, fPSH|fACK, 120)
	k.seg(false, fPSH|fACK, 800)
}

// captures maps each file name to what writes it; the name says the state
// (and letter) it shows.
var captures = map[string]func(*capWriter){
	// S0: a SYN, retransmitted (same sequence number), never answered.
	"conn-S0.pcap": func(w *capWriter) {
		k := newConn(w, 51000, 80)
		k.seg(true, fSYN, 0)
		k.c.seq--
		k.seg(true, fSYN, 0)
	},
	// S1: established, data both ways, never closed.
	"conn-S1.pcap": func(w *capWriter) {
		k := newConn(w, 51001, 80)
		k.handshake()
		k.exchange()
		k.seg(true, fACK, 0)
	},
	// SF: established and closed by both sides.
	"conn-SF.pcap": func(w *capWriter) {
		k := newConn(w, 51002, 80)
		k.handshake()
		k.exchange()
		k.seg(true, fFIN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
		k.seg(true, fACK, 0)
	},
	// REJ: the SYN is answered with a RST.
	"conn-REJ.pcap": func(w *capWriter) {
		k := newConn(w, 51003, 81)
		k.seg(true, fSYN, 0)
		k.seg(false, fRST|fACK, 0)
	},
	// S2: the originator closes; the responder never answers the FIN.
	"conn-S2.pcap": func(w *capWriter) {
		k := newConn(w, 51004, 80)
		k.handshake()
		k.exchange()
		k.seg(true, fFIN|fACK, 0)
	},
	// S3: the responder closes; the originator never answers the FIN.
	"conn-S3.pcap": func(w *capWriter) {
		k := newConn(w, 51005, 80)
		k.handshake()
		k.exchange()
		k.seg(false, fFIN|fACK, 0)
	},
	// RSTO: the originator aborts an established connection.
	"conn-RSTO.pcap": func(w *capWriter) {
		k := newConn(w, 51006, 80)
		k.handshake()
		k.exchange()
		k.seg(true, fRST|fACK, 0)
	},
	// RSTR: the responder aborts an established connection.
	"conn-RSTR.pcap": func(w *capWriter) {
		k := newConn(w, 51007, 80)
		k.handshake()
		k.exchange()
		k.seg(false, fRST|fACK, 0)
	},
	// RSTOS0: a SYN, then the originator's RST; no SYN-ACK.
	"conn-RSTOS0.pcap": func(w *capWriter) {
		k := newConn(w, 51008, 80)
		k.seg(true, fSYN, 0)
		k.seg(true, fRST, 0)
	},
	// RSTRH: a SYN-ACK (its SYN not captured), then the responder's RST.
	"conn-RSTRH.pcap": func(w *capWriter) {
		k := newConn(w, 51009, 80)
		k.c.seq++ // the SYN was sent
		k.seg(false, fSYN|fACK, 0)
		k.seg(false, fRST|fACK, 0)
	},
	// SH: a SYN, then the originator's FIN; no SYN-ACK.
	"conn-SH.pcap": func(w *capWriter) {
		k := newConn(w, 51010, 80)
		k.seg(true, fSYN, 0)
		k.seg(true, fFIN, 0)
	},
	// SHR: a SYN-ACK (its SYN not captured), then the responder's FIN.
	"conn-SHR.pcap": func(w *capWriter) {
		k := newConn(w, 51011, 80)
		k.c.seq++
		k.seg(false, fSYN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
	},
	// OTH: midstream: data and its ACK, no SYN, no close.
	"conn-OTH.pcap": func(w *capWriter) {
		k := newConn(w, 51012, 8080)
		k.seg(true, fPSH|fACK, 300)
		k.seg(false, fACK, 0)
	},
	// t: the originator's data is sent twice.
	"hist-retransmission.pcap": func(w *capWriter) {
		k := newConn(w, 51013, 80)
		k.handshake()
		k.seg(true, fPSH|fACK, 120)
		k.c.seq -= 120
		k.seg(true, fPSH|fACK, 120)
		k.seg(false, fPSH|fACK, 800)
		k.seg(true, fFIN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
		k.seg(true, fACK, 0)
	},
	// w: the responder advertises a zero window, then opens it.
	"hist-zero-window.pcap": func(w *capWriter) {
		k := newConn(w, 51014, 80)
		k.handshake()
		k.seg(true, fPSH|fACK, 1200)
		k.s.win = 0
		k.seg(false, fACK, 0)
		k.s.win = 65160
		k.seg(false, fACK, 0)
		k.seg(true, fFIN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
		k.seg(true, fACK, 0)
	},
	// g: a segment of the originator's is lost before the capture point,
	// and the responder acknowledges past it: 100 bytes missed.
	"hist-gap.pcap": func(w *capWriter) {
		k := newConn(w, 51015, 80)
		k.handshake()
		k.seg(true, fPSH|fACK, 100)
		k.c.seq += 100 // lost
		k.seg(true, fPSH|fACK, 100)
		k.seg(false, fACK, 0)
		k.seg(true, fFIN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
		k.seg(true, fACK, 0)
	},
	// ^: midstream traffic whose first packet comes from the server's
	// port: Zeek turns the connection around.
	"hist-flipped.pcap": func(w *capWriter) {
		k := newConn(w, 51016, 80)
		k.seg(false, fPSH|fACK, 500)
		k.seg(true, fACK, 0)
	},
	// q: a SYN with FIN set.
	"hist-multiflag.pcap": func(w *capWriter) {
		k := newConn(w, 51017, 80)
		k.seg(true, fSYN|fFIN, 0)
	},
	// Port reuse: a connection closes, and a new SYN on the same ports
	// starts a second one.
	"conn-reuse.pcap": func(w *capWriter) {
		k := newConn(w, 51018, 80)
		k.handshake()
		k.exchange()
		k.seg(true, fFIN|fACK, 0)
		k.seg(false, fFIN|fACK, 0)
		k.seg(true, fACK, 0)
		k = newConn(w, 51018, 80)
		k.c.seq, k.s.seq = 90000, 70000
		k.seg(true, fSYN, 0)
		k.seg(false, fRST|fACK, 0)
	},
	// UDP: a request answered (SF), one unanswered (S0), and a reply
	// whose request was not captured (SHR, turned around).
	"udp-states.pcap": func(w *capWriter) {
		w.frame(udp(client, server, 40000, 53, 40))
		w.frame(udp(server, client, 53, 40000, 120))
		w.frame(udp(client, server, 40001, 53, 40))
		w.frame(udp(server, client, 53, 40002, 120))
	},
}
