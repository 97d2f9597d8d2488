// Package flow names and follows transport flows the way the tools that
// analysts join on do: the Community ID v1 of a flow (corelight's
// community-id-spec, as Zeek and Wireshark compute it), Zeek's conn.log
// connection state machine (conn_state and history) for TCP, UDP and ICMP,
// and a stable flow id.
//
// It sits below the protocol modules and depends on the standard library
// only: a module that reports flows (the overview, the TCP tools) gives
// the same Community ID and flow id for the same packets, so a model can
// join records across tools.
package flow

import (
	"net/netip"
	"strconv"
)

// IP protocol numbers the package gives meaning to.
const (
	ProtoICMP   uint8 = 1
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
	ProtoSCTP   uint8 = 132
)

// ProtoName returns Zeek's name for a transport protocol ("tcp", "udp",
// "icmp"; ICMPv6 is "icmp" too, as in Zeek's conn.log), the IANA keyword of
// a few others Zeek has no analyzer for ("sctp", "igmp", "gre", "esp", ...),
// or the number.
func ProtoName(p uint8) string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMP, ProtoICMPv6:
		return "icmp"
	case ProtoSCTP:
		return "sctp"
	case 2:
		return "igmp"
	case 4:
		return "ipip"
	case 41:
		return "ipv6"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 89:
		return "ospf"
	case 103:
		return "pim"
	case 112:
		return "vrrp"
	}
	return strconv.Itoa(int(p))
}

// HasPorts reports whether the Community ID of a protocol's flows hashes
// ports: TCP, UDP, SCTP, and ICMP and ICMPv6 with their port equivalents.
func HasPorts(p uint8) bool {
	switch p {
	case ProtoTCP, ProtoUDP, ProtoSCTP, ProtoICMP, ProtoICMPv6:
		return true
	}
	return false
}

// ID is the stable id of the flow whose first packet is frame: "F" and the
// frame number. A flow starts at exactly one frame, so the id is unique in
// a capture and the same in every tool and every call, whatever filters or
// paging select.
func ID(frame int) string { return "F" + strconv.Itoa(frame) }

// Tuple is a flow's addresses, ports and protocol as its first packet
// carries them. For ICMP and ICMPv6 the ports are the port equivalents of
// the message type and code (see ICMPPorts).
type Tuple struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}

// LikelyServerPort reports whether port, over TCP or UDP (proto), is one
// that Zeek's analyzers register as a service port (its likely_server_ports
// set, approximated by the default ports of Zeek's protocol analyzers). A
// connection whose first packet comes from such a port, to a port that is
// not one, is taken to run the other way (the history starts with '^').
func LikelyServerPort(proto uint8, port uint16) bool {
	switch proto {
	case ProtoTCP:
		_, ok := tcpServerPorts[port]
		return ok
	case ProtoUDP:
		_, ok := udpServerPorts[port]
		return ok
	}
	return false
}

var tcpServerPorts = map[uint16]struct{}{
	21: {}, 22: {}, 23: {}, 25: {}, 53: {}, 80: {}, 88: {}, 102: {}, 110: {}, 111: {}, 135: {}, 139: {},
	143: {}, 389: {}, 443: {}, 445: {}, 465: {}, 502: {}, 563: {}, 585: {}, 587: {}, 614: {}, 636: {},
	989: {}, 990: {}, 992: {}, 993: {}, 994: {}, 995: {}, 1080: {}, 1433: {}, 1521: {}, 1883: {},
	2049: {}, 2811: {}, 3128: {}, 3306: {}, 3389: {}, 5060: {}, 5061: {}, 5222: {}, 5223: {}, 5269: {},
	5432: {}, 5900: {}, 6379: {}, 6666: {}, 6667: {}, 6668: {}, 6669: {}, 8000: {}, 8080: {}, 8443: {},
	8888: {}, 9200: {}, 11211: {}, 27017: {},
}

var udpServerPorts = map[uint16]struct{}{
	53: {}, 67: {}, 68: {}, 69: {}, 88: {}, 111: {}, 123: {}, 137: {}, 138: {}, 161: {}, 162: {},
	443: {}, 500: {}, 514: {}, 520: {}, 546: {}, 547: {}, 1812: {}, 1813: {}, 1900: {}, 2152: {},
	3478: {}, 4500: {}, 4789: {}, 5060: {}, 5353: {}, 5355: {}, 6081: {},
}
