package tcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Annotator gives other modules, frame by frame, what this module's
// sequence analysis says of each TCP segment: its conversation (Wireshark's
// tcp.stream), its analysis flags (tcp.analysis.*) and its relative
// sequence and acknowledgement numbers. It is a dissect.TCPAnalyzer;
// cmd/mcpacket hands it to the modules that filter on those fields.
type Annotator struct{ t *tracker }

var _ dissect.TCPAnalyzer = (*Annotator)(nil)

// NewAnnotator returns an Annotator for one pass over a capture, with the
// connection bounds this module takes from env's state budget.
func NewAnnotator(env *analyzer.Env) dissect.TCPAnalyzer {
	lim := limitsFor(env, 0)
	return &Annotator{t: newTracker(lim.conns, lim.unacked)}
}

// Frame places the TCP segment of p (or the TCP header an ICMP error
// quotes) in its conversation.
func (a *Annotator) Frame(p *engine.Packet) dissect.TCPInfo {
	info := dissect.TCPInfo{Stream: -1}
	s, ok := fromPacket(p)
	if !ok {
		b, isErr := p.ICMPErrorQuote()
		if !isErr {
			return info
		}
		q, err := engine.DecodeQuoted(b)
		if err != nil {
			return info
		}
		if s, ok = fromQuote(q); ok {
			c, _, fl := a.t.segment(&s, p.Number, p.Timestamp.UnixNano(), true)
			info.Stream, info.Flags = streamOf(c), uint32(fl)
		}
		return info
	}
	c, d, fl := a.t.segment(&s, p.Number, p.Timestamp.UnixNano(), false)
	if c == nil {
		return info
	}
	info.Stream, info.Flags = int(c.stream), uint32(fl)
	info.Len, info.HasLen = s.seglen, s.haveLen
	if f := &c.f[d]; f.baseSet {
		info.Seq, info.HasSeq = s.seq-f.baseSeq, true
	}
	if r := &c.f[1-d]; s.flags&flagACK != 0 && r.baseSet {
		info.Ack, info.HasAck = s.ack-r.baseSeq, true
	}
	return info
}
