package dissect

import (
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// Splitter splits one direction of a TCP connection into messages (TLS
// records, length-prefixed DNS messages).
type Splitter interface {
	// Feed passes the messages in data, calling end with the offset of
	// each one's last byte, and returns how many bytes it consumed: the
	// rest (an unfinished header) is offered again with more.
	Feed(data []byte, end func(off int)) int
	// Lost says bytes were lost before the next data.
	Lost()
}

// Ends follows TCP connections through reassembly, splits each direction
// with a Splitter S, and tells frame by frame whether a message ended in
// it: the part an AppAnalyzer that frames messages shares.
type Ends[S any, P interface {
	*S
	Splitter
}] struct {
	reasm *engine.Reassembler
	conns map[[2]netip.AddrPort]*[2]S
	max   int
	ended int // the frame the latest message ended in
}

var _ engine.StreamHandler = (*Ends[nopSplitter, *nopSplitter])(nil)

type nopSplitter struct{}

func (*nopSplitter) Feed(data []byte, _ func(int)) int { return len(data) }
func (*nopSplitter) Lost()                             {}

// NewEnds returns an Ends following at most max connections at once.
func NewEnds[S any, P interface {
	*S
	Splitter
}](max int) *Ends[S, P] {
	return &Ends[S, P]{conns: map[[2]netip.AddrPort]*[2]S{}, max: max}
}

func connOf(a, b netip.AddrPort) [2]netip.AddrPort {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return [2]netip.AddrPort{a, b}
}

// Frame follows p, a TCP segment, when its connection is followed or
// start (called only for a connection not yet followed) says to follow
// it from here, and reports whether it is followed and whether a message
// ended in it.
func (e *Ends[S, P]) Frame(p *engine.Packet, start func() bool) (followed, ended bool) {
	if p.TCP == nil || p.Fragment {
		return false, false
	}
	k := connOf(netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort)))
	if e.conns[k] == nil {
		if len(e.conns) >= e.max || !start() {
			return false, false
		}
		e.conns[k] = new([2]S)
		if e.reasm == nil {
			e.reasm = engine.NewReassembler(e)
			e.reasm.SetMaxConns(e.max)
		}
	}
	e.reasm.Add(p)
	ended = e.ended == p.Number
	return ended || e.conns[k] != nil, ended // a frame that closed its connection may end a message
}

func dirIndex(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

// Data splits the bytes of one direction of a followed connection.
func (e *Ends[S, P]) Data(sc *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	c, _ := sc.State.(*[2]S)
	if c == nil {
		if c = e.conns[connOf(sc.Client, sc.Server)]; c == nil {
			return
		}
		sc.State = c
	}
	sc.Consume(fromClient, P(&c[dirIndex(fromClient)]).Feed(data, func(off int) {
		frame, _ := at(off)
		e.ended = max(e.ended, frame)
	}))
}

// Gap: bytes were lost.
func (e *Ends[S, P]) Gap(sc *engine.StreamConn, fromClient bool, _ int) {
	if c, _ := sc.State.(*[2]S); c != nil {
		P(&c[dirIndex(fromClient)]).Lost()
	}
}

// Closed forgets a connection.
func (e *Ends[S, P]) Closed(sc *engine.StreamConn) {
	delete(e.conns, connOf(sc.Client, sc.Server))
}

// Lengths is the state of a Splitter whose messages start with a header
// giving their length; the splitter supplies the header's reading.
type Lengths struct {
	skip int  // bytes of a message still to pass
	dead bool // the bytes stopped looking like messages, or some were lost
}

// Lost: the headers after lost bytes cannot be found.
func (l *Lengths) Lost() { l.dead = true }

// Split passes the messages in data, calling end with the offset of each
// one's last byte, and returns how many bytes it consumed. header reads
// the header at the start of b: its size and the length of the message
// after it; more when b is too short to tell, bad when b is no header
// (nothing more is split).
func (l *Lengths) Split(data []byte, end func(off int), header func(b []byte) (hdr, n int, more, bad bool)) int {
	off := 0
	for off < len(data) && !l.dead {
		if l.skip > 0 {
			n := min(l.skip, len(data)-off)
			l.skip -= n
			off += n
			if l.skip == 0 {
				end(off - 1)
			}
			continue
		}
		hdr, n, more, bad := header(data[off:])
		switch {
		case bad:
			l.dead = true
		case more:
			return off
		default:
			off += hdr
			l.skip = n
			if n == 0 {
				end(off - 1)
			}
		}
	}
	return len(data)
}
