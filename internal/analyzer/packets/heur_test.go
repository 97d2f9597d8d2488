package packets

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// checkStacks writes the connection and checks that get_packets'
// protocols of every frame end in want's (what tshark 4.0.17 says of the
// capture: checked against it where it is installed).
func (c *conv) checkStacks(want map[int]string) {
	path := filepath.Join(c.t.TempDir(), "conv.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(c.t, layers.LinkTypeEthernet, false, c.frames), 0o644); err != nil {
		c.t.Fatal(err)
	}
	checkEnds(c.t, path, len(c.frames), want, func(protocols, w string) bool { return strings.HasSuffix(protocols, ":"+w) })
}

// TestNTLMSSPVerifier: an SPNEGO negTokenTarg's mechListMIC, on a
// connection that negotiated NTLMSSP, is NTLMSSP's verifier: one more
// ntlmssp layer, with or without an NTLMSSP message before it (an
// AUTHENTICATE without a MIC is one ntlmssp).
func TestNTLMSSPVerifier(t *testing.T) {
	der := func(tag cbasn1.Tag, body ...[]byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(tag, func(c *cryptobyte.Builder) {
			for _, x := range body {
				c.AddBytes(x)
			}
		})
		return b.BytesOrPanic()
	}
	oid := func(hex []byte) []byte { return der(cbasn1.OBJECT_IDENTIFIER, hex) }
	ctx := func(n uint8) cbasn1.Tag { return cbasn1.Tag(n).ContextSpecific().Constructed() }
	// NEGOTIATE response's token: SPNEGO offering NTLMSSP.
	init := der(cbasn1.Tag(0).Constructed()|0x40, oid([]byte{0x2b, 6, 1, 5, 5, 2}),
		der(ctx(0), der(cbasn1.SEQUENCE, der(ctx(0), der(cbasn1.SEQUENCE, oid([]byte{0x2b, 6, 1, 4, 1, 0x82, 0x37, 2, 2, 0x0a}))))))
	// An NTLMSSP AUTHENTICATE with an NTLMv2 response of 48 bytes.
	nt := append(append(make([]byte, 16), 1, 1, 0, 0, 0, 0, 0, 0), make([]byte, 24)...)
	auth := append([]byte("NTLMSSP\x00"), 3, 0, 0, 0)
	field := func(n, off int) {
		auth = binary.LittleEndian.AppendUint16(auth, uint16(n))
		auth = binary.LittleEndian.AppendUint16(auth, uint16(n))
		auth = binary.LittleEndian.AppendUint32(auth, uint32(off))
	}
	field(0, 88)
	field(len(nt), 88)
	for range 4 {
		field(0, 88+len(nt))
	}
	auth = binary.LittleEndian.AppendUint32(auth, 0xe2888215)
	auth = append(append(auth, 10, 0, 0x63, 0x45, 0, 0, 0, 15), make([]byte, 16)...)
	auth = append(auth, nt...)
	mic := der(ctx(3), der(cbasn1.OCTET_STRING, append([]byte{1, 0, 0, 0}, make([]byte, 12)...)))
	targ := func(parts ...[]byte) []byte { return der(ctx(1), der(cbasn1.SEQUENCE, parts...)) }
	token := der(ctx(2), der(cbasn1.OCTET_STRING, auth))
	accept := der(ctx(0), der(cbasn1.ENUM, []byte{0}))

	smb2 := func(cmd uint16, resp bool, body []byte) []byte {
		h := make([]byte, 64)
		copy(h, "\xfeSMB")
		binary.LittleEndian.PutUint16(h[4:], 64)
		binary.LittleEndian.PutUint16(h[12:], cmd)
		if resp {
			h[16] = 1
		}
		m := append(h, body...)
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(m))), m...)
	}
	negotiate := func(blob []byte) []byte {
		b := make([]byte, 64)
		binary.LittleEndian.PutUint16(b[0:], 65)
		binary.LittleEndian.PutUint16(b[4:], 0x0210)
		binary.LittleEndian.PutUint16(b[56:], 128)
		binary.LittleEndian.PutUint16(b[58:], uint16(len(blob)))
		return smb2(0, true, append(b, blob...))
	}
	setupReq := func(blob []byte) []byte {
		b := make([]byte, 24)
		binary.LittleEndian.PutUint16(b[0:], 25)
		binary.LittleEndian.PutUint16(b[12:], 64+24)
		binary.LittleEndian.PutUint16(b[14:], uint16(len(blob)))
		return smb2(1, false, append(b, blob...))
	}
	setupResp := func(blob []byte) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint16(b[0:], 9)
		binary.LittleEndian.PutUint16(b[4:], 64+8)
		binary.LittleEndian.PutUint16(b[6:], uint16(len(blob)))
		return smb2(1, true, append(b, blob...))
	}

	c := newConv(t, 445)
	c.handshake()
	want := map[int]string{}
	for _, m := range []struct {
		client bool
		msg    []byte
		stack  string
	}{
		{false, negotiate(init), "smb2:gss-api:spnego"},
		{true, setupReq(targ(token)), "spnego:ntlmssp"},              // AUTHENTICATE, no MIC
		{true, setupReq(targ(token, mic)), "spnego:ntlmssp:ntlmssp"}, // AUTHENTICATE and the verifier
		{false, setupResp(targ(accept, mic)), "spnego:ntlmssp"},      // the verifier alone
		{false, setupResp(targ(accept)), "smb2:gss-api:spnego"},
	} {
		c.seg(m.client, "A", m.msg)
		want[len(c.frames)] = m.stack
	}
	c.checkStacks(want)
}

// TestSMPPHeuristic: an SMPP PDU header on a port no dissector claims is
// SMPP (Wireshark's heuristic); a status it does not know, a command it
// does not know or a length out of bounds is data.
func TestSMPPHeuristic(t *testing.T) {
	pdu := func(n, cmd, status uint32, extra int) []byte {
		b := binary.BigEndian.AppendUint32(nil, n)
		b = binary.BigEndian.AppendUint32(b, cmd)
		b = binary.BigEndian.AppendUint32(b, status)
		b = binary.BigEndian.AppendUint32(b, 7)
		return append(b, make([]byte, extra)...)
	}
	c := newConv(t, 2906)
	c.handshake()
	want := map[int]string{}
	for _, m := range []struct {
		msg   []byte
		stack string
	}{
		{pdu(16, 0x15, 0, 0), "tcp:smpp"},                // enquire_link
		{pdu(16, 0x80000015, 0, 0), "tcp:smpp"},          // its response
		{pdu(20, 0x80000004, 0x000a8502, 4), "tcp:smpp"}, // a reserved status
		{pdu(16, 0x80000004, 0x4b, 0), "tcp:data"},       // a status it does not know
		{pdu(16, 0x80000004, 0x200, 0), "tcp:data"},      // nor that
		{pdu(16, 0x0a, 0, 0), "tcp:data"},                // a command it does not know
		{pdu(16, 0x8000000b, 0, 0), "tcp:data"},          // outbind has no response
		{pdu(15, 0x15, 0, 0), "tcp:data"},                // shorter than a header
		{pdu(70000, 0x15, 0, 0), "tcp:data"},             // longer than 64 KiB
		{pdu(16, 0x15, 0, 0)[:12], "tcp:data"},           // not a whole header
		{pdu(34, 0x07, 0, 18), "tcp:smpp"},               // replace_sm
	} {
		c.seg(true, "A", m.msg)
		want[len(c.frames)] = m.stack
	}
	c.checkStacks(want)
}

// TestMultipartBodies: a multipart body adds mime_multipart and each
// part's protocol by its own Content-Type (data for none or
// application/octet-stream, media for a type no dissector takes), in
// HTTP (whole in a segment, and reassembled) and in SIP.
func TestMultipartBodies(t *testing.T) {
	body := "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n" +
		"--XyZ\r\nContent-Type: application/json\r\n\r\n{\"k\": 1}\r\n" +
		"--XyZ\r\nContent-Type: application/x-unknown\r\n\r\nzzz\r\n" +
		"--XyZ\r\nContent-Type: text/plain\r\n\r\nline\r\n--XyZ--\r\n"
	post := func(ct, body string) string {
		return "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Type: " + ct + "\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	}
	c := newConv(t, 80)
	c.handshake()
	want := map[int]string{}
	add := func(client bool, msg, stack string) {
		c.seg(client, "A", []byte(msg))
		want[len(c.frames)] = stack
	}
	add(true, post("multipart/form-data; boundary=XyZ", body), "http:mime_multipart:data:json:media:data-text-lines")
	add(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "tcp:http")
	// The boundary is case-sensitive: none found, the body is data.
	add(true, post("multipart/mixed; boundary=xyz", body), "http:mime_multipart:data")
	add(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "tcp:http")
	// A quoted boundary; a part no boundary ends adds nothing.
	add(true, post(`multipart/related; boundary="XyZ"`, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ\r\nContent-Type: application/json\r\n\r\n{}"), "http:mime_multipart:data-text-lines")
	add(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "tcp:http")
	// Reassembled over two segments.
	msg := post("multipart/form-data; boundary=XyZ", body)
	c.seg(true, "A", []byte(msg[:40]))
	want[len(c.frames)] = "tcp"
	add(true, msg[40:], "http:mime_multipart:data:json:media:data-text-lines")
	c.checkStacks(want)
}

// TestHTTPMidstream: on a connection seen midstream, before any message
// starts, tshark's HTTP dissector reads each segment on its own: a first
// byte that is not printable is not HTTP; header-like lines (a colon, or
// a blank line ending them) are http, what follows them data.
func TestHTTPMidstream(t *testing.T) {
	c := newConv(t, 80)
	want := map[int]string{}
	for _, m := range []struct {
		client bool
		msg    string
		stack  string
	}{
		{false, "\x9f\x01\x02binary\r\nX: y\r\n", "ip:tcp"},
		{false, "Ab: cd\r\nno colon here\r\nmore bytes", "tcp:http:data"},
		{false, "hello world\r\nX: y\r\n", "ip:tcp"},
		{false, "X: y\r\n\r\n", "tcp:http"},
		{false, "\r\nX: y\r\n\r\nafter", "tcp:http:data"},
		{true, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "tcp:http"},
		{false, "HTTP/1.1 204 No Content\r\n\r\n", "tcp:http"},
	} {
		c.seg(m.client, "A", []byte(m.msg))
		want[len(c.frames)] = m.stack
	}
	c.checkStacks(want)
}

// TestTLSKeepAlive: a keep-alive's byte on a TLS connection is handed to
// TLS on its own, which refuses it: data, even when it is a content type.
func TestTLSKeepAlive(t *testing.T) {
	c := newConv(t, 443)
	c.handshake()
	want := map[int]string{}
	add := func(client bool, b []byte, stack string) {
		c.seg(client, "A", b)
		want[len(c.frames)] = stack
	}
	add(true, tlsRecord(22, tlsClientHello()), "tcp:tls")
	add(false, tlsRecord(23, make([]byte, 40)), "tcp:tls")
	add(true, tlsRecord(23, make([]byte, 30)), "tcp:tls")
	c.seg(false, "A", nil)
	want[len(c.frames)] = "ip:tcp"
	for _, b := range []byte{0, 23} {
		c.cseq-- // one byte already sent
		add(true, []byte{b}, "tcp:data")
		c.seg(false, "A", nil) // its ACK
		want[len(c.frames)] = "ip:tcp"
	}
	add(false, tlsRecord(23, make([]byte, 20)), "tcp:tls")
	c.checkStacks(want)
}

// TestHTTPConnectTunnel: after a 2xx to CONNECT, tshark 4.0's HTTP
// dissector hands the tunnel's bytes to the dissector of the port the
// CONNECT named: TLS for 443 (http, then tls on every segment, a record's
// first part too), data for a port none claims (HTTP/2 too).
func TestHTTPConnectTunnel(t *testing.T) {
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
	settings := []byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00")
	type seg struct {
		client bool
		b      []byte
		stack  string
	}
	split := tlsRecord(23, make([]byte, 60))
	for _, tc := range []struct {
		name   string
		port   uint16
		target string
		segs   []seg
	}{
		{"h2 to 6233 on 8888", 8888, "127.0.0.1:6233", []seg{{true, preface, "tcp:http:data"}, {false, settings, "tcp:http:data"}}},
		{"h2 to 6233 on 3128", 3128, "127.0.0.1:6233", []seg{{true, preface, "tcp:http:data"}, {false, settings, "tcp:http:data"}}},
		{"tls to 443 on 3128", 3128, "example.com:443", []seg{{true, tlsRecord(22, tlsClientHello()), "tcp:http:tls"}, {false, tlsRecord(23, make([]byte, 40)), "tcp:http:tls"},
			{false, split[:20], "tcp:http:tls"}, {false, split[20:], "tcp:http:tls"}}},
		{"tls to 443 on 8888", 8888, "example.com:443", []seg{{true, tlsRecord(22, tlsClientHello()), "tcp:http:tls"}, {false, tlsRecord(23, make([]byte, 40)), "tcp:http:tls"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(t, tc.port)
			c.handshake()
			want := map[int]string{}
			add := func(client bool, b []byte, stack string) {
				c.seg(client, "A", b)
				want[len(c.frames)] = stack
			}
			add(true, []byte("CONNECT "+tc.target+" HTTP/1.1\r\nHost: "+tc.target+"\r\n\r\n"), "tcp:http")
			add(false, []byte("HTTP/1.1 200 Connection established\r\n\r\n"), "tcp:http")
			for _, sg := range tc.segs {
				add(sg.client, sg.b, sg.stack)
			}
			c.checkStacks(want)
		})
	}
}

// TestSIPOverSCTPFragments: a SIP message fragmented over SCTP DATA
// chunks is named, body and all, in the frame of its last fragment
// (Wireshark's SCTP reassembly); one whose fragments are not all seen is
// SIP without its body.
func TestSIPOverSCTPFragments(t *testing.T) {
	sdp := "v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	body := "--b1\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--b1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n\x01\x00\x20\x01\x0a\x00\x02\x0a\x08\x83\x10\r\n--b1--\r\n"
	msg := "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/SCTP 192.0.2.1:5060\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\n" +
		"Content-Type: multipart/mixed;boundary=b1\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	var frames []pcaptest.Frame
	tsn := uint32(100)
	chunk := func(stream, ssn uint16, b, e bool, data string) {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolSCTP, SrcIP: net.IPv4(192, 0, 2, 1), DstIP: net.IPv4(192, 0, 2, 2)}
		sctp := &layers.SCTP{SrcPort: 5060, DstPort: 5060, VerificationTag: 7}
		d := &layers.SCTPData{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeData, Length: uint16(16 + len(data))}, BeginFragment: b, EndFragment: e, TSN: tsn,
			StreamId: stream, StreamSequence: ssn, PayloadProtocol: layers.SCTPPayloadProtocol(0), Payload: []byte(data)}
		tsn++
		frames = append(frames, pcaptest.Frame{Time: time.Date(2026, 12, 5, 0, 0, len(frames), 0, time.UTC), Data: pcaptest.Serialize(t, eth, ip, sctp, d)})
	}
	want := map[int]string{}
	chunk(0, 0, true, false, msg[:100])
	want[1] = "ip:sctp"
	chunk(0, 0, false, false, msg[100:250])
	want[2] = "ip:sctp"
	chunk(0, 0, false, true, msg[250:])
	want[3] = "sctp:sip:mime_multipart:sdp:isup"
	chunk(0, 1, true, true, strings.Replace(msg, "multipart/mixed", "text/plain", 1))
	want[4] = "sctp:sip:data-text-lines"
	tsn++ // a fragment lost: the end is SIP alone
	chunk(1, 2, true, false, msg[:100])
	want[5] = "ip:sctp"
	chunk(1, 2, false, true, msg[250:])
	want[6] = "sctp:sip"
	c := &conv{t: t, frames: frames}
	c.checkStacks(want)
}

// TestHTTPStrayAfterRequest: on a followed connection, bytes between
// messages that start none are read on their own too, and once a request
// was seen tshark takes them as HTTP whatever they are (http, data).
func TestHTTPStrayAfterRequest(t *testing.T) {
	c := newConv(t, 80)
	c.handshake()
	want := map[int]string{}
	for _, m := range []struct {
		client bool
		msg    string
		stack  string
	}{
		{true, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "tcp:http"},
		{false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "tcp:http"},
		{false, "\x00\x01\x02 binary", "tcp:http:data"},
		{true, "hello there\r\nmore", "tcp:http:data"},
		{true, "X: y\r\n\r\n", "tcp:http"},
	} {
		c.seg(m.client, "A", []byte(m.msg))
		want[len(c.frames)] = m.stack
	}
	c.checkStacks(want)
}
