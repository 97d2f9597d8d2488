package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	pbx      = host{mac(0x00, 0x50, 0x56, 0x00, 0x50, 0x60), ip(10, 0, 0, 10)}
	carrier  = host{gateway.mac, ip(192, 0, 2, 50)}
	attacker = host{gateway.mac, ip(203, 0, 113, 66)}
)

const sipDomain = "pbx.example.com"

// sipEnd is one SIP user agent: its host, port, extension and software.
type sipEnd struct {
	h    host
	port uint16
	user string
	ua   string
}

func (e sipEnd) uri() string     { return "sip:" + e.user + "@" + sipDomain }
func (e sipEnd) contact() string { return fmt.Sprintf("<sip:%s@%s:%d>", e.user, e.h.ip, e.port) }

func phone(i int) sipEnd {
	return sipEnd{lanHost(i), 5060, fmt.Sprintf("%d", 1000+i), "Yealink SIP-T46S 66.86.0.15"}
}

var pbxEnd = sipEnd{pbx, 5060, "pbx", "Asterisk PBX 20.5.0"}

// dialog builds the messages of one Call-ID.
type dialog struct {
	callID          string
	from, to        sipEnd // From and To of requests the caller sends
	fromTag, toTag  string
	transport       string // in Via: UDP, TCP or WS
	compact         bool   // use the compact header forms
	viaHost         string // Via sent-by, when not from.h.ip:port
	extra           []string
	contentLengthAs string // when set, the Content-Length value written
}

func newDialog(id string, from, to sipEnd) *dialog {
	return &dialog{callID: id, from: from, to: to, fromTag: "f" + id[:6], transport: "UDP"}
}

func (d *dialog) names() (via, from, to, callID, cseq, contact, ctype, clen string) {
	if d.compact {
		return "v", "f", "t", "i", "CSeq", "m", "c", "l"
	}
	return "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Type", "Content-Length"
}

func (d *dialog) sentBy() string {
	if d.viaHost != "" {
		return d.viaHost
	}
	return fmt.Sprintf("%s:%d", d.from.h.ip, d.from.port)
}

// request writes a request from the caller (From) to the callee (To).
func (d *dialog) request(method string, cseq int, branch string, body string, extra ...string) []byte {
	via, from, to, cid, cs, contact, _, _ := d.names()
	var b strings.Builder
	uri := d.to.uri()
	if method == "REGISTER" {
		uri = "sip:" + sipDomain
	}
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, uri)
	fmt.Fprintf(&b, "%s: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n", via, d.transport, d.sentBy(), branch)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "%s: <%s>;tag=%s\r\n", from, d.from.uri(), d.fromTag)
	fmt.Fprintf(&b, "%s: <%s>", to, d.to.uri())
	if d.toTag != "" {
		fmt.Fprintf(&b, ";tag=%s", d.toTag)
	}
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "%s: %s\r\n%s: %d %s\r\n", cid, d.callID, cs, cseq, method)
	fmt.Fprintf(&b, "%s: %s\r\nUser-Agent: %s\r\n", contact, d.from.contact(), d.from.ua)
	return d.finish(&b, body, append(append([]string{}, d.extra...), extra...))
}

// response writes a response from the callee to a request of the caller.
func (d *dialog) response(code int, reason, method string, cseq int, branch string, body string, extra ...string) []byte {
	via, from, to, cid, cs, contact, _, _ := d.names()
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	fmt.Fprintf(&b, "%s: SIP/2.0/%s %s;branch=z9hG4bK%s;rport=%d;received=%s\r\n", via, d.transport, d.sentBy(), branch, d.from.port, d.from.h.ip)
	fmt.Fprintf(&b, "%s: <%s>;tag=%s\r\n", from, d.from.uri(), d.fromTag)
	fmt.Fprintf(&b, "%s: <%s>", to, d.to.uri())
	if d.toTag != "" && code > 100 {
		fmt.Fprintf(&b, ";tag=%s", d.toTag)
	}
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "%s: %s\r\n%s: %d %s\r\n", cid, d.callID, cs, cseq, method)
	if code/100 == 2 || code == 180 || code == 183 {
		fmt.Fprintf(&b, "%s: %s\r\n", contact, d.to.contact())
	}
	fmt.Fprintf(&b, "Server: %s\r\n", d.to.ua)
	return d.finish(&b, body, extra)
}

func (d *dialog) finish(b *strings.Builder, body string, extra []string) []byte {
	_, _, _, _, _, _, ctype, clen := d.names()
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(b, "%s: application/sdp\r\n", ctype)
	}
	n := fmt.Sprint(len(body))
	if d.contentLengthAs != "" {
		n = d.contentLengthAs
	}
	fmt.Fprintf(b, "%s: %s\r\n\r\n%s", clen, n, body)
	return []byte(b.String())
}

// sdpBody is a session description offering audio (and optionally video).
func sdpBody(a net.IP, port int, video bool) string {
	s := fmt.Sprintf("v=0\r\no=- 3712 3712 IN IP4 %s\r\ns=call\r\nc=IN IP4 %s\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n",
		a, a, port)
	if video {
		s += fmt.Sprintf("m=video %d RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=recvonly\r\n", port+2)
	}
	return s
}

func digest(user, nonce string) string {
	return fmt.Sprintf(`Digest username="%s",realm="%s",nonce="%s",uri="sip:%s",response="6629fae49393a05397450978507c4ef1",algorithm=MD5`, user, sipDomain, nonce, sipDomain)
}

func (w *capWriter) sipUDP(t time.Duration, src, dst sipEnd, b []byte) {
	w.frame(t, udp4(src.h, dst.h, src.port, dst.port, rawUDP(b)))
}

// register writes REGISTER, 401, REGISTER with credentials, 200.
func register(w *capWriter, t time.Duration, p sipEnd, id string, expires int) {
	d := newDialog(id, p, p)
	d.to = sipEnd{pbx, 5060, p.user, pbxEnd.ua}
	d.toTag = "r" + id[:5]
	ex := fmt.Sprintf("Expires: %d", expires)
	w.sipUDP(t, p, pbxEnd, d.request("REGISTER", 1, id+"a", "", ex))
	w.sipUDP(t+3*time.Millisecond, pbxEnd, p, d.response(401, "Unauthorized", "REGISTER", 1, id+"a", "", `WWW-Authenticate: Digest realm="`+sipDomain+`",nonce="abc`+id+`",algorithm=MD5`))
	w.sipUDP(t+20*time.Millisecond, p, pbxEnd, d.request("REGISTER", 2, id+"b", "", ex, "Authorization: "+digest(p.user, "abc"+id)))
	w.sipUDP(t+24*time.Millisecond, pbxEnd, p, d.response(200, "OK", "REGISTER", 2, id+"b", "", ex))
}

// call writes an answered call from caller to the PBX, which answers it
// (voicemail, conference), then a BYE from hangup's side after talk.
func callAnswered(w *capWriter, t time.Duration, d *dialog, talk time.Duration, callerHangs bool) {
	caller, callee := d.from, d.to
	w.sipUDP(t, caller, callee, d.request("INVITE", 1, d.callID+"1", sdpBody(caller.h.ip, 16000, false)))
	d.toTag = "t" + d.callID[:6]
	w.sipUDP(t+2*time.Millisecond, callee, caller, d.response(100, "Trying", "INVITE", 1, d.callID+"1", ""))
	w.sipUDP(t+40*time.Millisecond, callee, caller, d.response(180, "Ringing", "INVITE", 1, d.callID+"1", ""))
	w.sipUDP(t+3*time.Second, callee, caller, d.response(200, "OK", "INVITE", 1, d.callID+"1", sdpBody(callee.h.ip, 30000, false)))
	w.sipUDP(t+3*time.Second+5*time.Millisecond, caller, callee, d.request("ACK", 1, d.callID+"2", ""))
	end := t + 3*time.Second + talk
	if callerHangs {
		w.sipUDP(end, caller, callee, d.request("BYE", 2, d.callID+"3", ""))
		w.sipUDP(end+2*time.Millisecond, callee, caller, d.response(200, "OK", "BYE", 2, d.callID+"3", ""))
		return
	}
	back := &dialog{callID: d.callID, from: callee, to: caller, fromTag: d.toTag, toTag: d.fromTag, transport: d.transport, compact: d.compact}
	w.sipUDP(end, callee, caller, back.request("BYE", 1, d.callID+"3", ""))
	w.sipUDP(end+2*time.Millisecond, caller, callee, back.response(200, "OK", "BYE", 1, d.callID+"3", ""))
}

// callFailed writes an INVITE answered by a final failure, and its ACK.
func callFailed(w *capWriter, t time.Duration, d *dialog, code int, reason string) {
	caller, callee := d.from, d.to
	w.sipUDP(t, caller, callee, d.request("INVITE", 1, d.callID+"1", sdpBody(caller.h.ip, 16000, false)))
	w.sipUDP(t+2*time.Millisecond, callee, caller, d.response(100, "Trying", "INVITE", 1, d.callID+"1", ""))
	d.toTag = "t" + d.callID[:6]
	w.sipUDP(t+300*time.Millisecond, callee, caller, d.response(code, reason, "INVITE", 1, d.callID+"1", ""))
	w.sipUDP(t+302*time.Millisecond, caller, callee, d.request("ACK", 1, d.callID+"1", ""))
}

// sipTCPConn writes one TCP connection, keeping sequence numbers.
type sipTCPConn struct {
	w            *capWriter
	c, s         host
	cport, sport uint16
	cseq, sseq   uint32
}

func openTCP(w *capWriter, t time.Duration, c, s host, cport, sport uint16) *sipTCPConn {
	k := &sipTCPConn{w: w, c: c, s: s, cport: cport, sport: sport, cseq: 1000, sseq: 50000}
	w.frame(t, tcp4(c, s, cport, sport, k.cseq, 0, true, false, false, false, nil))
	w.frame(t+time.Millisecond, tcp4(s, c, sport, cport, k.sseq, k.cseq+1, true, true, false, false, nil))
	k.cseq++
	k.sseq++
	w.frame(t+2*time.Millisecond, tcp4(c, s, cport, sport, k.cseq, k.sseq, false, true, false, false, nil))
	return k
}

// send writes one segment from the client (or the server) with payload.
func (k *sipTCPConn) send(t time.Duration, fromClient bool, payload []byte) {
	if fromClient {
		k.w.frame(t, tcp4(k.c, k.s, k.cport, k.sport, k.cseq, k.sseq, false, true, false, true, payload))
		k.cseq += uint32(len(payload))
		return
	}
	k.w.frame(t, tcp4(k.s, k.c, k.sport, k.cport, k.sseq, k.cseq, false, true, false, true, payload))
	k.sseq += uint32(len(payload))
}

func (k *sipTCPConn) close(t time.Duration) {
	k.w.frame(t, tcp4(k.c, k.s, k.cport, k.sport, k.cseq, k.sseq, false, true, true, false, nil))
	k.w.frame(t+time.Millisecond, tcp4(k.s, k.c, k.sport, k.cport, k.sseq, k.cseq+1, false, true, true, false, nil))
	k.w.frame(t+2*time.Millisecond, tcp4(k.c, k.s, k.cport, k.sport, k.cseq+1, k.sseq+1, false, true, false, false, nil))
}

// wsFrame builds a WebSocket frame; a client's frames are masked.
func wsFrame(opcode byte, fin bool, payload []byte, mask []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	m := byte(0)
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n < 1<<16:
		out = append(out, m|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if mask == nil {
		return append(out, payload...)
	}
	out = append(out, mask...)
	for i, c := range payload {
		out = append(out, c^mask[i%4])
	}
	return out
}

// udp6 builds Ethernet/IPv6/UDP around payload.
func udp6(srcMAC, dstMAC net.HardwareAddr, src, dst net.IP, sport, dport uint16, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: srcMAC, DstMAC: dstMAC, EthernetType: layers.EthernetTypeIPv6}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: src, DstIP: dst}
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	u.SetNetworkLayerForChecksum(ip6)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip6, u, gopacket.Payload(payload)); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// sipNormal: an office PBX on an ordinary day. Phones register (each
// challenged once, as digest authentication works), call, ring, talk and
// hang up; one line is busy, one call is cancelled, one number is wrong,
// one INVITE is retransmitted, one call is challenged by the proxy and
// retried with credentials. One phone uses compact header forms, one
// registers and calls over TCP (messages split across segments and packed
// together), a browser phone uses SIP over WebSocket, the PBX pings its
// carrier with OPTIONS, and a few other methods pass by. Nothing any
// detector should flag.
func sipNormal(w *capWriter) {
	var t time.Duration
	for i := 1; i <= 8; i++ {
		register(w, t, phone(i), fmt.Sprintf("reg%03d-4f1c", i), 3600)
		t += 700 * time.Millisecond
	}
	// Answered calls to the PBX (voicemail, conference bridge).
	for i := 1; i <= 5; i++ {
		d := newDialog(fmt.Sprintf("call%02d-9b2e@10.0.1.%d", i, i), phone(i), sipEnd{pbx, 5060, fmt.Sprintf("%d", 8000+i), pbxEnd.ua})
		d.compact = i == 3
		callAnswered(w, t, d, time.Duration(20+i)*time.Second, i%2 == 0)
		t += 40 * time.Second
	}
	pbxUser := func(u string) sipEnd { return sipEnd{pbx, 5060, u, pbxEnd.ua} }
	callFailed(w, t, newDialog("busy01-77aa@10.0.1.6", phone(6), pbxUser("1002")), 486, "Busy Here")
	t += 5 * time.Second
	callFailed(w, t, newDialog("wrong1-77ab@10.0.1.7", phone(7), pbxUser("99999")), 404, "Not Found")
	t += 5 * time.Second
	// Cancelled while ringing.
	d := newDialog("cancel-77ac@10.0.1.8", phone(8), pbxUser("1003"))
	w.sipUDP(t, d.from, d.to, d.request("INVITE", 1, "cx1", sdpBody(d.from.h.ip, 16100, true)))
	w.sipUDP(t+2*time.Millisecond, d.to, d.from, d.response(100, "Trying", "INVITE", 1, "cx1", ""))
	d.toTag = "tcancel"
	w.sipUDP(t+50*time.Millisecond, d.to, d.from, d.response(180, "Ringing", "INVITE", 1, "cx1", ""))
	w.sipUDP(t+4*time.Second, d.from, d.to, d.request("CANCEL", 1, "cx1", ""))
	w.sipUDP(t+4*time.Second+2*time.Millisecond, d.to, d.from, d.response(200, "OK", "CANCEL", 1, "cx1", ""))
	w.sipUDP(t+4*time.Second+3*time.Millisecond, d.to, d.from, d.response(487, "Request Terminated", "INVITE", 1, "cx1", ""))
	w.sipUDP(t+4*time.Second+5*time.Millisecond, d.from, d.to, d.request("ACK", 1, "cx1", ""))
	t += 10 * time.Second
	// The INVITE is lost once and retransmitted after 500 ms (Timer A).
	d = newDialog("retran-77ad@10.0.1.2", phone(2), pbxUser("8100"))
	w.sipUDP(t, d.from, d.to, d.request("INVITE", 1, d.callID+"1", sdpBody(d.from.h.ip, 16000, false)))
	t += 500 * time.Millisecond
	callAnswered(w, t, d, 5*time.Second, true)
	t += 20 * time.Second
	// Challenged by the proxy (407), ACKed, retried with credentials.
	d = newDialog("auth01-77ae@10.0.1.4", phone(4), sipEnd{carrier, 5060, "+441632960123", "Carrier SBC 4.2"})
	w.sipUDP(t, d.from, d.to, d.request("INVITE", 1, "au1", sdpBody(d.from.h.ip, 16300, false)))
	d.toTag = "tauth1"
	w.sipUDP(t+30*time.Millisecond, d.to, d.from, d.response(407, "Proxy Authentication Required", "INVITE", 1, "au1", "", `Proxy-Authenticate: Digest realm="carrier.example",nonce="n407"`))
	w.sipUDP(t+31*time.Millisecond, d.from, d.to, d.request("ACK", 1, "au1", ""))
	d.toTag = ""
	w.sipUDP(t+60*time.Millisecond, d.from, d.to, d.request("INVITE", 2, "au2", sdpBody(d.from.h.ip, 16300, false), "Proxy-Authorization: "+digest("1004", "n407")))
	d.toTag = "tauth2"
	w.sipUDP(t+90*time.Millisecond, d.to, d.from, d.response(100, "Trying", "INVITE", 2, "au2", ""))
	w.sipUDP(t+1500*time.Millisecond, d.to, d.from, d.response(183, "Session Progress", "INVITE", 2, "au2", sdpBody(carrier.ip, 40000, false)))
	w.sipUDP(t+6*time.Second, d.to, d.from, d.response(200, "OK", "INVITE", 2, "au2", sdpBody(carrier.ip, 40000, false)))
	w.sipUDP(t+6*time.Second+10*time.Millisecond, d.from, d.to, d.request("ACK", 2, "au3", ""))
	w.sipUDP(t+66*time.Second, d.from, d.to, d.request("BYE", 3, "au4", ""))
	w.sipUDP(t+66*time.Second+30*time.Millisecond, d.to, d.from, d.response(200, "OK", "BYE", 3, "au4", ""))
	t += 70 * time.Second
	// The PBX pings its carrier.
	for i := range 3 {
		d := newDialog(fmt.Sprintf("opt%03d-55aa@10.0.0.10", i), pbxEnd, sipEnd{carrier, 5060, "ping", "Carrier SBC 4.2"})
		w.sipUDP(t+time.Duration(i)*30*time.Second, d.from, d.to, d.request("OPTIONS", 1, fmt.Sprintf("op%d", i), ""))
		w.sipUDP(t+time.Duration(i)*30*time.Second+25*time.Millisecond, d.to, d.from, d.response(200, "OK", "OPTIONS", 1, fmt.Sprintf("op%d", i), ""))
	}
	t += 100 * time.Second
	// Other methods: a text message, a subscription with its notify
	// (compact forms), a publish, a vendor's own method, on port 5062.
	d = newDialog("msg001-66bb@10.0.1.5", phone(5), phone(6))
	d.to.h = pbx
	w.sipUDP(t, d.from, pbxEnd, d.request("MESSAGE", 1, "ms1", "", "Content-Type: text/plain"))
	w.sipUDP(t+5*time.Millisecond, pbxEnd, d.from, d.response(202, "Accepted", "MESSAGE", 1, "ms1", ""))
	d = newDialog("sub001-66bc@10.0.1.3", phone(3), pbxUser("1003"))
	d.compact = true
	w.sipUDP(t+time.Second, d.from, d.to, d.request("SUBSCRIBE", 1, "sb1", "", "o: dialog", "Expires: 600", "k: timer"))
	d.toTag = "tsub"
	w.sipUDP(t+time.Second+3*time.Millisecond, d.to, d.from, d.response(200, "OK", "SUBSCRIBE", 1, "sb1", "", "Expires: 600"))
	back := &dialog{callID: d.callID, from: d.to, to: d.from, fromTag: d.toTag, toTag: d.fromTag, transport: "UDP", compact: true}
	w.sipUDP(t+time.Second+5*time.Millisecond, back.from, back.to, back.request("NOTIFY", 1, "nt1", "", "o: dialog", "s: presence update"))
	w.sipUDP(t+time.Second+7*time.Millisecond, back.to, back.from, back.response(200, "OK", "NOTIFY", 1, "nt1", ""))
	d = newDialog("pub001-66bd@10.0.1.1", phone(1), pbxUser("1001"))
	w.sipUDP(t+2*time.Second, d.from, d.to, d.request("PUBLISH", 1, "pb1", "", "Event: presence", "Expires: 3600"))
	w.sipUDP(t+2*time.Second+4*time.Millisecond, d.to, d.from, d.response(200, "OK", "PUBLISH", 1, "pb1", ""))
	alt, p2 := sipEnd{pbx, 5062, "pbx", pbxEnd.ua}, phone(2)
	p2.port = 5070
	d = newDialog("xvnd01-66be@10.0.1.2", p2, alt)
	w.sipUDP(t+3*time.Second, d.from, alt, d.request("X-STATUS", 1, "xv1", ""))
	w.sipUDP(t+3*time.Second+2*time.Millisecond, alt, d.from, d.response(501, "Not Implemented", "X-STATUS", 1, "xv1", ""))
	// A text message over IPv6.
	p6, x6 := net.ParseIP("2001:db8::1:9"), net.ParseIP("2001:db8::10")
	d = newDialog("v6msg1-66bf@2001:db8::1:9", phone(9), pbxUser("1002"))
	d.viaHost = "[2001:db8::1:9]:5060"
	w.frame(t+4*time.Second, udp6(clientMAC(9), pbx.mac, p6, x6, 5060, 5060, d.request("MESSAGE", 1, "m6", "", "Content-Type: text/plain")))
	w.frame(t+4*time.Second+3*time.Millisecond, udp6(pbx.mac, clientMAC(9), x6, p6, 5060, 5060, d.response(200, "OK", "MESSAGE", 1, "m6", "")))
	// Unregister before leaving.
	d = newDialog("reg008-4f1c", phone(8), phone(8))
	d.to = sipEnd{pbx, 5060, "1008", pbxEnd.ua}
	d.toTag = "runreg"
	w.sipUDP(t+5*time.Second, phone(8), pbxEnd, d.request("REGISTER", 3, "ur1", "", "Expires: 0", "Authorization: "+digest("1008", "abcreg008-4f1c")))
	w.sipUDP(t+5*time.Second+4*time.Millisecond, pbxEnd, phone(8), d.response(200, "OK", "REGISTER", 3, "ur1", "", "Expires: 0"))
	t += 10 * time.Second

	sipOverTCP(w, t)
	t += 60 * time.Second
	sipOverWebSocket(w, t)
}

// sipOverTCP: a phone registers and calls over TCP (RFC 3261 §18.3).
// Segments split a REGISTER inside a header line and an INVITE inside its
// body; one segment carries two responses, another a response and a
// request; CRLF keep-alives come between messages. Another phone sends
// OPTIONS over TCP to port 5080.
func sipOverTCP(w *capWriter, t time.Duration) {
	p := phone(12)
	p.port = 49152
	k := openTCP(w, t, p.h, pbx, 49152, 5060)
	d := newDialog("tcpreg-0a1b", p, sipEnd{pbx, 5060, p.user, pbxEnd.ua})
	d.transport, d.toTag = "TCP", "rtcp"
	k.send(t+10*time.Millisecond, true, d.request("REGISTER", 1, "tr1", "", "Expires: 1800"))
	k.send(t+14*time.Millisecond, false, d.response(401, "Unauthorized", "REGISTER", 1, "tr1", "", `WWW-Authenticate: Digest realm="`+sipDomain+`",nonce="tcpn"`))
	reg := d.request("REGISTER", 2, "tr2", "", "Expires: 1800", "Authorization: "+digest(p.user, "tcpn"))
	k.send(t+30*time.Millisecond, true, reg[:130])
	k.send(t+31*time.Millisecond, true, reg[130:])
	// The 200 OK and a NOTIFY for voicemail in one segment.
	ok := d.response(200, "OK", "REGISTER", 2, "tr2", "", "Expires: 1800")
	mwi := &dialog{callID: "tcpmwi-0a1c", from: pbxEnd, to: p, fromTag: "fmwi", transport: "TCP"}
	k.send(t+35*time.Millisecond, false, append(ok, mwi.request("NOTIFY", 1, "tn1", "", "Event: message-summary", "Subscription-State: active")...))
	k.send(t+40*time.Millisecond, true, mwi.response(200, "OK", "NOTIFY", 1, "tn1", ""))
	k.send(t+5*time.Second, true, []byte("\r\n\r\n")) // keep-alive ping
	k.send(t+5*time.Second+time.Millisecond, false, []byte("\r\n"))
	// A call: the INVITE's body split across segments.
	c := newDialog("tcpcall-0a1d@10.0.1.12", p, sipEnd{pbx, 5060, "8200", pbxEnd.ua})
	c.transport = "TCP"
	inv := c.request("INVITE", 1, "tc1", sdpBody(p.h.ip, 17000, false))
	k.send(t+10*time.Second, true, inv[:len(inv)-100])
	k.send(t+10*time.Second+2*time.Millisecond, true, inv[len(inv)-100:])
	c.toTag = "ttcp"
	k.send(t+10*time.Second+10*time.Millisecond, false, append(c.response(100, "Trying", "INVITE", 1, "tc1", ""), c.response(180, "Ringing", "INVITE", 1, "tc1", "")...))
	k.send(t+12*time.Second, false, c.response(200, "OK", "INVITE", 1, "tc1", sdpBody(pbx.ip, 31000, false)))
	k.send(t+12*time.Second+20*time.Millisecond, true, c.request("ACK", 1, "tc2", ""))
	k.send(t+40*time.Second, true, c.request("BYE", 2, "tc3", ""))
	k.send(t+40*time.Second+5*time.Millisecond, false, c.response(200, "OK", "BYE", 2, "tc3", ""))
	k.close(t + 41*time.Second)

	q := phone(13)
	q.port = 40001
	k = openTCP(w, t+45*time.Second, q.h, pbx, 40001, 5080)
	o := newDialog("tcpopt-0a1e", q, sipEnd{pbx, 5080, "pbx", pbxEnd.ua})
	o.transport = "TCP"
	k.send(t+45*time.Second+10*time.Millisecond, true, o.request("OPTIONS", 1, "to1", ""))
	k.send(t+45*time.Second+12*time.Millisecond, false, o.response(200, "OK", "OPTIONS", 1, "to1", "", "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"))
	k.close(t + 46*time.Second)

	// A connection to port 5060 that began before the capture: its first
	// segment is the end of a NOTIFY, then comes an OPTIONS exchange.
	r := phone(14)
	r.port = 40123
	k = &sipTCPConn{w: w, c: pbx, s: r.h, cport: 5060, sport: 40123, cseq: 7000, sseq: 9000}
	n := (&dialog{callID: "tcpold-0a1f", from: pbxEnd, to: r, fromTag: "fold", transport: "TCP"}).request("NOTIFY", 5, "tn5", "", "Event: message-summary")
	k.send(t+50*time.Second, true, n[len(n)-60:])
	o = newDialog("tcpopt-0a20", r, pbxEnd)
	o.transport = "TCP"
	k.send(t+50*time.Second+10*time.Millisecond, false, o.request("OPTIONS", 1, "to2", ""))
	k.send(t+50*time.Second+12*time.Millisecond, true, o.response(200, "OK", "OPTIONS", 1, "to2", ""))
}

// sipOverWebSocket: a browser phone (RFC 7118) upgrades an HTTP connection
// to port 8080 with Sec-WebSocket-Protocol: sip, registers and calls. Its
// frames are masked; the INVITE comes as a fragmented WebSocket message
// over two segments; the server packs two frames in one segment; ping and
// pong frames come between messages.
func sipOverWebSocket(w *capWriter, t time.Duration) {
	b := sipEnd{host{clientMAC(30), ip(10, 0, 1, 30)}, 51234, "1030", "SIP.js/0.21.2"}
	srv := sipEnd{pbx, 8080, "1030", pbxEnd.ua}
	k := openTCP(w, t, b.h, pbx, 51234, 8080)
	k.send(t+5*time.Millisecond, true, []byte("GET /ws HTTP/1.1\r\nHost: pbx.example.com:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\nOrigin: https://phone.example.com\r\n\r\n"))
	k.send(t+8*time.Millisecond, false, []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n"))
	mask := []byte{0x37, 0xfa, 0x21, 0x3d}
	d := newDialog("wsreg1-c0de", b, srv)
	d.transport, d.viaHost, d.toTag = "WS", "df7jal23ls0d.invalid", "rws"
	k.send(t+20*time.Millisecond, true, wsFrame(1, true, d.request("REGISTER", 1, "wr1", "", "Expires: 600"), mask))
	k.send(t+25*time.Millisecond, false, wsFrame(1, true, d.response(401, "Unauthorized", "REGISTER", 1, "wr1", "", `WWW-Authenticate: Digest realm="`+sipDomain+`",nonce="wsn"`), nil))
	k.send(t+40*time.Millisecond, true, wsFrame(1, true, d.request("REGISTER", 2, "wr2", "", "Expires: 600", "Authorization: "+digest(b.user, "wsn")), mask))
	k.send(t+45*time.Millisecond, false, wsFrame(1, true, d.response(200, "OK", "REGISTER", 2, "wr2", "", "Expires: 600"), nil))
	k.send(t+2*time.Second, false, wsFrame(9, true, []byte("hb"), nil))
	k.send(t+2*time.Second+time.Millisecond, true, wsFrame(10, true, []byte("hb"), mask))
	c := newDialog("wscall-c0df", b, sipEnd{pbx, 8080, "8300", pbxEnd.ua})
	c.transport, c.viaHost = "WS", "df7jal23ls0d.invalid"
	inv := c.request("INVITE", 1, "wc1", sdpBody(b.h.ip, 18000, false))
	k.send(t+5*time.Second, true, append(wsFrame(1, false, inv[:300], mask), wsFrame(0, true, inv[300:], mask)[:50]...))
	k.send(t+5*time.Second+time.Millisecond, true, wsFrame(0, true, inv[300:], mask)[50:])
	c.toTag = "tws"
	k.send(t+5*time.Second+20*time.Millisecond, false, append(wsFrame(1, true, c.response(100, "Trying", "INVITE", 1, "wc1", ""), nil),
		wsFrame(1, true, c.response(180, "Ringing", "INVITE", 1, "wc1", ""), nil)...))
	k.send(t+8*time.Second, false, wsFrame(1, true, c.response(200, "OK", "INVITE", 1, "wc1", sdpBody(pbx.ip, 32000, false)), nil))
	k.send(t+8*time.Second+30*time.Millisecond, true, wsFrame(1, true, c.request("ACK", 1, "wc2", ""), mask))
	k.send(t+30*time.Second, true, wsFrame(1, true, c.request("BYE", 2, "wc3", ""), mask))
	k.send(t+30*time.Second+10*time.Millisecond, false, wsFrame(1, true, c.response(200, "OK", "BYE", 2, "wc3", ""), nil))
	k.send(t+31*time.Second, true, wsFrame(8, true, []byte{0x03, 0xe8}, mask))
	k.close(t + 31*time.Second + 10*time.Millisecond)
}

// sipScannerAgent: SIPVicious' svmap ("friendly-scanner") sends OPTIONS to
// five addresses; two answer.
func sipScannerAgent(w *capWriter) {
	s := sipEnd{attacker, 5070, "100", "friendly-scanner"}
	for i := range 5 {
		dst := sipEnd{host{gateway.mac, ip(198, 51, 100, byte(10+i))}, 5060, "100", "PBX"}
		d := newDialog(fmt.Sprintf("%06d-scan", 391847+i), s, dst)
		d.to.user = "100"
		t := time.Duration(i) * 50 * time.Millisecond
		req := d.request("OPTIONS", 1, fmt.Sprintf("sc%d", i), "", "Accept: application/sdp")
		req = []byte(strings.Replace(string(req), "sip:100@"+sipDomain+" SIP", fmt.Sprintf("sip:100@%s SIP", dst.h.ip), 1))
		w.sipUDP(t, s, dst, req)
		if i%2 == 0 {
			w.sipUDP(t+20*time.Millisecond, dst, s, d.response(200, "OK", "OPTIONS", 1, fmt.Sprintf("sc%d", i), ""))
		}
	}
}

// sipScannerSweep: an extension enumerator (like svwar) with an ordinary
// User-Agent REGISTERs 60 extensions in six seconds; the PBX answers 404
// for all but three, which it challenges.
func sipScannerSweep(w *capWriter) {
	s := sipEnd{attacker, 5099, "", "Zoiper rv2.10.16"}
	for i := range 60 {
		ext := fmt.Sprintf("%d", 100+i)
		s.user = ext
		d := newDialog(fmt.Sprintf("%08x-sweep", 0x5a17c000+i), s, sipEnd{pbx, 5060, ext, pbxEnd.ua})
		d.toTag = fmt.Sprintf("sw%d", i)
		t := time.Duration(i) * 100 * time.Millisecond
		w.sipUDP(t, s, pbxEnd, d.request("REGISTER", 1, fmt.Sprintf("sw%d", i), ""))
		code, reason := 404, "Not Found"
		if i%20 == 7 {
			code, reason = 401, "Unauthorized"
		}
		w.sipUDP(t+5*time.Millisecond, pbxEnd, s, d.response(code, reason, "REGISTER", 1, fmt.Sprintf("sw%d", i), ""))
	}
}

// sipBruteforce: a password cracker (like svcrack) tries 30 passwords for
// extension 1001 from one address, each attempt challenged and then
// refused; and three other addresses try five passwords each for 1002.
// One real phone registers normally in between.
func sipBruteforce(w *capWriter) {
	attempt := func(t time.Duration, s sipEnd, ext, id string, code int) {
		d := newDialog(id, s, sipEnd{pbx, 5060, ext, pbxEnd.ua})
		d.from.user = ext
		d.toTag = "b" + id[:6]
		w.sipUDP(t, s, pbxEnd, d.request("REGISTER", 1, id+"x", ""))
		w.sipUDP(t+2*time.Millisecond, pbxEnd, s, d.response(401, "Unauthorized", "REGISTER", 1, id+"x", "", `WWW-Authenticate: Digest realm="`+sipDomain+`",nonce="n`+id+`"`))
		w.sipUDP(t+10*time.Millisecond, s, pbxEnd, d.request("REGISTER", 2, id+"y", "", "Authorization: "+digest(ext, "n"+id)))
		reason := "Forbidden"
		if code == 401 {
			reason = "Unauthorized"
		}
		w.sipUDP(t+12*time.Millisecond, pbxEnd, s, d.response(code, reason, "REGISTER", 2, id+"y", ""))
	}
	s := sipEnd{attacker, 5062, "1001", "Asterisk PBX 1.6"}
	for i := range 30 {
		code := 403
		if i%3 == 0 {
			code = 401
		}
		attempt(time.Duration(i)*200*time.Millisecond, s, "1001", fmt.Sprintf("%06dbf", 700000+i), code)
	}
	register(w, 3*time.Second, phone(1), "reg001-4f1c", 3600)
	for j := range 3 {
		src := sipEnd{host{gateway.mac, ip(198, 51, 100, byte(200+j))}, 5060, "1002", "Linksys/SPA942"}
		for i := range 5 {
			attempt(8*time.Second+time.Duration(j*5+i)*300*time.Millisecond, src, "1002", fmt.Sprintf("%06ddb", 800000+j*10+i), 403)
		}
	}
}

// sipInviteFlood: one address sends 120 INVITEs to the same number in three
// seconds, each with a new Call-ID; the PBX answers each with 100 Trying
// and gets no further.
func sipInviteFlood(w *capWriter) {
	s := sipEnd{attacker, 5060, "anonymous", "Cisco-SIPGateway/IOS-12.x"}
	dst := sipEnd{pbx, 5060, "0044203000123", pbxEnd.ua}
	for i := range 120 {
		d := newDialog(fmt.Sprintf("%08x-flood@203.0.113.66", 0x7f000000+i*7919), s, dst)
		t := time.Duration(i) * 25 * time.Millisecond
		w.sipUDP(t, s, dst, d.request("INVITE", 1, fmt.Sprintf("fl%d", i), ""))
		w.sipUDP(t+3*time.Millisecond, dst, s, d.response(100, "Trying", "INVITE", 1, fmt.Sprintf("fl%d", i), ""))
	}
}

// sipFailedCallsSpike: calls go out through the carrier normally for five
// minutes, then the carrier's trunk fails: for 40 seconds every call gets
// 503 Service Unavailable.
func sipFailedCallsSpike(w *capWriter) {
	trunk := sipEnd{carrier, 5060, "", "Carrier SBC 4.2"}
	n := 0
	for i := range 10 {
		dst := trunk
		dst.user = fmt.Sprintf("+4416329601%02d", i)
		d := newDialog(fmt.Sprintf("ok%04d-aa01@10.0.1.%d", i, 1+i%8), phone(1+i%8), dst)
		callAnswered(w, time.Duration(i)*30*time.Second, d, 10*time.Second, true)
		n++
	}
	for i := range 16 {
		dst := trunk
		dst.user = fmt.Sprintf("+4416329602%02d", i)
		d := newDialog(fmt.Sprintf("fail%02d-aa02@10.0.1.%d", i, 1+i%8), phone(1+i%8), dst)
		callFailed(w, 300*time.Second+time.Duration(i)*2500*time.Millisecond, d, 503, "Service Unavailable")
	}
}

// sipMalformed: messages a broken or hostile client sends: a Content-Length
// that is not a number, one larger than the body, no Call-ID, a CSeq
// naming another method, a header line without a colon, a status code of
// 999, and, on a TCP connection, bytes that are not SIP between two
// messages.
func sipMalformed(w *capWriter) {
	p, s := phone(1), pbxEnd
	d := newDialog("bad001-ee01@10.0.1.1", p, s)
	d.contentLengthAs = "twelve"
	w.sipUDP(0, p, s, d.request("OPTIONS", 1, "bd1", ""))
	d = newDialog("bad002-ee02@10.0.1.1", p, s)
	d.contentLengthAs = "500"
	w.sipUDP(time.Second, p, s, d.request("MESSAGE", 1, "bd2", "", "Content-Type: text/plain"))
	nocid := newDialog("bad003-ee03@10.0.1.1", p, s).request("OPTIONS", 1, "bd3", "")
	nocid = []byte(strings.Replace(string(nocid), "Call-ID: bad003-ee03@10.0.1.1\r\n", "", 1))
	w.sipUDP(2*time.Second, p, s, nocid)
	cseq := newDialog("bad004-ee04@10.0.1.1", p, s).request("INFO", 1, "bd4", "")
	cseq = []byte(strings.Replace(string(cseq), "CSeq: 1 INFO", "CSeq: 1 BYE", 1))
	w.sipUDP(3*time.Second, p, s, cseq)
	colon := newDialog("bad005-ee05@10.0.1.1", p, s).request("OPTIONS", 1, "bd5", "", "this line has no colon")
	w.sipUDP(4*time.Second, p, s, colon)
	d = newDialog("bad006-ee06@10.0.1.1", p, s)
	w.sipUDP(5*time.Second, s, p, d.response(999, "Whatever", "OPTIONS", 1, "bd6", ""))
	k := openTCP(w, 6*time.Second, p.h, pbx, 45000, 5060)
	d = newDialog("bad007-ee07@10.0.1.1", p, s)
	d.transport = "TCP"
	k.send(6*time.Second+10*time.Millisecond, true, append(d.request("OPTIONS", 1, "bd7", ""), []byte("\x16\x03\x01 binary junk that is not SIP\r\nmore junk\r\n")...))
	k.send(6*time.Second+20*time.Millisecond, true, d.request("OPTIONS", 2, "bd8", ""))
	k.send(6*time.Second+25*time.Millisecond, false, d.response(200, "OK", "OPTIONS", 2, "bd8", ""))
	k.close(7 * time.Second)
}
