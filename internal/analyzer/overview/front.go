package overview

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/flow"
)

// The observer works in two halves. extract, in the engine's goroutine,
// reads from each decoded packet what the tables need into a fact: small,
// fixed-size, and owned by the overview (the engine reuses its packets).
// apply, in a goroutine of its own (see async), counts the fact in every
// table. The engine and the other modules' observers go on decoding the
// next frames meanwhile, so the overview's bookkeeping, cache misses in
// large tables, takes the other core rather than adding to the pass.

// Transport kinds of a fact.
const (
	kNone uint8 = iota // no transport: not IP, or an IP fragment
	kTCP
	kUDP
	kICMP
	kOther // an IP protocol without a decoded transport (IGMP, SCTP, GRE, a header cut short)
)

// headLen is how many payload bytes a fact keeps for finding the service.
const headLen = 16

// Name decoders a fact's payload copy is for.
const (
	learnNone uint8 = iota
	learnDNS
	learnMDNS
	learnLLMNR
	learnNBNS
	learnDHCP
)

// fact is what the overview keeps of one frame.
type fact struct {
	path        path  // link layers, from the frame's bytes
	inner       path  // the Ethernet frame inside VXLAN
	number      int32 // frame number
	ts          int64 // Unix nanoseconds
	length      int32 // on the wire
	capLen      int32 // captured
	linkType    capture.LinkType
	unsupported bool  // a link type the engine does not decode
	ip          uint8 // 0: none, 4, 6
	ipCount     bool  // counted in the IP conversation table (not an IPv6 fragment)
	fragment    bool  // an IP fragment that completes no datagram
	srcIP       [16]byte
	dstIP       [16]byte // IPv4 in the first 4 bytes
	ttl         uint8    // 0 for multicast and broadcast destinations
	ipLen       int32    // IP total length
	nh          uint8    // IP protocol, past IPv6 extension headers
	hasMAC      bool
	srcMAC      [6]byte
	kind        uint8
	sp, dp      uint16 // ports, or ICMP port equivalents
	oneWay      bool
	noPorts     bool
	seg         flow.Segment
	payload     bool  // TCP: the segment carries payload (on the wire)
	plen        int32 // payload bytes (UDP: as its length says)
	head        [headLen]byte
	nhead       uint8
	// What the payload looks like, for naming it and finding its service.
	looksSIP, looksGQUIC, looksQUIC, fixedBit, dhcpMagic bool
	quicCount                                            uint8
	learn                                                uint8 // the name decoder of the copy
	copyOff, copyLen                                     int32 // the payload's copy in the batch's slab
}

// maxCopy bounds the payload copied for learning names (a DNS message over
// UDP is at most 64 KiB, but names sit in its first answers).
const maxCopy = 4096

// extract reads p into f; payloads that carry names are appended to slab.
func extract(p *engine.Packet, f *fact, slab *[]byte) {
	*f = fact{
		number: int32(p.Number), ts: p.Timestamp.UnixNano(), length: int32(p.Length), capLen: int32(p.CaptureLength),
		linkType: p.LinkType, unsupported: p.UnsupportedLink,
	}
	pth := &f.path
	pth.walkLink(p.LinkType, p.Data)
	if pth.net == pNone || p.IPv4 == nil && p.IPv6 == nil {
		return
	}
	if ip := p.IPv4; ip != nil {
		if len(ip.SrcIP) != 4 || len(ip.DstIP) != 4 {
			return
		}
		f.ip, f.ipCount = 4, true
		copy(f.srcIP[:], ip.SrcIP)
		copy(f.dstIP[:], ip.DstIP)
		f.ttl = ip.TTL
		if d := ip.DstIP; d[0] >= 224 || d[3] == 255 {
			f.ttl = 0 // multicast and broadcast go out with their own TTLs (255 for mDNS)
		}
		f.ipLen = int32(ip.Length)
		f.nh = uint8(ip.Protocol)
	} else {
		ip := p.IPv6
		if len(ip.SrcIP) != 16 || len(ip.DstIP) != 16 {
			return
		}
		// tshark's IPv6 conversations leave out fragments that do not
		// complete a datagram (its IPv4 ones count them).
		f.ip, f.ipCount = 6, !p.Fragment
		f.srcIP, f.dstIP = [16]byte(ip.SrcIP), [16]byte(ip.DstIP)
		f.ttl = ip.HopLimit
		if ip.DstIP[0] == 0xff {
			f.ttl = 0
		}
		f.ipLen = int32(ip.Length) + 40
		f.nh = ipv6Transport(p)
	}
	if mac := p.SrcMAC(); len(mac) == 6 {
		f.hasMAC, f.srcMAC = true, [6]byte(mac)
	}
	if p.Fragment && p.TCP == nil && p.UDP == nil && p.ICMPv4 == nil && p.ICMPv6 == nil && !firstCut(p) {
		f.fragment = true
		return
	}
	switch tp := ipProto(f.nh); {
	case tp == pData:
	case p.TCP != nil && tp == pTCP && len(p.TCP.Contents) >= int(p.TCP.DataOffset)*4:
		// (A header the capture cut short is no TCP conversation's in
		// tshark: its dissector stops before the taps.)
		t := p.TCP
		f.kind, f.sp, f.dp = kTCP, uint16(t.SrcPort), uint16(t.DstPort)
		wire := int(f.ipLen) - ipHeaderLen(p) - int(t.DataOffset)*4
		f.seg = flow.Segment{SYN: t.SYN, ACK: t.ACK, FIN: t.FIN, RST: t.RST, Seq: t.Seq, Ack: t.Ack, Window: t.Window,
			Len: max(wire, len(t.Payload)), Truncated: wire > len(t.Payload)}
		f.payload = len(t.Payload) > 0 || wire > 0
		f.look(t.Payload)
	case p.UDP != nil && tp == pUDP:
		u := p.UDP
		f.kind, f.sp, f.dp = kUDP, uint16(u.SrcPort), uint16(u.DstPort)
		b := u.Payload
		if n := int(u.Length) - 8; n >= 0 && n < len(b) {
			b = b[:n] // the UDP length, not the IP one, ends the datagram
		}
		f.look(b)
		f.udp(b, slab)
	case (p.ICMPv4 != nil && tp == pICMP) || (p.ICMPv6 != nil && tp == pICMPv6):
		var typ, code uint8
		var b []byte
		if p.ICMPv4 != nil {
			typ, code, b = p.ICMPv4.TypeCode.Type(), p.ICMPv4.TypeCode.Code(), p.ICMPv4.Payload
		} else {
			typ, code, b = p.ICMPv6.TypeCode.Type(), p.ICMPv6.TypeCode.Code(), p.ICMPv6.Payload
			if len(b) >= 4 {
				b = b[4:] // gopacket keeps the 4 bytes after the checksum
			}
		}
		f.kind = kICMP
		f.sp, f.dp, f.oneWay = flow.ICMPPorts(p.ICMPv6 != nil, typ, code)
		f.plen = int32(len(b))
	default:
		// A transport header cut short, or a protocol without a Zeek
		// analyzer (IGMP, SCTP, GRE, ESP, VRRP, ...): a flow of its own,
		// with the ports the header still shows.
		f.kind = kOther
		var b []byte
		if p.IPv4 != nil {
			b = p.IPv4.Payload
		} else if f.nh == uint8(p.IPv6.NextHeader) {
			b = p.IPv6.Payload // (behind extension headers no ports are read)
		}
		switch f.nh {
		case flow.ProtoTCP, flow.ProtoUDP, flow.ProtoSCTP:
			if sp, dp, ok := p.Ports(); ok {
				f.sp, f.dp = sp, dp
			} else if len(b) >= 4 {
				f.sp, f.dp = binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
			}
		case flow.ProtoICMP, flow.ProtoICMPv6:
			// A header cut short: no ports, as Wireshark hashes it.
			f.noPorts = true
			if len(b) >= 2 {
				f.sp, f.dp, f.oneWay = flow.ICMPPorts(f.nh == flow.ProtoICMPv6, b[0], b[1])
			}
		}
	}
}

// look records what a payload looks like.
func (f *fact) look(b []byte) {
	f.plen = int32(len(b))
	f.nhead = uint8(copy(f.head[:], b))
	if len(b) == 0 {
		return
	}
	f.looksSIP = looksSIP(b)
	f.looksGQUIC = looksGQUIC(b)
	f.looksQUIC = looksQUIC(b)
	f.fixedBit = b[0]&0xc0 != 0
	f.dhcpMagic = len(b) >= 240 && binary.BigEndian.Uint32(b[236:]) == 0x63825363
}

// udp prepares what naming a UDP payload needs of its bytes: the QUIC
// packets it coalesces, the Ethernet frame inside VXLAN, and a copy of the
// payloads names are learned from.
func (f *fact) udp(b []byte, slab *[]byte) {
	if len(b) == 0 {
		return
	}
	f.quicCount = uint8(quicPackets(b))
	switch udpName(f, pNone) {
	case pDNS:
		f.learn = learnDNS
	case pMDNS:
		f.learn = learnMDNS
	case pLLMNR:
		f.learn = learnLLMNR
	case pNBNS:
		f.learn = learnNBNS
	case pDHCP:
		f.learn = learnDHCP
	case pVXLAN:
		if len(b) > 8 {
			f.inner.walkEth(b[8:])
		}
	}
	if f.learn != learnNone {
		c := b[:min(len(b), maxCopy)]
		f.copyOff, f.copyLen = int32(len(*slab)), int32(len(c))
		*slab = append(*slab, c...)
	}
}

// udpName names a UDP payload as tshark does: by the dissector registered
// for its lower port, then its higher one (SIP must look like SIP; port 443
// is QUIC, or Google QUIC when it looks like it or its flow showed it),
// then by the heuristics tshark enables by default (SIP, Google QUIC,
// QUIC, and a flow that showed QUIC). svc is the flow's service.
func udpName(f *fact, svc proto) proto {
	if f.plen == 0 {
		return pNone
	}
	for _, port := range [2]uint16{min(f.sp, f.dp), max(f.sp, f.dp)} {
		n, ok := udpPorts[port]
		if !ok {
			continue
		}
		switch {
		case n == pSIP && !f.looksSIP:
			continue
		case n == pQUIC && (f.looksGQUIC || svc == pGQUIC):
			n = pGQUIC
		case n == pQUIC && !f.fixedBit:
			continue // neither header form nor the fixed bit: not QUIC
		}
		return n
	}
	switch {
	case f.looksSIP:
		return pSIP
	case f.looksGQUIC || svc == pGQUIC:
		return pGQUIC
	case f.looksQUIC || svc == pQUIC:
		return pQUIC
	}
	return pNone
}

// looksGQUIC reports a Google QUIC packet with its version: the public
// header (flags with the version bit, 8-byte connection id, "Q0nn"), or a
// long header whose version is "Q0nn".
func looksGQUIC(b []byte) bool {
	if len(b) >= 13 && b[0]&0x80 == 0 && b[0]&0x09 == 0x09 && b[9] == 'Q' && b[10] == '0' {
		return true
	}
	return len(b) >= 5 && b[0]&0x80 != 0 && b[1] == 'Q' && b[2] == '0'
}

// quicPackets counts the QUIC packets coalesced in a datagram (RFC 9000
// §12.2): long-header packets end where their Length says (read as QUIC
// v1 lays it out, whatever the version, as tshark does); whatever follows
// them (a short-header packet, or padding) is one more.
func quicPackets(b []byte) int {
	n := 0
	for len(b) > 0 && n < 8 {
		if b[0]&0x80 == 0 {
			n++ // a short-header packet, or padding: tshark shows either as one more item
			break
		}
		n++
		if len(b) < 7 {
			break
		}
		v := binary.BigEndian.Uint32(b[1:])
		if v == 0 {
			break // version negotiation: the whole datagram
		}
		typ := b[0] >> 4 & 3
		initial, retry := typ == 0, typ == 3
		if v == 0x6b3343cf { // QUIC v2 (RFC 9369) numbers the types differently
			initial, retry = typ == 1, typ == 0
		}
		if retry {
			break
		}
		off := 5
		for range 2 { // destination and source connection ids
			if off >= len(b) {
				return n
			}
			off += 1 + int(b[off])
		}
		if initial {
			l, w := varint(b, off)
			if w == 0 {
				return n
			}
			off += w + int(l)
		}
		l, w := varint(b, off)
		if w == 0 || off+w+int(l) > len(b) {
			return n
		}
		b = b[off+w+int(l):]
	}
	return max(n, 1)
}

// varint reads a QUIC variable-length integer (RFC 9000 §16) at off; the
// width is 0 when it does not fit.
func varint(b []byte, off int) (uint64, int) {
	if off >= len(b) {
		return 0, 0
	}
	w := 1 << (b[off] >> 6)
	if off+w > len(b) || w > 8 {
		return 0, 0
	}
	v := uint64(b[off] & 0x3f)
	for i := 1; i < w; i++ {
		v = v<<8 | uint64(b[off+i])
	}
	return v, w
}

// firstCut reports the first fragment of an IPv4 datagram captured short of
// its length: it can never be reassembled, and tshark, as the engine, reads
// its transport header.
func firstCut(p *engine.Packet) bool {
	ip := p.IPv4
	return ip != nil && ip.FragOffset == 0 && len(ip.Payload) < int(ip.Length)-int(ip.IHL)*4
}

// ipv6Transport is the protocol an IPv6 packet carries past its extension
// headers.
func ipv6Transport(p *engine.Packet) uint8 {
	switch {
	case p.TCP != nil:
		return flow.ProtoTCP
	case p.UDP != nil:
		return flow.ProtoUDP
	case p.ICMPv6 != nil:
		return flow.ProtoICMPv6
	}
	nh := uint8(p.IPv6.NextHeader)
	b := p.IPv6.Payload
	for range 8 {
		switch layers.IPProtocol(nh) {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(b) < 2 {
				return nh
			}
			n := (int(b[1]) + 1) * 8
			if n > len(b) {
				return b[0]
			}
			nh, b = b[0], b[n:]
		case layers.IPProtocolIPv6Fragment:
			if len(b) < 8 {
				return nh
			}
			nh, b = b[0], b[8:]
		default:
			return nh
		}
	}
	return nh
}

// ipHeaderLen is the length of the IP header (with IPv6 extension headers
// up to the transport).
func ipHeaderLen(p *engine.Packet) int {
	if p.IPv4 != nil {
		return int(p.IPv4.IHL) * 4
	}
	if p.TCP != nil {
		// The TCP header follows the extension headers: what the IPv6
		// payload holds before it.
		return 40 + len(p.IPv6.Payload) - len(p.TCP.Contents) - len(p.TCP.Payload)
	}
	return 40
}

func ipv4Mapped(b []byte) [16]byte {
	var a [16]byte
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b)
	return a
}
