package http

import (
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Annotator gives other modules, frame by frame, where this module's
// reassembly ends HTTP/1 messages, so that a display filter's bare "http"
// selects the frames Wireshark shows as HTTP: the frame of a message's
// last byte, not the segments before it. It is a dissect.AppAnalyzer;
// cmd/mcpacket hands it to the modules that filter.
type Annotator struct{ o *observer }

var _ dissect.AppAnalyzer = (*Annotator)(nil)

// NewAnnotator returns an Annotator for one pass over a capture: the
// module at its default arguments, listing nothing, with the connection
// bounds it takes from env's state budget.
func NewAnnotator(env *analyzer.Env) dissect.AppAnalyzer {
	if env == nil {
		env = &analyzer.Env{}
	}
	in := New(Options{}).Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, Options{}, env)
	if err != nil {
		panic("http: default arguments refused: " + err.Error()) // the tool's own defaults
	}
	cfg.limit, cfg.fLimit = 0, 0
	cfg.hashing = hashNone
	cfg.annotator = true
	return &Annotator{o: newObserver(cfg)}
}

// Frame follows p and says whether its connection is followed as HTTP/1
// and whether a message ended in it.
func (a *Annotator) Frame(p *engine.Packet, info *dissect.AppInfo) {
	if p.TCP == nil || p.Fragment {
		return
	}
	a.o.Observe(p)
	info.HTTP2Done = a.o.h2Ended == p.Number
	if a.o.h2BodyFrame == p.Number {
		info.HTTP2Body = a.o.h2Body
	}
	if a.o.wsEnded == p.Number {
		info.WSFollowed, info.WSDone, info.WSPayload, info.WSSDP = true, true, a.o.wsPayload, a.o.wsSDP
	}
	info.HTTPContinuation = a.o.contFrame == p.Number
	if a.o.strayFrame == p.Number {
		info.HTTPStray, info.HTTPSeen = true, a.o.straySeen
	}
	if a.o.ended == p.Number {
		info.HTTPFollowed, info.HTTPDone = true, true
		info.HTTPBody, info.HTTPBodyType, info.HTTPBodyNotJSON, info.HTTPBodyImage = a.o.endedBody, a.o.endedType, a.o.endedNotJSON, a.o.endedImage
		info.HTTPBodyASN1, info.HTTPBodyParts = a.o.endedASN1, a.o.endedParts
		return
	}
	if len(a.o.conns) > 0 { // a frame that closed its connection ends a message or is not followed
		src := netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort))
		dst := netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort))
		c := a.o.conns[keyOf(src, dst)]
		// After a switch to another protocol (a 101 but to h2c, a
		// CONNECT), the bytes are not HTTP/1's.
		info.HTTPFollowed = c != nil && c.h2 == nil && c.dir[0].p.st != stTunnel
		info.HTTP2Followed = c != nil && c.h2 != nil
		if c != nil {
			info.HTTPTunnel = c.tunnel
		}
		info.WSFollowed = info.WSFollowed || c != nil && c.ws != nil
	}
	info.HTTP2Followed = info.HTTP2Followed || info.HTTP2Done
	if !info.HTTPFollowed && !info.HTTP2Followed && !info.WSFollowed && len(p.TCP.Payload) > 0 && !p.TCP.RST {
		// A connection not followed (seen midstream: no message has
		// started on it yet): tshark's HTTP dissector reads each of its
		// segments on its own, on the ports it claims (a reset's bytes
		// are its cause, to no dissector).
		info.HTTPStray = true
	}
}
