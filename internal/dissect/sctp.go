package dissect

import (
	"encoding/binary"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// SCTP reassembly of SIP messages fragmented over several DATA chunks
// (Wireshark reassembles them by default and names the message, body and
// all, in the frame of the last fragment): the Tracker gathers the
// fragments of each stream of a SIP association (port 5060) from the
// chunk that begins a message, in TSN order, and works out the body's
// protocols when the chunk that ends it arrives.
const (
	maxSCTPMessage = 64 << 10 // a message's bytes gathered at most
	maxSCTPHeld    = 4 << 20  // over all streams
	maxSCTPStreams = 10000
)

// sctpKey is one direction of an SCTP stream.
type sctpKey struct {
	src, dst netip.AddrPort
	stream   uint16
}

// sctpMsg is a message being gathered.
type sctpMsg struct {
	data    []byte
	nextTSN uint32
}

// sctpFragments follows the DATA chunks of packet p and returns the
// protocols the body of a fragmented SIP message that ends in it adds
// (the last such message's), if any.
func (t *Tracker) sctpFragments(p *engine.Packet) (body Parts) {
	var b []byte
	switch {
	case p.IPv4 != nil && p.IPv4.Protocol == 132 && !p.Fragment:
		b = p.IPv4.Payload
	case p.IPv6 != nil && p.IPv6.NextHeader == 132 && !p.Fragment:
		b = p.IPv6.Payload
	default:
		return Parts{}
	}
	if !sipSCTP(b) {
		return Parts{}
	}
	src, dst := netip.AddrPortFrom(p.SrcIP(), be16(b[0:])), netip.AddrPortFrom(p.DstIP(), be16(b[2:]))
	sctpData(b, func(begin, end bool, tsn uint32, stream uint16, data []byte) {
		k := sctpKey{src, dst, stream}
		switch {
		case begin && end: // a whole message: sctpApp names it from its bytes
		case begin:
			t.sctpDrop(k)
			if len(t.sctp) < maxSCTPStreams && t.sctpHeld+len(data) <= maxSCTPHeld && len(data) <= maxSCTPMessage {
				t.sctp[k] = &sctpMsg{data: append([]byte(nil), data...), nextTSN: tsn + 1}
				t.sctpHeld += len(data)
			}
		default:
			if end {
				body = Parts{} // this message's, reassembled or not
			}
			m := t.sctp[k]
			if m == nil {
				return
			}
			if m.nextTSN != tsn || len(m.data)+len(data) > maxSCTPMessage || t.sctpHeld+len(data) > maxSCTPHeld {
				t.sctpDrop(k) // a fragment lost, reordered or too much: not reassembled
				return
			}
			m.data = append(m.data, data...)
			m.nextTSN++
			t.sctpHeld += len(data)
			if end {
				if sipStart(m.data) {
					var s Stack
					messageBody(&s, m.data)
					for _, pr := range s.p[:s.n] {
						body.add(pr)
					}
				}
				t.sctpDrop(k)
			}
		}
	})
	return body
}

// sipSCTP reports whether b is an SCTP packet to or from port 5060 (SIP).
func sipSCTP(b []byte) bool {
	return len(b) >= 12 && (be16(b[0:]) == 5060 || be16(b[2:]) == 5060)
}

// sctpData calls fn for each DATA chunk of SCTP packet b, in order, with
// its B and E flags, TSN, stream and data; chunks are walked within the
// packet, each at most its length.
func sctpData(b []byte, fn func(begin, end bool, tsn uint32, stream uint16, data []byte)) {
	for off := 12; off+4 <= len(b); {
		typ, flags, n := b[off], b[off+1], int(be16(b[off+2:]))
		if n < 4 {
			break
		}
		if typ == 0 && n > 16 && off+16 <= len(b) {
			fn(flags&2 != 0, flags&1 != 0, binary.BigEndian.Uint32(b[off+4:]), be16(b[off+8:]), b[off+16:min(off+n, len(b))])
		}
		off += (n + 3) &^ 3
	}
}

func (t *Tracker) sctpDrop(k sctpKey) {
	if m := t.sctp[k]; m != nil {
		t.sctpHeld -= len(m.data)
		delete(t.sctp, k)
	}
}
