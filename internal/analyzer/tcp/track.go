package tcp

import (
	"math"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/result"
)

// aflag is one of Wireshark's TCP analysis flags (tcp.analysis.*).
type aflag uint16

// Analysis flags. Each follows the definition in Wireshark's User's Guide
// ("TCP Analysis") as packet-tcp.c implements it, so frames are flagged as
// Wireshark flags them.
const (
	aRetransmission aflag = 1 << iota
	aFastRetransmission
	aSpuriousRetransmission
	aOutOfOrder
	aLostSegment // previous segment not captured
	aAckLostSegment
	aDuplicateAck
	aZeroWindow
	aZeroWindowProbe
	aZeroWindowProbeAck
	aWindowFull
	aWindowUpdate
	aKeepAlive
	aKeepAliveAck
	aReusedPorts
	numFlags = iota
)

// anyRetransmission is what Wireshark's tcp.analysis.retransmission matches:
// fast and spurious retransmissions carry that expert item too.
const anyRetransmission = aRetransmission | aFastRetransmission | aSpuriousRetransmission

// count is how many segments carried flag f (a single flag).
func (st *dirStats) count(f aflag) int {
	if st.flags == nil {
		return 0
	}
	return int(st.flags[flagIndex(f)])
}

// retrans is how many frames Wireshark's tcp.analysis.retransmission
// matches: the three kinds are exclusive.
func (st *dirStats) retrans() int {
	return st.count(aRetransmission) + st.count(aFastRetransmission) + st.count(aSpuriousRetransmission)
}

// flagNames are the flags' names, Wireshark's tcp.analysis field names.
var flagNames = [numFlags]string{
	"retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
	"lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
	"zero_window_probe_ack", "window_full", "window_update", "keep_alive", "keep_alive_ack",
	"reused_ports",
}

// names lists the flags set in f.
func (f aflag) names() []string {
	out := []string{}
	for i := range numFlags {
		if f&(1<<i) != 0 {
			out = append(out, flagNames[i])
		}
	}
	return out
}

// parseFlag maps a flag name to its flag.
func parseFlag(s string) (aflag, bool) {
	for i, n := range flagNames {
		if n == s {
			return 1 << i, true
		}
	}
	return 0, false
}

// Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4).
func seqGT(x, y uint32) bool { return int32(y-x) < 0 }
func seqLT(x, y uint32) bool { return int32(x-y) < 0 }
func seqLE(x, y uint32) bool { return int32(x-y) <= 0 }

// Window-scale states beside a shift count.
const (
	wsUnknown = -1 // not signalled (yet)
	wsNone    = -2 // the handshake settled on no scaling
)

// flow is one direction of a connection: the sequence-analysis state of
// Wireshark's tcp_flow_t, and what the reports count. Fields are ordered by
// size, so that a conn (two flows) fits in 512 bytes.
type flow struct {
	nextseqTime int64 // ns
	lastackTime int64 // ns
	unacked     unackedQueue

	st dirStats

	baseSeq         uint32 // ISN (or the first seq seen, minus one)
	nextseq         uint32 // highest sequence number seen plus one
	maxseqtobeacked uint32
	lastack         uint32
	window          uint32 // last raw window; MaxUint32 before any
	dupacks         int32
	lastFlags       aflag
	winScale        int8
	baseSet         bool
	isFirstAck      bool
	finSent         bool
}

// dirStats are one direction's counts. Counts of segments are 32-bit: a
// capture holds fewer than 2^31 frames.
type dirStats struct {
	bytes   int64 // frame bytes on the wire, as Wireshark's conversation table counts them
	payload int64 // TCP payload bytes, retransmissions included

	zeroWinStart int64 // ns; 0 when the window is open
	zeroWinMax   int64 // ns, longest zero-window period

	// flags counts the segments that carried each analysis flag; nil until
	// one did (most directions carry none).
	flags *flagTally

	packets     int32
	dataPackets int32
	syn, synAck int32
	fin, rst    int32
	ack         int32

	zeroWinFrame int32

	mss        uint16
	wscale     int8 // -1 when not offered
	sackPerm   bool
	timestamps bool
	optsSeen   bool // a SYN or SYN-ACK from this side was seen
}

// flagTally is how many segments carried each analysis flag, by flagIndex.
type flagTally [numFlags]int32

// addFlags counts a segment that carried the flags fl.
func (st *dirStats) addFlags(fl aflag) {
	if fl == 0 {
		return
	}
	if st.flags == nil {
		st.flags = new(flagTally)
	}
	for rest := fl; rest != 0; rest &= rest - 1 {
		st.flags[flagIndex(rest&-rest)]++
	}
}

// flagCounts is how many segments carried each flag, by flagIndex.
func (st *dirStats) flagCounts() (out [numFlags]int) {
	if st.flags != nil {
		for i, n := range st.flags {
			out[i] = int(n)
		}
	}
	return out
}

// conn is one TCP conversation as Wireshark delimits it: one value of
// tcp.stream. Frame numbers are 32-bit (a capture holds fewer than 2^31
// frames), and fields are ordered by size, so that a conn fits in 512
// bytes.
type conn struct {
	a, b netip.AddrPort // a sent the first packet
	f    [2]flow        // f[0] is a→b

	budget *unackedBudget

	tsMruSyn   int64 // ns of the latest SYN, 0 before one
	tsFirstRtt int64 // ns from that SYN to the first pure ACK, 0 before one

	firstTime, lastTime int64 // ns

	// Handshake times (ns); see the frames below.
	synTime, synAckTime, ackTime int64
	synBeforeSynAck              int64 // time of the latest SYN before the first SYN-ACK

	rstTime int64

	stream                int32
	firstFrame, lastFrame int32

	// Handshake, by frame (0 when not seen).
	synFrame, synAckFrame, ackFrame int32
	synAckSeq                       uint32

	rstFrame int32
	finFrame [2]int32 // first FIN per direction

	synDir    int8 // the direction that sent the first SYN; -1 when none
	synAckDir int8
	rstDir    int8
	rstState  connPhase // the connection's state when the first RST came

	icmpOnly bool // known only from TCP headers quoted in ICMP errors
	reused   bool // started by a SYN on the address pair of an earlier conversation
}

// between reports whether x and y are c's address pair, in either order.
func (c *conn) between(x, y netip.AddrPort) bool {
	return x == c.a && y == c.b || x == c.b && y == c.a
}

func (c *conn) dir(src netip.AddrPort) int {
	if src == c.a {
		return 0
	}
	return 1
}

// connKey is a connection's address pair in a canonical order, as plain
// bytes: hashed in one piece, and 40 bytes where two netip.AddrPort take 64.
type connKey struct {
	lo, hi endpointKey
}

// endpointKey is one end of a connection in a connKey.
type endpointKey struct {
	addr result.AddrKey
	port uint16
}

func endpointOf(ap netip.AddrPort) endpointKey {
	return endpointKey{addr: result.AddrKeyOf(ap.Addr()), port: ap.Port()}
}

// before orders endpoints in a connKey: any total order makes the key
// canonical.
func (e endpointKey) before(f endpointKey) bool {
	if c := e.addr.Compare(f.addr); c != 0 {
		return c < 0
	}
	return e.port < f.port
}

func keyOf(x, y netip.AddrPort) connKey {
	lo, hi := endpointOf(x), endpointOf(y)
	if hi.before(lo) {
		lo, hi = hi, lo
	}
	return connKey{lo, hi}
}

// tracker assigns segments to conversations and runs Wireshark's sequence
// analysis on them.
type tracker struct {
	byKey         map[connKey]*conn // the latest conversation of each address pair
	conns         []*conn           // every conversation, in stream order
	max           int               // conversations tracked at most
	untracked     int               // segments of conversations past max
	untrackedSyns int               // of which SYNs without ACK
	last          *conn             // cache for back-to-back segments of one connection
	budget        unackedBudget
}

func newTracker(maxConns, maxUnackedTotal int) *tracker {
	return &tracker{byKey: map[connKey]*conn{}, max: maxConns, budget: unackedBudget{left: maxUnackedTotal}}
}

func newFlow() flow {
	return flow{window: math.MaxUint32, winScale: wsUnknown, st: dirStats{wscale: -1}}
}

// newConn starts a conversation whose first segment is s, or returns nil
// when the tracker is full.
func (t *tracker) newConn(k connKey, s *segment, frame int, ts int64) *conn {
	if len(t.conns) >= t.max {
		return nil
	}
	c := &conn{stream: int32(len(t.conns)), a: s.src, b: s.dst, f: [2]flow{newFlow(), newFlow()},
		firstFrame: int32(frame), firstTime: ts, synDir: -1, synAckDir: -1, rstDir: -1, budget: &t.budget}
	t.conns = append(t.conns, c)
	t.byKey[k] = c
	t.last = c
	return c
}

// segment processes one TCP header: s from frame at ts (ns). inError is set
// for a header quoted in an ICMP error, which names a conversation but is
// not analysed, as in Wireshark. It returns the conversation, the
// direction of s in it, and the analysis flags of the segment. When the
// tracker is full, a segment of a new conversation is counted as untracked
// and the conversation is nil.
func (t *tracker) segment(s *segment, frame int, ts int64, inError bool) (*conn, int, aflag) {
	var c *conn
	if t.last != nil && t.last.between(s.src, s.dst) {
		c = t.last
	} else {
		k := keyOf(s.src, s.dst)
		c = t.byKey[k]
		if c == nil {
			if c = t.newConn(k, s, frame, ts); c == nil {
				t.untracked++
				if s.flags&(flagSYN|flagACK) == flagSYN {
					t.untrackedSyns++
				}
				return nil, 0, 0
			}
			c.icmpOnly = inError
		}
		t.last = c
	}
	d := c.dir(s.src)
	var fl aflag

	// A SYN whose sequence number differs from the ISN already seen in its
	// direction starts a new conversation on reused ports; one that repeats
	// it is a retransmission and restores the flow's next sequence number
	// (a RST may have moved it, RFC 9293 §3.10.7.3).
	switch s.flags & (flagSYN | flagACK) {
	case flagSYN:
		if f := &c.f[d]; f.baseSet {
			if s.seq != f.baseSeq {
				if nc := t.newConn(keyOf(s.src, s.dst), s, frame, ts); nc != nil {
					c, d = nc, 0
					c.reused = true
				}
				fl |= aReusedPorts
			} else {
				f.nextseq = f.maxseqtobeacked
			}
		}
	case flagSYN | flagACK:
		if f := &c.f[d]; f.baseSet && s.seq != f.baseSeq {
			f.baseSeq = s.seq
			fl |= aReusedPorts
		}
	}
	fwd, rev := &c.f[d], &c.f[1-d]

	if s.haveLen && !inError {
		if !fwd.baseSet {
			if s.flags&flagSYN != 0 {
				fwd.baseSeq = s.seq
			} else {
				fwd.baseSeq = s.seq - 1
			}
			fwd.baseSet = true
		}
		if !rev.baseSet && s.flags&flagACK != 0 {
			rev.baseSeq = s.ack - 1
			rev.baseSet = true
		}
		fl = c.analyze(fwd, rev, s, ts, fl)
	}
	if s.hdrLen < minHeaderLen {
		return c, d, fl // Wireshark stops at a bogus header length
	}
	if s.flags&flagSYN != 0 {
		if s.flags&flagACK == 0 {
			c.tsMruSyn = ts
		}
		fwd.isFirstAck = true
	}
	if s.flags&flagFIN != 0 && !rev.finSent {
		fwd.finSent = true
	}
	if s.flags&(flagSYN|flagACK) == flagACK {
		if c.tsMruSyn != 0 && c.tsFirstRtt == 0 {
			c.tsFirstRtt = ts - c.tsMruSyn
		}
		fwd.isFirstAck = false
	}
	if s.opts.wscale >= 0 {
		fwd.winScale = int8(s.opts.wscale)
	}
	if s.flags&flagSYN != 0 {
		c.verifyWindowScaling(fwd, rev, s.flags&flagACK != 0)
	}
	return c, d, fl
}

// verifyWindowScaling settles window scaling after a SYN or SYN-ACK: it is
// in use only when both sides offered it (RFC 7323 §2.2).
func (c *conn) verifyWindowScaling(fwd, rev *flow, synAck bool) {
	switch {
	case fwd.winScale == wsUnknown:
		fwd.winScale, rev.winScale = wsNone, wsNone
	case synAck && rev.winScale == wsNone:
		fwd.winScale = wsNone
	}
}

// analyze is Wireshark's tcp_analyze_sequence_number for one segment of
// the fwd direction; fl holds flags already set. Sequence numbers are
// absolute, as there.
func (c *conn) analyze(fwd, rev *flow, s *segment, ts int64, fl aflag) aflag {
	seq, ack, seglen, flags := s.seq, s.ack, s.seglen, s.flags
	window := uint32(s.window)
	const sfr = flagSYN | flagFIN | flagRST

	finishedFwd := false
	// Zero-window probe: one byte at the next expected sequence number while
	// the other side's window is zero.
	if seglen == 1 && seq == fwd.nextseq && rev.window == 0 {
		fl |= aZeroWindowProbe
		finishedFwd = true
	}
	if !finishedFwd {
		if window == 0 && flags&sfr == 0 {
			fl |= aZeroWindow
		}
		// Previous segment not captured: this one starts beyond the next
		// expected sequence number.
		if fwd.nextseq != 0 && seqGT(seq, fwd.nextseq) && flags&flagRST == 0 {
			fl |= aLostSegment
		}
		// Keep-alive: zero or one byte starting one before the next
		// expected sequence number.
		if (seglen == 0 || seglen == 1) && seq == fwd.nextseq-1 && flags&sfr == 0 {
			fl |= aKeepAlive
		}
		// Window update: no data, same seq and ack, a new window.
		if seglen == 0 && window != 0 && window != fwd.window && seq == fwd.nextseq && ack == fwd.lastack && flags&sfr == 0 {
			fl |= aWindowUpdate
		}
		// Window full: data that reaches the right edge of the other side's
		// advertised window, when its scaling is known.
		if seglen > 0 && rev.winScale != wsUnknown && flags&sfr == 0 {
			shift := uint(0)
			if !rev.isFirstAck && rev.winScale != wsNone {
				shift = uint(rev.winScale)
			}
			if seq+seglen == rev.lastack+(rev.window<<shift) {
				fl |= aWindowFull
			}
		}
		pureRepeat := seglen == 0 && window == fwd.window && seq == fwd.nextseq && ack == fwd.lastack && flags&sfr == 0
		switch {
		case pureRepeat && window != 0 && rev.lastFlags&aKeepAlive != 0:
			fl |= aKeepAliveAck
			finishedFwd = true
		case pureRepeat && window == 0 && rev.lastFlags&aZeroWindowProbe != 0:
			fl |= aZeroWindowProbeAck
			finishedFwd = true
		case pureRepeat && window != 0:
			if fwd.dupacks == -1 {
				fwd.dupacks = 1
			} else {
				fwd.dupacks++
			}
			fl |= aDuplicateAck
		}
	}
	// The ack moved: the duplicate-ACK count starts again.
	if ack != fwd.lastack {
		fwd.dupacks = 0
	}
	// ACKed unseen segment: this acknowledges data of the other direction
	// that was never captured.
	if rev.maxseqtobeacked != 0 && seqGT(ack, rev.maxseqtobeacked) && flags&flagACK != 0 {
		if seqLT(rev.maxseqtobeacked, rev.nextseq) {
			rev.maxseqtobeacked = rev.nextseq
			fl |= aAckLostSegment
		} else {
			if rev.dupacks == 0 {
				fl |= aAckLostSegment
			}
			rev.dupacks = -1
		}
	}

	// Retransmission, fast retransmission, spurious retransmission or out of
	// order: data (or SYN/FIN) that does not advance the sequence number.
	if (seglen > 0 || flags&(flagSYN|flagFIN) != 0) && fl&aKeepAlive == 0 {
		notAdvanced := fwd.nextseq != 0 && seqLT(seq, fwd.nextseq)
		if seglen > 1 && fwd.nextseq-1 == seq {
			notAdvanced = false // a segment after a zero-window probe
		}
		synFin := uint32(0)
		if flags&(flagSYN|flagFIN) != 0 {
			synFin = 1
		}
		switch {
		case seglen > 0 && rev.lastack != 0 && seqLE(seq+seglen, rev.lastack):
			fl |= aSpuriousRetransmission // the data was already acknowledged
		// Times compare as unsigned, as in Wireshark: a segment that goes
		// back in time is neither fast nor out of order.
		case notAdvanced && rev.dupacks >= 2 && rev.lastack == seq && uint64(ts-rev.lastackTime) < 20e6:
			fl |= aFastRetransmission
		case notAdvanced && uint64(ts-fwd.nextseqTime) < c.oooThreshold() && fwd.nextseq != seq+seglen+synFin:
			fl |= aOutOfOrder
		case notAdvanced:
			fl |= aRetransmission
		}
	}

	// Wireshark keeps at most maxUnacked unacknowledged segments per
	// direction, and counts SYN and FIN in the next sequence number only
	// for a segment it keeps.
	nextseq := seq + seglen
	if (seglen > 0 || flags&(flagSYN|flagFIN) != 0) && fwd.unacked.len() < maxUnacked {
		if flags&(flagSYN|flagFIN) != 0 {
			nextseq++
		}
		fwd.unacked.push(nextseq, c.budget)
	}
	if (seqGT(nextseq, fwd.nextseq) || fwd.nextseq == 0) && fl&aZeroWindowProbe == 0 {
		fwd.nextseq = nextseq
		fwd.nextseqTime = ts
	}
	if (seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0) && fl&aZeroWindowProbe == 0 {
		fwd.maxseqtobeacked = fwd.nextseq
	}
	fwd.window = window
	fwd.lastack = ack
	fwd.lastackTime = ts
	fwd.lastFlags = fl
	// This acknowledges, and forgets, the other direction's segments that
	// end at or before ack (whether or not the ACK flag is set).
	rev.unacked.ackUpTo(ack, c.budget)
	return fl
}

// oooThreshold is how soon after the highest segment a lower one counts as
// out of order rather than retransmitted: the handshake RTT, or 3 ms.
func (c *conn) oooThreshold() uint64 {
	if c.tsFirstRtt == 0 {
		return 3e6
	}
	return uint64(c.tsFirstRtt)
}

// maxUnacked is Wireshark's TCP_MAX_UNACKED_SEGMENTS.
const maxUnacked = 10000

// unackedBudget bounds the unacknowledged segments remembered over all
// connections (4 bytes each). Past it, segments are counted but not
// remembered, and a count can stay high; it only decides whether a SYN or
// FIN is counted in a direction's next sequence number once 10,000 of its
// segments are unacknowledged.
type unackedBudget struct {
	left    int // entries (uint32) still allowed
	refused int // segments counted but not remembered
}

// unackedQueue holds the end sequence numbers of one direction's segments
// not yet acknowledged, oldest first. Wireshark forgets every segment whose
// end an ACK reaches; this forgets them from the oldest, which is the same
// unless segments arrived out of order, when a few are forgotten late.
type unackedQueue struct {
	ends  []uint32 // ends[head:] are remembered
	head  int32
	extra int32 // segments counted but not remembered (budget exhausted)
}

// stored is how many segments the queue remembers.
func (q *unackedQueue) stored() int { return len(q.ends) - int(q.head) }

func (q *unackedQueue) len() int { return q.stored() + int(q.extra) }

func (q *unackedQueue) push(end uint32, b *unackedBudget) {
	if b.left <= 0 {
		b.refused++
		q.extra++
		return
	}
	if head := int(q.head); head > 0 && head == len(q.ends) {
		q.ends, q.head = q.ends[:0], 0
	} else if head > 64 && head*2 > len(q.ends) {
		n := copy(q.ends, q.ends[head:])
		q.ends, q.head = q.ends[:n], 0
	}
	before := cap(q.ends)
	q.ends = append(q.ends, end)
	b.left -= cap(q.ends) - before
}

func (q *unackedQueue) ackUpTo(ack uint32, b *unackedBudget) {
	for int(q.head) < len(q.ends) && seqLE(q.ends[q.head], ack) {
		q.head++
	}
	if int(q.head) == len(q.ends) {
		q.extra = 0 // assume the unremembered ones went with them
		if cap(q.ends) > 256 {
			b.left += cap(q.ends)
			q.ends = nil
		} else {
			q.ends = q.ends[:0]
		}
		q.head = 0
	}
}
