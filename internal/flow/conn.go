package flow

// Conn follows one connection as Zeek's TCP, UDP and ICMP analyzers do, to
// give its conn_state and history (scripts/base/protocols/conn/main.zeek;
// the TCP endpoint state machine of Zeek's TCPSessionAdapter). Feed it every
// packet of the flow in capture order with TCP, UDP or ICMP; ask State,
// History and Bytes at any time.
//
// Two things differ from Zeek run on the same packets: checksums are not
// verified (as "zeek -C" runs, the usual choice for captures taken on a host
// with checksum offload), so the history never has 'c'; and content gaps
// ('g', MissedBytes) are found from acknowledgements against the bytes seen,
// without Zeek's reassembly buffers: a hole filled later by a segment
// captured out of order is not a gap, as in Zeek, but only two holes per
// direction are remembered.
//
// The zero Conn is ready for a flow of any protocol; its memory does not
// grow with the flow.
type Conn struct {
	tcp      *tcpState // TCP only: made on the first segment
	hist     history
	histSeen uint32 // Zeek's hist_seen: which once-only letters were recorded
	proto    uint8
	// UDP and ICMP: whether each side sent a packet (UDP_ACTIVE).
	origActive, respActive bool
}

// tcpState is what a TCP connection adds.
type tcpState struct {
	orig, resp endpoint
	partial    bool  // is_partial
	firstSeen  uint8 // first_packet_seen: 1 orig, 2 resp
}

// EndpointState is the state of one side of a TCP connection (Zeek's
// TCP_ENDPOINT_*).
type EndpointState uint8

// Endpoint states.
const (
	Inactive    EndpointState = iota // no packet seen
	SynSent                          // sent a SYN
	SynAckSent                       // sent a SYN-ACK as originator
	Partial                          // active, but no SYN seen
	Established                      // SYN and SYN-ACK seen
	Closed                           // sent a FIN
	Reset                            // sent a RST
)

var stateNames = [...]string{"inactive", "syn_sent", "syn_ack_sent", "partial", "established", "closed", "reset"}

// String returns the state's name.
func (s EndpointState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Segment is what Conn needs of one TCP segment.
type Segment struct {
	SYN, ACK, FIN, RST bool
	Seq, Ack           uint32
	Window             uint16
	Len                int  // payload bytes, on the wire
	Truncated          bool // the capture holds fewer payload bytes than Len
}

// history letters, once-only masks (Zeek's HIST_*); the responder's are
// shifted by 16.
const (
	histSYN     = 0x1
	histFIN     = 0x2
	histRST     = 0x4
	histFINRST  = 0x8
	histData    = 0x10
	histACK     = 0x20
	histMulti   = 0x40
	udpOrigData = 0x1000 // UDP 'D' and 'd', in bits TCP does not use
	udpRespData = 0x2000
)

// maxHistory bounds the history string; Zeek's letters that repeat do so
// at most once per new sequence number (s, h, f, r) or on a logarithmic
// scale (t, w, g), so real connections stay below it (letters past it are
// dropped).
const maxHistory = 30

type history struct {
	b [maxHistory]byte
	n uint8
}

func (h *history) add(c byte) {
	if int(h.n) < len(h.b) {
		h.b[h.n] = c
		h.n++
	}
}

func (h *history) String() string { return string(h.b[:h.n]) }

// block is a range of sequence space seen out of order.
type block struct{ lo, hi uint64 }

const maxBlocks = 2

type endpoint struct {
	state, prevState          EndpointState
	isOrig                    bool
	didClose                  bool
	startSeq, lastSeq, ackSeq uint32
	seqWraps, ackWraps        uint32
	finCnt, rstCnt            uint32
	finSeq                    uint64 // relative sequence just past the FIN
	histLastSYN               uint64
	histLastFIN, histLastRST  uint64
	rxmtCnt, rxmtThresh       uint32
	win0Cnt, win0Thresh       uint32
	gapCnt, gapThresh         uint32
	reassem                   uint64 // next relative sequence expected (last_reassem_seq)
	blocks                    [maxBlocks]block
	nblocks                   uint8
	missed                    uint64 // bytes in content gaps
	sawData                   bool
}

func seqDelta(a, b uint32) int32 { return int32(a - b) }

func (e *endpoint) setState(s EndpointState) {
	if s != e.state {
		e.prevState, e.state = e.state, s
	}
}

func (e *endpoint) fullSeq(u, wraps uint32) uint64 { return uint64(wraps)<<32 | uint64(u) }

func (e *endpoint) relative(u, wraps uint32) uint64 {
	return e.fullSeq(u, wraps) - uint64(e.startSeq)
}

func (e *endpoint) updateLastSeq(u uint32) {
	if u < e.lastSeq {
		e.seqWraps++
	}
	e.lastSeq = u
}

func (e *endpoint) updateAckSeq(u uint32) {
	if u < e.ackSeq {
		e.ackWraps++
	}
	e.ackSeq = u
}

func (e *endpoint) noDataAcked() bool {
	ack, start := e.fullSeq(e.ackSeq, e.ackWraps), uint64(e.startSeq)
	return ack == start || ack == start+1
}

func (e *endpoint) isActive() bool { return e.state != Inactive && !e.didClose }

// size is the payload bytes the endpoint sent, from sequence numbers
// (Zeek's TCP_Endpoint::Size).
func (e *endpoint) size(peer *endpoint) uint64 {
	if e.prevState == SynSent && e.state == Reset && peer.state == Inactive && !e.noDataAcked() {
		return 0
	}
	last, ack := e.fullSeq(e.lastSeq, e.seqWraps), e.fullSeq(e.ackSeq, e.ackWraps)
	var size uint64
	if last > ack {
		size = last - uint64(e.startSeq)
	} else {
		size = ack - uint64(e.startSeq)
	}
	if size != 0 {
		size--
	}
	if e.finCnt > 0 && size != 0 {
		size--
	}
	return size
}

// relSeq is Zeek's get_relative_seq.
func (e *endpoint) relSeq(cur, last, wraps uint32) (rel uint64, underflow bool) {
	d := seqDelta(cur, last)
	if d < 0 {
		if wraps > 0 && cur > last {
			wraps--
		}
	} else if d > 0 && cur < last {
		wraps++
	}
	if wraps == 0 {
		d = seqDelta(cur, e.startSeq)
		return uint64(int64(d)), d < 0
	}
	return e.relative(cur, wraps), false
}

func (c *Conn) ep(isOrig bool) (*endpoint, *endpoint) {
	if isOrig {
		return &c.tcp.orig, &c.tcp.resp
	}
	return &c.tcp.resp, &c.tcp.orig
}

// checkHistory records code the first time mask is seen for the endpoint's
// side and reports whether it had been seen before (Zeek's CheckHistory).
func (c *Conn) checkHistory(isOrig bool, mask uint32, code byte) bool {
	if !isOrig {
		mask <<= 16
		code = lower(code)
	}
	if c.histSeen&mask == 0 {
		c.histSeen |= mask
		c.hist.add(code)
		return false
	}
	return true
}

func (c *Conn) addHistory(isOrig bool, code byte) {
	if !isOrig {
		code = lower(code)
	}
	c.hist.add(code)
}

// scaled records code at the 1st, 10th, 100th, ... occurrence.
func (c *Conn) scaled(isOrig bool, code byte, cnt, thresh *uint32) {
	if *thresh == 0 {
		*thresh = 1
	}
	*cnt++
	if *cnt == *thresh {
		c.addHistory(isOrig, code)
		if next := *thresh * 10; next > *thresh {
			*thresh = next
		}
	}
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func (c *Conn) init(proto uint8) {
	if c.proto == 0 {
		c.proto = proto
	}
	if proto == ProtoTCP && c.tcp == nil {
		c.tcp = &tcpState{}
		c.tcp.orig.isOrig = true
		c.tcp.orig.reassem, c.tcp.resp.reassem = 1, 1
	}
}

// Flip records that the flow's direction was reversed when it began (Zeek's
// likely-server-port heuristic); call it before the first packet.
func (c *Conn) Flip() { c.hist.add('^') }

// UDP feeds one UDP datagram (Zeek's UDPAnalyzer).
func (c *Conn) UDP(isOrig bool) {
	c.init(ProtoUDP)
	if isOrig {
		c.origActive = true
		c.checkHistory(true, udpOrigData, 'D')
	} else {
		c.respActive = true
		c.checkHistory(true, udpRespData, 'd')
	}
}

// ICMP feeds one ICMP or ICMPv6 message; Zeek keeps no history for ICMP.
func (c *Conn) ICMP(isOrig bool) {
	c.init(ProtoICMP)
	if isOrig {
		c.origActive = true
	} else {
		c.respActive = true
	}
}

// Reuse reports whether a TCP segment, arriving at this connection from the
// originator (isOrig) or the responder, starts a new connection on the same
// addresses and ports (Zeek's TCPSessionAdapter::IsReuse): a SYN whose
// sequence number is not the connection's initial one, or any SYN once the
// connection has closed.
func (c *Conn) Reuse(isOrig bool, s Segment) bool {
	if !s.SYN || c.tcp == nil {
		return false
	}
	// Zeek asks with the packet's roles as the stored connection has them.
	connOrig := &c.tcp.orig
	if s.ACK {
		if c.tcp.orig.state != Inactive {
			return false
		}
		connOrig = &c.tcp.resp
	}
	if !(c.tcp.orig.didClose || c.tcp.resp.didClose) {
		if s.Seq == connOrig.startSeq {
			return false
		}
		if !s.ACK && connOrig.state == SynAckSent && c.tcp.resp.state == Inactive && s.Seq == c.tcp.resp.startSeq {
			return false // SYN and SYN-ACK seen in reverse order
		}
	}
	return true
}

// Closed reports whether either side closed (Zeek's IsClosed).
func (c *Conn) Closed() bool { return c.tcp != nil && (c.tcp.orig.didClose || c.tcp.resp.didClose) }

// BothClosed reports whether both sides closed; Zeek stops extending a
// connection's duration once they have.
func (c *Conn) BothClosed() bool { return c.tcp != nil && c.tcp.orig.didClose && c.tcp.resp.didClose }

// TCP feeds one TCP segment from the originator (isOrig) or the responder
// (Zeek's TCPSessionAdapter::Process, without reassembly or events). It
// reports true when the segment showed the roles reversed (a SYN after the
// SYN-ACK it answers): the connection's originator is now the side that was
// the responder, and the caller swaps what it keeps per side.
func (c *Conn) TCP(isOrig bool, s Segment) (flipped bool) {
	c.init(ProtoTCP)
	e, peer := c.ep(isOrig)
	c.setPartial(s, isOrig)

	segLen := s.Len
	if s.SYN {
		segLen++
	}
	if s.FIN {
		segLen++
	}
	if s.RST {
		segLen -= s.Len
	}
	onePast := s.Seq + uint32(segLen)
	c.initEndpoint(e, s, onePast)

	relSeq, underflow := e.relSeq(s.Seq, e.lastSeq, e.seqWraps)
	c.updateHistory(isOrig, e, s, relSeq)
	// Zero windows (update_window): not with or after a RST, nor after the
	// peer's FIN.
	if s.Window == 0 && !s.RST && peer.state != Closed && e.state != Reset {
		c.scaled(isOrig, 'W', &e.win0Cnt, &e.win0Thresh)
	}
	if s.FIN {
		e.finCnt++
		e.finSeq = relSeq + uint64(segLen)
	}
	if s.RST {
		e.rstCnt++
	}
	var relAck uint64
	if s.ACK {
		if peer.state == Inactive {
			relAck = 1
			peer.startSeq, peer.ackSeq, peer.lastSeq = s.Ack-1, s.Ack-1, s.Ack-1
		} else {
			var under bool
			relAck, under = peer.relSeq(s.Ack, peer.ackSeq, peer.ackWraps)
			switch {
			case under:
				relAck = 0
			case !s.RST:
				if d := seqDelta(s.Ack, peer.ackSeq); !(s.Ack == 0 && d > 1<<20) && d > 0 {
					peer.updateAckSeq(s.Ack)
				}
			}
		}
	}
	deltaLast := c.updateLastSeq(isOrig, e, onePast, s)
	doClose, flipped := c.updateStateMachine(isOrig, e, peer, s, deltaLast)
	if s.ACK {
		c.ackReceived(peer, relAck)
	}
	if s.Len > 0 && !s.RST && !underflow && !s.Truncated {
		dataSeq := relSeq
		if s.SYN {
			dataSeq++
		}
		e.dataSent(dataSeq, uint64(s.Len))
	}
	if doClose {
		e.didClose = true
	}
	if flipped {
		c.flipRoles()
	}
	return flipped
}

func (c *Conn) setPartial(s Segment, isOrig bool) {
	if isOrig {
		if c.tcp.firstSeen&1 == 0 {
			c.tcp.partial = !s.SYN || s.ACK
		}
	} else if c.tcp.firstSeen&2 == 0 && !c.tcp.partial {
		c.tcp.partial = !s.SYN
	}
	if isOrig {
		c.tcp.firstSeen |= 1
	} else {
		c.tcp.firstSeen |= 2
	}
}

func (c *Conn) initEndpoint(e *endpoint, s Segment, onePast uint32) {
	last := onePast
	switch e.state {
	case Inactive:
		if s.SYN {
			e.ackSeq, e.startSeq = s.Seq, s.Seq
		} else {
			e.ackSeq, e.startSeq = s.Seq-1, s.Seq-1
			last = s.Seq
		}
		e.lastSeq = last
	case SynSent, SynAckSent:
		if s.SYN && s.Seq != e.startSeq {
			e.startSeq, e.ackSeq, e.lastSeq = s.Seq, s.Seq, last
		}
	case Established, Partial:
		if s.SYN {
			e.startSeq, e.ackSeq, e.lastSeq = s.Seq, s.Seq, last
		}
	case Reset:
		if s.SYN && e.prevState == Inactive {
			e.startSeq, e.ackSeq, e.lastSeq = s.Seq, s.Seq, last
		}
	}
}

func (c *Conn) updateHistory(isOrig bool, e *endpoint, s Segment, relSeq uint64) {
	bits := 0
	for _, b := range [...]bool{s.SYN, s.FIN, s.RST} {
		if b {
			bits++
		}
	}
	switch {
	case bits > 1:
		if s.FIN && s.RST {
			c.checkHistory(isOrig, histFINRST, 'I')
		} else {
			c.checkHistory(isOrig, histMulti, 'Q')
		}
	case bits == 1:
		if s.SYN {
			code := byte('S')
			if s.ACK {
				code = 'H'
			}
			if c.checkHistory(isOrig, histSYN, code) && relSeq != e.histLastSYN {
				c.addHistory(isOrig, code)
			}
			e.histLastSYN = relSeq
		}
		if s.FIN {
			end := relSeq + uint64(s.Len)
			if c.checkHistory(isOrig, histFIN, 'F') && end != e.histLastFIN {
				c.addHistory(isOrig, 'F')
			}
			e.histLastFIN = end
		}
		if s.RST {
			if c.checkHistory(isOrig, histRST, 'R') && relSeq != e.histLastRST {
				c.addHistory(isOrig, 'R')
			}
			e.histLastRST = relSeq
		}
	default:
		if s.Len > 0 {
			c.checkHistory(isOrig, histData, 'D')
		} else if s.ACK {
			c.checkHistory(isOrig, histACK, 'A')
		}
	}
}

// updateLastSeq is Zeek's update_last_seq: it advances the endpoint's
// highest sequence number, or counts a retransmission.
func (c *Conn) updateLastSeq(isOrig bool, e *endpoint, last uint32, s Segment) int32 {
	d := seqDelta(last, e.lastSeq)
	switch {
	case (s.SYN || s.RST) && (d > 1<<20 || d < -(1<<20)):
	case s.FIN && e.lastSeq == e.startSeq+1:
		e.updateLastSeq(last)
	case e.state == Reset:
	case d > 0:
		e.updateLastSeq(last)
	case s.Len > 0:
		c.scaled(isOrig, 'T', &e.rxmtCnt, &e.rxmtThresh)
	}
	return d
}

// updateStateMachine is Zeek's UpdateStateMachine; it reports whether the
// segment closes the endpoint's side, and whether it flipped the roles.
func (c *Conn) updateStateMachine(isOrig bool, e, peer *endpoint, s Segment, deltaLast int32) (doClose, flipped bool) {
	switch e.state {
	case Inactive:
		if s.SYN {
			if isOrig {
				if s.ACK {
					e.setState(SynAckSent)
				} else {
					e.setState(SynSent)
				}
			} else {
				if !s.ACK && peer.state == SynAckSent && s.Seq == e.startSeq {
					// SYN and SYN-ACK in reverse order: the roles flip.
					// The roles flip once the segment is processed.
					c.tcp.partial = false
					flipped = true
					peer.setState(Established)
				}
				if peer.state == SynSent {
					peer.setState(Established)
				}
				e.setState(Established)
			}
		}
		if s.FIN {
			e.setState(Closed)
			doClose = true
		}
		if s.RST {
			e.setState(Reset)
			doClose = true
		}
		if e.state == Inactive {
			switch {
			case !isOrig && s.Len == 0 && c.tcp.orig.state == SynSent:
				// an ACK of the SYN before the SYN-ACK: not partial
			case s.ACK && peer.state == Established:
				e.setState(Established)
				c.tcp.partial = false
			default:
				e.setState(Partial)
			}
		}
	case SynSent, SynAckSent:
		if s.FIN {
			e.setState(Closed)
			doClose = true
		}
		if s.RST {
			e.setState(Reset)
			doClose = true
		}
	case Established, Partial:
		if s.SYN && e.state == Partial && peer.state == Inactive && !s.ACK {
			e.setState(SynSent)
		}
		if s.FIN && !s.RST {
			e.setState(Closed)
			if peer.state == Reset && peer.prevState == Closed {
				peer.setState(Closed) // FIN then RST from the peer: a normal close
			}
			doClose = true
		}
		if s.RST {
			e.setState(Reset)
			doClose = true
		}
	case Closed:
		if s.RST && peer.state != Closed {
			e.setState(Reset)
			if !e.didClose {
				doClose = true
			}
		}
	case Reset:
	}
	return doClose, flipped
}

// flipRoles swaps originator and responder (Zeek's FlipRoles), marking the
// history with '^'.
func (c *Conn) flipRoles() {
	c.tcp.orig, c.tcp.resp = c.tcp.resp, c.tcp.orig
	c.tcp.orig.isOrig, c.tcp.resp.isOrig = true, false
	c.tcp.firstSeen = 3
	c.tcp.partial = false
	c.hist.add('^')
}

// dataSent records payload at relative sequence seq (the reassembler's
// view: what was seen, for gap detection).
func (e *endpoint) dataSent(seq, n uint64) {
	e.sawData = true
	hi := seq + n
	if hi <= e.reassem {
		return
	}
	if seq <= e.reassem {
		e.reassem = hi
		e.mergeBlocks()
		return
	}
	// Out of order: remember the block, merging with those it touches.
	for i := 0; i < int(e.nblocks); i++ {
		b := &e.blocks[i]
		if seq <= b.hi && hi >= b.lo {
			b.lo, b.hi = min(b.lo, seq), max(b.hi, hi)
			return
		}
	}
	if int(e.nblocks) < maxBlocks {
		e.blocks[e.nblocks] = block{seq, hi}
		e.nblocks++
	}
}

// mergeBlocks moves reassem past the remembered blocks it now reaches.
func (e *endpoint) mergeBlocks() {
	for changed := true; changed; {
		changed = false
		for i := 0; i < int(e.nblocks); i++ {
			b := e.blocks[i]
			if b.lo <= e.reassem {
				e.reassem = max(e.reassem, b.hi)
				e.nblocks--
				e.blocks[i] = e.blocks[e.nblocks]
				changed = true
				break
			}
		}
	}
}

func clean(e *endpoint) bool {
	return e.state == Established || (e.state == Closed && e.prevState == Established)
}

// ackReceived is the reassembler's AckReceived for endpoint e, whose data
// the peer acknowledged up to relative sequence seq: bytes acknowledged but
// never seen are a content gap.
func (c *Conn) ackReceived(e *endpoint, seq uint64) {
	if e.finCnt > 0 && seq >= e.finSeq {
		seq = e.finSeq - 1
	}
	if seq <= e.reassem {
		return
	}
	peer := &c.tcp.resp
	if !e.isOrig {
		peer = &c.tcp.orig
	}
	if seq <= 2 && c.tcp.partial {
		return
	}
	report := clean(e) && clean(peer)
	gap := func(n uint64) {
		if report && n > 0 {
			c.scaled(e.isOrig, 'G', &e.gapCnt, &e.gapThresh)
			e.missed += n
		}
	}
	for {
		// The lowest remembered block below seq closes the current hole.
		idx := -1
		for i := 0; i < int(e.nblocks); i++ {
			if b := e.blocks[i]; b.lo < seq && (idx < 0 || b.lo < e.blocks[idx].lo) {
				idx = i
			}
		}
		if idx < 0 {
			break
		}
		b := e.blocks[idx]
		if b.lo > e.reassem {
			gap(b.lo - e.reassem)
		}
		e.reassem = max(e.reassem, b.hi)
		e.nblocks--
		e.blocks[idx] = e.blocks[e.nblocks]
	}
	if seq > e.reassem {
		gap(seq - e.reassem)
		e.reassem = seq
	}
}

// State returns the connection's conn_state (S0, S1, SF, REJ, S2, S3, RSTO,
// RSTR, RSTOS0, RSTRH, SH, SHR or OTH), as Zeek's conn_state function
// derives it from the endpoint states.
func (c *Conn) State() string {
	switch c.proto {
	case ProtoTCP:
		if c.tcp == nil {
			return "OTH"
		}
	case ProtoUDP:
		switch {
		case c.origActive && c.respActive:
			return "SF"
		case c.origActive:
			return "S0"
		case c.respActive:
			return "SHR"
		}
		return "OTH"
	default:
		return "OTH"
	}
	os, rs := c.tcp.orig.state, c.tcp.resp.state
	oInactive := os == Inactive || os == Partial
	rInactive := rs == Inactive || rs == Partial
	switch {
	case rs == Reset:
		if os == SynSent || os == SynAckSent || (os == Reset && c.tcp.orig.size(&c.tcp.resp) == 0 && c.tcp.resp.size(&c.tcp.orig) == 0) {
			return "REJ"
		}
		if oInactive {
			return "RSTRH"
		}
		return "RSTR"
	case os == Reset:
		if rInactive {
			if rstos0(c.hist.String()) {
				return "RSTOS0"
			}
			return "OTH"
		}
		return "RSTO"
	case rs == Closed && os == Closed:
		return "SF"
	case os == Closed:
		if rInactive {
			return "SH"
		}
		return "S2"
	case rs == Closed:
		if oInactive {
			return "SHR"
		}
		return "S3"
	case os == SynSent && rs == Inactive:
		return "S0"
	case os == Established && rs == Established:
		return "S1"
	}
	return "OTH"
}

// rstos0 matches Zeek's /\^?S[^HAFGIQ]*R.*/ against the whole history.
func rstos0(h string) bool {
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for i := 1; i < len(h); i++ {
		switch h[i] {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}

// History returns Zeek's history string: upper case for the originator,
// lower case for the responder.
func (c *Conn) History() string { return c.hist.String() }

// Bytes returns the payload bytes each side sent as Zeek's conn.log counts
// them: from sequence numbers for TCP (orig_bytes, resp_bytes). UDP and
// ICMP payload is counted by the caller.
func (c *Conn) Bytes() (orig, resp uint64) {
	if c.tcp == nil {
		return 0, 0
	}
	return c.tcp.orig.size(&c.tcp.resp), c.tcp.resp.size(&c.tcp.orig)
}

// MissedBytes returns the bytes in content gaps, both directions (Zeek's
// missed_bytes).
func (c *Conn) MissedBytes() uint64 {
	if c.tcp == nil {
		return 0
	}
	return c.tcp.orig.missed + c.tcp.resp.missed
}

// States returns the two endpoint states, for tests and reports.
func (c *Conn) States() (orig, resp EndpointState) {
	if c.tcp == nil {
		return Inactive, Inactive
	}
	return c.tcp.orig.state, c.tcp.resp.state
}
