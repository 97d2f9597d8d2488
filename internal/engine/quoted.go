package engine

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Quoted is the start of the datagram an ICMP or ICMPv6 error quotes
// (RFC 792; RFC 4443 §3): its IP header and as much of its transport header
// and payload as the error carries.
type Quoted struct {
	Src, Dst  netip.Addr
	Protocol  uint8  // IP protocol / final next header
	TTL       uint8  // TTL or hop limit the datagram had when it failed
	ID        uint16 // IPv4 identification
	Length    int    // datagram length its IP header gives
	Transport []byte // bytes after the IP header (and IPv6 extension headers)
	// SrcPort and DstPort are set for UDP, TCP and SCTP when HasPorts.
	SrcPort, DstPort uint16
	HasPorts         bool
}

// ErrQuotedShort means the quoted bytes hold no complete IP header.
var ErrQuotedShort = errors.New("engine: quoted datagram shorter than an IP header")

// DecodeQuoted decodes the datagram quoted in an ICMP error.
func DecodeQuoted(b []byte) (Quoted, error) {
	var q Quoted
	if len(b) < 1 {
		return q, ErrQuotedShort
	}
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0xf) * 4
		if len(b) < 20 || ihl < 20 || len(b) < ihl {
			return q, ErrQuotedShort
		}
		q.Length = int(binary.BigEndian.Uint16(b[2:4]))
		q.ID = binary.BigEndian.Uint16(b[4:6])
		q.TTL, q.Protocol = b[8], b[9]
		q.Src, q.Dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
		q.Transport = b[ihl:]
	case 6:
		if len(b) < 40 {
			return q, ErrQuotedShort
		}
		q.Length = 40 + int(binary.BigEndian.Uint16(b[4:6]))
		q.Protocol, q.TTL = b[6], b[7]
		q.Src, q.Dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
		rest := b[40:]
		// Skip extension headers: hop-by-hop, routing, fragment, destination.
	skip:
		for range 8 {
			switch q.Protocol {
			case 0, 43, 60:
				if len(rest) < 2 || len(rest) < 8*(int(rest[1])+1) {
					q.Transport = nil
					return q, nil
				}
				q.Protocol, rest = rest[0], rest[8*(int(rest[1])+1):]
			case 44:
				if len(rest) < 8 {
					return q, nil
				}
				q.Protocol, rest = rest[0], rest[8:]
			default:
				break skip
			}
		}
		q.Transport = rest
	default:
		return q, ErrQuotedShort
	}
	switch q.Protocol {
	case 6, 17, 132: // TCP, UDP, SCTP start with the two ports
		if len(q.Transport) >= 4 {
			q.SrcPort = binary.BigEndian.Uint16(q.Transport[0:2])
			q.DstPort = binary.BigEndian.Uint16(q.Transport[2:4])
			q.HasPorts = true
		}
	}
	return q, nil
}

// QuotedPayload returns the payload of a quoted UDP datagram (after its
// 8-byte header), cut to what the error carries.
func (q Quoted) QuotedPayload() []byte {
	if q.Protocol != 17 || len(q.Transport) < 8 {
		return nil
	}
	return q.Transport[8:]
}

// ICMPErrorQuote returns the quoted datagram of an ICMPv4 or ICMPv6 error
// message in p, and whether p is such an error.
func (p *Packet) ICMPErrorQuote() ([]byte, bool) {
	switch {
	case p.ICMPv4 != nil:
		switch p.ICMPv4.TypeCode.Type() {
		case 3, 4, 5, 11, 12: // unreachable, source quench, redirect, time exceeded, parameter problem
			return p.ICMPv4.Payload, true
		}
	case p.ICMPv6 != nil:
		switch p.ICMPv6.TypeCode.Type() {
		case 1, 2, 3, 4: // unreachable, packet too big, time exceeded, parameter problem
			// gopacket's ICMPv6 payload starts with the 4-byte field
			// after the checksum (unused, MTU or pointer).
			if len(p.ICMPv6.Payload) >= 4 {
				return p.ICMPv6.Payload[4:], true
			}
			return nil, true
		}
	}
	return nil, false
}
