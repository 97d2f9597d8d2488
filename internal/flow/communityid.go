package flow

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// CommunityID returns the Community ID v1 of a flow (corelight's
// community-id-spec, seed 0, base64), as Zeek's community-id package and
// Wireshark's communityid post-dissector compute it:
//
//	"1:" + base64(SHA-1(seed (2 bytes) | addr A | addr B | proto (1 byte) | 0 (1 byte) | port A (2 bytes) | port B (2 bytes)))
//
// where (A, port A) is the smaller endpoint, addresses compared as bytes in
// network order, then ports. hasPorts is false for protocols without ports
// (nothing is hashed after the padding byte). For ICMP and ICMPv6 pass the
// port equivalents of ICMPPorts and its oneWay result: a one-way message
// keeps its direction. It returns "" when the addresses are not of one
// family.
func CommunityID(src, dst netip.Addr, proto uint8, sport, dport uint16, hasPorts, oneWay bool) string {
	return communityID(0, src, dst, proto, sport, dport, hasPorts, oneWay)
}

func communityID(seed uint16, src, dst netip.Addr, proto uint8, sport, dport uint16, hasPorts, oneWay bool) string {
	src, dst = src.Unmap(), dst.Unmap()
	if !src.IsValid() || src.Is4() != dst.Is4() {
		return ""
	}
	a, b := src.AsSlice(), dst.AsSlice()
	if !oneWay {
		if c := bytes.Compare(a, b); c > 0 || (c == 0 && sport > dport) {
			a, b = b, a
			sport, dport = dport, sport
		}
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	in := binary.BigEndian.AppendUint16(buf[:0], seed)
	in = append(in, a...)
	in = append(in, b...)
	in = append(in, proto, 0)
	if hasPorts {
		in = binary.BigEndian.AppendUint16(in, sport)
		in = binary.BigEndian.AppendUint16(in, dport)
	}
	sum := sha1.Sum(in)
	var out [2 + 28]byte
	copy(out[:], "1:")
	base64.StdEncoding.Encode(out[2:], sum[:])
	return string(out[:])
}

// ICMPPorts maps an ICMP (v6 false) or ICMPv6 message to the port pair the
// Community ID spec and Zeek give it: a request or reply maps to its own
// type and its counterpart's, so both directions of an exchange are one
// flow; any other message maps to (type, code) and is one-way.
func ICMPPorts(v6 bool, typ, code uint8) (sport, dport uint16, oneWay bool) {
	table := &icmp4Counterpart
	if v6 {
		table = &icmp6Counterpart
	}
	if c := table[typ]; c != 0 {
		return uint16(typ), uint16(c - 1), false
	}
	return uint16(typ), uint16(code), true
}

// Counterparts of ICMP request/reply types, stored plus one so that zero
// means "none" (echo reply is type 0).
var icmp4Counterpart = [256]uint8{
	8: 0 + 1, 0: 8 + 1, // echo request, reply
	13: 14 + 1, 14: 13 + 1, // timestamp
	15: 16 + 1, 16: 15 + 1, // information
	10: 9 + 1, 9: 10 + 1, // router solicitation, advertisement
	17: 18 + 1, 18: 17 + 1, // address mask
}

var icmp6Counterpart = [256]uint8{
	128: 129 + 1, 129: 128 + 1, // echo request, reply
	133: 134 + 1, 134: 133 + 1, // router solicitation, advertisement
	135: 136 + 1, 136: 135 + 1, // neighbor solicitation, advertisement
	130: 131 + 1, 131: 130 + 1, // MLD query, report
	139: 140 + 1, 140: 139 + 1, // node information query, response
	144: 145 + 1, 145: 144 + 1, // home agent address discovery
}
