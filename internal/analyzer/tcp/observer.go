package tcp

import (
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Shares of the state budget (--max-state-bytes) and the bytes one entry of
// each budgeted table takes (measured by TestStateEntryBytes, rounded up).
// They sum to less than 1.
const (
	// A connection: its conn (two flows with their statistics), its map
	// entry and slot in the stream list, and what a call builds from it
	// (its view, its share of the detectors' per-server and per-scanner
	// maps).
	bytesConn = 2048
	shareConn = 0.70
	// A flagged segment remembered for listing (an event, with the
	// slice's growth).
	bytesEvent = 64
	shareEvent = 0.10
	// An unacknowledged segment's end sequence number (with growth).
	bytesUnacked = 8
	shareUnacked = 0.10
)

// limits are the bounds of one analysis's tables.
type limits struct {
	conns   int // connections tracked; later ones are not (their segments are counted)
	events  int // flagged segments remembered for listing
	unacked int // unacknowledged segments remembered over all connections
}

// limitsFor derives the bounds from env's state budget; maxConns, when
// set (Options.MaxConnections), lowers the connection bound.
func limitsFor(env *analyzer.Env, maxConns int) limits {
	l := limits{conns: env.StateItems(bytesConn, shareConn), events: env.StateItems(bytesEvent, shareEvent),
		unacked: env.StateItems(bytesUnacked, shareUnacked)}
	if maxConns > 0 {
		l.conns = min(l.conns, maxConns)
	}
	return l
}

// event is one TCP segment placed in its connection, with its analysis
// flags: what the detectors that observe see, and, when flagged, what the
// observer keeps for the flagged-segment lists.
type event struct {
	frame  int32
	stream int32
	flags  aflag
	tcp    uint16 // the segment's TCP header flags (flagSYN, ...)
	dir    int8
	seglen uint32
	relSeq uint32
	ts     int64
}

// observer feeds every TCP segment, and every TCP header quoted in an ICMP
// error, to the tracker, and counts what the reports need.
type observer struct {
	t          *tracker
	maxPackets int // analyse only the first maxPackets TCP segments (0: all)
	skipped    int // segments past maxPackets

	tcpPackets int // frames with a TCP header (not counting ICMP quotes)

	events        []event // the flagged ones
	maxEvents     int
	eventsDropped int

	run *analyzer.Run[event, *results] // the detectors' work on this capture

	// trace, when set (by tests), sees every segment the tracker places:
	// its frame, stream (-1 when untracked) and flags.
	trace func(frame, stream int, fl aflag)
}

var _ engine.Observer = (*observer)(nil)

// newObserver returns an observer whose tables are bounded by lim and that
// analyses the first maxPackets TCP segments (0: all), with the detectors
// at the thresholds th.
func newObserver(lim limits, maxPackets int, th analyzer.Thresholds) *observer {
	return &observer{t: newTracker(lim.conns, lim.unacked), maxEvents: lim.events, maxPackets: maxPackets, run: detectors.Start(th)}
}

// Observe handles one frame.
func (o *observer) Observe(p *engine.Packet) {
	if s, ok := fromPacket(p); ok {
		if o.maxPackets > 0 && o.tcpPackets >= o.maxPackets {
			o.skipped++
			return
		}
		o.segment(p.Number, p.Timestamp.UnixNano(), p.Length, &s)
		return
	}
	b, ok := p.ICMPErrorQuote()
	if !ok {
		return
	}
	q, err := engine.DecodeQuoted(b)
	if err != nil {
		return
	}
	if s, ok := fromQuote(q); ok {
		c, _, fl := o.t.segment(&s, p.Number, p.Timestamp.UnixNano(), true)
		if o.trace != nil {
			o.trace(p.Number, streamOf(c), fl)
		}
	}
}

// segment handles the TCP segment s of frame (ts in ns, wireLen bytes on
// the wire).
func (o *observer) segment(frame int, ts int64, wireLen int, s *segment) {
	o.tcpPackets++
	c, d, fl := o.t.segment(s, frame, ts, false)
	if o.trace != nil {
		o.trace(frame, streamOf(c), fl)
	}
	if c == nil {
		return
	}
	f := &c.f[d]
	st := &f.st
	if c.icmpOnly || (st.packets == 0 && c.f[1-d].st.packets == 0) {
		c.icmpOnly = false
		c.firstFrame, c.firstTime = int32(frame), ts
	}
	c.lastFrame, c.lastTime = int32(frame), ts
	st.packets++
	st.bytes += int64(wireLen)
	if s.haveLen {
		st.payload += int64(s.seglen)
		if s.seglen > 0 {
			st.dataPackets++
		}
	}
	st.addFlags(fl)
	o.handshake(c, d, s, frame, ts)
	e := event{frame: int32(frame), stream: c.stream, flags: fl, tcp: s.flags, dir: int8(d), seglen: s.seglen, relSeq: s.seq - f.baseSeq, ts: ts}
	o.run.Observe(e)
	if fl != 0 {
		if len(o.events) < o.maxEvents {
			o.events = append(o.events, e)
		} else {
			o.eventsDropped++
		}
	}
}

// handshake follows the connection's life: handshake, options, resets,
// FINs and zero-window periods.
func (o *observer) handshake(c *conn, d int, s *segment, frameNumber int, ts int64) {
	st := &c.f[d].st
	frame := int32(frameNumber)
	if s.flags&flagACK != 0 {
		st.ack++
	}
	switch s.flags & (flagSYN | flagACK) {
	case flagSYN:
		st.syn++
		if c.synFrame == 0 {
			c.synFrame, c.synTime, c.synDir = frame, ts, int8(d)
		}
		if c.synAckFrame == 0 && int8(d) == c.synDir {
			c.synBeforeSynAck = ts
		}
		st.noteOptions(s)
	case flagSYN | flagACK:
		st.synAck++
		if c.synAckFrame == 0 && int8(d) != c.synDir {
			c.synAckFrame, c.synAckTime, c.synAckDir, c.synAckSeq = frame, ts, int8(d), s.seq
		}
		st.noteOptions(s)
	case flagACK:
		if s.flags&flagRST == 0 && c.synAckFrame != 0 && c.ackFrame == 0 && int8(d) != c.synAckDir && !seqLT(s.ack, c.synAckSeq+1) {
			c.ackFrame, c.ackTime = frame, ts
		}
	}
	if s.flags&flagRST != 0 {
		st.rst++
		if c.rstFrame == 0 {
			c.rstState = c.stateAt()
			c.rstFrame, c.rstTime, c.rstDir = frame, ts, int8(d)
		}
	}
	if s.flags&flagFIN != 0 {
		st.fin++
		if c.finFrame[d] == 0 {
			c.finFrame[d] = frame
		}
	}
	if s.flags&(flagSYN|flagFIN|flagRST) == 0 {
		switch {
		case s.window == 0 && st.zeroWinStart == 0:
			st.zeroWinStart, st.zeroWinFrame = ts, frame
		case s.window != 0 && st.zeroWinStart != 0:
			st.zeroWinMax = max(st.zeroWinMax, ts-st.zeroWinStart)
			st.zeroWinStart = 0
		}
	}
}

// noteOptions records the options of a SYN or SYN-ACK.
func (st *dirStats) noteOptions(s *segment) {
	if st.optsSeen {
		return
	}
	st.optsSeen = true
	st.mss, st.wscale, st.sackPerm, st.timestamps = uint16(s.opts.mss), int8(s.opts.wscale), s.opts.sackPerm, s.opts.timestamps
}

// connPhase is a connection's state at one moment (stateAt).
type connPhase uint8

const (
	phaseNone connPhase = iota // no RST came
	phaseClosing
	phaseSynSent
	phaseSynReceived
	phaseMidstream
	phaseEstablished
)

var phaseNames = [...]string{"", "closing", "syn_sent", "syn_received", "midstream", "established"}

func (p connPhase) String() string { return phaseNames[p] }

// stateAt is the connection's state now, before the segment being handled.
func (c *conn) stateAt() connPhase {
	switch {
	case c.finFrame[0] != 0 || c.finFrame[1] != 0:
		return phaseClosing
	case c.synFrame != 0 && c.synAckFrame == 0:
		return phaseSynSent
	case c.synAckFrame != 0 && c.ackFrame == 0 && c.f[0].st.dataPackets+c.f[1].st.dataPackets == 0:
		return phaseSynReceived
	case c.synFrame == 0 && c.synAckFrame == 0:
		return phaseMidstream
	}
	return phaseEstablished
}

// Flush closes zero-window periods still open at the end of the capture.
func (o *observer) Flush() {
	for _, c := range o.t.conns {
		for d := range c.f {
			st := &c.f[d].st
			if st.zeroWinStart != 0 {
				st.zeroWinMax = max(st.zeroWinMax, c.lastTime-st.zeroWinStart)
			}
		}
	}
}

var _ engine.Flusher = (*observer)(nil)

func streamOf(c *conn) int {
	if c == nil {
		return -1
	}
	return int(c.stream)
}

func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
