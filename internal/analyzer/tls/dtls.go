package tls

import (
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// DTLS record (RFC 6347 §4.1) and handshake header (§4.2.2):
//
//	type 1 | version 2 (0xfeff DTLS 1.0, 0xfefd 1.2) | epoch 2 | sequence 6 | length 2
//	msg_type 1 | length 3 | message_seq 2 | fragment_offset 3 | fragment_length 3 | body
//
// Only hellos that fit in one datagram (an unfragmented message in the
// first record) are decoded: what DTLS sessions say in the clear, where
// it is cheap. A session is keyed by its UDP ports and addresses.

// dtlsRecord handles a UDP payload that starts a DTLS handshake record.
func (o *observer) dtlsRecord(b []byte, src, dst netip.AddrPort, p *engine.Packet) {
	if len(b) < 25 || b[2] < 0xfc {
		return
	}
	n := int(b[11])<<8 | int(b[12])
	hs := b[13:]
	if n > len(hs) || n < 12 {
		return
	}
	hs = hs[:n]
	typ := hs[0]
	l := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	off := int(hs[6])<<16 | int(hs[7])<<8 | int(hs[8])
	fl := int(hs[9])<<16 | int(hs[10])<<8 | int(hs[11])
	if (typ != hsClientHello && typ != hsServerHello) || off != 0 || fl != l || 12+l > len(hs) {
		return
	}
	k := keyOf(src, dst)
	c := o.dtls[k]
	if c == nil {
		if typ != hsClientHello {
			return
		}
		if len(o.dtls) >= o.cfg.lim.conns {
			o.connsEvicted += len(o.dtls)
			clear(o.dtls)
		}
		s := o.newSession(false, src, dst, p)
		if s != nil {
			s.dtls = true
		}
		c = &dtlsConn{s: s, first: src}
		o.dtls[k] = c
	}
	if c.s == nil {
		return
	}
	o.tlsPackets++
	dir := 1
	if src == c.first {
		dir = 0
	}
	c.s.lastFrame = p.Number
	c.s.handshake(dir, typ, hs[12:12+l], p.Number, p.Timestamp)
}

// dtlsConn is one DTLS session's UDP flow.
type dtlsConn struct {
	s     *session
	first netip.AddrPort // the sender of the ClientHello
}
