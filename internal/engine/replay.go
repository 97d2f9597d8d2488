package engine

import (
	"bytes"
	"slices"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Datagram is the IP datagram a fragment completed in a pass, kept apart
// from the frames so that a Decoder can give it to that frame again
// without the fragments before it. It is read-only, and may be shared by
// Decoders on several goroutines.
type Datagram struct {
	ip4 *layers.IPv4
	ip6 *layers.IPv6
}

// Datagram returns a copy of the datagram p's frame completed, or nil when
// p is not Reassembled.
func (p *Packet) Datagram() *Datagram {
	switch {
	case !p.Reassembled:
		return nil
	case p.IPv4 != nil:
		ip := *p.IPv4
		ip.Contents, ip.Payload = bytes.Clone(ip.Contents), bytes.Clone(ip.Payload)
		ip.SrcIP, ip.DstIP, ip.Padding = bytes.Clone(ip.SrcIP), bytes.Clone(ip.DstIP), bytes.Clone(ip.Padding)
		ip.Options = slices.Clone(ip.Options)
		for i := range ip.Options {
			ip.Options[i].OptionData = bytes.Clone(ip.Options[i].OptionData)
		}
		return &Datagram{ip4: &ip}
	case p.IPv6 != nil:
		ip := *p.IPv6
		ip.Contents, ip.Payload = bytes.Clone(ip.Contents), bytes.Clone(ip.Payload)
		ip.SrcIP, ip.DstIP = bytes.Clone(ip.SrcIP), bytes.Clone(ip.DstIP)
		ip.HopByHop = nil // the defragmenter makes none
		return &Datagram{ip6: &ip}
	}
	return nil
}

// Size is about the bytes d holds.
func (d *Datagram) Size() int {
	switch {
	case d == nil:
		return 0
	case d.ip4 != nil:
		return 256 + len(d.ip4.Payload) + len(d.ip4.Contents)
	}
	return 256 + len(d.ip6.Payload) + len(d.ip6.Contents)
}

// Decoder decodes frames kept from an earlier pass one at a time, in any
// order, as the pass decoded them, except that it reassembles no IP
// fragments: the frame that completed a datagram is given it (Decode's dg).
// It is for one goroutine; several Decoders may decode the same frames.
type Decoder struct{ d *decoder }

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	d := newDecoder()
	d.noDefrag = true
	return &Decoder{d: d}
}

// Decode decodes raw as frame number; dg is the datagram the frame
// completed in the pass (Packet.Datagram), or nil. The Packet and its
// layers are valid until the next Decode; they point into raw.Data and
// dg, which Decode does not change.
func (d *Decoder) Decode(raw *capture.Packet, number int, dg *Datagram) *Packet {
	d.d.decode(raw, number)
	if dg != nil && d.d.pkt.Fragment {
		d.d.reassembled(dg.ip4, dg.ip6)
	}
	return &d.d.pkt
}
