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
type lengthFramer struct{ dissect.Lengths }

var _ dissect.AppAnalyzer = (*Annotator)(nil)

// NewAnnotator returns an Annotator for one pass over a capture, following
// as many connections at once as this module does under env's state
// budget.
func NewAnnotator(env *analyzer.Env) dissect.AppAnalyzer {
	return &Annotator{ends: dissect.NewEnds[lengthFramer](newLimits(env, 0).conns)}
}

// Frame follows p when it is TCP to or from port 53 and says whether a
// message ended in it.
func (a *Annotator) Frame(p *engine.Packet, info *dissect.AppInfo) {
	if p.TCP != nil && (p.TCP.SrcPort == 53 || p.TCP.DstPort == 53) {
		info.DNSFollowed, info.DNSDone = a.ends.Frame(p, func() bool { return true })
	}
}

// Feed passes the messages in data (see dissect.Lengths.Split).
func (f *lengthFramer) Feed(data []byte) (n, last int) {
	return f.Split(data, func(b []byte) (hdr, n int, more, bad bool) {
		if len(b) < 2 {
			return 0, 0, true, false
		}
		return 2, int(b[0])<<8 | int(b[1]), false, false
	})
}
