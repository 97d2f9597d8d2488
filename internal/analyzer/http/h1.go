package http

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// The HTTP/1.x message syntax (RFC 9112):
//
//	HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//	request-line   = method SP request-target SP HTTP-version
//	status-line    = HTTP-version SP status-code SP [ reason-phrase ]
//	field-line     = field-name ":" OWS field-value OWS
//	chunked-body   = *chunk last-chunk trailer-section CRLF
//	chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//
// A bare LF ends a line as CRLF does (§2.2). The parser is pushed the bytes
// of one direction as they are reassembled and never holds a body: it holds
// only the header block being read (at most maxHeaderBytes) and a chunk-size
// line.

// maxHeaderBytes bounds a header block (start line, fields, empty line),
// and a trailer section.
const maxHeaderBytes = 64 << 10

// maxChunkLine bounds a chunk-size line with its extensions.
const maxChunkLine = 4 << 10

// Errors of the HTTP/1 parser: malformed messages, counted and reported
// as named anomalies.
var (
	errHeaderTooLarge = errors.New("http: header block larger than 64 KiB")
	errStartLine      = errors.New("http: malformed start line")
	errFieldLine      = errors.New("http: malformed header field line")
	errContentLength  = errors.New("http: invalid Content-Length")
	errChunkSize      = errors.New("http: invalid chunk size line")
	errChunkEnd       = errors.New("http: chunk data not followed by CRLF")
	errTransferCoding = errors.New("http: request with a Transfer-Encoding other than chunked")
	errGap            = errors.New("http: bytes of the message were not captured")
)

// bodyMode is how a message's body is delimited (RFC 9112 §6.3).
type bodyMode uint8

const (
	bodyNone    bodyMode = iota // no body
	bodyLength                  // Content-Length bytes
	bodyChunked                 // chunked transfer coding
	bodyClose                   // until the connection closes
	bodyTunnel                  // the connection switches protocol after the header
)

// field is one header field line, as offsets into the header block.
type field struct{ name, value span }

type span struct{ off, end int32 }

// h1Msg is one parsed header block. Its slices point into the parser's
// buffer: valid until the next message is read.
type h1Msg struct {
	block   []byte
	request bool
	method  []byte
	target  []byte
	version []byte
	status  int
	reason  []byte
	fields  []field
	clen    int64 // Content-Length, or -1
	chunked bool  // Transfer-Encoding ends with chunked
	te      bool  // Transfer-Encoding present
	err     error // malformed (the message is still reported when its start line parsed)
}

func (m *h1Msg) bytesOf(s span) []byte { return m.block[s.off:s.end] }

// get returns the value of the first field named name (lower case).
func (m *h1Msg) get(name string) []byte {
	for _, f := range m.fields {
		if equalFold(m.bytesOf(f.name), name) {
			return m.bytesOf(f.value)
		}
	}
	return nil
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case
// (the length test first keeps the conversion on the stack).
func equalFold(b []byte, s string) bool { return len(b) == len(s) && strings.EqualFold(string(b), s) }

// h1Handler receives what the parser reads. Offsets are into the data of
// the current push.
type h1Handler interface {
	// begin is called at the first byte of a message, data offset off.
	begin(off int)
	// header is called with a complete header block ending at data offset
	// end (exclusive); it returns how the body is delimited (the response
	// to a HEAD has no body whatever its fields say).
	header(m *h1Msg, end int) bodyMode
	// body receives body bytes, dechunked, ending at data offset end.
	body(p []byte, end int)
	// done ends the message at data offset end; complete is false when
	// bytes were lost or the connection ended early.
	done(end int, complete bool, err error)
	// tunnel receives the bytes after a protocol switch (101, CONNECT),
	// starting at data offset off.
	tunnel(p []byte, off int)
	// junk reports n bytes that are not HTTP/1, at data offset off.
	junk(off, n int, err error)
	// orphan receives the bytes that follow a hole between messages up to
	// the next header block, ending at data offset end: a body whose
	// header was in the hole, or nothing of HTTP.
	orphan(p []byte, end int)
	// strayStart is called when a push starts between messages with bytes
	// that start none (a connection seen midstream, bytes after a hole):
	// tshark's HTTP dissector reads such a segment on its own.
	strayStart()
}

type h1State uint8

const (
	stStart     h1State = iota // expecting a start line
	stHeader                   // collecting a header block
	stBody                     // Content-Length body
	stChunkLine                // a chunk-size line
	stChunkData                // chunk data
	stChunkCRLF                // the CRLF after chunk data
	stTrailer                  // the trailer section
	stClose                    // body until close
	stTunnel                   // upgraded or tunnelled: not HTTP/1 any more
	stResync                   // lost: looking for a start line
)

// h1Parser parses one direction of an HTTP/1 connection.
type h1Parser struct {
	st       h1State
	buf      []byte // header block or chunk line being collected
	scan     int    // offset in buf from which to look for the end
	left     int64  // bytes of body or chunk left
	bodyCut  bool   // bytes of the current body were lost
	bol      bool   // the previous push ended a line (resynchronising looks at line starts)
	lineSeen bool   // the start line of the block being collected has ended and was checked
	holed    bool   // bytes were lost between messages, and no header block came since
	msg      h1Msg
	h        h1Handler
}

// push parses data; it never holds on to data.
func (p *h1Parser) push(data []byte) {
	if len(data) == 0 {
		return
	}
	defer func() { p.bol = data[len(data)-1] == '\n' }()
	if (p.st == stStart || p.st == stResync) && !looksLikeStart(bytes.TrimLeft(data, "\r\n")) {
		p.h.strayStart()
	}
	i := 0
	for i < len(data) {
		switch p.st {
		case stStart, stResync:
			j := p.findStart(data, i)
			if j == len(data) {
				return // blank lines only
			}
			if j < 0 && p.st == stStart {
				// No message here: the bytes up to the next line that
				// starts one are junk, in this push as in later ones.
				p.st = stResync
				if j = p.findStart(data, i); j < 0 {
					p.notMessage(data, i, len(data))
					return
				}
				p.notMessage(data, i, j)
			} else if p.st == stResync && p.holed {
				// Still after a hole: what comes before a start line
				// goes on with the orphan.
				end := j
				if j < 0 {
					end = len(data)
				}
				if end > i {
					p.h.orphan(data[i:end], end)
				}
			}
			if j < 0 {
				return
			}
			if j > i && p.st == stStart {
				p.h.junk(i, j-i, nil) // empty lines before a request
			}
			p.st, p.buf, p.scan, p.bodyCut, p.lineSeen = stHeader, p.buf[:0], 0, false, false
			p.h.begin(j)
			i = j
		case stHeader:
			if k, ok := p.checkStartLine(data[i:]); !ok {
				// A start decided on too few bytes, wrong once its line
				// ended: what follows that line may start a message.
				p.h.junk(i+k, 1, nil)
				if p.holed {
					p.h.orphan(append(p.buf, data[i:i+k+1]...), i+k+1)
				}
				p.st, p.buf = stResync, p.buf[:0]
				i += k + 1
				continue
			}
			n, end := p.collectBlock(data[i:])
			if end < 0 {
				if len(p.buf) > maxHeaderBytes {
					p.h.junk(i, len(data)-i, errHeaderTooLarge)
					p.st, p.buf = stResync, nil
					return
				}
				return
			}
			i += n
			p.startMessage(i)
		case stBody:
			if i = p.bodyBytes(data, i); p.left == 0 {
				p.finish(i, true, nil)
			}
		case stClose:
			p.h.body(data[i:], len(data))
			return
		case stChunkLine:
			var end int
			if i, end = p.boundedLine(data, i, maxChunkLine, errChunkSize); end < 0 {
				continue
			}
			size, ok := parseChunkSize(p.buf[:end])
			if !ok {
				p.fail(i, errChunkSize)
				continue
			}
			p.buf = p.buf[:0]
			if size == 0 {
				p.st, p.scan = stTrailer, 0
				continue
			}
			p.st, p.left = stChunkData, size
		case stChunkData:
			if i = p.bodyBytes(data, i); p.left == 0 {
				p.st, p.buf = stChunkCRLF, p.buf[:0]
			}
		case stChunkCRLF:
			c := data[i]
			i++
			switch {
			case c == '\r' && len(p.buf) == 0:
				p.buf = append(p.buf, c)
			case c == '\n':
				p.st, p.buf = stChunkLine, p.buf[:0]
			default:
				p.fail(i, errChunkEnd)
			}
		case stTrailer:
			// The trailer section: field lines up to an empty line.
			var end int
			if i, end = p.boundedLine(data, i, maxHeaderBytes, errHeaderTooLarge); end < 0 {
				continue
			}
			if end == 0 || (end == 1 && p.buf[0] == '\r') {
				p.buf = p.buf[:0]
				p.finish(i, true, nil)
				continue
			}
			// Keep collecting: a trailer line is discarded once read.
			p.buf = p.buf[:0]
		case stTunnel:
			p.h.tunnel(data[i:], i)
			return
		}
	}
}

// notMessage reports data[i:j], bytes before any start line, as junk, and
// as an orphan after a hole.
func (p *h1Parser) notMessage(data []byte, i, j int) {
	p.h.junk(i, j-i, nil)
	if p.holed {
		p.h.orphan(data[i:j], j)
	}
}

// checkStartLine checks the start line of the header block being
// collected once it ends in data (at offset k, returned): a start is
// decided on the bytes of the push that began it, which may stop before
// its line does.
func (p *h1Parser) checkStartLine(data []byte) (k int, ok bool) {
	if p.lineSeen {
		return 0, true
	}
	if k = bytes.IndexByte(data, '\n'); k < 0 {
		return 0, true
	}
	p.lineSeen = true
	line := data[:k+1]
	if n := len(p.buf); n > 0 {
		if n+len(line) > maxHeaderBytes {
			return 0, true // the block is over its bound: collectBlock says so
		}
		line = append(p.buf, line...)
		defer func() { p.buf = p.buf[:n] }()
	}
	return k, looksLikeStart(line)
}

// bodyBytes hands the handler the body bytes of data from offset i, up to
// what is left of the body or chunk, and returns the offset after them.
func (p *h1Parser) bodyBytes(data []byte, i int) int {
	n := int(min(int64(len(data)-i), p.left))
	p.left -= int64(n)
	p.h.body(data[i:i+n], i+n)
	return i + n
}

// fail ends the current message as malformed at offset i and looks for the
// next one.
func (p *h1Parser) fail(i int, err error) {
	p.st, p.buf = stResync, p.buf[:0]
	p.h.done(i, false, err)
}

// finish ends the current message; done may set the state that follows
// (a tunnel).
func (p *h1Parser) finish(i int, complete bool, err error) {
	p.st, p.buf = stStart, p.buf[:0]
	p.h.done(i, complete, err)
}

// startMessage parses the header block in p.buf, which ended at offset i of
// the data, and sets the body state.
func (p *h1Parser) startMessage(i int) {
	p.holed = false
	m := &p.msg
	parseBlock(m, p.buf)
	mode := p.h.header(m, i)
	switch mode {
	case bodyNone:
		p.finish(i, true, nil)
	case bodyLength:
		if m.clen == 0 {
			p.finish(i, true, nil)
			return
		}
		p.st, p.left = stBody, m.clen
	case bodyChunked:
		p.st, p.buf = stChunkLine, p.buf[:0]
	case bodyClose:
		p.st = stClose
	case bodyTunnel:
		p.st = stTunnel
		p.h.done(i, true, nil)
	}
}

// collectBlock appends data to p.buf up to the end of a header block (an
// empty line) and returns the bytes it took and the block's length, or -1
// when the block is not complete yet (all of data taken).
func (p *h1Parser) collectBlock(data []byte) (int, int) {
	old := len(p.buf)
	room := maxHeaderBytes + 1 - old
	take := data[:min(len(data), max(room, 0))]
	p.buf = append(p.buf, take...)
	from := max(p.scan, 0)
	for {
		k := bytes.IndexByte(p.buf[from:], '\n')
		if k < 0 {
			p.scan = len(p.buf)
			if len(take) < len(data) {
				p.buf = append(p.buf, 0) // over the bound: the caller sees len > max
			}
			return len(data), -1
		}
		nl := from + k
		// An empty line: "\n" at the start or right after "\n" or "\r\n".
		if nl == 0 || p.buf[nl-1] == '\n' || (nl >= 2 && p.buf[nl-1] == '\r' && p.buf[nl-2] == '\n') || (nl == 1 && p.buf[0] == '\r') {
			end := nl + 1
			p.buf = p.buf[:end]
			return end - old, end
		}
		from = nl + 1
	}
}

// collectLine appends data to p.buf up to a line end; it returns the bytes
// taken and the line's length without its LF, or -1.
func (p *h1Parser) collectLine(data []byte) (int, int) {
	k := bytes.IndexByte(data, '\n')
	if k < 0 {
		if len(p.buf) <= maxHeaderBytes {
			p.buf = append(p.buf, data[:min(len(data), maxHeaderBytes+1-len(p.buf))]...)
		}
		return len(data), -1
	}
	p.buf = append(p.buf, data[:k]...)
	return k + 1, len(p.buf)
}

// boundedLine collects a line from data offset i (collectLine) and
// returns the offset after what it took and the line's length, or -1 when
// the line goes on in the next push; a line longer than limit fails the
// message with err.
func (p *h1Parser) boundedLine(data []byte, i, limit int, err error) (int, int) {
	n, end := p.collectLine(data[i:])
	i += n
	if end < 0 && len(p.buf) > limit {
		p.fail(i, err)
	}
	return i, end
}

// gap reports missing bytes: a body of known length goes on, cut; any
// other state loses the message.
func (p *h1Parser) gap(missing int) {
	p.bol = true // what follows a hole may start a message
	switch p.st {
	case stBody:
		if int64(missing) < p.left {
			p.left -= int64(missing)
			p.bodyCut = true
			return
		}
		p.fail(-1, errGap)
	case stClose:
		p.bodyCut = true
	case stStart, stResync:
		p.holed = true
	case stTunnel:
	default:
		p.fail(-1, errGap)
	}
}

// close ends the direction: a close-delimited body is complete, anything
// else in progress is cut.
func (p *h1Parser) close() {
	switch p.st {
	case stClose:
		p.finish(-1, !p.bodyCut, nil)
	case stHeader:
		if len(p.buf) > 0 {
			p.h.junk(-1, len(p.buf), nil)
		}
		p.st = stStart
	case stBody, stChunkLine, stChunkData, stChunkCRLF, stTrailer:
		p.finish(-1, false, nil)
	}
}

// findStart returns the offset of the first start line at or after i:
// at i itself, or, while resynchronising, after a line end.
func (p *h1Parser) findStart(data []byte, i int) int {
	if p.st == stStart {
		if looksLikeStart(data[i:]) {
			return i
		}
		if data[i] == '\r' || data[i] == '\n' {
			// Empty lines before a request are allowed (RFC 9112 §2.2).
			j := i
			for j < len(data) && (data[j] == '\r' || data[j] == '\n') {
				j++
			}
			if j == len(data) {
				return len(data) // all taken, nothing to report
			}
			if looksLikeStart(data[j:]) {
				return j
			}
		}
		return -1
	}
	for j := i; j < len(data); {
		if ((j == 0 && p.bol) || (j > 0 && data[j-1] == '\n')) && looksLikeStart(data[j:]) {
			return j
		}
		k := bytes.IndexByte(data[j:], '\n')
		if k < 0 {
			return -1
		}
		j += k + 1
	}
	return -1
}

// looksLikeStart reports whether b begins an HTTP/1 request or status line:
// "HTTP/1.", a method Wireshark knows followed by a space or the line end,
// or any method token whose line ends in an HTTP/1 version. A line ending
// in another protocol's version (SIP/2.0, RTSP/1.0) is not HTTP. Only the
// first line is looked at, and only as far as b goes.
func looksLikeStart(b []byte) bool {
	if len(b) >= 7 && string(b[:7]) == "HTTP/1." {
		return true
	}
	if len(b) < 7 && string(b) == "HTTP/1."[:len(b)] {
		return true // undecided: the header block is checked when complete
	}
	n := 0
	for n < len(b) && n < 24 && isUpperToken(b[n]) {
		n++
	}
	if n == len(b) && n < 24 {
		return true // undecided, as above
	}
	if n < 3 || n >= len(b) {
		return false
	}
	known := knownMethods[string(b[:n])]
	if c := b[n]; c != ' ' && !(known && (c == '\r' || c == '\n')) {
		return false
	}
	k := bytes.IndexByte(b, '\n')
	if k < 0 {
		return known || len(b) < 256
	}
	line := bytes.TrimSuffix(b[:k], []byte{'\r'})
	if bytes.HasSuffix(line, []byte(" HTTP/1.1")) || bytes.HasSuffix(line, []byte(" HTTP/1.0")) {
		return true
	}
	if !known {
		return false
	}
	sp := bytes.LastIndexByte(line, ' ')
	return sp < 0 || !(bytes.HasPrefix(line[sp+1:], []byte("SIP/")) || bytes.HasPrefix(line[sp+1:], []byte("RTSP/")))
}

// knownMethods are the request methods Wireshark's HTTP dissector knows
// (packet-http.c), RFC 9110's and WebDAV's among them.
var knownMethods = map[string]bool{
	"GET": true, "PUT": true, "COPY": true, "HEAD": true, "LOCK": true, "MOVE": true, "POLL": true, "POST": true,
	"BCOPY": true, "BMOVE": true, "MKCOL": true, "TRACE": true, "LABEL": true, "MERGE": true, "PATCH": true,
	"DELETE": true, "SEARCH": true, "UNLOCK": true, "REPORT": true, "UPDATE": true, "NOTIFY": true,
	"BDELETE": true, "CONNECT": true, "OPTIONS": true, "CHECKIN": true,
	"PROPFIND": true, "CHECKOUT": true, "CCM_POST": true, "M-SEARCH": true,
	"SUBSCRIBE": true, "PROPPATCH": true, "BPROPFIND": true,
	"BPROPPATCH": true, "UNCHECKOUT": true, "MKACTIVITY": true,
	"MKWORKSPACE": true, "UNSUBSCRIBE": true, "RPC_CONNECT": true, "RPC_IN_DATA": true, "RPC_OUT_DATA": true,
	"VERSION-CONTROL": true, "BASELINE-CONTROL": true,
}

func isUpperToken(c byte) bool { return ('A' <= c && c <= 'Z') || c == '-' || c == '_' }

// isRequestStart reports whether a TCP payload starts an HTTP/1 message
// whose whole first line it holds: the sniffer's test.
func isRequestStart(b []byte) bool {
	if len(b) < 8 || !('A' <= b[0] && b[0] <= 'Z') {
		return false
	}
	k := bytes.IndexByte(b[:min(len(b), 8192)], '\n')
	if k < 0 {
		return false
	}
	return looksLikeStart(b[:k+1])
}

// parseBlock parses a complete header block into m.
func parseBlock(m *h1Msg, b []byte) {
	*m = h1Msg{block: b, fields: m.fields[:0], clen: -1}
	line, rest := nextLine(b, 0)
	sl := b[line.off:line.end]
	if bytes.HasPrefix(sl, []byte("HTTP/")) {
		sp := bytes.IndexByte(sl, ' ')
		if sp < 0 {
			m.err = errStartLine
			m.version = sl
		} else {
			m.version = sl[:sp]
			r := bytes.TrimLeft(sl[sp+1:], " ")
			code, reason, _ := bytes.Cut(r, []byte{' '})
			v, err := strconv.Atoi(string(code))
			if err != nil || len(code) != 3 || v < 100 {
				m.err = errStartLine
			}
			m.status, m.reason = v, reason
		}
	} else {
		m.request = true
		method, r, ok1 := bytes.Cut(sl, []byte{' '})
		k := bytes.LastIndexByte(r, ' ')
		if !ok1 || k < 0 {
			m.err = errStartLine
			m.method, m.target = method, r
		} else {
			m.method, m.target, m.version = method, r[:k], r[k+1:]
			if !bytes.HasPrefix(m.version, []byte("HTTP/")) {
				m.err = errStartLine
			}
		}
	}
	// Field lines.
	for {
		line, rest = nextLine(b, rest)
		if line.end == line.off {
			break // the empty line
		}
		l := b[line.off:line.end]
		if l[0] == ' ' || l[0] == '\t' {
			// obs-fold: continues the previous value (RFC 9112 §5.2).
			if n := len(m.fields); n > 0 {
				m.fields[n-1].value.end = line.end
				continue
			}
			m.err = errFieldLine
			continue
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			if m.err == nil {
				m.err = errFieldLine
			}
			continue
		}
		name := span{line.off, line.off + int32(colon)}
		vs, ve := line.off+int32(colon)+1, line.end
		for vs < ve && (b[vs] == ' ' || b[vs] == '\t') {
			vs++
		}
		for ve > vs && (b[ve-1] == ' ' || b[ve-1] == '\t') {
			ve--
		}
		if bytes.ContainsAny(b[name.off:name.end], " \t") && m.err == nil {
			m.err = errFieldLine
		}
		m.fields = append(m.fields, field{name: name, value: span{vs, ve}})
		v := b[vs:ve]
		switch {
		case equalFold(b[name.off:name.end], "content-length"):
			n, ok := parseContentLength(v)
			if !ok || (m.clen >= 0 && n != m.clen) {
				m.err = errContentLength
				continue
			}
			m.clen = n
		case equalFold(b[name.off:name.end], "transfer-encoding"):
			m.te = true
			codings := bytes.Split(v, []byte{','})
			m.chunked = equalFold(bytes.TrimSpace(codings[len(codings)-1]), "chunked")
		}
	}
}

// nextLine returns the line starting at off (without CR LF) and the offset
// of the next.
func nextLine(b []byte, off int32) (span, int32) {
	k := bytes.IndexByte(b[off:], '\n')
	if k < 0 {
		return span{off, int32(len(b))}, int32(len(b))
	}
	end := off + int32(k)
	next := end + 1
	if end > off && b[end-1] == '\r' {
		end--
	}
	return span{off, end}, next
}

// parseContentLength reads a Content-Length value: digits, or a list of
// equal values (RFC 9110 §8.6).
func parseContentLength(v []byte) (int64, bool) {
	var n int64 = -1
	for part := range bytes.SplitSeq(v, []byte{','}) {
		part = bytes.TrimSpace(part)
		if len(part) == 0 || len(part) > 18 {
			return 0, false
		}
		var x int64
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int64(c-'0')
		}
		if n >= 0 && x != n {
			return 0, false
		}
		n = x
	}
	return n, n >= 0
}

// parseChunkSize reads a chunk-size line: hex digits, then optional
// extensions after ';'.
func parseChunkSize(line []byte) (int64, bool) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if k := bytes.IndexByte(line, ';'); k >= 0 {
		line = line[:k]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}
