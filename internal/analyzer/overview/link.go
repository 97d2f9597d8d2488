package overview

import (
	"encoding/binary"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// The engine decodes the layers every module needs but does not say in
// which order a frame stacked them, nor name the link protocols between
// the frame and its network layer (LLC, PPPoE, MPLS, 802.11 frame types).
// walkLink reads those from the frame's bytes, without allocating, to give
// the frame's protocol path as tshark's protocol hierarchy names it, and
// the Ethernet addresses its conversation table counts. Everything from the
// network layer on comes from the engine's decoded layers.

// maxPath bounds a frame's protocol path.
const maxPath = 24

// path is a frame's protocol path, outermost first, and what the link
// walk found on the way.
type path struct {
	p [maxPath]proto
	n int
	// eth holds the destination and source address (12 bytes, as on the
	// wire) of each Ethernet header, the outer one first (a second one is
	// carried in VXLAN).
	eth  [2][12]byte
	neth int
	// net is the network layer the link layers lead to: pIP, pIPv6, or
	// pNone.
	net proto
}

func (f *path) push(p proto) {
	if f.n < maxPath {
		f.p[f.n] = p
		f.n++
	}
}

func (f *path) reset() { f.n, f.neth, f.net = 0, 0, pNone }

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// walkLink names the link layers of a frame of link type lt.
func (f *path) walkLink(lt capture.LinkType, b []byte) {
	switch lt {
	case capture.LinkTypeEthernet:
		f.walkEth(b)
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		f.push(pNull)
		if len(b) < 4 {
			return
		}
		v := binary.LittleEndian.Uint32(b)
		if v&0xffff0000 != 0 {
			v = binary.BigEndian.Uint32(b)
		}
		switch {
		case v > 1500:
			f.walkEtherType(uint16(v), b[4:])
		case v == 2:
			f.network(pIP)
		case v == 24 || v == 28 || v == 30:
			f.network(pIPv6)
		default:
			f.push(pData)
		}
	case capture.LinkTypeRaw, capture.LinkTypeRawOld, capture.LinkTypeRawOld2:
		f.push(pRaw)
		f.rawIP(b)
	case capture.LinkTypeIPv4:
		f.network(pIP)
	case capture.LinkTypeIPv6:
		f.network(pIPv6)
	case capture.LinkTypeNFLOG:
		// tshark shows no node for the NFLOG header itself.
		if len(b) > 0 {
			switch b[0] {
			case 2:
				f.network(pIP)
			case 10:
				f.network(pIPv6)
			}
		}
	case capture.LinkTypeLinuxSLL:
		f.push(pSLL)
		if len(b) >= 16 {
			f.sllPayload(be16(b[14:]), b[16:])
		}
	case capture.LinkTypeLinuxSLL2:
		f.push(pSLL)
		if len(b) >= 20 {
			f.sllPayload(be16(b[0:]), b[20:])
		}
	case capture.LinkTypePPP, capture.LinkTypePPPSerial:
		if len(b) >= 4 && (b[0] == 0x0f || b[0] == 0x8f) && b[1] == 0 {
			f.push(pCHDLC)
			f.walkEtherType(be16(b[2:]), b[4:])
			return
		}
		f.walkPPP(b)
	case capture.LinkTypeFDDI:
		f.push(pFDDI)
		if len(b) >= 13 {
			f.push(pLLC)
			f.walkLLC(b[13:])
		}
	case capture.LinkTypeIEEE80211Radio:
		f.push(pRadiotap)
		f.push(pWLANRadio)
		if len(b) >= 4 {
			if n := int(binary.LittleEndian.Uint16(b[2:])); n <= len(b) {
				f.walkWLAN(b[n:])
			}
		}
	case capture.LinkTypeIEEE80211:
		f.walkWLAN(b)
	case 253: // LINKTYPE_NETLINK
		f.push(pNetlink)
	}
}

func (f *path) network(p proto) {
	f.push(p)
	if f.net == pNone {
		f.net = p
	}
}

func (f *path) rawIP(b []byte) {
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		f.network(pIP)
	case 6:
		f.network(pIPv6)
	}
}

// sllPayload follows a Linux cooked header's protocol field: an EtherType,
// or one of the ARPHRD pseudo-types for 802.2 and 802.3 frames.
func (f *path) sllPayload(t uint16, b []byte) {
	switch t {
	case 0x0004: // 802.2 LLC
		f.push(pLLC)
		f.walkLLC(b)
	case 0x0001, 0x0003: // 802.3, all protocols
		f.push(pData)
	default:
		f.walkEtherType(t, b)
	}
}

func (f *path) walkEth(b []byte) {
	f.push(pEth)
	if len(b) < 14 {
		return
	}
	if f.neth < len(f.eth) {
		copy(f.eth[f.neth][:], b[:12])
		f.neth++
	}
	t := be16(b[12:])
	if t <= 1500 {
		f.push(pLLC)
		payload := b[14:]
		if int(t) < len(payload) {
			payload = payload[:t]
		}
		f.walkLLC(payload)
		return
	}
	f.walkEtherType(t, b[14:])
}

// walkEtherType names what an EtherType carries.
func (f *path) walkEtherType(t uint16, b []byte) {
	for {
		switch t {
		case 0x8100, 0x88a8, 0x9100:
			f.push(pVLAN)
			if len(b) < 4 {
				return
			}
			t, b = be16(b[2:]), b[4:]
			if t <= 1500 {
				f.push(pLLC)
				f.walkLLC(b)
				return
			}
			continue
		case 0x0800:
			f.network(pIP)
		case 0x86dd:
			f.network(pIPv6)
		case 0x0806:
			f.push(pARP)
		case 0x8035: // RARP: tshark's ARP dissector, named arp
			f.push(pARP)
		case 0x888e:
			f.push(pEAPOL)
		case 0x88cc:
			f.push(pLLDP)
		case 0x8863:
			f.push(pPPPoED)
		case 0x8864:
			f.push(pPPPoES)
			if len(b) >= 6 && b[1] == 0 {
				payload := b[6:]
				if n := int(be16(b[4:])); n < len(payload) {
					payload = payload[:n]
				}
				f.walkPPP(payload)
			}
		case 0x8847, 0x8848:
			f.walkMPLS(b)
		default:
			f.push(pData)
		}
		return
	}
}

// walkLLC names what an 802.2 LLC header carries: SNAP with an EtherType,
// Cisco's SNAP protocols, or spanning tree.
func (f *path) walkLLC(b []byte) {
	if len(b) < 3 {
		return
	}
	switch {
	case b[0] == 0xaa && b[1] == 0xaa:
		if len(b) < 8 {
			return
		}
		oui, pid := uint32(b[3])<<16|uint32(b[4])<<8|uint32(b[5]), be16(b[6:])
		switch {
		case oui == 0 || oui == 0xf8:
			f.walkEtherType(pid, b[8:])
		case oui == 0x00000c && pid == 0x2000:
			f.push(pCDP)
		default:
			f.push(pData)
		}
	case b[0] == 0x42 && b[1] == 0x42:
		f.push(pSTP)
	default:
		f.push(pData)
	}
}

// walkPPP names a PPP frame's protocol (RFC 1661), with or without the
// HDLC-like address and control bytes (RFC 1662).
func (f *path) walkPPP(b []byte) {
	f.push(pPPP)
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) == 0 {
		return
	}
	var p uint16
	if b[0]&1 == 1 {
		p, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			return
		}
		p, b = be16(b), b[2:]
	}
	switch p {
	case 0x0021:
		f.network(pIP)
	case 0x0057:
		f.network(pIPv6)
	case 0x0281, 0x0283:
		f.walkMPLS(b)
	case 0xc021:
		f.push(pLCP)
	case 0x8021:
		f.push(pIPCP)
	case 0x8057:
		f.push(pIPv6CP)
	case 0xc023:
		f.push(pPAP)
	case 0xc223:
		f.push(pCHAP)
	default:
		f.push(pData)
	}
}

// walkMPLS skips an MPLS label stack (RFC 3032) and names its payload by
// the first nibble, as the stack does not say what it carries.
func (f *path) walkMPLS(b []byte) {
	f.push(pMPLS)
	for {
		if len(b) < 4 {
			return
		}
		bottom := b[2]&1 == 1
		b = b[4:]
		if bottom {
			break
		}
	}
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		f.network(pIP)
	case 6:
		f.network(pIPv6)
	default:
		f.push(pData)
	}
}

// walkWLAN names an 802.11 frame: management frames carry wlan.mgt, data
// frames an LLC header (or encrypted data), control frames nothing.
func (f *path) walkWLAN(b []byte) {
	f.push(pWLAN)
	if len(b) < 2 {
		return
	}
	fc, flags := b[0], b[1]
	switch (fc >> 2) & 3 {
	case 0:
		f.push(pWLANMgt)
	case 2:
		sub := fc >> 4
		if sub&0x4 != 0 { // null function: no payload
			return
		}
		hdr := 24
		if flags&3 == 3 {
			hdr += 6
		}
		if sub&0x8 != 0 {
			hdr += 2
			if flags&0x80 != 0 {
				hdr += 4
			}
		}
		if len(b) <= hdr {
			return
		}
		if flags&0x40 != 0 { // protected
			f.push(pData)
			return
		}
		f.push(pLLC)
		f.walkLLC(b[hdr:])
	}
}
