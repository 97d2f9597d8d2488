package sip

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/result"
)

// A SIP message (RFC 3261 §7) is text:
//
//	start-line        Request-Line = Method SP Request-URI SP SIP-Version CRLF
//	                  Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//	*message-header   field-name ":" field-value CRLF
//	                  (a line starting with SP or HTAB continues the previous one)
//	CRLF
//	[ message-body ]  Content-Length bytes; on UDP, at most the rest of the datagram
//
// The module parses it by hand rather than with gopacket's layers.SIP. That
// layer decodes one message per packet and treats anything after the
// headers as the body, so it cannot split a TCP stream holding several
// messages, or one message spread over segments; it keeps every header in a
// map of fresh strings (an allocation per header of every message); and it
// knows only some compact forms. The parser here works in place on the
// bytes, knows every registered compact form, honours Content-Length, and
// reports what is wrong with a message instead of failing.

// Decoding problems. A message with one of them is still reported (as
// Wireshark shows it), with its first problem in the record's malformed
// field; the malformed_sip anomaly counts them.
var (
	errHeaderEnd     = errors.New("sip: header section not terminated by an empty line")
	errNoColon       = errors.New("sip: header line without a colon")
	errContentLength = errors.New("sip: Content-Length is not a number")
	errShortBody     = errors.New("sip: body shorter than Content-Length")
	errBadCSeq       = errors.New("sip: CSeq is not a sequence number and a method")
	errCSeqMethod    = errors.New("sip: CSeq method differs from the request method")
	errStatus        = errors.New("sip: status code outside 100-699")
	errTooManyHdrs   = errors.New("sip: more than 256 header lines")
	errMissing       = [...]error{
		hdrCallID: errors.New("sip: no Call-ID header"),
		hdrCSeq:   errors.New("sip: no CSeq header"),
		hdrFrom:   errors.New("sip: no From header"),
		hdrTo:     errors.New("sip: no To header"),
		hdrVia:    errors.New("sip: no Via header"),
	}
	errBodyNotKept = errors.New("sip: message larger than 128 KiB: body not kept")
	errJunk        = errors.New("sip: bytes that are not SIP on a SIP connection")
	errHeaderLong  = errors.New("sip: header section longer than 64 KiB")
)

// Bounds on what one message may hold.
const (
	maxHeaders      = 256
	maxHeaderBytes  = 64 << 10  // header section of a message on a stream
	maxMessageBytes = 128 << 10 // a whole message on a stream, or a WebSocket message: headers and a body of 64 KiB at least
)

// header is one header line: its id, its name as written, and its value
// without the surrounding white space (folded lines included).
type header struct {
	id    hdrID
	name  []byte
	value []byte
}

// message is one parsed SIP message. Its byte slices point into the buffer
// it was parsed from and are valid only until that buffer changes (the end
// of the Observe or Data call); the observer copies what it keeps.
type message struct {
	startLine
	raw     []byte // the message: start line, headers, body
	line    []byte // the start line
	headers []header
	body    []byte
	// bodyLen is the body length: len(body), or Content-Length for a body
	// too large to keep.
	bodyLen int
	// contentLength is the Content-Length value, or -1 when absent or not
	// a number.
	contentLength int
	cseq          uint32
	cseqMethod    []byte
	first         [numHdrIDs]int16 // index+1 in headers of the first header with each id
	vias          int              // Via entries (header lines and comma-separated values)
	err           error            // the first problem found, or nil
}

// get returns the value of the first header with the id, or nil.
func (m *message) get(id hdrID) []byte {
	if i := m.first[id]; i > 0 {
		return m.headers[i-1].value
	}
	return nil
}

// has reports whether the message has a header with the id.
func (m *message) has(id hdrID) bool { return m.first[id] > 0 }

func (m *message) fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

// startLine holds the fields of a Request-Line or a Status-Line.
type startLine struct {
	request bool
	method  []byte // requests
	uri     []byte
	version []byte
	status  int // responses
	reason  []byte
}

// parseStartLine reports whether line (without its line terminator) is a
// Request-Line or a Status-Line, and fills the start-line fields of m. It
// follows Wireshark's test (packet-sip.c, sip_parse_line, strict version
// check): a Status-Line is "SIP/2.0", a space, three digits and a space; a
// Request-Line is a token, a space, a URI of three or more characters with
// a colon after its first, a space, and "SIP/2.0". A NUL byte anywhere in
// the line, or a first byte that is not printable, rules SIP out.
func (sl *startLine) parse(line []byte) bool {
	if len(line) == 0 || line[0] <= ' ' || line[0] > '~' || bytes.IndexByte(line, 0) >= 0 {
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	tok, rest := line[:sp], line[sp+1:]
	if string(tok) == "SIP/2.0" {
		if len(rest) < 4 || rest[3] != ' ' || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) {
			return false
		}
		*sl = startLine{version: tok, reason: rest[4:]}
		sl.status = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
		return true
	}
	if !isToken(tok) {
		return false
	}
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return false
	}
	uri, ver := rest[:sp], rest[sp+1:]
	if len(uri) < 3 || bytes.IndexByte(uri[1:], ':') < 0 || string(ver) != "SIP/2.0" {
		return false
	}
	*sl = startLine{request: true, method: tok, uri: uri, version: ver}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether b is an RFC 3261 token (a method name).
func isToken(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-.!%*_+`'~", c) >= 0:
		default:
			return false
		}
	}
	return len(b) > 0
}

// firstLine returns the first line of b without its terminator, and
// whether b holds a whole first line.
func firstLine(b []byte) ([]byte, bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, false
	}
	return trimCR(b[:i]), true
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// isStart reports whether b begins with a complete SIP start line.
func isStart(b []byte) bool {
	if len(b) == 0 || b[0] <= ' ' || b[0] > '~' { // cheap: most payloads fail here
		return false
	}
	line, ok := firstLine(b)
	var sl startLine
	return ok && sl.parse(line)
}

// parse parses b as one SIP message whose first line is a start line.
// When datagram is set (UDP, a WebSocket message), the body is the rest of
// b cut to Content-Length; on a stream the caller has cut b to the message
// already. It returns false, leaving m unusable, when the first line is not
// a start line.
func (m *message) parse(b []byte, datagram bool) bool {
	*m = message{headers: m.headers[:0], contentLength: -1}
	m.raw = b
	line, _ := firstLine(b)
	if !m.startLine.parse(line) {
		return false
	}
	m.line = line
	pos := len(line)
	if pos < len(b) && b[pos] == '\r' {
		pos++
	}
	pos++ // the '\n'
	terminated := false
	for pos < len(b) {
		i := bytes.IndexByte(b[pos:], '\n')
		end, next := len(b), len(b)
		if i >= 0 {
			end, next = pos+i, pos+i+1
		}
		lineEnd := end
		if lineEnd > pos && b[lineEnd-1] == '\r' {
			lineEnd--
		}
		if lineEnd == pos { // the empty line
			pos, terminated = next, true
			break
		}
		// Continuation lines (RFC 3261 §7.3.1) belong to this header.
		for next < len(b) && (b[next] == ' ' || b[next] == '\t') {
			j := bytes.IndexByte(b[next:], '\n')
			if j < 0 {
				end, next = len(b), len(b)
			} else {
				end, next = next+j, next+j+1
			}
			lineEnd = end
			if b[lineEnd-1] == '\r' {
				lineEnd--
			}
		}
		m.addHeader(b[pos:lineEnd])
		pos = next
		if len(m.headers) >= maxHeaders && pos < len(b) {
			m.fail(errTooManyHdrs)
			break
		}
	}
	if !terminated && m.err != errTooManyHdrs {
		m.fail(errHeaderEnd)
	}
	if terminated {
		m.body = b[pos:]
	}
	if cl := m.get(hdrContentLength); cl != nil {
		n, err := strconv.Atoi(string(cl))
		if err != nil || n < 0 {
			m.fail(errContentLength)
		} else {
			m.contentLength = n
			switch {
			case n < len(m.body):
				m.body = m.body[:n]
				m.raw = b[:pos+n]
			case n > len(m.body) && datagram:
				m.fail(errShortBody)
			}
		}
	}
	m.bodyLen = len(m.body)
	m.check()
	return true
}

// addHeader records one header line (folded lines included).
func (m *message) addHeader(line []byte) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		m.fail(errNoColon)
		return
	}
	name := bytes.TrimRight(line[:colon], " \t")
	h := header{id: headerID(name), name: name, value: bytes.Trim(line[colon+1:], " \t\r\n")}
	m.headers = append(m.headers, h)
	if m.first[h.id] == 0 {
		m.first[h.id] = int16(len(m.headers))
	}
	if h.id == hdrVia {
		m.vias += 1 + bytes.Count(h.value, []byte{','})
	}
}

// check applies the rules a message must follow to be processed: the
// headers RFC 3261 §8.1.1 requires (Max-Forwards aside, which many
// implementations omit), a CSeq of a number and the request's method, a
// status code in range.
func (m *message) check() {
	for _, id := range []hdrID{hdrCallID, hdrCSeq, hdrFrom, hdrTo, hdrVia} {
		if !m.has(id) {
			m.fail(errMissing[id])
		}
	}
	if cs := m.get(hdrCSeq); cs != nil {
		num, method, ok := parseCSeq(cs)
		if !ok {
			m.fail(errBadCSeq)
		} else {
			m.cseq, m.cseqMethod = num, method
			if m.request && !bytes.Equal(method, m.method) {
				m.fail(errCSeqMethod)
			}
		}
	}
	if !m.request && (m.status < 100 || m.status > 699) {
		m.fail(errStatus)
	}
}

// parseCSeq splits a CSeq value: a sequence number below 2**31 and a
// method (RFC 3261 §8.1.1.5).
func parseCSeq(v []byte) (uint32, []byte, bool) {
	sp := bytes.IndexAny(v, " \t")
	if sp <= 0 {
		return 0, nil, false
	}
	n, err := strconv.ParseUint(string(v[:sp]), 10, 32)
	method := bytes.TrimLeft(v[sp:], " \t")
	if err != nil || n >= 1<<31 || !isToken(method) {
		return 0, nil, false
	}
	return uint32(n), method, true
}

// streamFrame measures the message at the start of b, a stream (TCP or a
// reassembled WebSocket stream) positioned on a start line. hdrEnd is the
// offset of the body; clen is the Content-Length (0 when absent or not a
// number: RFC 3261 §18.3 requires it on streams). complete is false while
// the header section is unfinished; tooLong is set when it has run past
// maxHeaderBytes. The scan starts at pos, the start of a line, with the
// Content-Length seen before it (0, 0 for a new message); when the header
// section is unfinished, next is where a later scan of b, grown, resumes.
func streamFrame(b []byte, pos, clen int) (hdrEnd, clenOut, next int, complete, tooLong bool) {
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return 0, clen, pos, false, len(b) > maxHeaderBytes
		}
		line := trimCR(b[pos : pos+i])
		if len(line) == 0 && pos > 0 {
			return pos + i + 1, clen, pos, true, false
		}
		if pos > 0 && line[0] != ' ' && line[0] != '\t' {
			if colon := bytes.IndexByte(line, ':'); colon > 0 {
				if id := headerID(bytes.TrimRight(line[:colon], " \t")); id == hdrContentLength {
					if n, err := strconv.Atoi(string(bytes.Trim(line[colon+1:], " \t"))); err == nil && n >= 0 {
						clen = n
					}
				}
			}
		}
		pos += i + 1
		if pos > maxHeaderBytes {
			return 0, clen, pos, false, true
		}
	}
}

// text renders header bytes as a string for output: folded lines become
// one space, and the rest is packet text that result.Text makes safe
// (controls, format characters and bytes that are not UTF-8 escaped) and
// bounds to max bytes, saying when it cut.
func text(b []byte, max int) string {
	if !bytes.ContainsAny(b, "\r\n\t") {
		if len(b) > max {
			return result.TextBytes(b, max)
		}
		return result.Text(string(b), max)
	}
	var sb strings.Builder
	space := false
	for _, c := range b {
		if c == '\r' || c == '\n' || c == '\t' || c == ' ' {
			space = true
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteByte(c)
	}
	return result.Text(sb.String(), max)
}

// nameAddr splits a From, To or Contact value (RFC 3261 §20.10: name-addr
// or addr-spec, then parameters) into its URI and its parameters.
func nameAddr(v []byte) (uri, params []byte) {
	if i := bytes.IndexByte(v, '<'); i >= 0 {
		j := bytes.IndexByte(v[i:], '>')
		if j < 0 {
			return bytes.TrimSpace(v[i+1:]), nil
		}
		return bytes.TrimSpace(v[i+1 : i+j]), v[i+j+1:]
	}
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		return bytes.TrimSpace(v[:i]), v[i:]
	}
	return bytes.TrimSpace(v), nil
}

// param returns the value of the parameter name (lower case) in a
// ";a=b;c=d" list, or nil; ok is set when the parameter is present.
func param(params []byte, name string) (val []byte, ok bool) {
	for len(params) > 0 {
		i := bytes.IndexByte(params, ';')
		if i < 0 {
			return nil, false
		}
		params = params[i+1:]
		end := bytes.IndexAny(params, ";,")
		p := params
		if end >= 0 {
			p = params[:end]
		}
		p = bytes.TrimSpace(p)
		k, v, _ := bytes.Cut(p, []byte{'='})
		if equalFoldASCII(bytes.TrimSpace(k), name) {
			return bytes.Trim(bytes.TrimSpace(v), `"`), true
		}
		if end < 0 || params[end] == ',' {
			return nil, false
		}
	}
	return nil, false
}

// uriNoParams cuts a SIP URI before its parameters and headers.
func uriNoParams(uri []byte) []byte {
	if i := bytes.IndexAny(uri, ";?"); i >= 0 {
		return uri[:i]
	}
	return uri
}

// uriUser returns the user part of a sip:, sips: or tel: URI ("" when
// there is none).
func uriUser(uri []byte) []byte {
	_, rest, ok := bytes.Cut(uri, []byte{':'})
	if !ok {
		return nil
	}
	if hasPrefixFold(uri, "tel:") {
		return uriNoParams(rest)
	}
	at := bytes.IndexByte(rest, '@')
	if at < 0 {
		return nil
	}
	user := rest[:at]
	if i := bytes.IndexAny(user, ":;"); i >= 0 {
		user = user[:i]
	}
	return user
}

// topVia returns the first Via entry.
func (m *message) topVia() []byte {
	v := m.get(hdrVia)
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return bytes.TrimSpace(v)
}

// branch returns the branch parameter of the first Via entry.
func (m *message) branch() []byte {
	v := m.topVia()
	i := bytes.IndexByte(v, ';')
	if i < 0 {
		return nil
	}
	b, _ := param(v[i:], "branch")
	return b
}

// tag returns the tag parameter of a From or To value.
func tag(v []byte) []byte {
	_, params := nameAddr(v)
	t, _ := param(params, "tag")
	return t
}

// digestUser returns the username parameter of a Digest Authorization or
// Proxy-Authorization value (RFC 3261 §22.4, RFC 2617 §3.2.2).
func digestUser(v []byte) []byte {
	i := indexFold(v, "username")
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(v[i+len("username"):], " \t")
	if len(rest) == 0 || rest[0] != '=' {
		return nil
	}
	rest = bytes.TrimLeft(rest[1:], " \t")
	if len(rest) > 0 && rest[0] == '"' {
		if j := bytes.IndexByte(rest[1:], '"'); j >= 0 {
			return rest[1 : j+1]
		}
		return rest[1:]
	}
	if j := bytes.IndexAny(rest, ", \t"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// expiresOf returns the expiry a REGISTER or its response states: the
// expires parameter of the first Contact, else the Expires header; -1
// when neither is a number.
func (m *message) expiresOf() int {
	if c := m.get(hdrContact); c != nil {
		_, params := nameAddr(c)
		if v, ok := param(params, "expires"); ok {
			if n, err := strconv.Atoi(string(v)); err == nil && n >= 0 {
				return n
			}
		}
	}
	if v := m.get(hdrExpires); v != nil {
		if n, err := strconv.Atoi(string(bytes.TrimSpace(v))); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}

// isSDP reports whether the body is a session description.
func (m *message) isSDP() bool {
	ct := m.get(hdrContentType)
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return len(m.body) > 0 && equalFoldASCII(bytes.TrimSpace(ct), "application/sdp")
}
