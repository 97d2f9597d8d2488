package http

import (
	"bytes"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// recorder is an h1Handler that checks the parser's offsets and records
// what it read.
type recorder struct {
	t        *testing.T
	n        int // bytes in the current push
	messages int
	bodyBuf  bytes.Buffer
	orphans  bytes.Buffer
}

func (r *recorder) check(off int) {
	if off < -1 || off > r.n {
		r.t.Fatalf("offset %d outside a push of %d bytes", off, r.n)
	}
}
func (r *recorder) begin(off int) { r.check(off) }
func (r *recorder) header(m *h1Msg, end int) bodyMode {
	r.check(end)
	r.messages++
	switch {
	case m.te && m.chunked:
		return bodyChunked
	case m.clen > 0:
		return bodyLength
	case !m.request && m.status != 204 && m.status != 304:
		return bodyClose
	}
	return bodyNone
}
func (r *recorder) body(p []byte, end int)        { r.check(end); r.bodyBuf.Write(p) }
func (r *recorder) done(end int, _ bool, _ error) { r.check(end) }
func (r *recorder) tunnel(_ []byte, off int)      { r.check(off) }
func (r *recorder) orphan(p []byte, end int)      { r.check(end); r.orphans.Write(p) }
func (r *recorder) strayStart()                   {}
func (r *recorder) junk(off, n int, _ error) {
	r.check(off)
	if n < 0 {
		r.t.Fatalf("junk of %d bytes", n)
	}
}

// parse pushes data to a fresh parser in pieces of size n.
func parse(t *testing.T, data []byte, n int) *recorder {
	r := &recorder{t: t}
	p := &h1Parser{h: r}
	for len(data) > 0 {
		k := min(n, len(data))
		r.n = k
		p.push(data[:k])
		data = data[k:]
	}
	p.close()
	return r
}

// FuzzH1 parses bytes as one direction of an HTTP/1 connection, whole and
// one byte at a time: offsets stay inside each push, the header buffer
// stays bounded, and the split does not change what is read.
func FuzzH1(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))                                                        // minimal request
	f.Add([]byte("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n"))                 // body then pipelined request
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n")) // chunked with extension and trailer
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc"))                     // conflicting lengths
	f.Add([]byte("HTTP/1.1 200 OK\n X: folded\n\nbody until close"))                                          // bare LF, obs-fold
	f.Add([]byte("OPTIONS\nHost: www.google.com\n\n"))                                                        // no target
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n"))                 // huge chunk
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := parse(t, data, len(data)+1)
		bytewise := parse(t, data, 1)
		if whole.messages != bytewise.messages || !bytes.Equal(whole.bodyBuf.Bytes(), bytewise.bodyBuf.Bytes()) {
			t.Fatalf("whole: %d messages, body %q; byte by byte: %d, %q", whole.messages, whole.bodyBuf.Bytes(), bytewise.messages, bytewise.bodyBuf.Bytes())
		}
	})
}

// FuzzChunked checks the chunked decoder: an encoding of a body decodes to
// it, however the bytes are split.
func FuzzChunked(f *testing.F) {
	f.Add([]byte("hello world"), uint8(3), uint8(1))
	f.Add([]byte{}, uint8(1), uint8(7))
	f.Fuzz(func(t *testing.T, body []byte, size, split uint8) {
		var b bytes.Buffer
		b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		rest := body
		for len(rest) > 0 {
			n := min(int(size)+1, len(rest))
			b.WriteString(strconvHex(n) + "\r\n")
			b.Write(rest[:n])
			b.WriteString("\r\n")
			rest = rest[n:]
		}
		b.WriteString("0\r\n\r\n")
		r := parse(t, b.Bytes(), int(split)+1)
		if r.messages != 1 || !bytes.Equal(r.bodyBuf.Bytes(), body) {
			t.Fatalf("decoded %d messages, body %q, want %q", r.messages, r.bodyBuf.Bytes(), body)
		}
	})
}

func strconvHex(n int) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n&15]}, b...)
		n >>= 4
	}
	return string(b)
}

// FuzzH2 feeds bytes as the two directions of an HTTP/2 connection (the
// client's after the preface): nothing panics and every stream ends.
func FuzzH2(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00"), []byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00"))
	// HEADERS on stream 1 with END_STREAM and END_HEADERS: :method GET (0x82), :path / (0x84), :scheme http (0x86).
	f.Add([]byte("\x00\x00\x03\x01\x05\x00\x00\x00\x01\x82\x84\x86"), []byte("\x00\x00\x01\x01\x05\x00\x00\x00\x01\x88"))
	f.Fuzz(func(t *testing.T, client, server []byte) {
		cfg, err := newConfig(Input{Thresholds: analyzer.NewThresholds(detectors.Params())}, Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(cfg)
		c := &conn{o: o}
		h := newH2Conn(c, nil)
		at := func(int) (int, time.Time) { return 1, time.Unix(1, 0) }
		h.push(true, []byte(h2Preface), at)
		for i := 0; i < max(len(client), len(server)); i += 7 {
			if i < len(client) {
				h.push(true, client[i:min(i+7, len(client))], at)
			}
			if i < len(server) {
				h.push(false, server[i:min(i+7, len(server))], at)
			}
		}
		h.close()
		if len(h.streams) != 0 {
			t.Fatalf("%d streams left open after close", len(h.streams))
		}
		if o.sum.Transactions != o.matched {
			t.Fatalf("%d transactions, %d matched with no filter", o.sum.Transactions, o.matched)
		}
	})
}

// TestOrphanAfterHole: the bytes after a hole between messages, up to the
// next start line, go to orphan (a body whose header was lost), in pieces
// of any size; bytes that follow no hole never do.
func TestOrphanAfterHole(t *testing.T) {
	body := "<html>\n<p>GET / is no start line</p>\nGETTING neither\n</html>\n"
	next := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, n := range []int{1, 7, len(body) + len(next)} {
		r := &recorder{t: t}
		p := &h1Parser{h: r}
		p.gap(238)
		data := []byte(body + next)
		for len(data) > 0 {
			k := min(n, len(data))
			r.n = k
			p.push(data[:k])
			data = data[k:]
		}
		if r.orphans.String() != body || r.messages != 1 || r.bodyBuf.String() != "ok" {
			t.Errorf("pieces of %d: orphan %q, %d messages, body %q", n, r.orphans.String(), r.messages, r.bodyBuf.String())
		}
		r = &recorder{t: t, n: len(body)}
		p = &h1Parser{h: r}
		p.push([]byte(body))
		if r.orphans.Len() != 0 {
			t.Errorf("orphan without a hole: %q", r.orphans.String())
		}
	}
}
