package sip

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// flowKind is what a followed TCP connection carries.
type flowKind uint8

const (
	flowSIP     flowKind = iota + 1 // SIP messages back to back (RFC 3261 §18.3)
	flowSIPPort                     // the same on port 5060, seen first in the middle of a message
	flowWS                          // an HTTP upgrade, then WebSocket frames with SIP (RFC 7118)
)

// flowKey is a TCP connection's two ends, in a fixed order.
type flowKey struct{ a, b netip.AddrPort }

func keyOf(x, y netip.AddrPort) flowKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return flowKey{x, y}
}

// connState is the handler's state of one TCP connection.
type connState struct {
	kind flowKind
	dir  [2]dirState // from the client, from the server
}

// waitKind is what the bytes held for one direction wait for before they
// are parsed again, so that a message arriving a few bytes per segment is
// not parsed again from its start for every segment.
type waitKind uint8

const (
	waitAny    waitKind = iota // any new byte
	waitLine                   // a line end (or more than maxHeaderBytes held)
	waitHeader                 // a line end; the header scan resumes where it stopped
	waitLen                    // need bytes held in all
)

// dirState is the state of one direction of a connection.
type dirState struct {
	skip     int  // bytes still to discard: an oversized body or WebSocket payload
	skipLine bool // discard up to the end of the current line (one too long to be SIP)
	resync   bool // bytes were lost: skip quietly to the next start line
	ws       bool // the connection carries WebSocket frames
	upgraded bool // WebSocket: the HTTP upgrade request or response was read
	dead     bool // WebSocket: the direction cannot be followed
	frag     []byte
	fragging bool // WebSocket: a fragmented message is being collected
	fragDrop bool // ... and will be dropped (too large or compressed)

	// pend holds the bytes of an unfinished message (or WebSocket frame)
	// across segments: the module keeps them itself, in one buffer bounded
	// by maxMessageBytes, rather than leaving them to the reassembler,
	// whose pages of 1,900 bytes hold as little as one segment's bytes
	// each. pendFrame and pendTime are where its first byte came from.
	pend      []byte
	pendFrame int
	pendTime  time.Time
	wait      waitKind
	need      int // waitLen: bytes pend must reach
	scanPos   int // waitHeader: offset in pend of the first line not scanned yet
	scanClen  int // waitHeader: Content-Length seen so far

	// held is the bytes this direction holds (pend and frag, by capacity),
	// charged to the stream budget; directions holding bytes form a list
	// from the longest idle (observer.heldFirst) to the latest.
	held       int
	prev, next *dirState
	listed     bool
}

// ready reports whether the bytes held, with data just added to them, may
// complete what they wait for.
func (ds *dirState) ready(data []byte) bool {
	switch ds.wait {
	case waitLine, waitHeader:
		return bytes.IndexByte(data, '\n') >= 0 || len(ds.pend) > maxHeaderBytes
	case waitLen:
		return len(ds.pend) >= ds.need
	}
	return true
}

type atFunc = func(offset int) (frame int, t time.Time)

// Data receives the reassembled bytes of a TCP connection carrying SIP:
// messages back to back, split across segments or packed into one, framed
// by Content-Length; or, after a WebSocket upgrade, WebSocket frames whose
// messages each hold one SIP message. A message is reported at the frame
// that completed it, as Wireshark does. The handler consumes every byte it
// is offered and keeps an unfinished message itself (dirState.pend).
func (o *observer) Data(c *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	st, _ := c.State.(*connState)
	if st == nil {
		st = &connState{kind: o.flows[keyOf(c.Client, c.Server)]}
		switch st.kind {
		case flowSIPPort:
			// What precedes the first start line is the rest of a message
			// sent before the capture began: skip it quietly.
			st.kind, st.dir[0].resync, st.dir[1].resync = flowSIP, true, true
		case flowWS:
			st.dir[0].ws, st.dir[1].ws = true, true
		}
		c.State = st
	}
	src, dst, d := c.Client, c.Server, 0
	if !fromClient {
		src, dst, d = dst, src, 1
	}
	ds := &st.dir[d]
	buf, bufAt := data, atFunc(at)
	if len(ds.pend) > 0 {
		held := len(ds.pend)
		ds.pend = append(ds.pend, data...)
		if !ds.ready(data) {
			o.charge(ds)
			return
		}
		buf = ds.pend
		frame, t := ds.pendFrame, ds.pendTime
		bufAt = func(off int) (int, time.Time) {
			if off < held {
				return frame, t
			}
			return at(off - held)
		}
	}
	wait := ds.wait
	ds.wait = waitAny
	var n int
	if st.kind == flowWS {
		n = o.wsData(ds, fromClient, src, dst, buf, bufAt)
	} else {
		n = o.sipData(ds, wait, src, dst, buf, bufAt)
	}
	o.keep(ds, buf, n, bufAt)
}

// keep holds buf[n:], what Data could not use yet, in ds.pend, in a
// buffer no larger than it needs to be, and charges it to the budget.
func (o *observer) keep(ds *dirState, buf []byte, n int, at atFunc) {
	rest := buf[n:]
	switch {
	case len(rest) == 0:
		ds.pend = nil
	case len(ds.pend) > 0 && &buf[0] == &ds.pend[0] && cap(ds.pend) <= 2*len(rest)+4096:
		if n > 0 {
			ds.pendFrame, ds.pendTime = at(n)
		}
		ds.pend = ds.pend[:copy(ds.pend, rest)]
	default:
		ds.pendFrame, ds.pendTime = at(n)
		ds.pend = append(make([]byte, 0, len(rest)+len(rest)/4), rest...)
	}
	o.charge(ds)
}

// charge updates the bytes ds holds, and evicts the longest idle
// direction's unfinished message while the stream budget is exceeded.
func (o *observer) charge(ds *dirState) {
	if len(ds.frag) == 0 && !ds.fragging {
		ds.frag = nil
	}
	held := cap(ds.pend) + cap(ds.frag)
	o.streamHeld += held - ds.held
	ds.held = held
	o.unlist(ds)
	if held > 0 {
		// The latest direction to hold bytes goes last.
		ds.prev, ds.listed = o.heldLast, true
		if o.heldLast != nil {
			o.heldLast.next = ds
		} else {
			o.heldFirst = ds
		}
		o.heldLast = ds
	}
	for o.streamHeld > o.cfg.lim.streamBytes && o.heldFirst != nil {
		o.drop(o.heldFirst)
	}
	o.streamPeak = max(o.streamPeak, o.streamHeld)
}

func (o *observer) unlist(ds *dirState) {
	if !ds.listed {
		return
	}
	if ds.prev != nil {
		ds.prev.next = ds.next
	} else {
		o.heldFirst = ds.next
	}
	if ds.next != nil {
		ds.next.prev = ds.prev
	} else {
		o.heldLast = ds.prev
	}
	ds.prev, ds.next, ds.listed = nil, nil, false
}

// drop forgets the unfinished message a direction holds, to keep within
// the stream budget: the direction skips to the next start line (a
// WebSocket direction, whose frame boundaries go with it, is no longer
// followed).
func (o *observer) drop(ds *dirState) {
	o.streamDropped++
	if ds.ws {
		ds.dead = true
	} else {
		ds.resync, ds.skip, ds.skipLine = true, 0, false
	}
	ds.pend, ds.frag, ds.fragging, ds.fragDrop, ds.wait = nil, nil, false, false, waitAny
	o.release(ds)
}

// release stops charging what ds holds.
func (o *observer) release(ds *dirState) {
	o.streamHeld -= ds.held
	ds.held = 0
	o.unlist(ds)
}

// Gap notes bytes lost from one direction: what follows may start in the
// middle of a message, and the message held is lost.
func (o *observer) Gap(c *engine.StreamConn, fromClient bool, missing int) {
	st, _ := c.State.(*connState)
	if st == nil {
		return
	}
	d := 0
	if !fromClient {
		d = 1
	}
	ds := &st.dir[d]
	ds.pend, ds.wait = nil, waitAny
	defer o.charge(ds)
	if st.kind == flowWS {
		// Frame boundaries are lost with the bytes.
		ds.dead = ds.upgraded
		return
	}
	ds.skip = max(0, ds.skip-missing)
	ds.resync = ds.skip == 0
}

// Closed forgets a connection.
func (o *observer) Closed(c *engine.StreamConn) {
	delete(o.flows, keyOf(c.Client, c.Server))
	if st, _ := c.State.(*connState); st != nil {
		for d := range st.dir {
			o.release(&st.dir[d])
			st.dir[d].pend, st.dir[d].frag = nil, nil
		}
	}
}

// sipData splits SIP messages off a stream and returns how many bytes it
// consumed; an incomplete message is left for the next call, with what it
// waits for in ds.wait (wait is what it waited for before this call).
func (o *observer) sipData(ds *dirState, wait waitKind, src, dst netip.AddrPort, data []byte, at atFunc) int {
	off := 0
	for off < len(data) {
		if ds.skip > 0 {
			n := min(ds.skip, len(data)-off)
			ds.skip -= n
			off += n
			continue
		}
		if ds.skipLine {
			i := bytes.IndexByte(data[off:], '\n')
			if i < 0 {
				off = len(data)
				break
			}
			off += i + 1
			ds.skipLine = false
			continue
		}
		// CRLF keep-alives (RFC 5626 §3.5.1) come between messages.
		if data[off] == '\r' || data[off] == '\n' {
			off++
			continue
		}
		rest := data[off:]
		line, whole := firstLine(rest)
		if !whole {
			if len(rest) > maxHeaderBytes { // no SIP line is this long
				o.junkOrResync(ds, off, len(rest), at)
				off, ds.skipLine = len(data), true
				break
			}
			ds.wait = waitLine
			break
		}
		var sl startLine
		if len(line) > maxHeaderBytes || !sl.parse(line) {
			n := nextStart(rest)
			o.junkOrResync(ds, off, n, at)
			off += n
			continue // a start line, or a partial line: the loop waits for its end
		}
		ds.resync = false
		// The header scan resumes where it stopped when this message was
		// held, unfinished, before.
		pos, clen := 0, 0
		if off == 0 && wait == waitHeader {
			pos, clen = ds.scanPos, ds.scanClen
		}
		hdrEnd, clen, pos, complete, tooLong := streamFrame(rest, pos, clen)
		if !complete {
			if tooLong {
				n := len(line) + 1
				o.noteJunk(o.frameAt(at, off), n, errHeaderLong)
				off += n
				continue
			}
			ds.wait, ds.scanPos, ds.scanClen = waitHeader, pos, clen
			break
		}
		if hdrEnd+clen > maxMessageBytes {
			// Report the headers; discard the body as it arrives.
			o.msg.parse(rest[:hdrEnd], false)
			o.msg.bodyLen = clen
			o.msg.fail(errBodyNotKept)
			frame, t := at(off + hdrEnd - 1)
			o.handle(&meta{frame: frame, t: t, src: src, dst: dst, transport: "TCP"})
			avail := min(len(rest)-hdrEnd, clen)
			ds.skip = clen - avail
			off += hdrEnd + avail
			continue
		}
		n := hdrEnd + clen
		if n > len(rest) {
			ds.wait, ds.need = waitLen, n
			break
		}
		o.msg.parse(rest[:n], false)
		frame, t := at(off + n - 1)
		o.handle(&meta{frame: frame, t: t, src: src, dst: dst, transport: "TCP"})
		off += n
	}
	return off
}

// nextStart returns the offset in b of the next line after the first that
// is a start line, or the offset after the last complete line.
func nextStart(b []byte) int {
	pos := 0
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return pos
		}
		pos += i + 1
		if isStart(b[pos:]) {
			return pos
		}
	}
}

// junkOrResync counts n bytes that are not SIP, unless they follow lost
// bytes (then they are the rest of a message whose start was lost).
func (o *observer) junkOrResync(ds *dirState, off, n int, at atFunc) {
	if n == 0 || ds.resync {
		return
	}
	o.noteJunk(o.frameAt(at, off), n, nil)
}

func (o *observer) frameAt(at atFunc, off int) int {
	f, _ := at(off)
	return f
}

// isSIPUpgrade reports whether a TCP payload is an HTTP request to upgrade
// to WebSocket with the "sip" subprotocol (RFC 7118 §4.1:
// Sec-WebSocket-Protocol: sip).
func isSIPUpgrade(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("GET ")) {
		return false
	}
	if end := bytes.Index(b, []byte("\r\n\r\n")); end >= 0 {
		b = b[:end]
	}
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = trimCR(b[:i]), b[i+1:]
		} else {
			line, b = b, nil
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || !equalFoldASCII(bytes.TrimSpace(name), "sec-websocket-protocol") {
			continue
		}
		for _, p := range bytes.Split(value, []byte{','}) {
			if equalFoldASCII(bytes.TrimSpace(p), "sip") {
				return true
			}
		}
	}
	return false
}

// wsHeader is a WebSocket frame header (RFC 6455 §5.2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
//	| |1|2|3|       |K|             |                               |
//	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//	|     Extended payload length continued, if payload len == 127  |
//	+ - - - - - - - - - - - - - - - +-------------------------------+
//	|                               |Masking-key, if MASK set to 1  |
//	+-------------------------------+-------------------------------+
//	| Masking-key (continued)       |          Payload Data         |
type wsHeader struct {
	fin, rsv1, masked bool
	opcode            byte
	key               [4]byte
	hdrLen            int
	payloadLen        uint64
}

// parseWSHeader reads the frame header at the start of b; ok is false
// until b holds all of it.
func parseWSHeader(b []byte) (h wsHeader, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.fin, h.rsv1, h.opcode = b[0]&0x80 != 0, b[0]&0x40 != 0, b[0]&0x0f
	h.masked = b[1]&0x80 != 0
	h.hdrLen = 2
	switch n := b[1] & 0x7f; n {
	case 126:
		if len(b) < 4 {
			return h, false
		}
		h.payloadLen, h.hdrLen = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return h, false
		}
		h.payloadLen, h.hdrLen = binary.BigEndian.Uint64(b[2:]), 10
	default:
		h.payloadLen = uint64(n)
	}
	if h.masked {
		if len(b) < h.hdrLen+4 {
			return h, false
		}
		copy(h.key[:], b[h.hdrLen:])
		h.hdrLen += 4
	}
	return h, true
}

// wsData reads the HTTP upgrade and then WebSocket frames, and returns how
// many bytes it consumed.
func (o *observer) wsData(ds *dirState, fromClient bool, src, dst netip.AddrPort, data []byte, at atFunc) int {
	if ds.dead {
		return len(data)
	}
	off := 0
	if !ds.upgraded {
		end := bytes.Index(data, []byte("\r\n\r\n"))
		if end < 0 {
			if len(data) > maxHeaderBytes {
				ds.dead = true
				return len(data)
			}
			ds.wait = waitLine
			return 0
		}
		// The server must agree (101 Switching Protocols) for frames to
		// follow.
		if !fromClient && !(bytes.HasPrefix(data, []byte("HTTP/1.")) && len(data) > 12 && string(data[9:12]) == "101") {
			ds.dead = true
			return len(data)
		}
		ds.upgraded = true
		off = end + 4
	}
	for off < len(data) {
		if ds.skip > 0 {
			n := min(ds.skip, len(data)-off)
			ds.skip -= n
			off += n
			continue
		}
		h, ok := parseWSHeader(data[off:])
		if !ok {
			break
		}
		if h.payloadLen > maxMessageBytes {
			// Too large to keep: drop the message it belongs to, counted
			// once, at its last frame.
			switch {
			case h.opcode >= 8: // a control frame: not SIP
			case h.fin:
				o.wsDropped++
				ds.frag, ds.fragging, ds.fragDrop = nil, false, false
			default:
				ds.fragging, ds.fragDrop = true, true
			}
			off += h.hdrLen
			ds.skip = int(min(h.payloadLen, 1<<62))
			continue
		}
		end := off + h.hdrLen + int(h.payloadLen)
		if end > len(data) {
			ds.wait, ds.need = waitLen, end-off
			break
		}
		payload := data[off+h.hdrLen : end]
		if h.masked {
			o.wsBuf = append(o.wsBuf[:0], payload...)
			for i := range o.wsBuf {
				o.wsBuf[i] ^= h.key[i&3]
			}
			payload = o.wsBuf
		}
		switch h.opcode {
		case 0: // continuation
			if ds.fragging {
				if len(ds.frag)+len(payload) > maxMessageBytes {
					ds.fragDrop = true
				}
				if ds.fragDrop {
					ds.frag = nil
				} else {
					ds.frag = append(ds.frag, payload...)
				}
				if h.fin {
					if ds.fragDrop {
						o.wsDropped++
					} else {
						o.wsMessage(ds.frag, end, src, dst, at)
					}
					ds.frag, ds.fragging, ds.fragDrop = nil, false, false
				}
			}
		case 1, 2: // text, binary
			switch {
			case h.rsv1:
				// permessage-deflate (RFC 7692) compressed it; the module
				// does not inflate. Counted once, at its last frame.
				if h.fin {
					o.wsDropped++
				}
				ds.fragging, ds.fragDrop = !h.fin, !h.fin
			case h.fin:
				o.wsMessage(payload, end, src, dst, at)
			default:
				ds.frag, ds.fragging, ds.fragDrop = append([]byte(nil), payload...), true, false
			}
		}
		off = end
	}
	return off
}

// wsMessage handles one WebSocket message: one SIP message (RFC 7118 §5).
func (o *observer) wsMessage(b []byte, end int, src, dst netip.AddrPort, at atFunc) {
	if !isStart(b) {
		return
	}
	o.msg.parse(b, true)
	frame, t := at(end - 1)
	o.handle(&meta{frame: frame, t: t, src: src, dst: dst, transport: "WS"})
}
