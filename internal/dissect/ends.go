package dissect

import (
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// Splitter splits one direction of a TCP connection into messages (TLS
// records, length-prefixed DNS messages).
type Splitter interface {
	// Feed passes the messages in data and returns how many bytes it
	// consumed (the rest, an unfinished header, is offered again with
	// more) and the offset of the last byte of the last message that
	// ended in data, or -1.
	Feed(data []byte) (n, last int)
	// Lost says bytes were lost before the next data.
	Lost()
}

// Starter is a Splitter whose protocol Wireshark shows on a segment that
// starts a message even when the message ends in a later one: TLS, whose
// dissector adds its tree before it asks TCP for the rest of a record.
type Starter interface {
	// AtBoundary reports whether the next byte fed starts a message.
	AtBoundary() bool
}

// Framed is a Splitter that is told, before each Feed, the frame being
// added, the frame of each byte of the data fed and Ends.Shared; and,
// with Forget, that its connection is gone.
type Framed interface {
	Frames(cur int, at func(int) (int, time.Time), shared any)
	Forget(shared any)
}

// Ends follows TCP connections through reassembly, splits each direction
// with a Splitter S, and tells frame by frame whether a message ended in
// it: the part an AppAnalyzer that frames messages shares.
type Ends[S any, P interface {
	*S
	Splitter
}] struct {
	reasm *engine.Reassembler
	conns map[udpKey]*[2]S // by address and port pair (orderKey)
	max   int
	ended int // the frame the latest message ended in
	shown int // the frame the latest message started in, for a Starter
	cur   int // the frame being added
	fed   P   // the splitter fed last while adding cur
	// Shared is handed to Framed splitters (state they share, such as
	// a bound on the bytes they hold together).
	Shared any
}

// Fed is the splitter the latest Frame fed, or nil.
func (e *Ends[S, P]) Fed() P { return e.fed }

// NewEnds returns an Ends following at most max connections at once.
func NewEnds[S any, P interface {
	*S
	Splitter
}](max int) *Ends[S, P] {
	return &Ends[S, P]{conns: map[udpKey]*[2]S{}, max: max}
}

// Frame follows p, a TCP segment, when its connection is followed or
// start (called only for a connection not yet followed) says to follow
// it from here, and reports whether it is followed and whether a message
// ended in it (for a Starter, also whether its first byte starts one).
func (e *Ends[S, P]) Frame(p *engine.Packet, start func() bool) (followed, ended bool) {
	e.fed = nil
	if p.TCP == nil || p.Fragment {
		return false, false
	}
	k := orderKey(netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort)))
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
	e.cur = p.Number
	e.reasm.Add(p)
	ended = e.ended == p.Number || e.shown == p.Number
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
		if c = e.conns[orderKey(sc.Client, sc.Server)]; c == nil {
			return
		}
		sc.State = c
	}
	sp := P(&c[dirIndex(fromClient)])
	if st, ok := any(sp).(Starter); ok && len(data) > 0 && st.AtBoundary() {
		// A segment that starts a message, or completes the header that a
		// segment before it started (data begins with those bytes): not
		// one that fills a hole before data that came earlier, which
		// Wireshark does not hand to TLS (data's last byte is then from
		// another frame).
		if last, _ := at(len(data) - 1); last == e.cur {
			e.shown = e.cur
		}
	}
	if f, ok := any(sp).(Framed); ok {
		f.Frames(e.cur, at, e.Shared)
	}
	e.fed = sp
	n, last := sp.Feed(data)
	sc.Consume(fromClient, n)
	if last >= 0 {
		frame, _ := at(last)
		e.ended = max(e.ended, frame)
	}
}

// Gap: bytes were lost.
func (e *Ends[S, P]) Gap(sc *engine.StreamConn, fromClient bool, _ int) {
	if c, _ := sc.State.(*[2]S); c != nil {
		P(&c[dirIndex(fromClient)]).Lost()
	}
}

// Closed forgets a connection.
func (e *Ends[S, P]) Closed(sc *engine.StreamConn) {
	k := orderKey(sc.Client, sc.Server)
	if c := e.conns[k]; c != nil {
		for i := range c {
			if f, ok := any(P(&c[i])).(Framed); ok {
				f.Forget(e.Shared)
			}
		}
	}
	delete(e.conns, k)
}

// Lengths is the state of a Splitter whose messages start with a header
// giving their length; the splitter supplies the header's reading.
type Lengths struct {
	skip int  // bytes of a message still to pass
	dead bool // the bytes stopped looking like messages, or some were lost
}

// Boundary reports whether the next byte fed is a message's first (a
// splitter that embeds Lengths is a Starter by returning it from
// AtBoundary).
func (l *Lengths) Boundary() bool { return l.skip == 0 && !l.dead }

// Lost: the headers after lost bytes cannot be found.
func (l *Lengths) Lost() { l.dead = true }

// Split passes the messages in data as Splitter.Feed does. header reads
// the header at the start of b: its size and the length of the message
// after it; more when b is too short to tell, bad when b is no header
// (nothing more is split).
func (l *Lengths) Split(data []byte, header func(b []byte) (hdr, n int, more, bad bool)) (consumed, last int) {
	return l.SplitEach(data, header, nil)
}

// SplitEach is Split that also hands body, when not nil, each message's
// bytes in data: b, its offset in data, whether the message starts
// (its header is at off-hdr) and whether it ends with b.
func (l *Lengths) SplitEach(data []byte, header func(b []byte) (hdr, n int, more, bad bool), body func(b []byte, off, hdr int, start, end bool)) (consumed, last int) {
	off, last := 0, -1
	for off < len(data) && !l.dead {
		if l.skip > 0 {
			n := min(l.skip, len(data)-off)
			l.skip -= n
			if body != nil {
				body(data[off:off+n], off, 0, false, l.skip == 0)
			}
			off += n
			if l.skip == 0 {
				last = off - 1
			}
			continue
		}
		hdr, n, more, bad := header(data[off:])
		switch {
		case bad:
			l.dead = true
		case more:
			return off, last
		default:
			off += hdr
			l.skip = n
			if body != nil {
				k := min(n, len(data)-off)
				body(data[off:off+k], off, hdr, true, k == n)
				off += k
				l.skip -= k
				if l.skip == 0 {
					last = off - 1
				}
				continue
			}
			if n == 0 {
				last = off - 1
			}
		}
	}
	return len(data), last
}
