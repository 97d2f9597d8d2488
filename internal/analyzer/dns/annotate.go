package dns

import (
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
	ends *dissect.Ends[lengthFramer, *lengthFramer]
}

// lengthFramer splits one direction into length-prefixed messages.
type lengthFramer struct {
	skip int  // bytes of a message still to pass
	dead bool // bytes were lost: the prefixes after them cannot be found
}

var _ dissect.AppAnalyzer = (*Annotator)(nil)

// NewAnnotator returns an Annotator for one pass over a capture, following
// as many connections at once as this module does under env's state
// budget.
func NewAnnotator(env *analyzer.Env) dissect.AppAnalyzer {
	return &Annotator{ends: dissect.NewEnds[lengthFramer](newLimits(env, 0).conns)}
}

// Frame follows p when it is TCP to or from port 53 and says whether a
// message ended in it.
func (a *Annotator) Frame(p *engine.Packet) dissect.AppInfo {
	if p.TCP == nil || (p.TCP.SrcPort != 53 && p.TCP.DstPort != 53) {
		return dissect.AppInfo{}
	}
	followed, ended := a.ends.Frame(p, func() bool { return true })
	return dissect.AppInfo{DNSFollowed: followed, DNSDone: ended}
}

// Lost: the prefixes after lost bytes cannot be found.
func (f *lengthFramer) Lost() { f.dead = true }

// Feed passes the messages in data, calling end with the offset of each
// one's last byte, and returns how many bytes it consumed: a length
// prefix cut in two is offered again with more.
func (f *lengthFramer) Feed(data []byte, end func(off int)) int {
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
