package packets

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// TestHTTP2FrameEnds: on a cleartext HTTP/2 connection (prior knowledge,
// port 80), get_packets names http2 the segments an HTTP/2 frame or the
// preface ends in and tcp those in the middle of a frame, as tshark 4.0
// shows them (where tshark is installed, the test checks that too).
func TestHTTP2FrameEnds(t *testing.T) {
	c := newConv(t, 80)
	settings := []byte{0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100}
	data := []byte{0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8} // PING
	c.handshake()
	c.seg(true, "A", append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), settings[:5]...)) // 4: the preface ends
	c.seg(true, "A", settings[5:])                                                        // 5: SETTINGS ends
	c.seg(false, "A", settings)                                                           // 6
	c.seg(true, "A", data)                                                                // 7: a whole PING, the client's third frame
	c.seg(false, "A", data)                                                               // 8: the server's
	c.seg(false, "A", data[:12])                                                          // 9: inside a PING
	c.seg(false, "A", data[12:])                                                          // 10: which ends here
	// With prior knowledge, tshark 4.0 names only the client's preface and
	// first frame; the server's frames are all named.
	c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http2", 5: "http2", 6: "http2", 7: "tcp", 8: "http2", 9: "tcp", 10: "http2"})
}

// TestTLSRecordStarts: over TLS, get_packets names tls the segment a record
// ends in and the segment whose first byte starts one (Wireshark's TLS
// dissector adds itself before it asks TCP for the rest of the record, and
// again when a segment completes a cut header), and tcp a segment in the
// middle of a record, on TLS's port and on another.
func TestTLSRecordStarts(t *testing.T) {
	// 443, and 9090, where Wireshark's TLS heuristic takes the
	// conversation from the hello on.
	for _, port := range []uint16{443, 9090} {
		t.Run(fmt.Sprint(port), func(t *testing.T) { tlsRecordStarts(t, port) })
	}
}

// tlsClientHello is a ClientHello handshake message: TLS 1.2, no session
// id, one cipher suite, no compression, no extensions.
func tlsClientHello() []byte {
	hello := append([]byte{1, 0, 0, 41, 3, 3}, make([]byte, 32)...)
	return append(hello, 0, 0, 2, 0, 0x2f, 1, 0)
}

// tlsRecord is a TLS 1.2 record of content type typ.
func tlsRecord(typ byte, body []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func tlsRecordStarts(t *testing.T, port uint16) {
	c := newConv(t, port)
	app := tlsRecord(23, make([]byte, 3000))
	small := tlsRecord(23, make([]byte, 30))
	c.handshake()
	c.seg(true, "A", tlsRecord(22, tlsClientHello()))    // 4: the hello, whole
	c.seg(false, "A", app[:1400])                        // 5: starts a record
	c.seg(false, "A", app[1400:2800])                    // 6: inside it
	c.seg(false, "A", append(app[2800:], small[:10]...)) // 7: ends it, starts another
	c.seg(false, "A", small[10:])                        // 8: ends that
	c.seg(false, "A", small[:3])                         // 9: starts a record, its header cut
	c.seg(false, "A", small[3:20])                       // 10: completes the header (TLS is asked again)
	c.seg(false, "A", small[20:30])                      // 11: inside the record
	c.seg(false, "A", small[30:])                        // 12: ends it
	c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "tls", 5: "tls", 6: "tcp", 7: "tls", 8: "tls", 9: "tls", 10: "tls", 11: "tcp", 12: "tls"})
}

// TestSSLv2Records: SSL 2.0 records with three-byte headers (padding) are
// framed once the direction sent a two-byte one, and an SSLv2-compatible
// ClientHello followed by TLS records is framed as TLS from then on (want
// is tshark 4.0's; checked against tshark where it is installed).
func TestSSLv2Records(t *testing.T) {
	// CLIENT-HELLO, SSL 2.0: msg type 1, version 2, cipher specs 3
	// bytes, no session id, a 16-byte challenge.
	hello := []byte{1, 0, 2, 0, 3, 0, 0, 0, 16, 0x01, 0x00, 0x80}
	hello = append(hello, make([]byte, 16)...)
	v2 := func(body []byte) []byte { return append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...) }
	v2pad := func(body []byte, pad byte) []byte {
		n := len(body) + int(pad)
		return append(append([]byte{byte(n >> 8), byte(n), pad}, body...), make([]byte, pad)...)
	}
	tlsRec := func(typ byte, body []byte) []byte {
		return append([]byte{typ, 3, 1, byte(len(body) >> 8), byte(len(body))}, body...)
	}
	t.Run("ssl2", func(t *testing.T) {
		c := newConv(t, 443)
		c.handshake()
		c.seg(true, "A", v2(hello))                                   // 4
		c.seg(false, "A", v2(append([]byte{4}, make([]byte, 40)...))) // 5: SERVER-HELLO
		c.seg(true, "A", v2pad(make([]byte, 33), 7))                  // 6: encrypted, padded
		c.seg(false, "A", v2pad(make([]byte, 20), 4))                 // 7
		c.seg(true, "A", v2pad(make([]byte, 20), 4)[:10])             // 8: a record's start
		c.seg(true, "A", v2pad(make([]byte, 20), 4)[10:])             // 9: its end
		c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "tls", 5: "tls", 6: "tls", 7: "tls", 8: "tls", 9: "tls"})
	})
	t.Run("ssl2-hello-then-tls", func(t *testing.T) {
		c := newConv(t, 443)
		c.handshake()
		c.seg(true, "A", v2(hello))                                                           // 4
		c.seg(false, "A", tlsRec(22, append([]byte{2, 0, 0, 38, 3, 1}, make([]byte, 35)...))) // 5: ServerHello
		c.seg(true, "A", tlsRec(20, []byte{1}))                                               // 6: ChangeCipherSpec
		c.seg(true, "A", tlsRec(23, make([]byte, 30)))                                        // 7
		c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "tls", 5: "tls", 6: "tls", 7: "tls"})
	})
}

// TestHTTP2Bodies: the segment a stream's side ends in (a DATA frame with
// END_STREAM) names its body by the declared type after http2, as tshark
// 4.0 does (checked against tshark where it is installed).
func TestHTTP2Bodies(t *testing.T) {
	frame := func(typ, flags byte, sid uint32, payload []byte) []byte {
		n := len(payload)
		return append([]byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(sid >> 24), byte(sid >> 16), byte(sid >> 8), byte(sid)}, payload...)
	}
	headers := func(sid uint32, end bool, kv ...string) []byte {
		var buf bytes.Buffer
		enc := hpack.NewEncoder(&buf)
		for i := 0; i+1 < len(kv); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		flags := byte(0x4) // END_HEADERS
		if end {
			flags |= 0x1
		}
		return frame(1, flags, sid, buf.Bytes())
	}
	c := newConv(t, 80)
	c.handshake()
	// The client's preface and SETTINGS end at a frame's end: its later
	// frames are named too (tshark 4.0).
	c.seg(true, "A", append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), frame(4, 0, 0, nil)...)) // 4
	c.seg(false, "A", frame(4, 0, 0, nil))                                                       // 5
	c.seg(true, "A", headers(1, true, ":method", "GET", ":path", "/a", ":scheme", "http", ":authority", "x"))
	c.seg(true, "A", headers(3, true, ":method", "GET", ":path", "/b", ":scheme", "http", ":authority", "x"))
	c.seg(false, "A", headers(1, false, ":status", "200", "content-type", "text/plain"))       // 8
	c.seg(false, "A", frame(0, 1, 1, []byte("hello\n")))                                       // 9: END_STREAM
	c.seg(false, "A", headers(3, false, ":status", "200", "content-type", "application/json")) // 10
	c.seg(false, "A", frame(0, 0, 3, []byte(`{"a":`)))                                         // 11: more to come
	c.seg(false, "A", frame(0, 1, 3, []byte(`1}`)))                                            // 12: END_STREAM
	c.checkTops(map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http2", 5: "http2", 6: "http2", 7: "http2",
		8: "http2", 9: "data-text-lines", 10: "http2", 11: "http2", 12: "json"})
}
