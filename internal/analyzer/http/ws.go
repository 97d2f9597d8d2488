package http

import "github.com/mcpacket/mcpacket/internal/dissect"

// After a 101 to "Upgrade: websocket" each direction of a connection is a
// sequence of WebSocket frames (RFC 6455 §5.2). The module does not list
// their messages; it frames them so that the Annotator can say, as
// tshark 4.0 shows them, which segment ends a frame (http:websocket and
// the payload's protocol; the segments before it are tcp) and what the
// payload is: SIP when the handshake chose the "sip" subprotocol (RFC
// 7118), else data-text-lines for text, data for binary, nothing for an
// empty payload or a control frame (close, ping, pong).

// wsConn frames both directions of a WebSocket connection.
type wsConn struct {
	sip bool // Sec-WebSocket-Protocol: sip
	dir [2]wsDir
}

// wsDir is one direction's framing state.
type wsDir struct {
	dead   bool     // lost bytes: the frame boundaries are lost with them
	hdr    [14]byte // the header being read
	hn     int      // bytes of it read
	left   uint64   // payload bytes left in the current frame
	opcode byte
	masked bool
	mask   [4]byte
	pos    uint64 // payload bytes read (the mask's phase)
	// sdp is the progress through "\r\n\r\nv=" (a SIP body that is SDP)
	// and sawSDP whether the payload held it.
	sdp    int
	sawSDP bool
}

const sdpMark = "\r\n\r\nv="

// wsHeaderLen is the header's length once its first two bytes are known.
func wsHeaderLen(b0, b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// push frames data, whose byte i is at at(i), and records in the observer
// the frame the latest WebSocket frame ended in and what it carried.
func (w *wsConn) push(o *observer, fromClient bool, data []byte, at atFunc) {
	d := dirOf(&w.dir, fromClient)
	for i := 0; i < len(data) && !d.dead; {
		if d.hn < 2 || d.hn < wsHeaderLen(d.hdr[0], d.hdr[1]) {
			d.hdr[d.hn] = data[i]
			d.hn++
			i++
			if d.hn < 2 || d.hn < wsHeaderLen(d.hdr[0], d.hdr[1]) {
				continue
			}
			d.startFrame()
			if d.left == 0 {
				w.ended(o, d, frameOf(at, i-1))
			}
			continue
		}
		n := int(min(uint64(len(data)-i), d.left))
		if w.sip && d.opcode != 8 && d.opcode != 9 && d.opcode != 10 {
			d.scanSDP(data[i : i+n])
		}
		d.pos += uint64(n)
		d.left -= uint64(n)
		i += n
		if d.left == 0 {
			w.ended(o, d, frameOf(at, i-1))
		}
	}
}

// startFrame reads the complete header in d.hdr.
func (d *wsDir) startFrame() {
	h := d.hdr[:d.hn]
	d.opcode, d.masked = h[0]&0x0f, h[1]&0x80 != 0
	n, off := uint64(h[1]&0x7f), 2
	switch n {
	case 126:
		n, off = uint64(h[2])<<8|uint64(h[3]), 4
	case 127:
		n = 0
		for _, c := range h[2:10] {
			n = n<<8 | uint64(c)
		}
		off = 10
	}
	if d.masked {
		copy(d.mask[:], h[off:off+4])
	}
	d.left, d.pos, d.sdp, d.sawSDP = n, 0, 0, false
}

// scanSDP looks for the mark of an SDP body in the unmasked payload p.
func (d *wsDir) scanSDP(p []byte) {
	for k, c := range p {
		if d.masked {
			c ^= d.mask[(d.pos+uint64(k))%4]
		}
		switch {
		case c == sdpMark[d.sdp]:
			d.sdp++
		case c == '\r':
			d.sdp = 1
		default:
			d.sdp = 0
		}
		if d.sdp == len(sdpMark) {
			d.sawSDP, d.sdp = true, 0
		}
	}
}

// ended records a frame that ended in capture frame frame.
func (w *wsConn) ended(o *observer, d *wsDir, frame int) {
	var payload dissect.Proto
	switch {
	case d.pos == 0 || d.opcode >= 8: // empty, or close, ping, pong
		payload = dissect.ProtoNone
	case w.sip:
		payload = dissect.ProtoSIP
	case d.opcode == 1:
		payload = dissect.ProtoTextLines
	default:
		payload = dissect.ProtoData
	}
	if frame >= o.wsEnded {
		o.wsEnded, o.wsPayload, o.wsSDP = frame, payload, d.sawSDP && payload == dissect.ProtoSIP
	}
	d.hn = 0
}

func (w *wsConn) gap(fromClient bool) { dirOf(&w.dir, fromClient).dead = true }

func frameOf(at atFunc, i int) int {
	f, _ := at(i)
	return f
}
