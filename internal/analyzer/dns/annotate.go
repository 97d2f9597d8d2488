package dns

import (
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Annotator gives other modules, frame by frame, where DNS messages over
// TCP end (RFC 1035's two-byte length prefix), so that a display filter's
// bare "dns" selects on port 53 the frames Wireshark shows as DNS: the
// frame of a message's last byte, not a segment holding only part of
// one. It is a dissect.AppAnalyzer; cmd/mcpacket hands it to the modules
// that filter.
type Annotator struct {
	reasm *engine.Reassembler
	conns map[[2]netip.AddrPort]*[2]lengthFramer
	max   int
	ended int // the frame the latest message ended in
}

// lengthFramer splits one direction into length-prefixed messages.
type lengthFramer struct {
	skip int  // bytes of a message still to pass
	dead bool // bytes were lost: the prefixes after them cannot be found
}

var (
	_ dissect.AppAnalyzer  = (*Annotator)(nil)
	_ engine.StreamHandler = (*Annotator)(nil)
)

// NewAnnotator returns an Annotator for one pass over a capture, following
// as many connections at once as this module does under env's state
// budget.
func NewAnnotator(env *analyzer.Env) dissect.AppAnalyzer {
	return &Annotator{conns: map[[2]netip.AddrPort]*[2]lengthFramer{}, max: newLimits(env, 0).conns}
}

func connOf(a, b netip.AddrPort) [2]netip.AddrPort {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return [2]netip.AddrPort{a, b}
}

// Frame follows p when it is TCP to or from port 53 and says whether a
// message ended in it.
func (a *Annotator) Frame(p *engine.Packet) dissect.AppInfo {
	if p.TCP == nil || p.Fragment || (p.TCP.SrcPort != 53 && p.TCP.DstPort != 53) {
		return dissect.AppInfo{}
	}
	k := connOf(netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort)))
	if a.conns[k] == nil {
		if len(a.conns) >= a.max {
			return dissect.AppInfo{}
		}
		a.conns[k] = &[2]lengthFramer{}
		if a.reasm == nil {
			a.reasm = engine.NewReassembler(a)
			a.reasm.SetMaxConns(a.max)
		}
	}
	a.reasm.Add(p)
	ended := a.ended == p.Number
	return dissect.AppInfo{DNSFollowed: true, DNSDone: ended}
}

// Data frames the bytes of one direction.
func (a *Annotator) Data(sc *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	c, _ := sc.State.(*[2]lengthFramer)
	if c == nil {
		if c = a.conns[connOf(sc.Client, sc.Server)]; c == nil {
			return
		}
		sc.State = c
	}
	d := 0
	if !fromClient {
		d = 1
	}
	sc.Consume(fromClient, c[d].feed(data, func(off int) {
		frame, _ := at(off)
		a.ended = max(a.ended, frame)
	}))
}

// Gap: bytes were lost.
func (a *Annotator) Gap(sc *engine.StreamConn, fromClient bool, _ int) {
	if c, _ := sc.State.(*[2]lengthFramer); c != nil {
		d := 0
		if !fromClient {
			d = 1
		}
		c[d].dead = true
	}
}

// Closed forgets a connection.
func (a *Annotator) Closed(sc *engine.StreamConn) {
	delete(a.conns, connOf(sc.Client, sc.Server))
}

// feed passes the messages in data, calling end with the offset of each
// one's last byte, and returns how many bytes it consumed: a length
// prefix cut in two is offered again with more.
func (f *lengthFramer) feed(data []byte, end func(off int)) int {
	off := 0
	for off < len(data) && !f.dead {
		if f.skip > 0 {
			n := min(f.skip, len(data)-off)
			f.skip -= n
			off += n
			if f.skip == 0 {
				end(off - 1)
			}
			continue
		}
		if len(data)-off < 2 {
			return off
		}
		f.skip = int(data[off])<<8 | int(data[off+1])
		off += 2
		if f.skip == 0 {
			end(off - 1)
		}
	}
	return len(data)
}
