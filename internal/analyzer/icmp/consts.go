package icmp

import "strconv"

// ICMPv4 type and code names (RFC 792, RFC 950, RFC 1256, RFC 1812,
// RFC 4884, RFC 8335; IANA "ICMP Type Numbers").
var v4Types = map[uint8]string{
	0: "Echo Reply", 3: "Destination Unreachable", 4: "Source Quench", 5: "Redirect", 8: "Echo Request",
	9: "Router Advertisement", 10: "Router Solicitation", 11: "Time Exceeded", 12: "Parameter Problem",
	13: "Timestamp", 14: "Timestamp Reply", 15: "Information Request", 16: "Information Reply",
	17: "Address Mask Request", 18: "Address Mask Reply", 30: "Traceroute", 42: "Extended Echo Request",
	43: "Extended Echo Reply",
}

var v4Codes = map[uint8]map[uint8]string{
	3: {0: "Network Unreachable", 1: "Host Unreachable", 2: "Protocol Unreachable", 3: "Port Unreachable",
		4: "Fragmentation Needed and DF Set", 5: "Source Route Failed", 6: "Destination Network Unknown",
		7: "Destination Host Unknown", 8: "Source Host Isolated", 9: "Network Administratively Prohibited",
		10: "Host Administratively Prohibited", 11: "Network Unreachable for TOS", 12: "Host Unreachable for TOS",
		13: "Communication Administratively Prohibited", 14: "Host Precedence Violation", 15: "Precedence Cutoff in Effect"},
	5:  {0: "Redirect for Network", 1: "Redirect for Host", 2: "Redirect for TOS and Network", 3: "Redirect for TOS and Host"},
	11: {0: "TTL Exceeded in Transit", 1: "Fragment Reassembly Time Exceeded"},
	12: {0: "Pointer Indicates the Error", 1: "Missing a Required Option", 2: "Bad Length"},
	43: {0: "No Error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry", 4: "Multiple Interfaces Satisfy Query"},
}

// ICMPv6 type and code names (RFC 4443, RFC 4861, RFC 2710, RFC 3810,
// RFC 8335; IANA "ICMPv6 Parameters").
var v6Types = map[uint8]string{
	1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded", 4: "Parameter Problem",
	128: "Echo Request", 129: "Echo Reply", 130: "Multicast Listener Query", 131: "Multicast Listener Report",
	132: "Multicast Listener Done", 133: "Router Solicitation", 134: "Router Advertisement",
	135: "Neighbor Solicitation", 136: "Neighbor Advertisement", 137: "Redirect", 138: "Router Renumbering",
	139: "Node Information Query", 140: "Node Information Response", 141: "Inverse Neighbor Discovery Solicitation",
	142: "Inverse Neighbor Discovery Advertisement", 143: "Multicast Listener Report v2", 144: "Home Agent Address Discovery Request",
	145: "Home Agent Address Discovery Reply", 146: "Mobile Prefix Solicitation", 147: "Mobile Prefix Advertisement",
	148: "Certification Path Solicitation", 149: "Certification Path Advertisement", 151: "Multicast Router Advertisement",
	152: "Multicast Router Solicitation", 153: "Multicast Router Termination", 155: "RPL Control Message",
	160: "Extended Echo Request", 161: "Extended Echo Reply",
}

var v6Codes = map[uint8]map[uint8]string{
	1: {0: "No Route to Destination", 1: "Communication Administratively Prohibited", 2: "Beyond Scope of Source Address",
		3: "Address Unreachable", 4: "Port Unreachable", 5: "Source Address Failed Ingress/Egress Policy",
		6: "Reject Route to Destination", 7: "Error in Source Routing Header", 8: "Headers Too Long"},
	3: {0: "Hop Limit Exceeded in Transit", 1: "Fragment Reassembly Time Exceeded"},
	4: {0: "Erroneous Header Field", 1: "Unrecognized Next Header", 2: "Unrecognized IPv6 Option",
		3: "Incomplete Chain of Headers", 4: "SR Upper-layer Header Error"},
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

// parseType maps an ICMP type name or number to its number: names match
// either family ("Echo Request", "echo_request", "echo-request").
func parseType(s string) (uint8, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 256 {
		return uint8(n), true
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
	for _, m := range []map[uint8]string{v4Types, v6Types} {
		for t, n := range m {
			if norm(n) == want {
				return t, true
			}
		}
	}
	return 0, false
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
