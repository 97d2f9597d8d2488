package dissect

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Proto is a protocol as Wireshark's filter names it.
type Proto uint8

// Protocols the stack names. Bare protocol tests in a display filter
// (dns, tcp, ...) test for them.
const (
	ProtoNone Proto = iota
	ProtoFrame
	ProtoEth
	ProtoEthertype
	ProtoVLAN
	ProtoSLL
	ProtoNull
	ProtoARP
	ProtoIP
	ProtoIPv6
	ProtoICMP
	ProtoICMPv6
	ProtoTCP
	ProtoUDP
	ProtoDNS
	ProtoMDNS
	ProtoLLMNR
	ProtoDHCP
	ProtoDHCPv6
	ProtoNTP
	ProtoSIP
	ProtoSDP
	ProtoTLS
	ProtoHTTP
	ProtoQUIC
	ProtoSSDP
	ProtoNBNS
	ProtoLLDP
	ProtoCDP
	ProtoLLC
	ProtoSTP
	ProtoIGMP
	ProtoSCTP
	ProtoGRE
	ProtoESP
	ProtoSSH
	ProtoPOP
	ProtoIMAP
	ProtoFTP
	ProtoSNMP
	ProtoMGCP
	ProtoGQUIC
	ProtoTextLines
	ProtoJSON
	ProtoGIF
	ProtoJFIF
	ProtoPNG
	ProtoURLEncodedForm
	ProtoXML
	ProtoMedia
	ProtoRTP
	ProtoRTCP
	ProtoTelnet
	ProtoVRRP
	ProtoH225
	ProtoNBSS
	ProtoSMB
	ProtoSMB2
	ProtoGSSAPI
	ProtoSPNEGO
	ProtoNTLMSSP
	ProtoDCERPC
	ProtoNBDGM
	ProtoBrowser
	ProtoEAPOL
	ProtoHTTP2
	ProtoDBLSP
	ProtoWLAN
	ProtoNetlink
	ProtoNetlinkRoute
	ProtoDTLS
	ProtoSMTP
	ProtoBVLC
	ProtoBACnet
	ProtoBACapp
	ProtoPortControl
	ProtoRIP
	ProtoBJNP
	ProtoYMSG
	ProtoMSNMS
	ProtoVXLAN
	ProtoWebSocket
	ProtoSAP
	ProtoMultipart
	ProtoISUP
	ProtoSMPP
	// ProtoNTLMSSPVerifier is NTLMSSP's verifier dissector, which SPNEGO
	// calls on a mechListMIC: a layer named ntlmssp in frame.protocols
	// that adds no ntlmssp item (tshark -Y ntlmssp does not select it).
	ProtoNTLMSSPVerifier
	// The protocols of OIDs in certificates and OCSP responses (asn1.go).
	ProtoX509SAT
	ProtoX509CE
	ProtoX509AF
	ProtoX509IF
	ProtoPKIX1Explicit
	ProtoPKIX1Implicit
	ProtoOCSP
	ProtoPKCS1
	ProtoNSCertExts
	ProtoLogotypeCertExtn
	ProtoCMS
	ProtoPKIXAC
	ProtoPKIXQualified
	ProtoPKCS10
	ProtoPKIXProxy
	ProtoMUDURL
	ProtoWLANCertExtn
	ProtoJPEG
	ProtoData
	numProtos
)

var protoNames = [numProtos]string{
	"", "frame", "eth", "ethertype", "vlan", "sll", "null", "arp", "ip", "ipv6", "icmp", "icmpv6", "tcp", "udp",
	"dns", "mdns", "llmnr", "dhcp", "dhcpv6", "ntp", "sip", "sdp", "tls", "http", "quic", "ssdp", "nbns",
	"lldp", "cdp", "llc", "stp", "igmp", "sctp", "gre", "esp", "ssh", "pop", "imap", "ftp", "snmp", "mgcp", "gquic", "data-text-lines", "json", "image-gif", "image-jfif", "png", "urlencoded-form", "xml", "media", "rtp", "rtcp", "telnet", "vrrp", "h225", "nbss", "smb", "smb2", "gss-api", "spnego", "ntlmssp", "dcerpc", "nbdgm", "browser", "eapol", "http2", "db-lsp-disc", "wlan", "netlink", "netlink-route", "dtls", "smtp", "bvlc", "bacnet", "bacapp", "portcontrol", "rip", "bjnp", "ymsg", "msnms", "vxlan", "websocket", "sap", "mime_multipart", "isup", "smpp", "ntlmssp", "x509sat", "x509ce", "x509af", "x509if", "pkix1explicit", "pkix1implicit", "ocsp", "pkcs-1", "ns_cert_exts", "logotypecertextn", "cms", "pkixac", "pkixqualified", "pkcs10", "pkixproxy", "mudurl", "wlancertextn", "jpeg", "data",
}

func (p Proto) String() string {
	if p < numProtos {
		return protoNames[p]
	}
	return "?"
}

// ProtoByName returns the protocol a filter name stands for.
func ProtoByName(name string) (Proto, bool) {
	for i, n := range protoNames {
		if n != "" && n == name {
			return Proto(i), true
		}
	}
	return ProtoNone, false
}

// ProtoNames lists every protocol name, for "did you mean" hints.
func ProtoNames() []string {
	var names []string
	for i, n := range protoNames[1:] {
		if p, _ := ProtoByName(n); int(p) == i+1 {
			names = append(names, n) // a name two protocols share once
		}
	}
	return names
}

// maxStack bounds a frame's stack.
const maxStack = 16

// Stack is a frame's protocols, outermost first.
type Stack struct {
	p   [maxStack]Proto
	n   int
	set ProtoSet
}

// ProtoSet is a set of protocols: bit p%64 of word p/64 for each Proto p.
type ProtoSet [2]uint64

// Has reports whether p is in the set.
func (ps ProtoSet) Has(p Proto) bool { return ps[p>>6]&(1<<(p&63)) != 0 }

func (s *Stack) push(p Proto) {
	s.set[p>>6] |= 1 << (p & 63)
	switch {
	case s.n < maxStack:
		s.p[s.n] = p
		s.n++
	default: // the innermost protocol stays last
		s.p[maxStack-1] = p
	}
}

// Set is the stack's protocols as a set.
func (s *Stack) Set() ProtoSet { return s.set }

// Has reports whether p is in the stack.
func (s *Stack) Has(p Proto) bool { return s.set.Has(p) }

// Top is the innermost protocol.
func (s *Stack) Top() Proto {
	if s.n == 0 {
		return ProtoNone
	}
	return s.p[s.n-1]
}

// String is the stack as frame.protocols writes it.
func (s *Stack) String() string {
	var b strings.Builder
	for i := range s.n {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(s.p[i].String())
	}
	return b.String()
}

// linkTypeNetlink is LINKTYPE_NETLINK, which the engine does not decode.
const linkTypeNetlink capture.LinkType = 253

// classify fills f.Stack and f.App.
func classify(f *Frame) {
	p := f.P
	s := &f.Stack
	s.set = ProtoSet{}
	s.push(ProtoFrame)
	switch {
	case p.Ethernet != nil:
		s.push(ProtoEth)
		if p.Ethernet.EthernetType >= 0x0600 || len(p.Ethernet.Contents) >= 14 && be16(p.Ethernet.Contents[12:]) >= 0x0600 {
			s.push(ProtoEthertype)
		} else {
			s.push(ProtoLLC)
		}
	case p.LinuxSLL != nil || p.LinuxSLL2 != nil:
		s.push(ProtoSLL)
		s.push(ProtoEthertype)
	case p.Loopback != nil:
		s.push(ProtoNull)
		if p.IPv4 == nil && p.IPv6 == nil && len(p.Loopback.Payload) > 0 {
			switch p.Loopback.Family {
			case layers.ProtocolFamilyIPv4:
				s.push(ProtoIP) // a header cut short
			case layers.ProtocolFamilyIPv6BSD, layers.ProtocolFamilyIPv6FreeBSD, layers.ProtocolFamilyIPv6Darwin, layers.ProtocolFamilyIPv6Linux:
				s.push(ProtoIPv6)
			default:
				s.push(ProtoData) // a family (or EtherType) nothing here decodes
			}
			return
		}
	case p.LinkType == capture.LinkTypeEthernet && len(p.Data) > 0:
		s.push(ProtoEth) // a header cut short by the snaplen, as tshark shows it
		return
	case p.Dot11 != nil, p.LinkType == capture.LinkTypeIEEE80211, p.LinkType == capture.LinkTypeIEEE80211Radio:
		s.push(ProtoWLAN) // (gopacket's decoder wants a frame check sequence: a short control frame is not decoded)
	case p.LinkType == linkTypeNetlink:
		// Linux netlink: a cooked header whose protocol field is the
		// netlink family (0, route: rtnetlink).
		s.push(ProtoNetlink)
		if len(p.Data) >= 16 && be16(p.Data[14:]) == 0 {
			s.push(ProtoNetlinkRoute)
		}
		return
	}
	if len(p.VLANs) > 0 {
		s.push(ProtoVLAN)
	}
	switch p.EtherType {
	case 0x0806, 0x8035: // ARP, RARP (tshark's ARP dissector names both arp)
		s.push(ProtoARP)
		return
	case 0x888e:
		s.push(ProtoEAPOL)
		return
	case 0x88cc:
		s.push(ProtoLLDP)
		return
	}
	if p.EtherType == 0x2000 || isCDP(p) {
		s.push(ProtoCDP)
		return
	}
	if p.IPv4 == nil && p.IPv6 == nil {
		switch {
		case p.EtherType == 0x0800 && len(p.NetworkPayload) > 0 && p.DecodeErr != nil:
			s.push(ProtoIP) // a header cut short: tshark shows what there is
		case p.EtherType == 0x86dd && len(p.NetworkPayload) > 0 && p.DecodeErr != nil:
			s.push(ProtoIPv6)
		case p.Ethernet != nil && p.EtherType == 0 && len(p.Ethernet.Payload) > 3 && p.Ethernet.Payload[0] == 0x42 && p.Ethernet.Payload[1] == 0x42:
			s.push(ProtoSTP)
		case p.Dot11 != nil && p.Dot11.Type.MainType() == layers.Dot11TypeData && p.Dot11.Flags.WEP() && len(p.Dot11.Payload) > 0:
			s.push(ProtoData) // a protected data frame's payload
		case p.UnsupportedLink && p.LinkType != linkTypeNetlink && len(p.Data) > 0, (p.LinkType == capture.LinkTypePPP || p.LinkType == capture.LinkTypePPPSerial) && p.EtherType == 0:
			s.push(ProtoData) // a link type, or a PPP protocol, nothing here decodes
		case p.Ethernet != nil && p.EtherType >= 0x0600 && len(p.NetworkPayload) > 0 && p.DecodeErr == nil:
			s.push(ProtoData) // an EtherType nothing here names
		}
		return
	}
	if f.IP6 != nil || (f.IP4 == nil && p.IPv6 != nil) {
		s.push(ProtoIPv6)
	} else {
		s.push(ProtoIP)
	}
	if p.Fragment && p.UDP == nil && p.TCP == nil && p.ICMPv4 == nil && p.ICMPv6 == nil {
		s.push(ProtoData) // (the engine decodes the transport of a first fragment cut by the snaplen, as tshark)
		return
	}
	switch {
	case p.ICMPv4 != nil:
		s.push(ProtoICMP)
		quoted(f, ProtoIP)
		if t := p.ICMPv4.TypeCode.Type(); (t == 0 || t == 8) && len(p.ICMPv4.Payload) > 0 {
			s.push(ProtoData) // echo data
		}
	case p.ICMPv6 != nil:
		s.push(ProtoICMPv6)
		quoted(f, ProtoIPv6)
		if t := p.ICMPv6.TypeCode.Type(); (t == 128 || t == 129) && len(p.ICMPv6.Payload) > 4 {
			s.push(ProtoData)
		}
	case p.UDP != nil:
		s.push(ProtoUDP)
		f.App = p.UDP.Payload
		if pr := f.mediaOf(); pr != ProtoNone && len(p.UDP.Payload) > 0 {
			s.push(pr) // RTP or RTCP that SDP announced, a QUIC or gQUIC conversation
			if pr == ProtoQUIC {
				quicTLS(s, p.UDP.Payload, f.Msg)
			}
			return
		}
		if in := f.Inner; in != nil {
			// VXLAN: the Ethernet frame it carries, after its own frame.
			s.push(ProtoVXLAN)
			in.Classify()
			for i := 1; i < in.Stack.n; i++ {
				s.push(in.Stack.p[i])
			}
			return
		}
		if pl := p.UDP.Payload; len(pl) > 0 { // (ended by the UDP length)
			udpApp(s, uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort), pl, f.Msg)
		}
	case p.TCP != nil:
		s.push(ProtoTCP)
		f.App = p.TCP.Payload
		if f.TCP.Flags&(TCPRetransmission|TCPSpuriousRetransmission) != 0 {
			// Wireshark hands the payload of a retransmission to the
			// protocol above only when it is a fast one (it may carry
			// data never seen, after a loss): the stack of any other
			// ends at tcp. On the corpus and testdata, 308 such frames
			// with payload, every one tcp in tshark 4.0; of 231 fast
			// ones, 209 dissected. (Known only when a TCPAnalyzer runs.)
			return
		}
		if f.TCP.Flags&TCPOutOfOrder != 0 {
			// Nor that of an out-of-order segment (tshark 4.0 does not
			// reassemble out of order by default): 6 such frames with
			// payload on the corpus, every one tcp.
			return
		}
		if pl := p.TCP.Payload; f.TCP.Flags&TCPKeepAlive != 0 && f.Msg.TLSFollowed && len(pl) > 0 {
			// A keep-alive's byte (one already sent): tshark hands it to
			// TLS on its own, which refuses it, whatever it is (data).
			s.push(ProtoData)
			return
		}
		if f.TCP.Flags&TCPLostSegment != 0 && f.Msg.TLSFollowed && !f.Msg.TLSDone && len(p.TCP.Payload) > 0 {
			// A TLS segment after a hole: the reassembly here holds it
			// until the hole is filled, tshark hands its own bytes to TLS
			// (which shows itself whatever they are) at once.
			s.push(ProtoTLS)
			return
		}
		tcpApp(s, uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort), p.TCP.Payload, f.Msg, f.TCP.Flags&TCPFastRetransmission != 0)
	default:
		var proto uint8
		if p.IPv4 != nil {
			proto = uint8(p.IPv4.Protocol)
		} else {
			proto = uint8(p.IPv6.NextHeader)
		}
		switch proto {
		case 1, 58: // an ICMP or ICMPv6 header cut short, or none
			switch {
			case len(f.CutICMP()) == 0:
				s.push(ProtoData)
			case proto == 1:
				s.push(ProtoICMP)
			default:
				s.push(ProtoICMPv6)
			}
		case 2:
			s.push(ProtoIGMP)
		case 132:
			s.push(ProtoSCTP)
			if p.IPv4 != nil {
				sctpApp(s, p.IPv4.Payload, f.SCTPBody)
			} else {
				sctpApp(s, p.IPv6.Payload, f.SCTPBody)
			}
		case 47:
			s.push(ProtoGRE)
		case 112:
			s.push(ProtoVRRP)
		case 50:
			s.push(ProtoESP)
		default:
			s.push(ProtoData)
		}
	}
}

// quoted adds the datagram an ICMP error quotes.
func quoted(f *Frame, ip Proto) {
	if !f.HasQuote {
		return
	}
	s := &f.Stack
	if f.Quote.Src.Is4() {
		s.push(ProtoIP)
	} else {
		s.push(ProtoIPv6)
	}
	q := f.Quote
	switch q.Protocol {
	case 17:
		if len(q.Transport) >= 8 {
			s.push(ProtoUDP)
			if len(q.Transport) > 8 { // a quoted header alone names no protocol above it
				udpApp(s, q.SrcPort, q.DstPort, q.Transport[8:], AppInfo{})
			}
		}
	case 6:
		if len(q.Transport) >= 4 {
			s.push(ProtoTCP)
		}
	case 1:
		s.push(ProtoICMP)
		if len(q.Transport) > 8 && (q.Transport[0] == 0 || q.Transport[0] == 8) {
			s.push(ProtoData) // a quoted echo's data
		}
	case 58:
		s.push(ProtoICMPv6)
	}
}

func isCDP(p *engine.Packet) bool {
	// CDP rides LLC/SNAP with the Cisco OUI and PID 0x2000.
	if p.Ethernet == nil || len(p.Ethernet.Payload) < 8 {
		return false
	}
	b := p.Ethernet.Payload
	return b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03 && b[3] == 0 && b[4] == 0 && b[5] == 0x0c && be16(b[6:]) == 0x2000
}

// udpApp classifies a UDP payload by port, the lower port first, as
// Wireshark tries them.
func udpApp(s *Stack, sp, dp uint16, pl []byte, msg AppInfo) {
	lo, hi := sp, dp
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo == 138 || (hi == 138 && udpPort(lo, pl) == ProtoNone) {
		nbdgmApp(s, pl)
		return
	}
	for _, port := range [2]uint16{lo, hi} {
		if pr := udpPort(port, pl); pr != ProtoNone {
			s.push(pr)
			if pr == ProtoSIP || pr == ProtoMGCP {
				messageBody(s, pl)
			}
			if pr == ProtoSAP && sapSDP(pl) {
				s.push(ProtoSDP)
			}
			if pr == ProtoQUIC {
				quicTLS(s, pl, msg)
			}
			switch pr {
			case ProtoDBLSP:
				s.push(ProtoJSON) // Dropbox's LAN sync discovery: a JSON object
			case ProtoBVLC:
				// BACnet/IP: BVLC, then an NPDU whose control byte says
				// whether a network-layer message or an APDU follows.
				if len(pl) >= 6 && pl[0] == 0x81 && pl[4] == 1 {
					s.push(ProtoBACnet)
					if pl[5]&0x80 == 0 {
						s.push(ProtoBACapp)
					}
				}
			}
			return
		}
	}
	switch {
	case rtcpHeuristic(pl):
		s.push(ProtoRTCP)
	case len(pl) > 0:
		s.push(ProtoData)
	}
}

// sctpApp names what an SCTP packet's DATA chunks carry, as tshark shows
// the last of them: SIP on port 5060 in a chunk
// that holds a whole message (B and E set) and opens with a SIP start
// line, with its body's protocols, or in the chunk that ends a message
// fragmented over several (tshark names the reassembled message there),
// with body, the protocols of the body the Tracker reassembled (none when
// it could not). Chunks are walked within the packet, each at most its
// length.
func sctpApp(s *Stack, b []byte, body Parts) {
	if !sipSCTP(b) {
		return
	}
	last, lastData, fragmented := ProtoNone, []byte(nil), false
	sctpData(b, func(begin, end bool, _ uint32, _ uint16, data []byte) {
		switch {
		case begin && end && sipStart(data):
			last, lastData, fragmented = ProtoSIP, data, false
		case end && !begin:
			last, lastData, fragmented = ProtoSIP, nil, true
		}
	})
	if last != ProtoNone {
		s.push(last)
		if fragmented {
			for _, pr := range body.P[:body.N] { // the message the Tracker reassembled
				s.push(pr)
			}
			return
		}
		messageBody(s, lastData)
	}
}

// messageBody pushes the protocol of a SIP or MGCP message's body (after
// the blank line, CRLF or, in MGCP, LF), if it has one: in SIP by its
// declared type (Content-Type or its compact form c), as for HTTP bodies
// (SDP, text lines, a multipart body's parts, ...; none when undeclared);
// MGCP hands any body to SDP.
func messageBody(s *Stack, pl []byte) {
	end, sep := bytes.Index(pl, []byte("\r\n\r\n")), 4
	if i := bytes.Index(pl, []byte("\n\n")); i >= 0 && (end < 0 || i < end) {
		end, sep = i, 2
	}
	if end < 0 || end+sep >= len(pl) {
		return
	}
	if !sipStart(pl) {
		s.push(ProtoSDP) // MGCP
		return
	}
	for hdr := pl[:end]; len(hdr) > 0; { // line by line, without allocating (every SIP datagram passes here)
		line, rest, _ := bytes.Cut(hdr, []byte("\n"))
		hdr = rest
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if bytes.EqualFold(name, []byte("content-type")) || bytes.EqualFold(name, []byte("c")) {
			value = bytes.TrimSpace(value)
			p := bodyProto(bytes.ToLower(value))
			if p == ProtoMultipart {
				s.pushParts(MultipartParts(value, pl[end+sep:]))
				return
			}
			s.push(p)
			return
		}
	}
}

// sapSDP reports whether a SAP announcement (RFC 2974) carries SDP: after
// the header (flags, authentication length in 32-bit words, message id
// hash, an IPv4 or IPv6 origin) and an optional payload type, the
// session description.
func sapSDP(pl []byte) bool {
	if len(pl) < 4 || pl[0]>>5 != 1 {
		return false
	}
	off := 4 + 4 + int(pl[1])*4
	if pl[0]&0x10 != 0 {
		off += 12 // an IPv6 origin
	}
	if pl[0]&0x02 != 0 || off >= len(pl) { // encrypted, or nothing after the header
		return false
	}
	b := pl[off:]
	if !bytes.HasPrefix(b, []byte("v=0")) {
		if i := bytes.IndexByte(b, 0); i >= 0 && bytes.EqualFold(b[:i], []byte("application/sdp")) {
			b = b[i+1:]
		}
	}
	return len(b) > 0
}

// rtcpHeuristic is Wireshark's RTCP heuristic for UDP that no port claims
// (on by default): version 2, a first packet that is a sender or receiver
// report, BYE, APP or payload-specific feedback, and a length that is a
// whole number of 32-bit words.
func rtcpHeuristic(pl []byte) bool {
	if len(pl) < 2 || pl[0]>>6 != 2 || len(pl)%4 != 0 {
		return false
	}
	switch pl[1] {
	case 200, 201, 203, 204, 206:
		return true
	}
	return false
}

// quicTLS adds tls to a QUIC packet's stack where its CRYPTO frames end a
// TLS handshake message (msg, from the TLS module's decryption) or, without
// it, to an Initial, whose CRYPTO frames carry the handshake.
func quicTLS(s *Stack, pl []byte, msg AppInfo) {
	switch {
	case msg.QUICLong:
		if msg.QUICTLSDone {
			s.push(ProtoTLS)
		}
	case len(pl) > 5 && pl[0]&0xb0 == 0x80 && pl[1] != 'Q':
		s.push(ProtoTLS)
	}
}

func udpPort(port uint16, pl []byte) Proto {
	switch port {
	case 53:
		return ProtoDNS
	case 5353:
		return ProtoMDNS
	case 5355:
		return ProtoLLMNR
	case 67, 68:
		return ProtoDHCP
	case 546, 547:
		return ProtoDHCPv6
	case 123:
		if len(pl) > 0 {
			return ProtoNTP
		}
	case 137:
		return ProtoNBNS
	case 1900:
		return ProtoSSDP
	case 5060:
		if sipStart(pl) {
			return ProtoSIP
		}
	case 443:
		switch {
		case len(pl) > 4 && pl[0]&0x80 != 0 && pl[1] == 'Q':
			return ProtoGQUIC
		case len(pl) > 0 && pl[0]&0x40 == 0:
			return ProtoNone // QUIC's fixed bit clear: Wireshark's QUIC dissector refuses it (data)
		case len(pl) > 0:
			return ProtoQUIC
		}
	case 161, 162:
		return ProtoSNMP
	case 1719:
		if len(pl) > 0 {
			return ProtoH225 // RAS
		}
	case 2427, 2727:
		return ProtoMGCP
	case 9875:
		if len(pl) > 0 {
			return ProtoSAP
		}
	case 17500:
		if len(pl) > 0 {
			return ProtoDBLSP
		}
	case 47808:
		if len(pl) > 0 {
			return ProtoBVLC
		}
	case 5350, 5351:
		if len(pl) > 0 {
			return ProtoPortControl // NAT-PMP and PCP
		}
	case 520:
		if len(pl) > 0 {
			return ProtoRIP
		}
	case 8611, 8612, 8613, 8614:
		if len(pl) > 0 {
			return ProtoBJNP // Canon's printer discovery
		}
	case 853: // DNS over DTLS's port: Wireshark's DTLS dissector takes any payload (QUIC's too)
		if len(pl) > 0 {
			return ProtoDTLS
		}
	}
	return ProtoNone
}

// tcpApp classifies a TCP segment's payload. Segments of a message that
// spans several are left as tcp, as Wireshark shows them.
func tcpApp(s *Stack, sp, dp uint16, pl []byte, msg AppInfo, fast bool) {
	if len(pl) == 0 {
		return
	}
	if msg.WSFollowed && !msg.HTTPDone {
		// WebSocket after an HTTP upgrade: the segment a frame ends in
		// (the segments before it are tcp). tshark's frame.protocols
		// has http before websocket, but its filter http does not match
		// the frame: the stack follows the filter.
		if msg.WSDone {
			s.push(ProtoWebSocket)
			if msg.WSPayload != ProtoNone {
				s.push(msg.WSPayload)
				if msg.WSPayload == ProtoSIP && msg.WSSDP {
					s.push(ProtoSDP)
				}
			}
		}
		return
	}
	if msg.HTTPTunnel != ProtoNone {
		// A CONNECT tunnel: tshark's HTTP dissector hands its bytes to the
		// dissector of the port the CONNECT named, TLS (http, tls on every
		// segment, as TLS is called through HTTP) or none (http, data).
		s.push(ProtoHTTP)
		if msg.HTTPTunnel == ProtoTLS && msg.TLSFollowed {
			if !(msg.TLSDone && reassembledTLS(s, msg)) {
				s.push(ProtoTLS)
			}
			return
		}
		s.push(ProtoData)
		return
	}
	lo, hi := sp, dp
	if hi < lo {
		lo, hi = hi, lo
	}
	for _, port := range [2]uint16{lo, hi} {
		if TLSPort(port) {
			if reassembledTLS(s, msg) {
				return
			}
			if len(pl) >= 5 && pl[0] >= 20 && pl[0] <= 24 && pl[1] == 3 && 5+int(be16(pl[3:])) <= len(pl) {
				s.push(ProtoTLS) // whole records in this segment
			} else {
				s.push(ProtoData) // Wireshark's TLS dissector refuses what is not a record: data
			}
			return
		}
		switch port {
		case 80, 8080, 8000, 3128:
			if msg.HTTP2Followed && !msg.HTTPDone {
				if msg.HTTP2Done {
					// An HTTP/2 frame ends here (the segments before it
					// are tcp). tshark's frame.protocols has http before
					// http2 (the port's dissector hands it over), but its
					// filter http does not match the frame: the stack
					// follows the filter.
					s.push(ProtoHTTP2)
					if msg.HTTP2Body != ProtoNone {
						s.push(msg.HTTP2Body) // the body of a stream that ended here
						if msg.HTTP2Body == ProtoMultipart {
							s.push(ProtoData) // its parts are not read (HTTP/2 bodies are not held)
						}
					}
				}
				return
			}
			// Not reassembled: a segment that holds a whole message.
			httpMessage(s, pl, msg, fast || !msg.HTTPFollowed)
			return
		case 7000, 7001:
			return // claimed by a Wireshark dissector that reassembles; shown as tcp
		case 53:
			if !msg.DNSFollowed || msg.DNSDone {
				s.push(ProtoDNS)
			}
			return
		case 22:
			s.push(ProtoSSH)
			return
		case 23:
			s.push(ProtoTelnet)
			return
		case 139, 445:
			smbApp(s, pl)
			return
		case 25, 587: // SMTP, TLS after STARTTLS
			if reassembledTLS(s, msg) {
				return
			}
			// Wireshark's SMTP dissector reassembles lines: a segment
			// with no line end (a command typed a byte at a time) is tcp.
			if bytes.IndexByte(pl, '\n') >= 0 {
				s.push(ProtoSMTP)
			}
			return
		case 110:
			if !reassembledTLS(s, msg) { // TLS after STARTTLS
				s.push(ProtoPOP)
			}
			return
		case 143:
			if !reassembledTLS(s, msg) { // TLS after STARTTLS
				s.push(ProtoIMAP)
			}
			return
		case 21:
			if !reassembledTLS(s, msg) { // TLS after AUTH TLS
				s.push(ProtoFTP)
			}
			return
		case 5060:
			s.push(ProtoSIP)
			messageBody(s, pl)
			return
		case 1863: // MSN Messenger
			s.push(ProtoMSNMS)
			return
		case 5050: // Yahoo Messenger: messages open with their magic
			if bytes.HasPrefix(pl, []byte("YMSG")) {
				s.push(ProtoYMSG)
			} else {
				s.push(ProtoData)
			}
			return
		}
	}
	if reassembledTLS(s, msg) {
		// TLS on another port, from a hello on: Wireshark's TLS
		// heuristic (on by default) takes the conversation.
		return
	}
	if msg.HTTPFollowed {
		// HTTP/1 the module reassembles on another port, which tshark's
		// HTTP heuristics find too.
		httpMessage(s, pl, msg, fast)
		return
	}
	if sipStart(pl) {
		// Wireshark's SIP heuristic for TCP (on by default), on any
		// port no dissector claims: a start line ending in SIP/2.0,
		// whatever its method (OPTIONS is HTTP's too).
		s.push(ProtoSIP)
		messageBody(s, pl)
		return
	}
	if httpStart(pl) {
		s.push(ProtoHTTP)
		return
	}
	if smppHeuristic(pl) {
		s.push(ProtoSMPP)
		return
	}
	s.push(ProtoData)
}

// smppHeuristic is Wireshark's SMPP heuristic for TCP (on by default), on
// any port no dissector claims: a PDU header (16 bytes) whose length is
// 16 to 64 KiB, with a command it knows and a status it knows or that
// lies in a reserved range.
func smppHeuristic(pl []byte) bool {
	if len(pl) < 16 {
		return false
	}
	n, cmd, status := binary.BigEndian.Uint32(pl), binary.BigEndian.Uint32(pl[4:]), binary.BigEndian.Uint32(pl[8:])
	if n < 16 || n > 64<<10 {
		return false
	}
	switch cmd &^ 0x80000000 {
	case 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x15, 0x21, 0x103, 0x111, 0x112, 0x113, 0x01000001, 0x01000002:
	case 0:
		if cmd != 0x80000000 { // generic_nack has no request
			return false
		}
	case 0x0b, 0x102: // outbind, alert_notification: no response
		if cmd&0x80000000 != 0 {
			return false
		}
	default:
		return false
	}
	// The statuses it does not know: 0x4a-0x4f, 0x5a-0x5f and 0x113-0x3ff
	// (every other is defined or in a reserved range).
	return !(status >= 0x4a && status <= 0x4f || status >= 0x5a && status <= 0x5f || status >= 0x113 && status <= 0x3ff)
}

// httpMessage names a segment of HTTP/1: http, then the body's protocol
// from its Content-Type, on the frame a message the http module reassembles
// ends in (msg.HTTPDone), and tcp on the segments before it. With ownBytes
// (a connection not reassembled, or a fast retransmission of a whole
// message, which the reassembly has already had and Wireshark dissects
// again) a segment that holds a whole message is named by its own bytes.
func httpMessage(s *Stack, pl []byte, msg AppInfo, ownBytes bool) {
	switch {
	case msg.HTTPDone:
		s.push(ProtoHTTP)
		if msg.HTTPBody {
			pr := bodyProto([]byte(strings.ToLower(msg.HTTPBodyType)))
			if IsImage(pr) {
				pr = imageOr(msg.HTTPBodyImage)
			}
			if pr == ProtoOCSP && msg.HTTPBodyASN1.Last != ProtoNone {
				s.pushASN1(msg.HTTPBodyASN1)
				break
			}
			if pr == ProtoMultipart {
				s.pushParts(msg.HTTPBodyParts)
				break
			}
			s.push(pr)
			if pr == ProtoJSON && msg.HTTPBodyNotJSON {
				s.push(ProtoTextLines) // what the JSON grammar does not take
			}
		}
	case msg.HTTPContinuation && !httpStart(pl):
		s.push(ProtoHTTP)
		s.push(ProtoData) // bytes that start no message: a continuation
	case msg.HTTPStray && !httpStart(pl):
		httpStray(s, pl, msg.HTTPSeen)
	case ownBytes && httpStart(pl) && httpComplete(pl):
		s.push(ProtoHTTP)
		pr, ct, body := httpBody(pl)
		switch {
		case pr == ProtoNone:
		case pr == ProtoMultipart:
			s.pushParts(MultipartParts(ct, body))
		case pr == ProtoOCSP:
			s.pushASN1(BodyASN1(!bytes.HasPrefix(pl, []byte("HTTP/")), body))
		case IsImage(pr):
			s.push(imageOr(ImageMagic(body)))
		default:
			s.push(pr)
			if pr == ProtoJSON && !jsonBodyWhole(pl) {
				s.push(ProtoTextLines)
			}
		}
	}
}

// reassembledTLS names a segment of a connection the TLS annotator follows
// (tls on the frame a record ends in, the segments before it tcp) and
// reports whether it did.
func reassembledTLS(s *Stack, msg AppInfo) bool {
	if !msg.TLSFollowed {
		return false
	}
	if msg.TLSDone {
		s.push(ProtoTLS)
		if a := msg.TLSASN1; a.Last != ProtoNone {
			s.pushASN1(a)
		}
	}
	return true
}

var httpMethods = [...]string{"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ", "HTTP/1."}

func httpStart(pl []byte) bool {
	for _, m := range httpMethods {
		if bytes.HasPrefix(pl, []byte(m)) {
			return true
		}
	}
	return false
}

// Protos returns the stack, outermost first.
func (s *Stack) Protos() []Proto { return s.p[:s.n] }

// httpComplete reports whether a segment that starts an HTTP message holds
// all of it (headers, and a body of the Content-Length given), as
// Wireshark shows only the segment that completes a message as HTTP.
func httpComplete(pl []byte) bool {
	end := bytes.Index(pl, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	hdr := pl[:end]
	body := len(pl) - end - 4
	for _, line := range bytes.Split(hdr, []byte("\r\n")) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch {
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("content-length")):
			n := 0
			for _, c := range bytes.TrimSpace(val) {
				if c < '0' || c > '9' || n > 1<<30 {
					return true
				}
				n = n*10 + int(c-'0')
			}
			return body >= n
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("transfer-encoding")) && bytes.Contains(bytes.ToLower(val), []byte("chunked")):
			return bytes.HasSuffix(pl, []byte("0\r\n\r\n"))
		}
	}
	return true
}

// httpBody is the protocol Wireshark gives a complete HTTP message's body
// (the bytes after the header block), by its Content-Type (ct, as sent),
// or ProtoNone when it has no body.
func httpBody(pl []byte) (p Proto, ct, body []byte) {
	end := bytes.Index(pl, []byte("\r\n\r\n"))
	if end < 0 || end+4 >= len(pl) {
		return ProtoNone, nil, nil
	}
	body = pl[end+4:]
	hdr := bytes.ToLower(pl[:end])
	if bytes.HasPrefix(body, []byte("0\r\n")) && bytes.Contains(hdr, []byte("\ntransfer-encoding: chunked")) {
		return ProtoNone, nil, nil // a chunked body whose first chunk is the last: empty
	}
	i := bytes.Index(hdr, []byte("\ncontent-type:"))
	if i < 0 {
		return ProtoData, nil, body
	}
	ct = pl[i+len("\ncontent-type:") : end]
	if j := bytes.IndexByte(ct, '\n'); j >= 0 {
		ct = ct[:j]
	}
	ct = bytes.TrimSpace(ct)
	return bodyProto(bytes.TrimSpace(hdr[i+len("\ncontent-type:"):])), ct, body
}

// ImageMagic is the image format b starts with (PNG's signature, GIF87a or
// GIF89a, a JPEG start of image), or ProtoNone.
func ImageMagic(b []byte) Proto {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ProtoPNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return ProtoGIF
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		return ProtoJFIF
	}
	return ProtoNone
}

// IsImage reports whether p is one of the image formats ImageMagic tells.
func IsImage(p Proto) bool { return p == ProtoPNG || p == ProtoGIF || p == ProtoJFIF }

// imageOr is the protocol of a body declared as a GIF, JPEG or PNG image
// whose bytes are the image magic says: Wireshark's dissector for the
// declared type refuses other bytes, and its PNG, GIF and JPEG heuristics
// on HTTP bodies take them by their magic; media when none does.
func imageOr(magic Proto) Proto {
	if magic == ProtoNone {
		return ProtoMedia
	}
	return magic
}

// jsonBodyWhole reports whether Wireshark's JSON grammar takes all of the
// body of the whole message in pl (true when the body is chunked or
// content-coded: those are not checked).
func jsonBodyWhole(pl []byte) bool {
	end := bytes.Index(pl, []byte("\r\n\r\n"))
	if end < 0 {
		return true
	}
	hdr := bytes.ToLower(pl[:end+2])
	if bytes.Contains(hdr, []byte("\ntransfer-encoding:")) || bytes.Contains(hdr, []byte("\ncontent-encoding:")) {
		return true
	}
	body := pl[end+4:]
	if i := bytes.Index(hdr, []byte("\ncontent-length:")); i >= 0 {
		v := hdr[i+len("\ncontent-length:"):]
		v = bytes.TrimSpace(v[:bytes.IndexByte(v, '\n')])
		if n, err := strconv.Atoi(string(v)); err == nil && n >= 0 && n < len(body) {
			body = body[:n]
		}
	}
	return JSONWhole(body)
}

// BodyProto is the protocol Wireshark gives a body of content type ct.
func BodyProto(ct string) Proto { return bodyProto([]byte(strings.ToLower(strings.TrimSpace(ct)))) }

// IsJSONType reports whether Wireshark hands a body of content type ct to
// its JSON dissector.
func IsJSONType(ct string) bool {
	return bodyProto([]byte(strings.ToLower(strings.TrimSpace(ct)))) == ProtoJSON
}

// jsonMediaTypes are the media types besides application/json* that
// Wireshark 4.0 hands to its JSON dissector.
var jsonMediaTypes = [...]string{"application/senml+json", "application/sensml+json", "application/dds-web+json",
	"application/vnd.oma.lwm2m+json", "application/problem+json", "application/merge-patch+json", "application/x-ndjson"}

func jsonMediaType(ct []byte) bool {
	if i := bytes.IndexAny(ct, "; \t\r\n"); i >= 0 {
		ct = ct[:i]
	}
	for _, t := range jsonMediaTypes {
		if string(ct) == t {
			return true
		}
	}
	return false
}

// bodyProto is the protocol Wireshark gives a body of content type ct
// (lower case).
func bodyProto(ct []byte) Proto {
	switch {
	case bytes.HasPrefix(ct, []byte("text/xml")), bytes.HasPrefix(ct, []byte("application/xml")):
		return ProtoXML
	case bytes.HasPrefix(ct, []byte("text/")):
		return ProtoTextLines
	case bytes.HasPrefix(ct, []byte("application/json")), jsonMediaType(ct):
		return ProtoJSON
	case bytes.HasPrefix(ct, []byte("application/sdp")):
		return ProtoSDP
	case bytes.HasPrefix(ct, []byte("image/gif")):
		return ProtoGIF
	case bytes.HasPrefix(ct, []byte("image/jpeg")):
		return ProtoJFIF
	case bytes.HasPrefix(ct, []byte("image/png")):
		return ProtoPNG
	case bytes.HasPrefix(ct, []byte("application/x-www-form-urlencoded")):
		return ProtoURLEncodedForm
	case bytes.HasPrefix(ct, []byte("application/x-javascript")):
		return ProtoTextLines
	case bytes.HasPrefix(ct, []byte("application/ocsp-response")), bytes.HasPrefix(ct, []byte("application/ocsp-request")):
		return ProtoOCSP
	case bytes.HasPrefix(ct, []byte("multipart/")):
		return ProtoMultipart // its parts: MultipartParts
	case bytes.HasPrefix(ct, []byte("application/isup")):
		return ProtoISUP
	case len(ct) == 0, bytes.HasPrefix(ct, []byte("application/octet-stream")):
		return ProtoData
	}
	return ProtoMedia // Wireshark's dissector for a type none other takes
}

// smbApp names an SMB message over NetBIOS (TCP 139) or direct hosting
// (445), as Wireshark stacks it: nbss, then smb or smb2, then the security
// blob of a negotiation or session setup (gss-api, spnego, ntlmssp; twice
// for an NTLMSSP AUTHENTICATE, whose response tshark dissects again) or the
// DCE/RPC a named pipe carries. A segment that does not start a NetBIOS
// message is left as tcp (a part of a message Wireshark reassembles).
func smbApp(s *Stack, pl []byte) {
	if len(pl) < 4 {
		s.push(ProtoData) // too short for a NetBIOS header (a keep-alive's byte)
		return
	}
	switch pl[0] {
	case 0x81, 0x82, 0x83, 0x84, 0x85: // session request, responses, retarget, keep-alive
		s.push(ProtoNBSS)
		return
	}
	if pl[0] != 0x00 { // not a session message's header
		return
	}
	s.push(ProtoNBSS)
	msg := pl[4:]
	if n := int(pl[1])<<16 | int(pl[2])<<8 | int(pl[3]); n < len(msg) {
		msg = msg[:n]
	}
	switch {
	case len(msg) >= 64 && string(msg[:4]) == "\xfeSMB":
		s.push(ProtoSMB2)
		smb2Payload(s, msg)
	case len(msg) >= 33 && string(msg[:4]) == "\xffSMB":
		s.push(ProtoSMB)
		smb1Payload(s, msg)
	}
}

// smb2Payload adds what an SMB2 message's body carries: a security blob
// (NEGOTIATE response, SESSION_SETUP) or DCE/RPC (WRITE, READ, IOCTL).
func smb2Payload(s *Stack, m []byte) {
	le16 := func(b []byte, i int) int {
		if i+2 > len(b) {
			return -1
		}
		return int(binary.LittleEndian.Uint16(b[i:]))
	}
	le32 := func(b []byte, i int) int {
		if i+4 > len(b) {
			return -1
		}
		return int(binary.LittleEndian.Uint32(b[i:]))
	}
	cmd, resp := le16(m, 12), m[16]&1 != 0
	part := func(off, n int) []byte {
		if off < 64 || n <= 0 || off > len(m) {
			return nil
		}
		return m[off:min(len(m), off+n)]
	}
	switch {
	case cmd == 0 && resp: // NEGOTIATE
		securityBlob(s, part(le16(m, 64+56), le16(m, 64+58)))
	case cmd == 1 && !resp: // SESSION_SETUP
		securityBlob(s, part(le16(m, 64+12), le16(m, 64+14)))
	case cmd == 1 && resp:
		securityBlob(s, part(le16(m, 64+4), le16(m, 64+6)))
	case cmd == 9 && !resp: // WRITE
		rpc(s, part(le16(m, 64+2), le32(m, 64+4)))
	case cmd == 8 && resp: // READ
		if len(m) > 66 {
			rpc(s, part(int(m[66]), le32(m, 64+4)))
		}
	case cmd == 11 && !resp: // IOCTL
		rpc(s, part(le32(m, 64+24), le32(m, 64+28)))
	case cmd == 11 && resp:
		rpc(s, part(le32(m, 64+32), le32(m, 64+36)))
	}
}

// smb1Payload adds the security blob of an SMB1 NEGOTIATE response or
// SESSION_SETUP_ANDX with extended security.
func smb1Payload(s *Stack, m []byte) {
	if binary.LittleEndian.Uint16(m[10:])&0x0800 == 0 {
		return // no extended security: no blob
	}
	cmd, resp, wc := m[4], m[9]&0x80 != 0, int(m[32])
	bytesAt := 33 + 2*wc + 2 // after the words and ByteCount
	if bytesAt > len(m) {
		return
	}
	word := func(i int) int { return int(binary.LittleEndian.Uint16(m[33+2*i:])) }
	switch {
	case cmd == 0x72 && resp && wc == 17 && bytesAt+16 < len(m):
		securityBlob(s, m[bytesAt+16:])
	case cmd == 0x73 && !resp && wc == 12:
		securityBlob(s, m[bytesAt:min(len(m), bytesAt+word(7))])
	case cmd == 0x73 && resp && wc == 4:
		securityBlob(s, m[bytesAt:min(len(m), bytesAt+word(3))])
	}
}

// securityBlob adds a GSS-API/SPNEGO token, the NTLMSSP message in it and
// NTLMSSP's verifier on its mechListMIC.
func securityBlob(s *Stack, b []byte) {
	if len(b) < 2 || b[0] != 0x60 && b[0] != 0xa0 && b[0] != 0xa1 {
		return
	}
	s.push(ProtoGSSAPI)
	s.push(ProtoSPNEGO)
	if i := bytes.Index(b, []byte("NTLMSSP\x00")); i >= 0 && i+12 <= len(b) {
		s.push(ProtoNTLMSSP)
	}
	if ntlmsspVerifier(b) {
		s.push(ProtoNTLMSSPVerifier)
	}
}

// rpc adds dcerpc to a pipe's data that starts a DCE/RPC PDU (version 5.0
// or 5.1).
func rpc(s *Stack, b []byte) {
	if len(b) >= 16 && b[0] == 5 && b[1] <= 1 {
		s.push(ProtoDCERPC)
	}
}

// nbdgmApp names a NetBIOS datagram (UDP 138) as Wireshark stacks it:
// nbdgm, then smb for an SMB message after the two names, and browser for
// a transaction to the browser's mailslot.
func nbdgmApp(s *Stack, pl []byte) {
	if len(pl) < 10 || pl[0] < 0x10 || pl[0] > 0x16 {
		if len(pl) > 0 {
			s.push(ProtoData)
		}
		return
	}
	s.push(ProtoNBDGM)
	if pl[0] > 0x12 || len(pl) < 14+68+4 {
		return // an error or a query: no user data
	}
	m := pl[14+68:]
	if string(m[:4]) != "\xffSMB" {
		return
	}
	s.push(ProtoSMB)
	if len(m) > 4 && m[4] == 0x25 && bytes.Contains(m, []byte("\\MAILSLOT\\BROWSE")) {
		s.push(ProtoBrowser)
	}
}

// sipStart reports whether a datagram opens with a SIP start line (a
// status line, or a request line ending in the version), as Wireshark's
// SIP dissector requires before it takes a datagram: a keep-alive's CRLF
// or other bytes to the port are data.
func sipStart(pl []byte) bool {
	line := pl
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = bytes.TrimSuffix(line[:i], []byte("\r"))
	}
	if bytes.HasPrefix(line, []byte("SIP/2.0 ")) {
		return true
	}
	f := bytes.Fields(line)
	return len(f) == 3 && bytes.EqualFold(f[2], []byte("SIP/2.0"))
}

// CutICMP is the ICMP or ICMPv6 header a frame carries cut short (fewer
// bytes than the engine's decoder takes), which tshark still shows with
// the fields that are there; nil when there is none.
func (f *Frame) CutICMP() []byte {
	p := f.P
	if p.Fragment || p.ICMPv4 != nil || p.ICMPv6 != nil {
		return nil
	}
	switch {
	case p.IPv4 != nil && p.IPv4.Protocol == layers.IPProtocolICMPv4:
		return p.IPv4.Payload
	case p.IPv6 != nil && p.IPv6.NextHeader == layers.IPProtocolICMPv6:
		return p.IPv6.Payload
	}
	return nil
}

// ntlmsspVerifier reports whether b is a SPNEGO negTokenTarg whose
// mechListMIC is an NTLMSSP message signature (version 1, 16 bytes), which
// Wireshark's SPNEGO dissector hands to NTLMSSP's verifier dissector when
// the negotiated mechanism is NTLMSSP (another layer of ntlmssp). The
// signature's form stands for the mechanism, which Wireshark remembers
// from earlier messages of the conversation.
func ntlmsspVerifier(b []byte) bool {
	in := cryptobyte.String(b)
	var targ, seq cryptobyte.String
	if !in.ReadASN1(&targ, cbasn1.Tag(1).ContextSpecific().Constructed()) || !targ.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return false
	}
	for _, tag := range []int{0, 1, 2} {
		if !seq.SkipOptionalASN1(cbasn1.Tag(tag).ContextSpecific().Constructed()) {
			return false
		}
	}
	var mic, sig cryptobyte.String
	if !seq.ReadASN1(&mic, cbasn1.Tag(3).ContextSpecific().Constructed()) || !mic.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return false
	}
	return len(sig) == 16 && string(sig[:4]) == "\x01\x00\x00\x00"
}

// httpStray names a segment that Wireshark 4.0's HTTP dissector reads on
// its own though it starts no message (a connection seen midstream): after
// a leading CRLF, a first byte that is not printable is a continuation
// (http, data) if the connection carried a request, else not HTTP; else
// lines are read as header lines while they are blank (which ends them)
// or hold a colon, and a segment with such a line, or on a connection that
// carried a request, is http, with what follows the lines as data.
func httpStray(s *Stack, pl []byte, seen bool) {
	if len(pl) > 3 && pl[0] == '\r' && pl[1] == '\n' {
		pl = pl[2:]
	}
	if len(pl) == 0 {
		return
	}
	if pl[0] < 0x20 || pl[0] > 0x7e {
		if seen {
			s.push(ProtoHTTP)
			s.push(ProtoData)
		}
		return
	}
	at, headers := 0, false
	for at < len(pl) {
		end, next := lineEnd(pl, at)
		line := pl[at:end] // (a last line with no end too)
		if len(line) == 0 {
			headers, at = true, next
			break
		}
		if bytes.IndexByte(line, ':') < 0 {
			break
		}
		headers, at = true, next
	}
	if !headers && !seen {
		return
	}
	s.push(ProtoHTTP)
	if at < len(pl) {
		s.push(ProtoData)
	}
}

// TLSPort reports whether TCP port p is one whose segments are named TLS
// (tcpApp, and a CONNECT tunnel to it).
func TLSPort(p uint16) bool {
	switch p {
	case 443, 993, 995, 465, 8443, 4433:
		return true
	}
	return false
}
