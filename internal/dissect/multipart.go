package dissect

import (
	"bytes"
)

// maxParts bounds the part protocols a Parts keeps.
const maxParts = 8

// maxMultipartDepth bounds how deep multipart bodies nested in parts are
// followed (Wireshark follows them without bound; the stack holds few).
const maxMultipartDepth = 3

// Parts is what a MIME multipart body adds after mime_multipart, in the
// order Wireshark's multipart dissector adds it: each part's protocol (a
// part of a multipart type adds mime_multipart and its own parts). It
// keeps the first maxParts-1 of them and the last; N is how many it keeps.
type Parts struct {
	P [maxParts]Proto
	N uint8
}

func (ps *Parts) add(p Proto) {
	if int(ps.N) < maxParts {
		ps.P[ps.N] = p
		ps.N++
		return
	}
	ps.P[maxParts-1] = p // the last stays last
}

// UnreadParts is what a multipart body that was not read (too large to
// hold) is taken to add: data.
func UnreadParts() Parts { return Parts{P: [maxParts]Proto{ProtoData}, N: 1} }

// pushParts pushes mime_multipart and the parts' protocols.
func (s *Stack) pushParts(ps Parts) {
	s.push(ProtoMultipart)
	for _, p := range ps.P[:ps.N] {
		s.push(p)
	}
}

// MultipartParts is what the body of a message of Content-Type ct (as
// sent: its boundary is case-sensitive) adds after mime_multipart, as
// Wireshark 4.0's multipart dissector finds it: without a boundary
// parameter, or without a first boundary line, the body is data; each
// part that a later boundary line ends is named by its own Content-Type
// (as an HTTP body is, media for a type no dissector takes), data when it
// has none or application/octet-stream; a part no boundary ends adds
// nothing, and nothing after the last boundary does.
func MultipartParts(ct, body []byte) Parts {
	var ps Parts
	multipartParts(&ps, ct, body, 1)
	return ps
}

func multipartParts(ps *Parts, ct, body []byte, depth int) {
	boundary := mediaParam(ct, "boundary")
	if len(boundary) == 0 {
		ps.add(ProtoData)
		return
	}
	at, last, ok := firstBoundary(body, boundary)
	if !ok {
		ps.add(ProtoData)
		return
	}
	for !last {
		end, next, isLast, ok := nextBoundary(body, at, boundary)
		if !ok {
			return
		}
		partType, part := partHeaders(body[at:end])
		partProto(ps, partType, part, depth)
		at, last = next, isLast
	}
}

// partProto adds a part's protocol by its type (the value of the part's
// Content-Type line, nil for none: data, as application/octet-stream).
func partProto(ps *Parts, ct, part []byte, depth int) {
	if len(part) == 0 {
		return // no bytes: the dissector called takes none, and Wireshark drops its layer
	}
	p := bodyProto(bytes.ToLower(ct))
	switch {
	case p == ProtoMultipart:
		if depth >= maxMultipartDepth {
			ps.add(ProtoMultipart)
			ps.add(ProtoData)
			return
		}
		ps.add(ProtoMultipart)
		multipartParts(ps, ct, part, depth+1)
		return
	case IsImage(p):
		p = imageOr(ImageMagic(part))
	case p == ProtoOCSP:
		BodyASN1(false, part).each(ps.add)
		return
	}
	ps.add(p)
	if p == ProtoJSON && !JSONWhole(part) {
		ps.add(ProtoTextLines)
	}
}

// mediaParam is the value of parameter name in a Content-Type value (its
// name in any case; a quoted value without its quotes), or nil.
func mediaParam(ct []byte, name string) []byte {
	_, params, _ := bytes.Cut(ct, []byte(";"))
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		k, v, ok := bytes.Cut(p, []byte("="))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			continue
		}
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '"' {
			v = v[1:]
			if i := bytes.IndexByte(v, '"'); i >= 0 {
				v = v[:i]
			}
		}
		return v
	}
	return nil
}

// lineEnd is where the line at i ends (its CR, LF or CRLF) and where the
// next one starts; a line with no end runs to the end of b.
func lineEnd(b []byte, i int) (end, next int) {
	j := bytes.IndexAny(b[i:], "\r\n")
	if j < 0 {
		return len(b), len(b)
	}
	end = i + j
	if b[end] == '\r' && end+1 < len(b) && b[end+1] == '\n' {
		return end, end + 2
	}
	return end, end + 1
}

// isBoundary reports whether the line at i is a boundary line, and
// whether it is the last ("--" after the boundary).
func isBoundary(b []byte, i int, boundary []byte) (ok, last bool) {
	if !bytes.HasPrefix(b[i:], []byte("--")) || !bytes.HasPrefix(b[i+2:], boundary) {
		return false, false
	}
	return true, bytes.HasPrefix(b[i+2+len(boundary):], []byte("--"))
}

// firstBoundary finds the first line that is a boundary line (the
// preamble before it is skipped) and returns where the line after it
// starts.
func firstBoundary(b, boundary []byte) (after int, last, ok bool) {
	for at := 0; at+2+len(boundary) < len(b); {
		if ok, last := isBoundary(b, at, boundary); ok {
			_, next := lineEnd(b, at)
			return next, last, true
		}
		end, next := lineEnd(b, at)
		if end == len(b) {
			break
		}
		at = next
	}
	return 0, false, false
}

// nextBoundary finds the boundary line that ends the part starting at
// at: end is where the part ends (the line end before the boundary
// line), next where the line after the boundary line starts.
func nextBoundary(b []byte, at int, boundary []byte) (end, next int, last, ok bool) {
	for at+2+len(boundary) < len(b) {
		lend, lnext := lineEnd(b, at)
		if lnext >= len(b) {
			return 0, 0, false, false
		}
		if ok, last := isBoundary(b, lnext, boundary); ok {
			_, after := lineEnd(b, lnext)
			return lend, after, last, true
		}
		at = lnext
	}
	return 0, 0, false, false
}

// partHeaders splits a part into its Content-Type value (nil for none)
// and its body: header lines run to a blank line, or to a line with no
// colon, which starts the body.
func partHeaders(p []byte) (ct, body []byte) {
	at := 0
	for at < len(p) {
		end, next := lineEnd(p, at)
		line := p[at:end]
		if len(line) == 0 {
			return ct, p[next:]
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return ct, p[at:]
		}
		name = bytes.TrimSpace(name)
		if bytes.EqualFold(name, []byte("content-type")) || bytes.EqualFold(name, []byte("c")) {
			ct = bytes.TrimSpace(value)
		}
		at = next
	}
	return ct, nil
}
