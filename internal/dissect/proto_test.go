package dissect

import (
	"encoding/binary"
	"math/bits"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// ipFrame is an Ethernet/IPv4 frame from 10.0.0.1 to 10.0.0.2 carrying
// the given transport layers (TCP or UDP with payload, or a bare protocol
// number and payload).
func ipFrame(t *testing.T, proto layers.IPProtocol, l ...gopacket.SerializableLayer) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4(10, 0, 0, 2).To4()}
	return pcaptest.Serialize(t, append([]gopacket.SerializableLayer{eth, ip}, l...)...)
}

// TestProtocolsByPort: the stack's top for protocols named by port or IP
// protocol number as tshark 4.0 names them (telnet on TCP 23, H.225 RAS on
// UDP 1719, Dropbox's LAN sync discovery on UDP 17500, RTCP by Wireshark's
// heuristic, VRRP, a TLS port's bytes that are not a record, HTTP bodies by
// declared type, SMB over NetBIOS and direct hosting with the security
// blobs and pipe data it carries).
func TestProtocolsByPort(t *testing.T) {
	tcp := func(sp, dp uint16) *layers.TCP {
		return &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: 1, ACK: true, PSH: true, Window: 1000}
	}
	udp := func(sp, dp uint16) *layers.UDP {
		return &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	}
	resp := func(ct string) gopacket.Payload {
		return gopacket.Payload("HTTP/1.1 200 OK\r\nContent-Type: " + ct + "\r\nContent-Length: 4\r\n\r\nbody")
	}
	cases := []struct {
		name  string
		proto layers.IPProtocol
		l     []gopacket.SerializableLayer
		want  string
	}{
		{"telnet", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(23, 1219), gopacket.Payload("\xff\xfd\x18login: ")}, "telnet"},
		{"dropbox lan sync", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(17500, 17500), gopacket.Payload(`{"host_int": 1, "version": [2, 0]}`)}, "json"},
		{"icmp quoting a udp header alone", layers.IPProtocolICMPv4, []gopacket.SerializableLayer{&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)},
			gopacket.Payload{0x45, 0, 0, 0xcf, 0xc8, 0x43, 0, 0, 0x40, 0x11, 0x2c, 0x78, 10, 0, 0, 2, 10, 0, 0, 1, 0, 0x35, 0xf7, 0x91, 0, 0xbb, 0, 0}}, "udp"},
		{"icmp quoting a dns query", layers.IPProtocolICMPv4, []gopacket.SerializableLayer{&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)},
			gopacket.Payload{0x45, 0, 0, 0x29, 0xc8, 0x43, 0, 0, 0x40, 0x11, 0x2c, 0x78, 10, 0, 0, 2, 10, 0, 0, 1, 0xf7, 0x91, 0, 0x35, 0, 0x15, 0, 0, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}}, "dns"},
		{"icmp quoting an echo with data", layers.IPProtocolICMPv4, []gopacket.SerializableLayer{&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(11, 0)},
			gopacket.Payload{0x45, 0, 0, 0x20, 0xc8, 0x43, 0, 0, 1, 1, 0x2c, 0x78, 10, 0, 0, 2, 10, 0, 0, 1, 8, 0, 0xf7, 0xff, 0, 1, 0, 1, 'a', 'b', 'c', 'd'}}, "data"},
		{"smtp line", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(25, 50000), gopacket.Payload("220 mx.example.com ESMTP\r\n")}, "smtp"},
		{"smtp, no line end yet", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(50000, 25), gopacket.Payload("e")}, "tcp"},
		{"bacnet apdu", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(47808, 47808), gopacket.Payload{0x81, 0x0b, 0, 12, 1, 0x20, 0xff, 0xff, 0, 0xff, 0x10, 0x08}}, "bacapp"},
		{"bacnet network message", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(47808, 47808), gopacket.Payload{0x81, 0x0b, 0, 7, 1, 0x80, 0}}, "bacnet"},
		{"nat-pmp", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(5351, 5350), gopacket.Payload{0, 128, 0, 0, 0, 0, 0, 1}}, "portcontrol"},
		{"rip", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(520, 520), gopacket.Payload{2, 2, 0, 0}}, "rip"},
		{"msn messenger", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(1047, 1863), gopacket.Payload("PNG\r\n")}, "msnms"},
		{"yahoo messenger", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(1042, 5050), gopacket.Payload("YMSG\x00\x0c\x00\x00\x00\x00\x00\x8a\x00\x00\x00\x00\x00\x00\x00\x00")}, "ymsg"},
		{"udp 443, quic's fixed bit clear", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(443, 52425), gopacket.Payload{0x10, 0xef, 1, 0x65, 0xd8, 0xb9, 0x9d, 0x48}}, "data"},
		{"udp 443, a short header", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(443, 52425), gopacket.Payload{0x50, 0xef, 1, 0x65, 0xd8, 0xb9, 0x9d, 0x48}}, "quic"},
		{"sip keep-alive", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(5061, 5060), gopacket.Payload("\r\n")}, "data"},
		{"sip request", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(5061, 5060), gopacket.Payload("OPTIONS sip:10.0.0.2 SIP/2.0\r\nCall-ID: 1\r\n\r\n")}, "sip"},
		{"dtls port", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(46907, 853), gopacket.Payload{0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8}}, "dtls"},
		{"rtcp by heuristic", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(40379, 4801), gopacket.Payload{0x81, 200, 0, 1, 0, 0, 0, 7}}, "rtcp"},
		{"rtcp heuristic, not whole words", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(40379, 4801), gopacket.Payload{0x81, 200, 0, 1, 0, 0, 0}}, "data"},
		{"h225 ras", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(1719, 1719), gopacket.Payload{0x0e, 0x40, 0x01}}, "h225"},
		{"vrrp", layers.IPProtocol(112), []gopacket.SerializableLayer{gopacket.Payload{0x21, 0x01, 0x64, 0x01, 0, 1, 0, 0, 10, 0, 0, 1}}, "vrrp"},
		{"tls port, no record", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(443, 50000), gopacket.Payload("abcdefghijklmnop")}, "data"},
		{"tls port, a record", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(443, 50000), gopacket.Payload{0x17, 3, 3, 0, 2, 0xaa, 0xbb}}, "tls"},
		{"form body", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/x-www-form-urlencoded")}, "urlencoded-form"},
		{"xml body", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("text/xml; charset=utf-8")}, "xml"},
		{"other type", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/javascript")}, "media"},
		{"octet-stream", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/octet-stream")}, "data"},
		{"empty chunked body", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), gopacket.Payload("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n0\r\n\r\n")}, "http"},
		{"x-javascript", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(80, 50000), resp("application/x-javascript")}, "data-text-lines"},
	}
	// SMB over direct hosting (445): NetBIOS session header, SMB2 header,
	// a body that points at a security blob or at a pipe's data.
	nbss := func(m []byte) gopacket.Payload {
		return gopacket.Payload(append([]byte{0, byte(len(m) >> 16), byte(len(m) >> 8), byte(len(m))}, m...))
	}
	smb2 := func(cmd uint16, resp bool, body []byte) []byte {
		h := make([]byte, 64)
		copy(h, "\xfeSMB")
		h[4], h[12] = 64, byte(cmd)
		if resp {
			h[16] = 1
		}
		return append(h, body...)
	}
	spnego := []byte{0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x1e}
	ntlm := func(typ byte) []byte {
		return append(append([]byte{0xa1, 0x20, 0x30, 0x1e}, "NTLMSSP\x00"...), typ, 0, 0, 0, 1, 2, 3, 4)
	}
	setupReq := func(blob []byte) []byte { // SESSION_SETUP request: the blob at 64+24
		b := make([]byte, 24)
		b[0], b[12], b[14] = 25, 64+24, byte(len(blob))
		return append(b, blob...)
	}
	negResp := make([]byte, 64)
	negResp[0], negResp[56], negResp[58] = 65, 128, byte(len(spnego))
	negResp = append(negResp, spnego...)
	write := make([]byte, 48)
	write[0], write[2], write[4] = 49, 64+48, 24
	write = append(write, append([]byte{5, 0, 0, 3, 0x10, 0, 0, 0}, make([]byte, 16)...)...)
	cases = append(cases, []struct {
		name  string
		proto layers.IPProtocol
		l     []gopacket.SerializableLayer
		want  string
	}{
		{"nbss session request", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 139), gopacket.Payload{0x81, 0, 0, 4, 1, 2, 3, 4}}, "nbss"},
		{"smb2 negotiate request", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 445), nbss(smb2(0, false, make([]byte, 36)))}, "smb2"},
		{"smb2 negotiate response", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(445, 49000), nbss(smb2(0, true, negResp))}, "spnego"},
		{"smb2 session setup, ntlm negotiate", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 445), nbss(smb2(1, false, setupReq(ntlm(1))))}, "ntlmssp"},
		{"smb2 session setup, ntlm authenticate", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 445), nbss(smb2(1, false, setupReq(ntlm(3))))}, "ntlmssp"},
		{"smb2 write to a pipe", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 445), nbss(smb2(9, false, write))}, "dcerpc"},
		{"smb1", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 139), nbss(append([]byte("\xffSMBr"), make([]byte, 32)...))}, "smb"},
		{"netbios datagram to the browser", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(138, 138), gopacket.Payload(append(append(append([]byte{0x11, 0x0a, 0, 1, 10, 0, 0, 1, 0, 138, 0, 0, 0, 0}, make([]byte, 68)...), "\xffSMB\x25"...), append(make([]byte, 40), "\\MAILSLOT\\BROWSE\x00"...)...))}, "browser"},
		{"netbios datagram, not smb", layers.IPProtocolUDP, []gopacket.SerializableLayer{udp(138, 138), gopacket.Payload(append([]byte{0x11, 0x0a, 0, 1, 10, 0, 0, 1, 0, 138, 0, 0, 0, 0}, make([]byte, 80)...))}, "nbdgm"},
		{"a byte to 445", layers.IPProtocolTCP, []gopacket.SerializableLayer{tcp(49000, 445), gopacket.Payload{0}}, "data"},
	}...)
	wantStacks := map[string]string{
		"smb2 negotiate response":               "nbss:smb2:gss-api:spnego",
		"smb2 session setup, ntlm authenticate": "nbss:smb2:gss-api:spnego:ntlmssp", // no MIC: one ntlmssp (packets.TestNTLMSSPVerifier)
	}
	dec := engine.NewDecoder()
	for i, c := range cases {
		b := ipFrame(t, c.proto, c.l...)
		raw := capture.Packet{Data: b, CaptureLength: len(b), Length: len(b), LinkType: capture.LinkTypeEthernet, Timestamp: time.Date(2026, 12, 4, 0, 0, i, 0, time.UTC)}
		fr := NewTracker(Options{}).Frame(dec.Decode(&raw, 1, nil))
		if got := fr.Stack.Top().String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, fr.Stack.String(), c.want)
		}
		if w, ok := wantStacks[c.name]; ok && !strings.HasSuffix(fr.Stack.String(), ":tcp:"+w) {
			t.Errorf("%s: %s, want it to end in tcp:%s", c.name, fr.Stack.String(), w)
		}
	}
	// EAPOL (EtherType 0x888e), and a UDP datagram whose own length says
	// it is empty though the IP packet has bytes after it: udp, no dns.
	eapol := append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x8e}, 2, 3, 0, 4, 1, 2, 3, 4)
	empty := ipFrame(t, layers.IPProtocolUDP, udp(1024, 53), gopacket.Payload("\x12\x34\x01\x00\x00\x01"))
	binary.BigEndian.PutUint16(empty[14+20+4:], 8)
	unknown := append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x40, 0x00}, 1, 2, 3, 4) // an EtherType nothing names
	for want, b := range map[string][]byte{"eapol": eapol, "udp": empty, "data": unknown} {
		raw := capture.Packet{Data: b, CaptureLength: len(b), Length: len(b), LinkType: capture.LinkTypeEthernet}
		if fr := NewTracker(Options{}).Frame(dec.Decode(&raw, 1, nil)); fr.Stack.Top().String() != want {
			t.Errorf("%s, want it to end in %s", fr.Stack.String(), want)
		}
	}
}

// TestProtocolsByLinkType: frames of link types the engine decodes no
// network layer of, named as tshark 4.0 names them: netlink with its
// family, 802.11 control frames and protected data, a link type or PPP
// protocol nothing decodes (data).
func TestProtocolsByLinkType(t *testing.T) {
	addr := []byte{2, 0, 0, 0, 0, 1}
	dataHdr := append(append(append([]byte{0x08, 0x41, 0, 0}, addr...), addr...), addr...) // to the AP, protected
	dataHdr = append(dataHdr, 0x10, 0)
	for _, c := range []struct {
		name string
		link capture.LinkType
		b    []byte
		want string
	}{
		{"netlink, route", 253, append([]byte{0, 4, 3, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16)...), "netlink:netlink-route"},
		{"netlink, generic", 253, append([]byte{0, 4, 3, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}, make([]byte, 16)...), "netlink"},
		{"802.11 acknowledgement", capture.LinkTypeIEEE80211, append([]byte{0xd4, 0, 0, 0}, addr...), "wlan"},
		{"802.11 protected data", capture.LinkTypeIEEE80211, append(dataHdr, 1, 2, 3, 4, 5, 6, 7, 8), "wlan:data"},
		{"user link type", 160, []byte{0x49, 0x0c, 0x62, 0x09}, "data"},
		{"ppp, unknown protocol", capture.LinkTypePPP, []byte{0xff, 0x03, 0x7e, 0x08, 0, 0x45, 0}, "data"}, // (no ppp in the stack: tshark has ppp:data)
	} {
		raw := capture.Packet{Data: c.b, CaptureLength: len(c.b), Length: len(c.b), LinkType: c.link}
		fr := NewTracker(Options{}).Frame(engine.NewDecoder().Decode(&raw, 1, nil))
		if got := fr.Stack.String(); !strings.HasSuffix(got, ":"+c.want) {
			t.Errorf("%s: %s, want it to end in %s", c.name, got, c.want)
		}
	}
}

// TestTCPAnalysisBits checks the named analysis bits against their names.
func TestTCPAnalysisBits(t *testing.T) {
	for bit, name := range map[uint32]string{TCPRetransmission: "retransmission", TCPFastRetransmission: "fast_retransmission",
		TCPSpuriousRetransmission: "spurious_retransmission", TCPOutOfOrder: "out_of_order", TCPLostSegment: "lost_segment", TCPKeepAlive: "keep_alive"} {
		if got := TCPAnalysisNames[bits.TrailingZeros32(bit)]; got != name {
			t.Errorf("bit %#x is %s, want %s", bit, got, name)
		}
	}
}
