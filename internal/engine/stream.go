package engine

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"
)

// StreamHandler receives the reassembled bytes of TCP connections from a
// Reassembler. Its methods are called synchronously from Reassembler.Add and
// Reassembler.Flush.
type StreamHandler interface {
	// Data offers the contiguous bytes available in one direction of c:
	// any bytes left unconsumed by the previous call, then the new ones.
	// The handler consumes them all unless it calls c.Consume with fewer;
	// the rest are offered again, with more, on the next call. at maps an
	// offset in data to the number and time of the frame that carried that
	// byte. data is valid only during the call.
	Data(c *StreamConn, fromClient bool, data []byte, at func(offset int) (frame int, t time.Time))
	// Gap reports that bytes of one direction were never captured; any
	// partial message in that direction is lost.
	Gap(c *StreamConn, fromClient bool, missing int)
	// Closed reports the end of a connection (FIN, RST, idle timeout, or
	// the end of the capture).
	Closed(c *StreamConn)
}

// HalfCloser is a StreamHandler that hears when one direction of a
// connection ends (its FIN or RST reassembled), before the connection
// closes: a message delimited by the close ends there.
type HalfCloser interface {
	HalfClosed(c *StreamConn, fromClient bool)
}

// Batcher is a StreamHandler that hears when the Reassembler flushes many
// connections at once: those idle past the timeout, the longest idle past
// the cap on connections, every one at the end of the capture. gopacket's
// reassembly visits them in no fixed order (its map's), so a handler whose
// output follows the order of its calls holds what they produce from
// FlushStarted to FlushEnded and puts it in an order of its own. No
// packet's bytes come in between: only the flushed connections'.
type Batcher interface {
	FlushStarted()
	FlushEnded()
}

// StreamConn is one reassembled TCP connection.
type StreamConn struct {
	// Client and Server are the two ends; the client is the side that
	// sent the first packet seen (the SYN, when it was captured).
	Client, Server netip.AddrPort
	// State is the handler's own per-connection state.
	State any

	consumed [2]int // bytes consumed by the handler in the current call
}

// Reassembly limits.
const (
	maxBufferedPagesTotal = 8192 // about 16 MiB of out-of-order data in all
	// maxBufferedPagesPerConn is how many segments past a hole a
	// connection buffers before the hole is given up as never captured
	// and the bytes after it are delivered (a Gap). tshark does not wait
	// at all; 128 kept a lost segment's later messages back so long that
	// an HTTP client's next requests were given up as unanswered.
	maxBufferedPagesPerConn = 16
	streamIdleTimeout       = 2 * time.Minute
	flushEvery              = 30 * time.Second // of capture time
)

// Reassembler reassembles the TCP connections an observer feeds it, in
// capture time, with gopacket's reassembly package. Memory is bounded: out of
// order data is buffered up to fixed page limits, and connections idle for
// two minutes of capture time are closed.
type Reassembler struct {
	h         StreamHandler
	asm       *reassembly.Assembler
	lastFlush time.Time
	now       time.Time

	// Live connections, for the cap on them (SetMaxConns).
	live     map[*stream]struct{}
	maxConns int
	evicted  int

	// cur is the stream the segment being added went to, curDir its
	// direction (Accept).
	cur    *stream
	curDir int
}

// fillerFrame marks the bytes of a filler segment (Reassembler.fill): a
// hole the other side acknowledged, so never to be captured.
const fillerFrame = -1

// maxFill bounds the hole one filler covers; a larger one is left to the
// buffered-page limit.
const maxFill = 1 << 20

var zeros [64 << 10]byte

// maxFillerSearch bounds the search for a filler's bytes in a delivery.
const maxFillerSearch = 4096

// DefaultMaxConns is how many connections a Reassembler holds at once
// unless SetMaxConns says otherwise.
const DefaultMaxConns = 100000

// SetMaxConns caps the connections held at once (n <= 0: DefaultMaxConns).
// Past the cap, the longest idle tenth of them are closed, as an idle
// timeout would close them (their handler sees Closed), and counted in
// Evicted: memory stays bounded whatever a capture opens.
func (r *Reassembler) SetMaxConns(n int) {
	if n <= 0 {
		n = DefaultMaxConns
	}
	r.maxConns = n
}

// Conns returns how many connections are held now.
func (r *Reassembler) Conns() int { return len(r.live) }

// Evicted returns how many connections were closed early to respect the
// cap on connections held.
func (r *Reassembler) Evicted() int { return r.evicted }

// evict closes the longest idle connections, down to nine tenths of the
// cap: one O(n) round per tenth of the cap, so amortised constant time per
// connection.
func (r *Reassembler) evict() {
	seen := make([]int64, 0, len(r.live))
	for s := range r.live {
		seen = append(seen, s.lastSeen.UnixNano())
	}
	excess := len(r.live) - r.maxConns*9/10
	if excess <= 0 {
		return
	}
	slices.Sort(seen)
	// Close every connection last seen at or before the excess-th oldest
	// time: at least excess of them (more when times tie, as equally
	// idle), even when a capture gives every packet the same timestamp.
	cutoff := time.Unix(0, seen[min(excess, len(seen))-1]+1)
	before := len(r.live)
	r.asm.FlushCloseOlderThan(cutoff)
	r.evicted += before - len(r.live)
}

// NewReassembler returns a Reassembler that reports to h.
func NewReassembler(h StreamHandler) *Reassembler {
	r := &Reassembler{h: h, live: map[*stream]struct{}{}, maxConns: DefaultMaxConns}
	pool := reassembly.NewStreamPool(&streamFactory{r: r})
	r.asm = reassembly.NewAssembler(pool)
	r.asm.MaxBufferedPagesTotal = maxBufferedPagesTotal
	r.asm.MaxBufferedPagesPerConnection = maxBufferedPagesPerConn
	return r
}

// assemblyContext carries a segment's time and frame number through
// reassembly, so that every reassembled byte can be traced to its frame.
// Its capture info has the time and, in InterfaceIndex (which reassembly
// carries and never reads), the frame number; reassembly reads only the
// time, and nothing here the lengths, which it leaves out. It is 24 bytes
// with no pointer, one allocation per segment: the time is kept as Unix
// seconds and nanoseconds and given back in UTC, as the capture readers
// give it.
type assemblyContext struct {
	sec  int64
	num  int64
	nsec int32
}

func newContext(t time.Time, frame int) *assemblyContext {
	return &assemblyContext{sec: t.Unix(), nsec: int32(t.Nanosecond()), num: int64(frame)}
}

func (c *assemblyContext) GetCaptureInfo() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: time.Unix(c.sec, int64(c.nsec)).UTC(), InterfaceIndex: int(c.num)}
}

// frame is the number of the frame of the segment c came with.
func (c *assemblyContext) frame() int { return int(c.num) }

// Add feeds one TCP segment. Packets without TCP, or IP fragments, are
// ignored.
func (r *Reassembler) Add(p *Packet) {
	if p.TCP == nil || p.Fragment {
		return
	}
	var flow gopacket.Flow
	switch {
	case p.IPv4 != nil:
		flow = p.IPv4.NetworkFlow()
	case p.IPv6 != nil:
		flow = p.IPv6.NetworkFlow()
	default:
		return
	}
	r.now = p.Timestamp
	r.cur = nil
	ctx := newContext(p.Timestamp, p.Number)
	if t := p.TCP; t.FIN && !t.SYN && !t.RST && len(t.Payload) > 0 {
		// gopacket's reassembly moves a direction's next sequence number
		// one past the end of everything a FIN segment makes contiguous,
		// not past the FIN itself: when out-of-order data queued beyond
		// the FIN is delivered with it, one byte that follows is skipped,
		// and the bytes the handler left unconsumed are dropped, without
		// a Gap. Feed the data and the FIN as two segments, so that the
		// FIN, if data lies beyond it, is ignored as gopacket ignores any
		// FIN before the next sequence number, and otherwise ends the
		// stream as before (the handler is offered its unconsumed bytes
		// once more, as after a bare FIN).
		data, fin := *t, *t
		data.FIN = false
		fin.Seq, fin.Payload = t.Seq+uint32(len(t.Payload)), nil
		r.asm.AssembleWithContext(flow, &data, ctx)
		r.asm.AssembleWithContext(flow, &fin, ctx)
	} else {
		r.asm.AssembleWithContext(flow, p.TCP, ctx)
	}
	if s := r.cur; s != nil {
		r.cur = nil
		r.fillAcked(s, r.curDir, p, flow)
	}
	if len(r.live) > r.maxConns {
		r.batch(r.evict)
	}
	if p.Timestamp.Sub(r.lastFlush) >= flushEvery {
		r.lastFlush = p.Timestamp
		r.batch(func() { r.asm.FlushCloseOlderThan(p.Timestamp.Add(-streamIdleTimeout)) })
	}
}

// batch runs a flush of many connections, telling a Batcher handler.
func (r *Reassembler) batch(flush func()) {
	b, ok := r.h.(Batcher)
	if ok {
		b.FlushStarted()
	}
	flush()
	if ok {
		b.FlushEnded()
	}
}

// fillAcked gives up at once a hole that the other side acknowledged:
// bytes it received, that the capture missed (Wireshark's "ACKed unseen
// segment"), so never to come. gopacket's reassembly would wait for them
// until maxBufferedPagesPerConn segments pile up behind the hole, holding
// back the messages after it that tshark dissects as they come. After p
// went to stream s in direction d, a hole in either direction before
// segments it holds that the other side has acknowledged is filled, up
// to the acknowledgement or the held segments, with a filler segment
// whose bytes ReassembledSG reports as a Gap; the held segments follow
// at once.
func (r *Reassembler) fillAcked(s *stream, d int, p *Packet, flow gopacket.Flow) {
	t := p.TCP
	for x := range 2 {
		y := 1 - x // the side whose acknowledgement counts
		if !s.ahead[x] || !s.expOK[x] || !s.ackOK[y] || !after(s.ack[y], s.exp[x]) {
			continue
		}
		end := s.ack[y]
		if after(end, s.minAhead[x]) {
			end = s.minAhead[x]
		}
		if x == d {
			r.fill(s, x, flow, t.SrcPort, t.DstPort, s.exp[x], end, p)
		} else {
			r.fill(s, x, flow.Reverse(), t.DstPort, t.SrcPort, s.exp[x], end, p)
		}
	}
}

// after reports whether sequence number a comes after b.
func after(a, b uint32) bool { return int32(a-b) > 0 }

// fill assembles filler segments over [from, to) in direction d.
func (r *Reassembler) fill(s *stream, d int, flow gopacket.Flow, sp, dp layers.TCPPort, from, to uint32, p *Packet) {
	n := int(to - from)
	if n <= 0 || n > maxFill || s.ended[d] {
		return
	}
	for n > 0 {
		k := min(n, len(zeros))
		// Decoded from a header, so that gopacket's flow of it (from
		// the header's port bytes) is the connection's.
		var hdr [20]byte
		binary.BigEndian.PutUint16(hdr[0:], uint16(sp))
		binary.BigEndian.PutUint16(hdr[2:], uint16(dp))
		binary.BigEndian.PutUint32(hdr[4:], from)
		hdr[12] = 5 << 4
		seg := &layers.TCP{}
		if seg.DecodeFromBytes(hdr[:], gopacket.NilDecodeFeedback) != nil {
			return
		}
		seg.Payload = zeros[:k]
		ctx := newContext(p.Timestamp, fillerFrame)
		s.fill[d] = k
		r.asm.AssembleWithContext(flow, seg, ctx)
		s.fill[d] = 0
		from += uint32(k)
		n -= k
	}
}

// Flush delivers everything still buffered and closes every connection; call
// it at the end of the capture.
func (r *Reassembler) Flush() {
	r.batch(func() { r.asm.FlushAll() })
}

type streamFactory struct{ r *Reassembler }

func (f *streamFactory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	src, dst := netFlow.Endpoints()
	sa, _ := netip.AddrFromSlice(src.Raw())
	da, _ := netip.AddrFromSlice(dst.Raw())
	// The addresses as Packet.SrcIP and DstIP give them (an IPv4-mapped
	// IPv6 address stays one), so handlers can key their state by either.
	s := &stream{r: f.r, lastSeen: f.r.now, conn: &StreamConn{
		Client: netip.AddrPortFrom(sa, uint16(tcp.SrcPort)),
		Server: netip.AddrPortFrom(da, uint16(tcp.DstPort)),
	}}
	f.r.live[s] = struct{}{}
	return s
}

type stream struct {
	r        *Reassembler
	conn     *StreamConn
	lastSeen time.Time

	// Per direction (client's first): the next sequence number gopacket
	// expects as of its latest segment (exp, when expOK); whether a
	// segment beyond it is held (ahead) and the lowest such (minAhead);
	// the highest acknowledgement the direction sent (ack, when ackOK);
	// filler bytes being assembled (fill); bytes the handler left
	// unconsumed in the latest Data call (kept).
	exp, minAhead, ack [2]uint32
	expOK, ahead       [2]bool
	ackOK              [2]bool
	ended              [2]bool // a FIN or RST was accepted: no filler (gopacket may start a new connection for it)
	fill, kept         [2]int
}

func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, ac reassembly.AssemblerContext) bool {
	d := 0
	if dir != reassembly.TCPDirClientToServer {
		d = 1
	}
	if c, ok := ac.(*assemblyContext); ok && c.frame() == fillerFrame &&
		(s.fill[d] == 0 || nextSeq < 0 || uint32(nextSeq) != tcp.Seq) {
		// A filler not exactly where this stream goes on (the
		// bookkeeping below lost step with gopacket's, or gopacket
		// started a new connection for it): refused, so that it is never
		// held and delivered later as if it were data.
		return false
	}
	*start = true // a capture may begin in the middle of a connection
	s.lastSeen = ci.Timestamp
	if c, ok := ac.(*assemblyContext); !ok || c.frame() != fillerFrame {
		s.r.cur, s.r.curDir = s, d
	}
	if tcp.ACK && (!s.ackOK[d] || after(tcp.Ack, s.ack[d])) {
		s.ack[d], s.ackOK[d] = tcp.Ack, true
	}
	if tcp.FIN || tcp.RST {
		s.ended[d] = true
	}
	// Follow gopacket's next sequence number (it takes this segment as
	// the start when it knows none).
	end := tcp.Seq + uint32(len(tcp.Payload))
	if tcp.SYN {
		end++
	}
	if tcp.FIN {
		end++
	}
	next := uint32(nextSeq)
	switch {
	case nextSeq < 0, !after(tcp.Seq, next):
		if nextSeq < 0 || after(end, next) {
			next = end
		}
		s.exp[d], s.expOK[d] = next, true
		if s.ahead[d] && !after(s.minAhead[d], next) {
			s.ahead[d] = false
		}
	default: // beyond a hole: held
		s.exp[d], s.expOK[d] = next, true
		if !s.ahead[d] || after(s.minAhead[d], tcp.Seq) {
			s.minAhead[d] = tcp.Seq
		}
		s.ahead[d] = true
	}
	return true
}

func (s *stream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, end, skip := sg.Info()
	fromClient := dir == reassembly.TCPDirClientToServer
	if end {
		if hc, ok := s.r.h.(HalfCloser); ok {
			defer hc.HalfClosed(s.conn, fromClient)
		}
	}
	if skip > 0 {
		s.r.h.Gap(s.conn, fromClient, skip)
	}
	avail, _ := sg.Lengths()
	if avail == 0 {
		return
	}
	data := sg.Fetch(avail)
	d := 0
	if !fromClient {
		d = 1
	}
	frameAt := func(off int) (int, time.Time) {
		ci := sg.CaptureInfo(off)
		return ci.InterfaceIndex, ci.Timestamp // 0 where reassembly has no context
	}
	base := 0
	if s.fill[d] > 0 {
		// The filler follows the bytes kept from the last call (real
		// ones): those and the filler are a hole. Its bytes are found
		// by their frame, not trusted to be where the count says.
		k := s.kept[d]
		if f, _ := frameAt(min(k, avail-1)); f != fillerFrame {
			// Not where the kept bytes end: look a little further; past
			// that (never seen), give up the whole call as lost rather
			// than hand the filler's bytes on as data.
			k = 0
			for k < min(avail, maxFillerSearch) {
				if f, _ := frameAt(k); f == fillerFrame {
					break
				}
				k++
			}
			if k == maxFillerSearch && k < avail {
				s.r.h.Gap(s.conn, fromClient, avail)
				s.kept[d] = 0
				return
			}
		}
		if k < avail {
			n := sort.Search(min(s.fill[d], avail-k), func(i int) bool {
				f, _ := frameAt(k + i)
				return f != fillerFrame
			})
			s.r.h.Gap(s.conn, fromClient, n)
			base = k + n
			s.kept[d] = 0
			if base == avail {
				return
			}
		}
	}
	s.conn.consumed[d] = avail - base
	at := frameAt
	if base > 0 {
		at = func(off int) (int, time.Time) { return frameAt(base + off) }
	}
	s.r.h.Data(s.conn, fromClient, data[base:], at)
	s.kept[d] = 0
	if c := base + s.conn.consumed[d]; c < avail {
		sg.KeepFrom(c)
		s.kept[d] = avail - c
	}
}

func (s *stream) ReassemblyComplete(ac reassembly.AssemblerContext) bool {
	delete(s.r.live, s)
	s.r.h.Closed(s.conn)
	return true
}

// Consumed returns how many bytes of the current Data call the handler
// consumed.
func (c *StreamConn) Consumed(fromClient bool) int {
	if fromClient {
		return c.consumed[0]
	}
	return c.consumed[1]
}

// Consume tells the Reassembler how many bytes of the data offered in the
// current Data call the handler consumed; bytes after that are offered again.
// A handler that never calls it consumes everything.
func (c *StreamConn) Consume(fromClient bool, n int) {
	d := 0
	if !fromClient {
		d = 1
	}
	c.consumed[d] = n
}
