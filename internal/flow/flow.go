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
// "icmp"; ICMPv6 is "icmp" too, as in Zeek's conn.log), or the number.
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
	}
	return strconv.Itoa(int(p))
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
