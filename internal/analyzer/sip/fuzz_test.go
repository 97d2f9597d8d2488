package sip

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// testCaptures lists the module's captures and the generated SIP captures.
func testCaptures(tb testing.TB) []string {
	return pcaptest.ModuleCaptures(tb, "sip-*.pcap")
}

// sipPayloads returns the UDP payloads of the test captures that start
// with a SIP start line, as seeds.
func sipPayloads(tb testing.TB) [][]byte {
	return pcaptest.UDPPayloads(tb, testCaptures(tb), 400, func(p *engine.Packet) bool { return isStart(p.UDP.Payload) })
}

// tcpStreams returns, per direction of each TCP connection of the test
// captures, the payload bytes in capture order (the generator writes
// them in order, without loss), as seeds.
func tcpStreams(tb testing.TB) [][]byte {
	return pcaptest.TCPStreams(tb, testCaptures(tb), func(*engine.Packet) bool { return true })
}

func fuzzConfig(t *testing.T) *config {
	c, err := newConfig(Input{}, New(Options{}).opts, &analyzer.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzDecode feeds arbitrary bytes to the SIP message parser, the SDP
// parser and the record builder, as a datagram. Properties: no panic;
// parsing twice gives the same record; every header name and value is in
// the input, the start line and the message are prefixes of it and the
// body ends the message; a message parses exactly when its first line is
// a start line; a body is never longer than its Content-Length; the
// record and the whole output marshal to JSON.
func FuzzDecode(f *testing.F) {
	for _, p := range sipPayloads(f) {
		f.Add(p)
	}
	f.Add([]byte("OPTIONS sip:a@b SIP/2.0\r\n"))                                     // a start line only
	f.Add([]byte("SIP/2.0 200 OK\r\ni: x\r\nl: 3\r\n\r\nabcdef"))                    // compact forms, body longer than l
	f.Add([]byte("INVITE sip:a@b SIP/2.0\nv: SIP/2.0/UDP h\n\tfolded;branch=1\n\n")) // bare LF, folded Via
	f.Add([]byte("X sip:a SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n")) // Content-Length overflow
	f.Add([]byte("SIP/2.0 999 x\r\nCSeq: 4294967296 INVITE\r\nContent-Type: application/sdp\r\n\r\nm=audio x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		md := &meta{frame: 1, t: time.Unix(1, 0), src: netip.MustParseAddrPort("10.0.0.1:5060"), dst: netip.MustParseAddrPort("10.0.0.2:5060"), transport: "UDP"}
		var m1, m2 message
		ok1, ok2 := m1.parse(data, true), m2.parse(data, true)
		// A whole first line that is a start line is a message; without
		// its line end it is one too, in a datagram.
		if start := isStart(data); ok1 != ok2 || start && !ok1 || ok1 && !start && bytes.IndexByte(data, '\n') >= 0 {
			t.Fatalf("parse = %v, %v; isStart = %v", ok1, ok2, start)
		}
		if !ok1 {
			return
		}
		for _, h := range m1.headers {
			if !bytes.Contains(data, h.name) || !bytes.Contains(data, h.value) {
				t.Fatalf("header %q: %q is not in the input", h.name, h.value)
			}
		}
		if !bytes.HasPrefix(data, m1.line) || !bytes.HasPrefix(data, m1.raw) || !bytes.HasSuffix(m1.raw, m1.body) || m1.bodyLen != len(m1.body) {
			t.Fatal("start line, body or message not where the input has them")
		}
		if m1.contentLength >= 0 && len(m1.body) > m1.contentLength {
			t.Fatalf("body of %d bytes, Content-Length %d", len(m1.body), m1.contentLength)
		}
		r1, r2 := record(&m1, md), record(&m2, md)
		if !reflect.DeepEqual(r1, r2) {
			t.Fatal("parsing twice differs")
		}
		if len(r1.Headers) > maxHeaderNames {
			t.Fatalf("%d header names kept", len(r1.Headers))
		}
		if _, err := json.Marshal(r1); err != nil {
			t.Fatal(err)
		}
		o := newObserver(fuzzConfig(t))
		for range 2 {
			o.msg.parse(data, true)
			o.handle(md)
			md.frame++
		}
		if _, err := json.Marshal(o.output(Input{}, &engine.Result{}, nil)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSDP feeds arbitrary bytes to the session description parser.
// Properties: no panic; the same result twice; bounded media and codecs;
// every media section has a direction; the result marshals to JSON.
func FuzzSDP(f *testing.F) {
	for _, p := range sipPayloads(f) {
		var m message
		if m.parse(p, true) && m.isSDP() {
			f.Add(append([]byte(nil), m.body...))
		}
	}
	f.Add([]byte("v=0\r\nc=IN IP4 192.0.2.1/127/3\r\na=recvonly\r\nm=audio 49170/2 RTP/AVP 0 97\r\na=rtpmap:97 iLBC/8000\r\n")) // RFC 8866 forms
	f.Add([]byte("m=video 99999 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\nm=\nbad line\n"))                     // bad port, bad lines
	f.Fuzz(func(t *testing.T, data []byte) {
		s1, s2 := parseSDP(data), parseSDP(data)
		if !reflect.DeepEqual(s1, s2) {
			t.Fatal("parsing twice differs")
		}
		if len(s1.Media) > maxMedia {
			t.Fatalf("%d media sections", len(s1.Media))
		}
		for _, m := range s1.Media {
			if len(m.Codecs) > maxCodecs || m.Direction == "" || m.Port < 0 || m.Port > 65535 {
				t.Fatalf("media %+v", m)
			}
		}
		if _, err := json.Marshal(s1); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzTCPStream feeds arbitrary bytes, cut at an arbitrary point, as one
// direction of a SIP over TCP connection. Properties: no panic; the
// handler consumes whole messages only, so feeding the stream in two
// pieces finds the same messages as feeding it whole.
func FuzzTCPStream(f *testing.F) {
	for _, s := range tcpStreams(f) {
		f.Add(s, len(s)/2)
		f.Add(s, len(s)/3)
	}
	two := "OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\n\r\nhiSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"
	f.Add([]byte(two), 30)                                                          // two messages, the cut inside the first
	f.Add([]byte("\r\n\r\njunk\r\nBYE sip:x@y SIP/2.0\r\nl: 0\r\n\r\n"), 7)         // keep-alive, junk, then a message
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nContent-Length: 300000\r\n\r\nxx"), 40) // a body too large to keep
	f.Fuzz(func(t *testing.T, stream []byte, cut int) {
		if cut < 0 || cut > len(stream) {
			return
		}
		whole := feed(t, flowSIP, [][]byte{stream})
		split := feed(t, flowSIP, [][]byte{stream[:cut], stream[cut:]})
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("whole stream: %q; in two pieces: %q", whole, split)
		}
	})
}

// FuzzWebSocket feeds arbitrary bytes, cut at an arbitrary point, as the
// client side of an upgraded WebSocket connection. Properties as for
// FuzzTCPStream.
func FuzzWebSocket(f *testing.F) {
	msg := []byte("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n")
	key := []byte{1, 2, 3, 4}
	one := wsTestFrame(1, true, msg, key)
	f.Add(one, 3)                                                                                   // one masked text frame
	f.Add(append(wsTestFrame(2, false, msg[:10], key), wsTestFrame(0, true, msg[10:], key)...), 20) // a fragmented message
	f.Add(append(wsTestFrame(9, true, []byte("p"), nil), wsTestFrame(0x41, true, msg, nil)...), 1)  // ping, then a compressed frame
	f.Add([]byte{0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}, 5)        // a 2^63-byte frame
	f.Fuzz(func(t *testing.T, stream []byte, cut int) {
		if cut < 0 || cut > len(stream) {
			return
		}
		whole := feed(t, flowWS, [][]byte{stream})
		split := feed(t, flowWS, [][]byte{stream[:cut], stream[cut:]})
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("whole stream: %q; in two pieces: %q", whole, split)
		}
	})
}

// wsTestFrame builds a WebSocket frame; key nil sends it unmasked.
func wsTestFrame(b0 byte, fin bool, payload, key []byte) []byte {
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0, byte(len(payload))}
	if len(payload) >= 126 {
		out = []byte{b0, 126, byte(len(payload) >> 8), byte(len(payload))}
	}
	if key == nil {
		return append(out, payload...)
	}
	out[1] |= 0x80
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// feed runs the observer's stream handler over pieces of one direction,
// keeping what it leaves unconsumed as the reassembler does, and returns
// the start lines of the messages found.
func feed(t *testing.T, kind flowKind, pieces [][]byte) []string {
	o := newObserver(fuzzConfig(t))
	o.cfg.limit = 1 << 30
	c := &engine.StreamConn{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:5060")}
	st := &connState{kind: kind}
	st.dir[0].upgraded = true
	c.State = st
	pcaptest.FeedStream(t, o, c, pieces, func() {
		// What the handler holds itself is bounded, and charged.
		for d := range st.dir {
			ds := &st.dir[d]
			if ds.held != cap(ds.pend)+cap(ds.frag) || ds.held > 4*maxMessageBytes+8192 || o.streamHeld != st.dir[0].held+st.dir[1].held {
				t.Fatalf("direction %d holds %d bytes (pend %d/%d, frag %d/%d), %d charged in all", d, ds.held, len(ds.pend), cap(ds.pend), len(ds.frag), cap(ds.frag), o.streamHeld)
			}
		}
	})
	var lines []string
	for _, p := range o.page {
		lines = append(lines, p.StartLine+"|"+p.CallID+"|"+strconv.Itoa(p.BodyLength))
	}
	if len(o.page) != o.found {
		t.Fatalf("%d messages found, %d listed", o.found, len(o.page))
	}
	return lines
}
