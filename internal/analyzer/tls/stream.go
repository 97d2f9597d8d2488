package tls

import (
	"time"
)

// msgSink receives what a record stream parser finds in one direction of a
// session. frame and t are those of the packet that completed the item.
type msgSink interface {
	handshake(dir int, typ uint8, body []byte, frame int, t time.Time)
	sslv2Hello(dir int, body []byte, frame int, t time.Time)
	sslv2ServerHello(dir int, body []byte, frame int, t time.Time)
	sslv2Message(dir int, typ uint8, frame int, t time.Time)
	// hold asks for n more bytes of the analysis's budget of unfinished
	// messages (n < 0 gives them back); false: over budget.
	hold(n int) bool
	changeCipherSpec(dir int, frame int, t time.Time)
	alert(dir int, level, desc uint8, encrypted bool, frame int, t time.Time)
	appData(dir int, n int, frame int, t time.Time)
	encryptedHandshake(dir int, frame int, t time.Time)
	badInput(dir int, why string, frame int)
}

// recordParser splits one direction of a TLS-over-TCP stream into records
// and handshake messages (several per record, or one over several).
type recordParser struct {
	hs        []byte // handshake bytes of an unfinished message
	skip      int    // bytes of a record body still to pass (not held)
	skipType  uint8  // the content type of the record being passed
	skipLen   int    // its length
	encrypted bool   // handshake and alerts of this direction are encrypted (after its ChangeCipherSpec in TLS <= 1.2)
	dead      bool   // the stream stopped looking like TLS; nothing more is parsed
	records   int
	sslv2     bool // the direction speaks SSL 2.0 records
	hsSkip    int  // bytes of an oversized handshake message still to pass
	held      int  // bytes of the analysis's budget this parser holds (hold)
}

// feed parses data, contiguous bytes of one direction, and returns how many
// it consumed; the rest (an unfinished record) is offered again with more.
// at maps an offset in data to the frame and time of its packet.
func (p *recordParser) feed(s msgSink, dir int, data []byte, at func(int) (int, time.Time)) int {
	off := 0
	for off < len(data) && !p.dead {
		if p.skip > 0 {
			n := min(p.skip, len(data)-off)
			p.skip -= n
			off += n
			if p.skip == 0 {
				frame, t := at(off - 1)
				p.passed(s, dir, frame, t)
			}
			continue
		}
		b := data[off:]
		if p.sslv2 {
			// SSL 2.0 records after the hellos: the client's
			// CLIENT-MASTER-KEY, then encrypted data.
			if len(b) < 3 {
				return off
			}
			n, hdr := int(b[0]&0x7f)<<8|int(b[1]), 2
			if b[0]&0x80 == 0 {
				n, hdr = int(b[0]&0x3f)<<8|int(b[1]), 3
			}
			if len(b) < hdr+n {
				return off
			}
			frame, t := at(off + hdr + n - 1)
			if p.records == 1 && n > 0 && b[hdr] == 2 {
				s.sslv2Message(dir, 2, frame, t)
			} else {
				s.appData(dir, n, frame, t)
			}
			p.records++
			off += hdr + n
			continue
		}
		if server, client := isSSLv2ServerHello(b), isSSLv2Hello(b); p.records == 0 && (server || client) {
			n := int(b[0]&0x7f)<<8 | int(b[1])
			if len(b) < 2+n {
				return off
			}
			frame, t := at(off + 1 + n)
			if server {
				s.sslv2ServerHello(dir, b[2:2+n], frame, t)
				p.sslv2 = true
			} else {
				s.sslv2Hello(dir, b[2:2+n], frame, t)
				p.sslv2 = b[3] == 0 && b[4] == 2 // SSL 2.0 proper, not an SSLv2-compatible TLS hello
			}
			p.records++
			off += 2 + n
			continue
		}
		if len(b) < 5 {
			return off
		}
		typ, n := b[0], int(b[3])<<8|int(b[4])
		if typ < ctChangeCipherSpec || typ > ctHeartbeat || b[1] != 3 || b[2] > 4 || n > maxRecord {
			if p.records > 0 {
				frame, _ := at(off)
				s.badInput(dir, "bytes that are not a TLS record header where one was due", frame)
			} // else the capture begins inside a record: nothing to judge
			p.dead = true
			return len(data)
		}
		p.records++
		if typ == ctApplicationData || typ == ctHeartbeat || (p.encrypted && typ == ctHandshake) {
			// Pass the body without holding it.
			p.skip, p.skipType, p.skipLen = n, typ, n
			off += 5
			if n == 0 {
				frame, t := at(off - 1)
				p.passed(s, dir, frame, t)
			}
			continue
		}
		if len(b) < 5+n {
			return off
		}
		frame, t := at(off + 4 + n)
		body := b[5 : 5+n]
		off += 5 + n
		switch typ {
		case ctChangeCipherSpec:
			s.changeCipherSpec(dir, frame, t)
		case ctAlert:
			if p.encrypted || n != 2 {
				s.alert(dir, 0, 0, true, frame, t)
			} else {
				s.alert(dir, body[0], body[1], false, frame, t)
			}
		case ctHandshake:
			p.handshake(s, dir, body, frame, t)
		}
	}
	return off
}

// passed reports a record whose body was passed over.
func (p *recordParser) passed(s msgSink, dir int, frame int, t time.Time) {
	switch p.skipType {
	case ctApplicationData:
		s.appData(dir, p.skipLen, frame, t)
	case ctHandshake:
		s.encryptedHandshake(dir, frame, t)
	}
}

// handshake takes the fragment of one handshake record and hands each
// message it completes to s.
func (p *recordParser) handshake(s msgSink, dir int, frag []byte, frame int, t time.Time) {
	if p.hsSkip > 0 { // the rest of a message too large to hold
		n := min(p.hsSkip, len(frag))
		p.hsSkip -= n
		frag = frag[n:]
	}
	buf := frag
	if len(p.hs) > 0 {
		p.hs = append(p.hs, frag...)
		buf = p.hs
	}
	for len(buf) >= 4 {
		n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
		if n > maxHandshake {
			// Too large to hold (a certificate chain of hundreds of
			// KiB): passed over, not decoded.
			p.hsSkip = 4 + n - len(buf)
			p.release(s)
			return
		}
		if len(buf) < 4+n {
			break
		}
		s.handshake(dir, buf[0], buf[4:4+n], frame, t)
		buf = buf[4+n:]
	}
	if len(buf) == 0 {
		p.release(s)
		return
	}
	// Keep the unfinished message (copy: frag belongs to the caller),
	// within the analysis's budget of held bytes.
	want := 4 + len(buf)
	if len(buf) >= 4 {
		want = 4 + (int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3]))
	}
	if want > p.held && !s.hold(want-p.held) {
		if len(buf) >= 4 {
			p.hsSkip = want - len(buf)
		}
		p.release(s)
		return
	}
	p.held = max(p.held, want)
	if len(p.hs) > 0 {
		p.hs = append(p.hs[:0], buf...)
	} else {
		p.hs = append(make([]byte, 0, want), buf...)
	}
}

// release gives back the bytes held for an unfinished message.
func (p *recordParser) release(s msgSink) {
	if p.held > 0 {
		s.hold(-p.held)
	}
	p.hs, p.held = nil, 0
}
