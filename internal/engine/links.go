package engine

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link layers gopacket decodes only through its allocating Packet API: small
// DecodingLayer versions of them, so the engine's one pass reaches the IP
// packets inside PPP, PPPoE, FDDI, NFLOG and MPLS frames.

var (
	errShortPPP   = errors.New("engine: PPP header cut short")
	errShortPPPoE = errors.New("engine: PPPoE header cut short")
	errShortFDDI  = errors.New("engine: FDDI header cut short")
	errShortNFLOG = errors.New("engine: NFLOG header cut short")
	errShortMPLS  = errors.New("engine: MPLS label stack cut short")
)

// pppLayer decodes PPP (RFC 1661) with or without HDLC-like framing
// (RFC 1662: address 0xff, control 0x03) and with a one- or two-byte protocol
// field, and Cisco HDLC frames, which share LINKTYPE_PPP_SERIAL.
type pppLayer struct {
	layers.BaseLayer
	Protocol uint16
	next     gopacket.LayerType
}

func (l *pppLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypePPP }
func (l *pppLayer) NextLayerType() gopacket.LayerType { return l.next }
func (l *pppLayer) LayerType() gopacket.LayerType     { return layers.LayerTypePPP }

func (l *pppLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	off := 0
	if len(data) >= 4 && (data[0] == 0x0f || data[0] == 0x8f) && data[1] == 0 {
		// Cisco HDLC: address, control, EtherType.
		l.Protocol = binary.BigEndian.Uint16(data[2:4])
		l.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
		l.next = layers.EthernetType(l.Protocol).LayerType()
		return nil
	}
	if len(data) >= 2 && data[0] == 0xff {
		off = 2 // address and control, whatever the control byte (as Wireshark's ppp_hdlc)
	}
	if len(data) < off+1 {
		df.SetTruncated()
		return errShortPPP
	}
	if data[off]&1 == 1 { // protocol field compressed to one byte
		l.Protocol = uint16(data[off])
		off++
	} else {
		if len(data) < off+2 {
			df.SetTruncated()
			return errShortPPP
		}
		l.Protocol = binary.BigEndian.Uint16(data[off:])
		off += 2
	}
	l.BaseLayer = layers.BaseLayer{Contents: data[:off], Payload: data[off:]}
	switch l.Protocol {
	case 0x0021:
		l.next = layers.LayerTypeIPv4
	case 0x0057:
		l.next = layers.LayerTypeIPv6
	case 0x0281, 0x0283:
		l.next = layers.LayerTypeMPLS
	default:
		l.next = gopacket.LayerTypeZero
	}
	return nil
}

// pppoeLayer decodes a PPPoE session header (RFC 2516); PPP follows.
type pppoeLayer struct {
	layers.BaseLayer
	SessionID uint16
	next      gopacket.LayerType
}

func (l *pppoeLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypePPPoE }
func (l *pppoeLayer) NextLayerType() gopacket.LayerType { return l.next }
func (l *pppoeLayer) LayerType() gopacket.LayerType     { return layers.LayerTypePPPoE }

func (l *pppoeLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 6 {
		df.SetTruncated()
		return errShortPPPoE
	}
	l.SessionID = binary.BigEndian.Uint16(data[2:4])
	n := int(binary.BigEndian.Uint16(data[4:6]))
	payload := data[6:]
	if n < len(payload) {
		payload = payload[:n] // drop Ethernet padding
	}
	l.BaseLayer = layers.BaseLayer{Contents: data[:6], Payload: payload}
	l.next = gopacket.LayerTypeZero
	if data[1] == 0 { // session data; discovery stages carry no PPP
		l.next = layers.LayerTypePPP
	}
	return nil
}

// fddiLayer decodes an FDDI header: frame control and two addresses; LLC
// follows.
type fddiLayer struct {
	layers.BaseLayer
	SrcMAC, DstMAC []byte
}

func (l *fddiLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeFDDI }
func (l *fddiLayer) NextLayerType() gopacket.LayerType { return layers.LayerTypeLLC }
func (l *fddiLayer) LayerType() gopacket.LayerType     { return layers.LayerTypeFDDI }

func (l *fddiLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 13 {
		df.SetTruncated()
		return errShortFDDI
	}
	l.DstMAC, l.SrcMAC = data[1:7], data[7:13]
	l.BaseLayer = layers.BaseLayer{Contents: data[:13], Payload: data[13:]}
	return nil
}

// layerTypeNFLOG is the engine's own layer type for Linux NFLOG headers;
// gopacket has none. It is not registered with gopacket (no process-wide
// registry); the parsers only need its number, which gopacket leaves free.
const layerTypeNFLOG = gopacket.LayerType(1000)

// nflogLayer decodes a Linux NFLOG header (LINKTYPE_NFLOG): family, version,
// resource id, then TLVs with host-endian (little-endian in practice) length
// and type; the NFULA_PAYLOAD TLV holds the IP packet.
type nflogLayer struct {
	layers.BaseLayer
	Family uint8
	next   gopacket.LayerType
}

func (l *nflogLayer) CanDecode() gopacket.LayerClass    { return layerTypeNFLOG }
func (l *nflogLayer) NextLayerType() gopacket.LayerType { return l.next }
func (l *nflogLayer) LayerType() gopacket.LayerType     { return layerTypeNFLOG }

func (l *nflogLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		df.SetTruncated()
		return errShortNFLOG
	}
	l.Family = data[0]
	l.next = gopacket.LayerTypeZero
	for off := 4; off+4 <= len(data); {
		n := int(binary.LittleEndian.Uint16(data[off:]))
		typ := binary.LittleEndian.Uint16(data[off+2:]) & 0x7fff
		if n < 4 || off+n > len(data) {
			df.SetTruncated()
			return errShortNFLOG
		}
		if typ == 9 { // NFULA_PAYLOAD
			l.BaseLayer = layers.BaseLayer{Contents: data[:off+4], Payload: data[off+4 : off+n]}
			switch l.Family {
			case 2:
				l.next = layers.LayerTypeIPv4
			case 10:
				l.next = layers.LayerTypeIPv6
			}
			return nil
		}
		off += (n + 3) &^ 3
	}
	l.BaseLayer = layers.BaseLayer{Contents: data}
	return nil
}

// mplsLayer decodes an MPLS label stack (RFC 3032) and guesses the payload
// from its first nibble, as the stack does not say what it carries.
type mplsLayer struct {
	layers.BaseLayer
	Labels int
	next   gopacket.LayerType
}

func (l *mplsLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeMPLS }
func (l *mplsLayer) NextLayerType() gopacket.LayerType { return l.next }
func (l *mplsLayer) LayerType() gopacket.LayerType     { return layers.LayerTypeMPLS }

func (l *mplsLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	off := 0
	l.Labels = 0
	for {
		if len(data) < off+4 {
			df.SetTruncated()
			return errShortMPLS
		}
		l.Labels++
		bottom := data[off+2]&1 == 1
		off += 4
		if bottom {
			break
		}
	}
	l.BaseLayer = layers.BaseLayer{Contents: data[:off], Payload: data[off:]}
	l.next = gopacket.LayerTypeZero
	if len(l.Payload) > 0 {
		switch l.Payload[0] >> 4 {
		case 4:
			l.next = layers.LayerTypeIPv4
		case 6:
			l.next = layers.LayerTypeIPv6
		}
	}
	return nil
}
