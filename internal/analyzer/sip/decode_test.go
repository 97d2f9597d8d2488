package sip

import (
	"fmt"
	"strings"
	"testing"
)

func TestStartLine(t *testing.T) {
	cases := []struct {
		name, line string
		ok         bool
		want       string // method|uri or status|reason
	}{
		{"request", "INVITE sip:bob@biloxi.example.com SIP/2.0", true, "INVITE|sip:bob@biloxi.example.com"},
		{"extension method", "X-STATUS sip:pbx@h SIP/2.0", true, "X-STATUS|sip:pbx@h"},
		{"tel URI", "INVITE tel:+16305550100 SIP/2.0", true, "INVITE|tel:+16305550100"},
		{"status", "SIP/2.0 180 Ringing", true, "180|Ringing"},
		{"status, empty reason", "SIP/2.0 200 ", true, "200|"},
		{"status without the space after the code", "SIP/2.0 200", false, ""},
		{"status of two digits", "SIP/2.0 20 OK", false, ""},
		{"status not digits", "SIP/2.0 2x0 OK", false, ""},
		{"lower-case version", "INVITE sip:a@b sip/2.0", false, ""},
		{"other version", "INVITE sip:a@b SIP/3.0", false, ""},
		{"HTTP", "GET / HTTP/1.1", false, ""},
		{"URI without a colon", "INVITE bob SIP/2.0", false, ""},
		{"URI of two characters", "INVITE s: SIP/2.0", false, ""},
		{"colon only first", ":bc d SIP/2.0", false, ""},
		{"leading space", " INVITE sip:a@b SIP/2.0", false, ""},
		{"method not a token", "INV(TE sip:a@b SIP/2.0", false, ""},
		{"NUL in the line", "INVITE sip:a@b\x00 SIP/2.0", false, ""},
		{"not printable", "\x16\x03\x01 sip:a@b SIP/2.0", false, ""},
		{"empty", "", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sl startLine
			ok := sl.parse([]byte(c.line))
			got := ""
			if ok && sl.request {
				got = string(sl.method) + "|" + string(sl.uri)
			} else if ok {
				got = fmt.Sprintf("%d|%s", sl.status, sl.reason)
			}
			if ok != c.ok || got != c.want {
				t.Errorf("parse(%q) = %v %q, want %v %q", c.line, ok, got, c.ok, c.want)
			}
		})
	}
}

// msg joins lines with CRLF.
func msg(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

var okHeaders = []string{"Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: c1", "CSeq: 1 OPTIONS"}

func withHeaders(start string, extra ...string) []byte {
	return msg(append(append([]string{start}, okHeaders...), extra...)...)
}

// TestParse is a table of messages, each with what the parser must find
// and the problem it must report (or none).
func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		in      []byte
		err     error
		callID  string
		bodyLen int
		check   func(m *message) string
	}{
		{name: "complete", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "Content-Length: 0", "", ""), callID: "c1"},
		{name: "compact forms", in: msg("INVITE sip:b@h SIP/2.0", "v: SIP/2.0/TCP h;branch=z9hG4bK2", "f: <sip:a@h>;tag=9", "t: <sip:b@h>", "i: compact-1",
			"CSeq: 2 INVITE", "m: <sip:a@10.0.0.1>", "c: application/sdp", "k: timer", "s: hello", "e: gzip", "o: dialog", "l: 5", "", "v=0\r\n"),
			callID: "compact-1", bodyLen: 5, check: func(m *message) string {
				return string(m.get(hdrContact)) + " " + string(m.get(hdrSupported)) + " " + string(m.get(hdrSubject)) + " " +
					string(m.get(hdrContentEncoding)) + " " + string(m.get(hdrEvent)) + " " + string(tag(m.get(hdrFrom)))
			}},
		{name: "header names in any case", in: msg("OPTIONS sip:b@h SIP/2.0", "VIA: SIP/2.0/UDP h", "from: <sip:a@h>", "tO: <sip:b@h>", "call-ID: x", "cseq: 7 OPTIONS", "", ""), callID: "x"},
		{name: "folded header", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "Subject: first", " second\t", "\tthird", "", ""), callID: "c1",
			check: func(m *message) string { return text(m.get(hdrSubject), 100) }},
		{name: "bare LF", in: []byte("SIP/2.0 200 OK\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>\nTo: <sip:b@h>\nCall-ID: lf\nCSeq: 1 OPTIONS\nContent-Length: 2\n\nok"), callID: "lf", bodyLen: 2},
		{name: "body cut to Content-Length", in: withHeaders("MESSAGE sip:b@h SIP/2.0", "Content-Length: 3", "", "abcdef"), err: errCSeqMethod, callID: "c1", bodyLen: 3},
		{name: "body shorter than Content-Length", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "Content-Length: 30", "", "abc"), err: errShortBody, callID: "c1", bodyLen: 3},
		{name: "Content-Length not a number", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "Content-Length: bad", "", "abc"), err: errContentLength, callID: "c1", bodyLen: 3},
		{name: "negative Content-Length", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "l: -1", "", ""), err: errContentLength, callID: "c1"},
		{name: "no empty line", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "Expires: 3"), err: errHeaderEnd, callID: "c1"},
		{name: "start line only", in: []byte("OPTIONS sip:b@h SIP/2.0\r\n"), err: errHeaderEnd},
		{name: "no Call-ID", in: msg("OPTIONS sip:b@h SIP/2.0", "Via: SIP/2.0/UDP h", "From: <sip:a@h>", "To: <sip:b@h>", "CSeq: 1 OPTIONS", "", ""), err: errMissing[hdrCallID]},
		{name: "no Via", in: msg("SIP/2.0 200 OK", "From: <sip:a@h>", "To: <sip:b@h>", "Call-ID: v", "CSeq: 1 OPTIONS", "", ""), err: errMissing[hdrVia], callID: "v"},
		{name: "CSeq not a number", in: msg("OPTIONS sip:b@h SIP/2.0", "Via: x", "From: x", "To: x", "Call-ID: q", "CSeq: one OPTIONS", "", ""), err: errBadCSeq, callID: "q"},
		{name: "CSeq of 2^31", in: msg("OPTIONS sip:b@h SIP/2.0", "Via: x", "From: x", "To: x", "Call-ID: q", "CSeq: 2147483648 OPTIONS", "", ""), err: errBadCSeq, callID: "q"},
		{name: "CSeq of another method", in: withHeaders("INFO sip:b@h SIP/2.0", "", ""), err: errCSeqMethod, callID: "c1"},
		{name: "header without a colon", in: withHeaders("OPTIONS sip:b@h SIP/2.0", "no colon here", "", ""), err: errNoColon, callID: "c1"},
		{name: "status code 999", in: withHeaders("SIP/2.0 999 Odd", "", ""), err: errStatus, callID: "c1"},
		{name: "status code 099", in: withHeaders("SIP/2.0 099 Odd", "", ""), err: errStatus, callID: "c1"},
		{name: "too many headers", in: withHeaders("OPTIONS sip:b@h SIP/2.0", strings.Repeat("X-A: 1\r\n", 300), ""), err: errTooManyHdrs, callID: "c1"},
		{name: "Via entries", in: msg("OPTIONS sip:b@h SIP/2.0", "Via: SIP/2.0/UDP p1;branch=z9hG4bKa, SIP/2.0/UDP p2", "v: SIP/2.0/UDP p3", "From: x", "To: x", "Call-ID: v3", "CSeq: 1 OPTIONS", "", ""),
			callID: "v3", check: func(m *message) string { return fmt.Sprint(m.vias, " ", string(m.topVia()), " ", string(m.branch())) }},
	}
	wantChecks := map[string]string{
		"compact forms": "<sip:a@10.0.0.1> timer hello gzip dialog 9",
		"folded header": "first second third",
		"Via entries":   "3 SIP/2.0/UDP p1;branch=z9hG4bKa z9hG4bKa",
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m message
			if !m.parse(c.in, true) {
				t.Fatalf("parse(%q) = false", c.in)
			}
			if m.err != c.err || string(m.get(hdrCallID)) != c.callID || len(m.body) != c.bodyLen {
				t.Errorf("parse(%q): err %v, Call-ID %q, body %d; want %v, %q, %d", c.in, m.err, m.get(hdrCallID), len(m.body), c.err, c.callID, c.bodyLen)
			}
			if c.check != nil {
				if got := c.check(&m); got != wantChecks[c.name] {
					t.Errorf("got %q, want %q", got, wantChecks[c.name])
				}
			}
		})
	}
}

func TestStreamFrame(t *testing.T) {
	full := withHeaders("OPTIONS sip:b@h SIP/2.0", "l: 4", "", "body")
	cases := []struct {
		name              string
		in                []byte
		hdrEnd, clen      int
		complete, tooLong bool
	}{
		{"whole message", full, len(full) - 4, 4, true, false},
		{"headers cut", full[:30], 0, 0, false, false},
		{"body pending", full[:len(full)-2], len(full) - 4, 4, true, false},
		{"no Content-Length", withHeaders("OPTIONS sip:b@h SIP/2.0", "", "tail"), len(withHeaders("OPTIONS sip:b@h SIP/2.0", "", "")), 0, true, false},
		{"bad Content-Length", withHeaders("OPTIONS sip:b@h SIP/2.0", "Content-Length: x", "", ""), len(withHeaders("OPTIONS sip:b@h SIP/2.0", "Content-Length: x", "", "")), 0, true, false},
		{"header section too long", withHeaders("OPTIONS sip:b@h SIP/2.0", strings.Repeat("X-Long: "+strings.Repeat("a", 1000)+"\r\n", 70)), 0, 0, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, n, _, complete, tooLong := streamFrame(c.in, 0, 0)
			if !complete {
				n = 0
			}
			if h != c.hdrEnd || n != c.clen || complete != c.complete || tooLong != c.tooLong {
				t.Errorf("streamFrame = %d, %d, %v, %v; want %d, %d, %v, %v", h, n, complete, tooLong, c.hdrEnd, c.clen, c.complete, c.tooLong)
			}
			// Grown a byte at a time, resuming where each scan stopped, the
			// scan ends the same way.
			pos, clen := 0, 0
			for end := 1; end <= len(c.in); end++ {
				var done, long bool
				h, n, pos, done, long = streamFrame(c.in[:end], pos, clen)
				clen = n
				if done || long {
					if h != c.hdrEnd || n != c.clen || done != c.complete || long != c.tooLong {
						t.Errorf("resumed at %d: streamFrame = %d, %d, %v, %v; want %d, %d, %v, %v", end, h, n, done, long, c.hdrEnd, c.clen, c.complete, c.tooLong)
					}
					break
				}
			}
		})
	}
}

func TestSDP(t *testing.T) {
	// The example of RFC 8866 §5, with a second audio stream rejected.
	rfc := "v=0\r\no=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\ns=Call to John Smith\r\ni=SDP Offer #1\r\n" +
		"u=http://www.jdoe.example.com/home.html\r\ne=Jane Doe <jane@jdoe.example.com>\r\np=+1 617 555-6011\r\nc=IN IP4 198.51.100.1\r\n" +
		"t=0 0\r\nm=audio 49170 RTP/AVP 0\r\nm=audio 49180 RTP/AVP 0\r\nm=video 51372 RTP/AVP 99\r\nc=IN IP6 2001:db8::2\r\n" +
		"a=rtpmap:99 h263-1998/90000\r\nm=audio 0 RTP/AVP 8\r\n"
	s := parseSDP([]byte(rfc))
	got := fmt.Sprintf("%s|%s|%s|%d", s.Origin, s.SessionName, s.ConnectionAddress, len(s.Media))
	if got != "jdoe 3724394400 3724394405 IN IP4 198.51.100.1|Call to John Smith|198.51.100.1|4" || s.Malformed != "" {
		t.Fatalf("session = %s (malformed %q)", got, s.Malformed)
	}
	media := fmt.Sprint(s.Media)
	want := "[{audio 49170 RTP/AVP 198.51.100.1 [{0 PCMU/8000}] [] sendrecv false} {audio 49180 RTP/AVP 198.51.100.1 [{0 PCMU/8000}] [] sendrecv false} " +
		"{video 51372 RTP/AVP 2001:db8::2 [{99 h263-1998/90000}] [] sendrecv false} {audio 0 RTP/AVP 198.51.100.1 [{8 PCMA/8000}] [] sendrecv false}]"
	if media != want {
		t.Errorf("media = %s\nwant    %s", media, want)
	}
	// Session-level direction and address apply unless a section sets its
	// own; SRTP by profile or crypto attribute; unknown dynamic types.
	s = parseSDP([]byte("c=IN IP4 192.0.2.1/127\na=sendonly\nm=audio 5004 RTP/SAVP 96\nm=audio 5006/2 RTP/AVP 0 97\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:k\na=INACTIVE\n"))
	media = fmt.Sprint(s.Media)
	want = "[{audio 5004 RTP/SAVP 192.0.2.1 [{96 }] [] sendonly true} {audio 5006 RTP/AVP 192.0.2.1 [{0 PCMU/8000} {97 }] [] inactive true}]"
	if media != want || s.Direction != "sendonly" {
		t.Errorf("media = %s\nwant    %s", media, want)
	}
	// T.38 fax (RFC 3362 image/t38 over UDPTL) and other formats that are
	// not RTP payload types are kept as formats.
	s = parseSDP([]byte("c=IN IP4 192.0.2.1\r\nm=image 5004 udptl t38\r\na=T38FaxVersion:0\r\nm=application 9 TCP/BFCP *\r\n"))
	media = fmt.Sprint(s.Media)
	want = "[{image 5004 udptl 192.0.2.1 [] [t38] sendrecv false} {application 9 TCP/BFCP 192.0.2.1 [] [*] sendrecv false}]"
	if media != want {
		t.Errorf("media = %s\nwant    %s", media, want)
	}
	for _, bad := range []string{"m=audio\r\n", "m=audio port RTP/AVP 0\r\n", "v=0\r\nthis is not sdp\r\n", "m=audio 70000 RTP/AVP 0\r\n"} {
		if s := parseSDP([]byte(bad)); s.Malformed == "" || len(s.Media) != 0 {
			t.Errorf("parseSDP(%q) = %+v, want malformed", bad, s)
		}
	}
}

func TestURIs(t *testing.T) {
	cases := []struct{ in, uri, tag, user string }{
		{`"Alice" <sip:alice@atlanta.example.com>;tag=1928301774`, "sip:alice@atlanta.example.com", "1928301774", "alice"},
		{`<sip:+12125551212@server.phone2net.com;user=phone>;tag=887s`, "sip:+12125551212@server.phone2net.com;user=phone", "887s", "+12125551212"},
		{`sip:carol@chicago.example.com;TAG=x`, "sip:carol@chicago.example.com", "x", "carol"},
		{`<sip:200.57.7.195:55061;user=phone>;tag=GR52RWG346-34`, "sip:200.57.7.195:55061;user=phone", "GR52RWG346-34", ""},
		{`<tel:+16305550100;phone-context=x>`, "tel:+16305550100;phone-context=x", "", "+16305550100"},
		{`<sip:bob:secret@h>`, "sip:bob:secret@h", "", "bob"},
		{`<sip:broken`, "sip:broken", "", ""},
	}
	for _, c := range cases {
		uri, params := nameAddr([]byte(c.in))
		tg, _ := param(params, "tag")
		if string(uri) != c.uri || string(tg) != c.tag || string(uriUser(uri)) != c.user {
			t.Errorf("nameAddr(%q) = %q tag %q user %q; want %q, %q, %q", c.in, uri, tg, uriUser(uri), c.uri, c.tag, c.user)
		}
	}
	for in, want := range map[string]string{
		`Digest username="voi18063",realm="sip.cybercity.dk",nonce="1"`: "voi18063",
		`Digest realm="x", USERNAME = bob , nonce="1"`:                  "bob",
		`Digest realm="x"`:              "",
		`Digest username="unterminated`: "unterminated",
	} {
		if got := string(digestUser([]byte(in))); got != want {
			t.Errorf("digestUser(%q) = %q, want %q", in, got, want)
		}
	}
	var m message
	m.parse(withHeaders("REGISTER sip:h SIP/2.0", "m: <sip:a@10.0.0.1>;q=0.5;expires=120", "Expires: 3600", "", ""), true)
	if m.expiresOf() != 120 {
		t.Errorf("expires = %d, want the Contact parameter 120", m.expiresOf())
	}
	m.parse(withHeaders("REGISTER sip:h SIP/2.0", "Contact: *", "Expires: 0", "", ""), true)
	if m.expiresOf() != 0 {
		t.Errorf("expires = %d, want the Expires header 0", m.expiresOf())
	}
}
