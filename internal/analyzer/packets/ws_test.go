package packets

import (
	"bytes"
	"testing"
)

// wsFrame is a WebSocket frame (RFC 6455 §5.2), FIN set, masked with key
// when key is not nil.
func wsFrame(opcode byte, payload []byte, key []byte) []byte {
	b := []byte{0x80 | opcode}
	m := byte(0)
	if key != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, m|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	if key == nil {
		return append(b, payload...)
	}
	b = append(b, key...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// TestWebSocket: after a 101 to WebSocket, the segment a frame ends in is
// websocket with its payload's protocol (text: data-text-lines, binary:
// data, a control frame or an empty payload: nothing), the segments
// before it tcp; with the "sip" subprotocol the payload is SIP (and SDP).
// want is tshark 4.0's, checked against tshark where it is installed.
func TestWebSocket(t *testing.T) {
	key := []byte{0x37, 0xfa, 0x21, 0x3d}
	for _, sub := range []string{"", "sip"} {
		t.Run("subprotocol="+sub, func(t *testing.T) {
			c := newConv(t, 8080)
			c.handshake()
			hdr := ""
			if sub != "" {
				hdr = "Sec-WebSocket-Protocol: " + sub + "\r\n"
			}
			c.seg(true, "A", []byte("GET /ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+hdr+"\r\n"))
			c.seg(false, "A", []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGJzhZRbK+xOo=\r\n"+hdr+"\r\n"))
			want := map[int]string{1: "tcp", 2: "tcp", 3: "tcp", 4: "http", 5: "http"}
			text, binary := "data-text-lines", "data"
			invite := []byte("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n" +
				"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: a84b4c76e66710\r\nCSeq: 1 INVITE\r\n" +
				"Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\no=- 0")
			ok := []byte("SIP/2.0 100 Trying\r\nCall-ID: a84b4c76e66710\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
			if sub == "sip" {
				text, binary = "sip", "sip"
			}
			c.seg(true, "A", wsFrame(1, invite, key)) // masked text, whole
			want[6] = text
			if sub == "sip" {
				want[6] = "sdp"
			}
			big := wsFrame(2, bytes.Repeat(ok, 40), nil) // binary over two segments
			c.seg(false, "A", big[:1000])
			want[7] = "tcp"
			c.seg(false, "A", big[1000:])
			want[8] = binary
			c.seg(false, "A", wsFrame(2, nil, nil)) // empty payload
			want[9] = "websocket"
			c.seg(true, "A", append(wsFrame(9, []byte("ping"), key), wsFrame(1, ok, key)...)) // a ping, then text
			want[10] = text
			c.seg(true, "A", wsFrame(8, []byte{3, 0xe8}, key)) // close
			want[11] = "websocket"
			c.checkTops(want)
		})
	}
}
