package arp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Wire format (RFC 826), decoded by gopacket's layers.ARP:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        hardware type          |        protocol type          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  hw size      |  proto size   |            opcode             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| sender hw address, sender proto address, target hw, target proto
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// Opcodes (IANA "ARP operation codes").
const (
	opRequest      = 1
	opReply        = 2
	opRARPRequest  = 3
	opRARPReply    = 4
	opInARPRequest = 8
	opInARPReply   = 9
)

var opNames = map[uint16]string{
	1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply",
	5: "DRARP request", 6: "DRARP reply", 7: "DRARP error", 8: "InARP request", 9: "InARP reply",
	10: "ARP NAK", 11: "MARS request", 12: "MARS multi", 13: "MARS MServ", 14: "MARS join",
	15: "MARS leave", 16: "MARS NAK", 17: "MARS unserv", 18: "MARS SJoin", 19: "MARS SLeave",
	20: "MARS grouplist request", 21: "MARS grouplist reply", 22: "MARS redirect map",
	23: "MAPOS UNARP", 24: "OP_EXP1", 25: "OP_EXP2",
}

// opName names an opcode ("opcode N" when unassigned).
func opName(op uint16) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "opcode " + strconv.Itoa(int(op))
}

// parseOpcode reads an opcode filter: a number or a name.
func parseOpcode(s string) (uint16, bool) {
	if n, err := strconv.ParseUint(s, 10, 16); err == nil {
		return uint16(n), true
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for op, name := range opNames {
		if strings.ToLower(name) == s {
			return op, true
		}
	}
	return 0, false
}

// hwEthernet is the hardware types tshark shows as MAC addresses when 6
// bytes long: Ethernet, experimental Ethernet, IEEE 802.
func hwEthernet(t layers.LinkType) bool { return t == 1 || t == 2 || t == 6 }

// mac is a 6-byte hardware address; the zero value is 00:00:00:00:00:00.
type mac [6]byte

func (m mac) String() string {
	const hexd = "0123456789abcdef"
	b := make([]byte, 17)
	for i, c := range m {
		if i > 0 {
			b[i*3-1] = ':'
		}
		b[i*3], b[i*3+1] = hexd[c>>4], hexd[c&0xf]
	}
	return string(b)
}

func (m mac) multicast() bool { return m[0]&1 != 0 }

func macOf(b []byte) (mac, bool) {
	if len(b) != 6 {
		return mac{}, false
	}
	return mac(b), true
}

// message is one decoded ARP message. The hardware addresses are set when
// hasMAC (6-byte addresses of an Ethernet-like hardware type), the
// protocol addresses when hasIP (4-byte IPv4), as tshark shows them.
type message struct {
	op                uint16
	hwType            layers.LinkType
	protoType         layers.EthernetType
	hwSize, protoSize uint8
	hasMAC, hasIP     bool
	sha, tha          mac
	spa, tpa          netip.Addr
	rawSHA, rawSPA    []byte // the sender addresses as sent, when not a MAC or IPv4 (into the packet; copy to keep)
	malformed         string // why the message is malformed, or ""
	cut               bool   // the header or addresses were cut short: only malformed (and what fitted) is set
}

// gratuitous reports sender and target protocol addresses equal, as
// tshark's arp.isgratuitous.
func (m *message) gratuitous() bool {
	return m.hasIP && m.spa == m.tpa && (m.op == opRequest || m.op == opReply)
}

// probe reports an RFC 5227 probe: a request from 0.0.0.0.
func (m *message) probe() bool {
	return m.hasIP && m.op == opRequest && m.spa == netip.IPv4Unspecified() && m.tpa != m.spa
}

// Errors of malformed messages: the strings the output and findings show.
const (
	whyCut = "ARP message cut short"
)

// decode decodes an ARP message with gopacket's layer into m. It never
// fails: a message that does not decode comes back cut, with why.
func decode(b []byte, l *layers.ARP, m *message) {
	*m = message{}
	if err := l.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		m.cut = true
		m.malformed = fmt.Sprintf("%s: %d bytes", whyCut, len(b))
		if len(b) >= 8 {
			m.op = uint16(b[6])<<8 | uint16(b[7])
			m.hwType, m.protoType = layers.LinkType(uint16(b[0])<<8|uint16(b[1])), layers.EthernetType(uint16(b[2])<<8|uint16(b[3]))
			m.hwSize, m.protoSize = b[4], b[5]
			m.malformed = fmt.Sprintf("%s: %d bytes, the address sizes announce %d", whyCut, len(b), 8+2*int(b[4])+2*int(b[5]))
		}
		return
	}
	m.op, m.hwType, m.protoType, m.hwSize, m.protoSize = l.Operation, l.AddrType, l.Protocol, l.HwAddressSize, l.ProtAddressSize
	if hwEthernet(m.hwType) && m.hwSize == 6 {
		m.hasMAC = true
		m.sha, _ = macOf(l.SourceHwAddress)
		m.tha, _ = macOf(l.DstHwAddress)
	} else {
		m.rawSHA = l.SourceHwAddress
	}
	if m.protoType == layers.EthernetTypeIPv4 && m.protoSize == 4 {
		m.hasIP = true
		m.spa = netip.AddrFrom4([4]byte(l.SourceProtAddress))
		m.tpa = netip.AddrFrom4([4]byte(l.DstProtAddress))
	} else {
		m.rawSPA = l.SourceProtAddress
	}
	switch {
	case m.op == 0:
		m.malformed = "opcode 0 is reserved"
	case hwEthernet(m.hwType) && m.hwSize != 6:
		m.malformed = fmt.Sprintf("hardware size %d for an Ethernet hardware type (6 expected)", m.hwSize)
	case m.protoType == layers.EthernetTypeIPv4 && m.protoSize != 4:
		m.malformed = fmt.Sprintf("protocol size %d for IPv4 (4 expected)", m.protoSize)
	case m.hasMAC && m.sha.multicast() && (m.op == opRequest || m.op == opReply):
		m.malformed = "sender MAC " + m.sha.String() + " is a broadcast or multicast address"
	}
}
