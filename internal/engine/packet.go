package engine

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Packet is one frame with its link, network and transport headers decoded.
// The engine reuses one Packet and the layers it points to for every frame:
// an observer must copy what it keeps, and must not keep the Packet, its
// layers, or any slice into Data past its Observe call.
type Packet struct {
	Number        int              // frame number, 1-based, in file order (as Wireshark numbers frames)
	Timestamp     time.Time        // capture time, UTC
	CaptureLength int              // bytes captured
	Length        int              // bytes on the wire
	Interface     int              // interface index across the file; past the end of capture.Info.Interfaces when the file describes more than it keeps
	LinkType      capture.LinkType // link-layer header type of Data
	Data          []byte           // the captured bytes
	Comments      []string         // pcapng packet comments
	Offset        int64            // where Data starts in the capture file, or -1 (capture.Packet.Offset)

	// Decoded layers; nil when the frame has no such layer or it could not
	// be decoded.
	Ethernet  *layers.Ethernet
	LinuxSLL  *layers.LinuxSLL
	LinuxSLL2 *layers.LinuxSLL2
	Loopback  *layers.Loopback
	Dot11     *layers.Dot11 // 802.11 frame (radiotap or bare)
	VLANs     []uint16      // 802.1Q / 802.1ad VLAN IDs, outermost first
	IPv4      *layers.IPv4
	IPv6      *layers.IPv6
	UDP       *layers.UDP
	TCP       *layers.TCP
	ICMPv4    *layers.ICMPv4
	ICMPv6    *layers.ICMPv6

	// EtherType is the innermost EtherType of the link layers (Ethernet,
	// VLAN tags, Linux cooked headers, LLC/SNAP), or 0; NetworkPayload the
	// bytes it names, the frame's payload after the link layers. Together
	// they let an observer take any protocol the engine does not decode
	// (ARP, LLDP, CDP, ...) by its EtherType (see Interest).
	EtherType      layers.EthernetType
	NetworkPayload []byte

	// Fragment is set for an IP fragment that does not complete a
	// datagram: it has no transport layer, except a first fragment cut
	// short by the snaplen, whose transport header is decoded.
	Fragment bool
	// Reassembled is set when this frame completed a fragmented datagram:
	// the network and transport layers are those of the whole datagram.
	Reassembled bool
	// Truncated is set when a header announced more bytes than were captured
	// (snaplen cut, or a lying length field).
	Truncated bool
	// UnsupportedLink is set when the engine does not decode LinkType; the
	// frame is still counted and observed.
	UnsupportedLink bool
	// DecodeErr is the decoder's complaint about the first layer that could
	// not be decoded (a malformed header), or nil.
	DecodeErr error

	fddiSrc []byte // FDDI source address, when the frame is FDDI
}

func (p *Packet) reset() {
	p.Ethernet, p.LinuxSLL, p.LinuxSLL2, p.Loopback, p.Dot11, p.fddiSrc = nil, nil, nil, nil, nil, nil
	p.VLANs = p.VLANs[:0]
	p.EtherType, p.NetworkPayload = 0, nil
	p.IPv4, p.IPv6, p.UDP, p.TCP, p.ICMPv4, p.ICMPv6 = nil, nil, nil, nil, nil, nil
	p.Fragment, p.Reassembled, p.Truncated, p.UnsupportedLink, p.DecodeErr = false, false, false, false, nil
}

// SrcIP returns the network-layer source address, or the zero Addr.
func (p *Packet) SrcIP() netip.Addr {
	switch {
	case p.IPv4 != nil:
		a, _ := netip.AddrFromSlice(p.IPv4.SrcIP)
		return a
	case p.IPv6 != nil:
		a, _ := netip.AddrFromSlice(p.IPv6.SrcIP)
		return a
	}
	return netip.Addr{}
}

// DstIP returns the network-layer destination address, or the zero Addr.
func (p *Packet) DstIP() netip.Addr {
	switch {
	case p.IPv4 != nil:
		a, _ := netip.AddrFromSlice(p.IPv4.DstIP)
		return a
	case p.IPv6 != nil:
		a, _ := netip.AddrFromSlice(p.IPv6.DstIP)
		return a
	}
	return netip.Addr{}
}

// SrcMAC returns the link-layer source address (Ethernet, the address of a
// Linux cooked capture header, the 802.11 source address, or FDDI), or nil.
func (p *Packet) SrcMAC() net.HardwareAddr {
	switch {
	case p.Ethernet != nil:
		return p.Ethernet.SrcMAC
	case p.LinuxSLL != nil:
		return p.LinuxSLL.Addr
	case p.LinuxSLL2 != nil:
		return p.LinuxSLL2.Addr
	case p.Dot11 != nil:
		// The source address sits where the DS bits put it (802.11 §9.3.2.1).
		switch ds := p.Dot11.Flags; {
		case ds.FromDS() && ds.ToDS():
			return p.Dot11.Address4
		case ds.FromDS():
			return p.Dot11.Address3
		}
		return p.Dot11.Address2
	case p.fddiSrc != nil:
		return p.fddiSrc
	}
	return nil
}

// Ports returns the transport source and destination ports of a UDP or TCP
// packet, and false for anything else. A TCP or UDP header too short to
// decode (cut by the snaplen, or with a bogus length) still gives its ports
// when the first four bytes are there, as Wireshark shows them.
func (p *Packet) Ports() (src, dst uint16, ok bool) {
	switch {
	case p.UDP != nil:
		return uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort), true
	case p.TCP != nil:
		return uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort), true
	}
	var proto layers.IPProtocol
	var b []byte
	switch {
	case p.Fragment:
		return 0, 0, false
	case p.IPv4 != nil:
		proto, b = p.IPv4.Protocol, p.IPv4.Payload
	case p.IPv6 != nil:
		proto, b = p.IPv6.NextHeader, p.IPv6.Payload
	}
	if (proto == layers.IPProtocolTCP || proto == layers.IPProtocolUDP) && len(b) >= 4 {
		return binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:]), true
	}
	return 0, 0, false
}

// Payload returns the UDP or TCP payload, or nil.
func (p *Packet) Payload() []byte {
	switch {
	case p.UDP != nil:
		return p.UDP.Payload
	case p.TCP != nil:
		return p.TCP.Payload
	}
	return nil
}
