package packets

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"
)

// TestJSONBodies: an HTTP body of a JSON type is json when Wireshark's
// JSON grammar takes all of it, and json then data-text-lines when not,
// through gzip and chunking, reassembled over segments or whole in one
// (want is tshark 4.0's; checked against tshark where it is installed).
func TestJSONBodies(t *testing.T) {
	c := newConv(t, 80)
	c.handshake()
	want := map[int]string{1: "tcp", 2: "tcp", 3: "tcp"}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	for i, tc := range []struct {
		ctype, enc string
		body       []byte
		split      bool
		top        string
	}{
		{"application/json", "", []byte(`{"a":[1,2,{"b":null}]}`), false, "json"},
		{"application/json; charset=utf-8", "", []byte(`{a:1}`), false, "data-text-lines"},
		{"application/json", "", []byte(`[1 2]`), true, "json"},
		{"application/json", "", []byte(`{e:"x\x3d",c:1}`), true, "data-text-lines"},
		{"application/json", "gzip", []byte(`{"e":"x","u":"http://example.com/?q=x"}`), true, "json"},
		{"application/json", "gzip", []byte(`{e:"e9Q_TNmbEIX9nAf6odTQBw",c:1,u:"http://www.google.com/complete/search?q\x5cx3dU"}`), true, "data-text-lines"},
		{"application/problem+json", "", []byte(`{"type":"about:blank"} x`), false, "data-text-lines"},
		{"application/x-ndjson", "", []byte("{\"a\":1}\n{\"a\":2}\n"), false, "json"},
		{"application/json", "", append(bytes.Repeat([]byte("["), 26), bytes.Repeat([]byte("]"), 26)...), true, "data-text-lines"},
	} {
		body, hdr := tc.body, ""
		if tc.enc != "" {
			body, hdr = gz(body), "Content-Encoding: gzip\r\n"
		}
		framed := fmt.Appendf(nil, "Content-Length: %d\r\n\r\n%s", len(body), body)
		if tc.split { // chunked, in two chunks
			hdr += "Transfer-Encoding: chunked\r\n"
			h := len(body) / 2
			framed = fmt.Appendf(nil, "\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", h, body[:h], len(body)-h, body[h:])
		}
		c.seg(true, "A", fmt.Appendf(nil, "GET /%d HTTP/1.1\r\nHost: example.com\r\n\r\n", i))
		want[len(c.frames)] = "http"
		resp := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%s%s", tc.ctype, hdr, framed)
		if tc.split {
			c.seg(false, "A", resp[:len(resp)/2])
			want[len(c.frames)] = "tcp"
			resp = resp[len(resp)/2:]
		}
		c.seg(false, "A", resp)
		want[len(c.frames)] = tc.top
	}
	c.checkTops(want)
}

// TestImageBodies: a body declared as a GIF, JPEG or PNG image is named by
// the image its bytes are (media when none), through gzip, as tshark 4.0
// names it (checked against tshark where it is installed).
func TestImageBodies(t *testing.T) { // and small coded bodies
	c := newConv(t, 80)
	c.handshake()
	want := map[int]string{1: "tcp", 2: "tcp", 3: "tcp"}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...)
	gif := append([]byte("GIF89a"), make([]byte, 40)...)
	jpg := append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 40)...)
	var gzPNG, gzEmpty, gzText bytes.Buffer
	w := gzip.NewWriter(&gzPNG)
	w.Write(png)
	w.Close()
	gzip.NewWriter(&gzEmpty).Close()
	w = gzip.NewWriter(&gzText)
	w.Write([]byte("hi"))
	w.Close()
	for i, tc := range []struct {
		ctype, enc string
		body       []byte
		top        string
	}{
		{"image/jpeg", "", png, "png"},
		{"image/png", "", gif, "image-gif"},
		{"image/gif", "", jpg, "image-jfif"},
		{"image/png", "", png, "png"},
		{"image/jpeg", "", []byte("not an image at all"), "media"},
		{"image/gif", "gzip", gzPNG.Bytes(), "png"},
		{"application/octet-stream", "", png, "data"},
		// A coded body that decodes to nothing goes to no media
		// dissector; one that decodes to bytes does.
		{"text/html", "gzip", gzEmpty.Bytes(), "http"},
		{"text/html", "gzip", gzText.Bytes(), "data-text-lines"},
	} {
		hdr := ""
		if tc.enc != "" {
			hdr = "Content-Encoding: " + tc.enc + "\r\n"
		}
		c.seg(true, "A", fmt.Appendf(nil, "GET /%d HTTP/1.1\r\nHost: example.com\r\n\r\n", i))
		want[len(c.frames)] = "http"
		c.seg(false, "A", fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%sContent-Length: %d\r\n\r\n%s", tc.ctype, hdr, len(tc.body), tc.body))
		want[len(c.frames)] = tc.top
	}
	c.checkTops(want)
}

// TestHTTPAfterHole: a response header lost in a hole the client
// acknowledged: the body after it is an HTTP continuation (http, data) at
// once, and the next exchange is HTTP again, as tshark 4.0 shows them
// (checked against tshark where it is installed).
func TestHTTPAfterHole(t *testing.T) {
	c := newConv(t, 80)
	c.handshake()
	body := bytes.Repeat([]byte("<p>hello</p>\n"), 20)
	c.seg(true, "A", []byte("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n")) // 4
	c.seg(false, "A", nil)                                                   // 5: the server acknowledges the request
	hdr := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n", len(body))
	c.seg(false, "A", hdr)
	c.frames = c.frames[:len(c.frames)-1]                                    // the header segment is never captured
	c.seg(true, "A", nil)                                                    // 6: the client acknowledges it
	c.seg(false, "A", body)                                                  // 7: the body, after the hole
	c.seg(true, "A", []byte("GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n")) // 8
	c.seg(false, "A", append(hdr, body...))                                  // 9
	c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http", 5: "tcp", 6: "tcp", 7: "data", 8: "http", 9: "data-text-lines"})
}

// TestHTTPBodyToClose: a response whose body ends at the close (no length,
// not chunked) is named in the segment whose FIN ends it, not when the
// connection's other side closes too (tshark 4.0; checked against tshark
// where it is installed).
func TestHTTPBodyToClose(t *testing.T) {
	c := newConv(t, 80)
	c.handshake()
	c.seg(true, "A", []byte("GET /a HTTP/1.0\r\nHost: example.com\r\n\r\n"))     // 4
	c.seg(false, "A", []byte("HTTP/1.0 200 OK\r\n"))                             // 5: the start line
	c.seg(false, "AF", []byte("Content-Type: text/plain\r\n\r\nhello\nworld\n")) // 6: the rest, and the FIN
	c.seg(true, "A", nil)                                                        // 7
	c.seg(true, "AF", nil)                                                       // 8
	c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http", 5: "tcp", 6: "data-text-lines", 7: "tcp", 8: "tcp"})
}
