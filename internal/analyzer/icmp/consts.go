package icmp

import (
	"strconv"
	"strings"
)

// ICMPv4 type and code names, complete per the IANA registry "Internet
// Control Message Protocol (ICMP) Parameters" (RFC 792, RFC 950, RFC 1256,
// RFC 1393, RFC 1812, RFC 2002, RFC 2521, RFC 4065, RFC 4884, RFC 6918,
// RFC 8335); unassigned numbers read "Type N" / "Code N".
var v4Types = map[uint8]string{
	0: "Echo Reply", 3: "Destination Unreachable", 4: "Source Quench", 5: "Redirect", 6: "Alternate Host Address",
	8: "Echo Request", 9: "Router Advertisement", 10: "Router Solicitation", 11: "Time Exceeded", 12: "Parameter Problem",
	13: "Timestamp", 14: "Timestamp Reply", 15: "Information Request", 16: "Information Reply",
	17: "Address Mask Request", 18: "Address Mask Reply", 19: "Reserved (for Security)",
	20: "Reserved (for Robustness Experiment)", 21: "Reserved (for Robustness Experiment)", 22: "Reserved (for Robustness Experiment)",
	23: "Reserved (for Robustness Experiment)", 24: "Reserved (for Robustness Experiment)", 25: "Reserved (for Robustness Experiment)",
	26: "Reserved (for Robustness Experiment)", 27: "Reserved (for Robustness Experiment)", 28: "Reserved (for Robustness Experiment)",
	29: "Reserved (for Robustness Experiment)", 30: "Traceroute", 31: "Datagram Conversion Error", 32: "Mobile Host Redirect",
	33: "IPv6 Where-Are-You", 34: "IPv6 I-Am-Here", 35: "Mobile Registration Request", 36: "Mobile Registration Reply",
	37: "Domain Name Request", 38: "Domain Name Reply", 39: "SKIP", 40: "Photuris",
	41: "Experimental Mobility (Seamoby)", 42: "Extended Echo Request", 43: "Extended Echo Reply",
	253: "RFC3692-style Experiment 1", 254: "RFC3692-style Experiment 2", 255: "Reserved",
}

var v4Codes = map[uint8]map[uint8]string{
	3: {0: "Network Unreachable", 1: "Host Unreachable", 2: "Protocol Unreachable", 3: "Port Unreachable",
		4: "Fragmentation Needed and DF Set", 5: "Source Route Failed", 6: "Destination Network Unknown",
		7: "Destination Host Unknown", 8: "Source Host Isolated", 9: "Network Administratively Prohibited",
		10: "Host Administratively Prohibited", 11: "Network Unreachable for TOS", 12: "Host Unreachable for TOS",
		13: "Communication Administratively Prohibited", 14: "Host Precedence Violation", 15: "Precedence Cutoff in Effect"},
	5:  {0: "Redirect for Network", 1: "Redirect for Host", 2: "Redirect for TOS and Network", 3: "Redirect for TOS and Host"},
	6:  {0: "Alternate Address for Host"},
	9:  {0: "Normal router advertisement", 16: "Does not route common traffic"},
	11: {0: "TTL Exceeded in Transit", 1: "Fragment Reassembly Time Exceeded"},
	12: {0: "Pointer Indicates the Error", 1: "Missing a Required Option", 2: "Bad Length"},
	40: {0: "Bad SPI", 1: "Authentication Failed", 2: "Decompression Failed", 3: "Decryption Failed",
		4: "Need Authentication", 5: "Need Authorization"},
	42: {0: "No Error"},
	43: {0: "No Error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry", 4: "Multiple Interfaces Satisfy Query"},
}

// ICMPv6 type and code names, complete per the IANA registry "Internet
// Control Message Protocol version 6 (ICMPv6) Parameters" (RFC 4443,
// RFC 4861, RFC 2710, RFC 3810, RFC 2894, RFC 4620, RFC 6550, RFC 6743,
// RFC 6775, RFC 7731, RFC 8335, RFC 8505, RFC 8754, RFC 8883, RFC 9009).
var v6Types = map[uint8]string{
	1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
	100: "Private Experimentation", 101: "Private Experimentation", 127: "Reserved for Expansion of ICMPv6 Error Messages",
	128: "Echo Request", 129: "Echo Reply", 130: "Multicast Listener Query", 131: "Multicast Listener Report",
	132: "Multicast Listener Done", 133: "Router Solicitation", 134: "Router Advertisement",
	135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect", 138: "Router Renumbering",
	139: "Node Information Query", 140: "Node Information Response", 141: "Inverse Neighbor Discovery Solicitation",
	142: "Inverse Neighbor Discovery Advertisement", 143: "Multicast Listener Report v2", 144: "Home Agent Address Discovery Request",
	145: "Home Agent Address Discovery Reply", 146: "Mobile Prefix Solicitation", 147: "Mobile Prefix Advertisement",
	148: "Certification Path Solicitation", 149: "Certification Path Advertisement",
	150: "Experimental Mobility (Seamoby)", 151: "Multicast Router Advertisement",
	152: "Multicast Router Solicitation", 153: "Multicast Router Termination", 154: "FMIPv6", 155: "RPL Control Message",
	156: "ILNPv6 Locator Update", 157: "Duplicate Address Request", 158: "Duplicate Address Confirmation",
	159: "MPL Control Message", 160: "Extended Echo Request", 161: "Extended Echo Reply",
	200: "Private Experimentation", 201: "Private Experimentation", 255: "Reserved for Expansion of ICMPv6 Informational Messages",
}

var v6Codes = map[uint8]map[uint8]string{
	1: {0: "No Route to Destination", 1: "Communication Administratively Prohibited", 2: "Beyond Scope of Source Address",
		3: "Address Unreachable", 4: "Port Unreachable", 5: "Source Address Failed Ingress/Egress Policy",
		6: "Reject Route to Destination", 7: "Error in Source Routing Header", 8: "Headers Too Long"},
	3: {0: "Hop Limit Exceeded in Transit", 1: "Fragment Reassembly Time Exceeded"},
	4: {0: "Erroneous Header Field", 1: "Unrecognized Next Header", 2: "Unrecognized IPv6 Option",
		3: "Incomplete Chain of Headers", 4: "SR Upper-layer Header Error",
		5: "Unrecognized Next Header by Intermediate Node", 6: "Extension Header Too Big", 7: "Extension Header Chain Too Long",
		8: "Too Many Extension Headers", 9: "Too Many Options in Extension Header", 10: "Option Too Big"},
	138: {0: "Router Renumbering Command", 1: "Router Renumbering Result", 255: "Sequence Number Reset"},
	139: {0: "Subject is an IPv6 Address", 1: "Subject is a Name, or Empty (NOOP)", 2: "Subject is an IPv4 Address"},
	140: {0: "Successful Reply", 1: "Responder Refuses to Answer", 2: "Qtype Unknown to the Responder"},
	155: {0x00: "DODAG Information Solicitation", 0x01: "DODAG Information Object", 0x02: "Destination Advertisement Object",
		0x03: "Destination Advertisement Object Acknowledgment", 0x04: "P2P Discovery Reply Object",
		0x05: "P2P Discovery Reply Object Acknowledgement", 0x06: "Measurement Object", 0x07: "Destination Cleanup Object",
		0x08: "Destination Cleanup Object Acknowledgement", 0x80: "Secure DODAG Information Solicitation",
		0x81: "Secure DODAG Information Object", 0x82: "Secure Destination Advertisement Object",
		0x83: "Secure Destination Advertisement Object Acknowledgment", 0x84: "Secure P2P Discovery Reply Object",
		0x85: "Secure P2P Discovery Reply Object Acknowledgement", 0x86: "Secure Measurement Object",
		0x87: "Secure Destination Cleanup Object", 0x88: "Secure Destination Cleanup Object Acknowledgement",
		0x8A: "Consistency Check"},
	157: {0: "DAR", 1: "EDAR with 64-bit ROVR", 2: "EDAR with 128-bit ROVR", 3: "EDAR with 192-bit ROVR", 4: "EDAR with 256-bit ROVR"},
	158: {0: "DAC", 1: "EDAC with 64-bit ROVR", 2: "EDAC with 128-bit ROVR", 3: "EDAC with 192-bit ROVR", 4: "EDAC with 256-bit ROVR"},
	160: {0: "No Error"},
	161: {0: "No Error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry", 4: "Multiple Interfaces Satisfy Query"},
}

func typeName(v6 bool, t uint8) string {
	m := v4Types
	if v6 {
		m = v6Types
	}
	if n, ok := m[t]; ok {
		return n
	}
	return "Type " + strconv.Itoa(int(t))
}

func codeName(v6 bool, t, c uint8) string {
	m := v4Codes
	if v6 {
		m = v6Codes
	}
	if cs, ok := m[t]; ok {
		if n, ok := cs[c]; ok {
			return n
		}
		return "Code " + strconv.Itoa(int(c))
	}
	if c == 0 {
		return ""
	}
	return "Code " + strconv.Itoa(int(c))
}

// typeFilter is the icmp_type filter: the type it selects in each family,
// or -1 for none.
type typeFilter struct{ v4, v6 int }

func (f typeFilter) matches(v6 bool, t uint8) bool {
	if v6 {
		return f.v6 == int(t)
	}
	return f.v4 == int(t)
}

// String says what the filter selects: "8", or for a name "8 (ICMPv4),
// 128 (ICMPv6)".
func (f typeFilter) String(byName bool) string {
	if !byName {
		return strconv.Itoa(f.v4)
	}
	var parts []string
	if f.v4 >= 0 {
		parts = append(parts, strconv.Itoa(f.v4)+" (ICMPv4)")
	}
	if f.v6 >= 0 {
		parts = append(parts, strconv.Itoa(f.v6)+" (ICMPv6)")
	}
	return strings.Join(parts, ", ")
}

// parseType maps an ICMP type number to that number in either family, and
// a type name ("Echo Request", "echo_request", "echo-request") to the type
// of that name in each family that has it: "echo request" is ICMPv4 8 and
// ICMPv6 128. byName says which it was.
func parseType(s string) (f typeFilter, byName, ok bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 256 {
		return typeFilter{n, n}, false, true
	}
	norm := func(x string) string {
		b := []byte(x)
		out := b[:0]
		for _, c := range b {
			switch {
			case c >= 'A' && c <= 'Z':
				out = append(out, c+32)
			case c == ' ' || c == '_' || c == '-':
			default:
				out = append(out, c)
			}
		}
		return string(out)
	}
	want := norm(s)
	// The lowest number of a name wins within a family, so a name the
	// registry repeats ("Private Experimentation") has one answer.
	find := func(m map[uint8]string) int {
		for t := range 256 {
			if n, ok := m[uint8(t)]; ok && norm(n) == want {
				return t
			}
		}
		return -1
	}
	f = typeFilter{find(v4Types), find(v6Types)}
	return f, true, f.v4 >= 0 || f.v6 >= 0
}

// Kinds of ICMP message the analysis treats alike.
func isEchoRequest(v6 bool, t uint8) bool { return (!v6 && t == 8) || (v6 && t == 128) }
func isEchoReply(v6 bool, t uint8) bool   { return (!v6 && t == 0) || (v6 && t == 129) }
func isUnreachable(v6 bool, t uint8) bool { return (!v6 && t == 3) || (v6 && t == 1) }
func isTimeExceeded(v6 bool, t uint8) bool {
	return (!v6 && t == 11) || (v6 && t == 3)
}
func isRedirect(v6 bool, t uint8) bool { return (!v6 && t == 5) || (v6 && t == 137) }
func isError(v6 bool, t uint8) bool {
	if v6 {
		return t >= 1 && t <= 4
	}
	switch t {
	case 3, 4, 5, 11, 12:
		return true
	}
	return false
}

// isFragNeeded reports ICMPv4 "fragmentation needed" and ICMPv6 "packet too big".
func isFragNeeded(v6 bool, t, c uint8) bool { return (!v6 && t == 3 && c == 4) || (v6 && t == 2) }
