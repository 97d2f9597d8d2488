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
	if len(b) < 12 {
		return Parts{}
	}
	sp, dp := be16(b[0:]), be16(b[2:])
	if sp != 5060 && dp != 5060 {
		return Parts{}
	}
	src, dst := netip.AddrPortFrom(p.SrcIP(), sp), netip.AddrPortFrom(p.DstIP(), dp)
	for off := 12; off+4 <= len(b); {
		typ, flags, n := b[off], b[off+1], int(be16(b[off+2:]))
		if n < 4 {
			break
		}
		if typ == 0 && n > 16 && off+16 <= len(b) {
			tsn, stream := be32(b[off+4:]), be16(b[off+8:])
			data := b[off+16 : min(off+n, len(b))]
			k := sctpKey{src, dst, stream}
			begin, end := flags&2 != 0, flags&1 != 0
			switch {
			case begin && end:
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
					break
				}
				if m.nextTSN != tsn || len(m.data)+len(data) > maxSCTPMessage || t.sctpHeld+len(data) > maxSCTPHeld {
					t.sctpDrop(k) // a fragment lost, reordered or too much: not reassembled
					break
				}
				m.data = append(m.data, data...)
				m.nextTSN++
				t.sctpHeld += len(data)
				if end {
					if sipStart(m.data) {
						var s Stack
						messageBody(&s, m.data)
						body = Parts{}
						for _, pr := range s.p[:s.n] {
							body.add(pr)
						}
					}
					t.sctpDrop(k)
				}
			}
		}
		off += (n + 3) &^ 3
	}
	return body
}

func (t *Tracker) sctpDrop(k sctpKey) {
	if m := t.sctp[k]; m != nil {
		t.sctpHeld -= len(m.data)
		delete(t.sctp, k)
	}
}

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
