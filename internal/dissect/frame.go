// Package dissect gives each frame of a capture the per-frame facts that
// Wireshark shows and filters on but a single packet does not carry: the
// protocol stack (frame.protocols), the conversation index of its TCP or
// UDP flow (tcp.stream, udp.stream), the TCP analysis flags, and the raw
// network header of the frame itself (not of a datagram reassembled at it).
// It also renders a bounded layer tree and a one-line summary of a frame,
// named as tshark names layers and fields.
//
// A Tracker is fed every frame of a capture in order; the Frame it fills is
// reused for every frame and allocates nothing in steady state.
package dissect

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Frame is one frame with what the Tracker worked out about it. It is valid
// until the next call of Tracker.Frame.
type Frame struct {
	P *engine.Packet
	// Relative is the time since the first frame; Delta since the previous one.
	Relative, Delta time.Duration
	// TCP is what the TCPAnalyzer said of the frame (Stream -1 when it
	// has no TCP header or no analyzer runs).
	TCP TCPInfo
	// Msg is what the AppAnalyzer said of the frame (zero without one).
	Msg AppInfo
	// UDPStream is Wireshark's udp.stream, or -1.
	UDPStream int
	// SCTPBody is what the body of a SIP message fragmented over SCTP
	// DATA chunks that ends in this frame adds (reassembled by the
	// Tracker), when one does.
	SCTPBody Parts
	// Stack is the protocol stack, outermost first (frame.protocols).
	Stack Stack
	// IP4 and IP6 are the frame's own outer IPv4 or IPv6 header bytes (a
	// fragment's own header even when the engine reassembled a datagram at
	// this frame), or nil.
	IP4, IP6 []byte
	// Quote is the datagram quoted by an ICMP or ICMPv6 error, when
	// HasQuote; QuoteRaw its bytes (IP header first).
	Quote    engine.Quoted
	QuoteRaw []byte
	HasQuote bool
	// App is the application payload the top protocol was found in (the UDP
	// or TCP payload), or nil.
	App []byte
	// Inner is the Ethernet frame a VXLAN datagram carries (UDP port
	// 4789), decoded and classified as a frame of its own with the outer
	// frame's number and times, or nil. It has no tcp.stream, TCP
	// analysis or application messages; its UDP datagrams are numbered
	// in udp.stream as tshark numbers them.
	Inner *Frame

	scratch   nameBuf
	stackDone bool
	media     map[netip.AddrPort]Proto
	quicConv  map[udpKey]Proto
	// restored: the frame was made by Restore, and restoredMedia is
	// what mediaOf said of it in the pass.
	restored      bool
	restoredMedia Proto
	// inner holds Inner and innerDec decodes it, made at the first VXLAN
	// datagram; innerRaw is the inner frame as a capture record.
	inner    *Frame
	innerDec *engine.Decoder
	innerRaw capture.Packet
}

// vxlanPort is VXLAN's UDP port (RFC 7348), on which Wireshark's VXLAN
// dissector takes every datagram.
const vxlanPort = 4789

// setInner decodes the Ethernet frame of a VXLAN datagram into f.Inner.
// The UDP port decides, the lower one first, as for every UDP protocol
// (udpApp); a frame inside a frame inside VXLAN is not opened further.
func (f *Frame) setInner() {
	f.Inner = nil
	p := f.P
	if p.UDP == nil || p.Fragment || len(p.UDP.Payload) <= 8 {
		return
	}
	lo, hi := uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo != vxlanPort && (hi != vxlanPort || udpPort(lo, p.UDP.Payload) != ProtoNone) {
		return
	}
	if f.inner == nil {
		f.inner, f.innerDec = &Frame{}, engine.NewDecoder()
	}
	b := p.UDP.Payload[8:]
	f.innerRaw = capture.Packet{Timestamp: p.Timestamp, CaptureLength: len(b), Length: len(b) + p.Length - p.CaptureLength,
		LinkType: capture.LinkTypeEthernet, Interface: p.Interface, Data: b}
	in := f.inner
	in.P = f.innerDec.Decode(&f.innerRaw, p.Number, nil)
	in.Relative, in.Delta = f.Relative, f.Delta
	in.IP4, in.IP6 = rawIP(in.P)
	in.HasQuote, in.QuoteRaw = false, nil
	if q, ok := in.P.ICMPErrorQuote(); ok {
		if qd, err := engine.DecodeQuoted(q); err == nil {
			in.Quote, in.QuoteRaw, in.HasQuote = qd, q, true
		}
	}
	in.TCP, in.Msg, in.UDPStream = TCPInfo{Stream: -1}, AppInfo{}, -1
	in.restored, in.restoredMedia = true, ProtoNone // no RTP or QUIC conversations inside
	in.Stack.n, in.Stack.set = 0, ProtoSet{}
	in.App, in.stackDone, in.Inner = nil, false, nil
	f.Inner = in
}

// State is what a Tracker worked out of a frame from the frames before it:
// with the frame's packet and times, all that Restore needs to make the
// Frame again without those frames.
type State struct {
	TCP       TCPInfo
	Msg       AppInfo
	UDPStream int
	// InnerUDPStream is the udp.stream of the UDP datagram in a VXLAN
	// frame (Frame.Inner), or -1.
	InnerUDPStream int
	// Media is RTP or RTCP when an SDP body before announced the
	// datagram's endpoint, QUIC or gQUIC when a packet of its
	// conversation carried a QUIC or gQUIC version before, else ProtoNone.
	Media Proto
	// SCTPBody is the body's protocols of a SIP message fragmented over
	// SCTP DATA chunks that ends in the frame (Frame.SCTPBody).
	SCTPBody Parts
}

// State returns what the Tracker worked out of f from the frames before it.
func (f *Frame) State() State {
	s := State{TCP: f.TCP, Msg: f.Msg, UDPStream: f.UDPStream, InnerUDPStream: -1, Media: f.mediaOf(), SCTPBody: f.SCTPBody}
	if f.Inner != nil {
		s.InnerUDPStream = f.Inner.UDPStream
	}
	return s
}

// Restore makes f the frame of p, relative and delta after the first and
// the previous frame, as the Tracker that gave s made it (with
// Options.NoStack: Classify fills the stack), without the frames before
// it.
func (f *Frame) Restore(p *engine.Packet, relative, delta time.Duration, s State) {
	f.P = p
	f.Relative, f.Delta = relative, delta
	f.IP4, f.IP6 = rawIP(p)
	f.HasQuote, f.QuoteRaw = false, nil
	if b, ok := p.ICMPErrorQuote(); ok {
		if q, err := engine.DecodeQuoted(b); err == nil {
			f.Quote, f.QuoteRaw, f.HasQuote = q, b, true
		}
	}
	f.TCP, f.Msg, f.UDPStream, f.SCTPBody = s.TCP, s.Msg, s.UDPStream, s.SCTPBody
	f.media, f.quicConv, f.restored, f.restoredMedia = nil, nil, true, s.Media
	f.Stack.n, f.Stack.set = 0, ProtoSet{}
	f.App, f.stackDone = nil, false
	f.setInner()
	if f.Inner != nil {
		f.Inner.UDPStream = s.InnerUDPStream
	}
}

// mediaOf is RTP or RTCP when the frame's UDP datagram comes from or goes
// to an endpoint SDP announced, as Wireshark's SDP sets up RTP, and QUIC or
// gQUIC when a packet of its conversation carried a QUIC or gQUIC version
// before (later packets carry none; Wireshark's QUIC dissectors follow the
// conversation, on any port).
func (f *Frame) mediaOf() Proto {
	if f.restored {
		return f.restoredMedia
	}
	p := f.P
	if len(f.media) == 0 && len(f.quicConv) == 0 || p.UDP == nil {
		return ProtoNone
	}
	src := netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort))
	dst := netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort))
	if pr, ok := f.media[src]; ok {
		return pr
	}
	if pr, ok := f.media[dst]; ok {
		return pr
	}
	if len(f.quicConv) > 0 {
		return f.quicConv[orderKey(src, dst)]
	}
	return ProtoNone
}

// Classify fills Stack and App if the Tracker did not (Options.NoStack):
// a caller that needs the stack of only some frames asks for it.
func (f *Frame) Classify() {
	if !f.stackDone {
		classify(f)
		f.stackDone = true
	}
}

// TCPAnalyzer numbers TCP conversations and flags segments as the TCP
// module does; the Tracker calls it for every frame.
type TCPAnalyzer interface {
	// Frame returns what the analysis says of the segment in p (or of
	// the TCP header an ICMP error quotes).
	Frame(p *engine.Packet) TCPInfo
}

// AppAnalyzer follows application messages over TCP reassembly as a
// protocol module does, so a frame is named by the message it completes
// (Wireshark shows a message reassembled from several segments in the
// frame of its last byte, and the segments before it as tcp); the
// Tracker calls it for every frame.
type AppAnalyzer interface {
	// Frame follows p and fills the fields of info it owns (info starts
	// zero for each frame).
	Frame(p *engine.Packet, info *AppInfo)
}

// Apps is several AppAnalyzers as one, each filling its own fields.
type Apps []AppAnalyzer

// Frame runs each analyzer on p.
func (as Apps) Frame(p *engine.Packet, info *AppInfo) {
	for _, a := range as {
		a.Frame(p, info)
	}
}

// AppInfo is what an AppAnalyzer says of one frame.
type AppInfo struct {
	// HTTPFollowed: the frame's TCP connection carries HTTP/1 that the
	// analyzer reassembles; HTTPDone: an HTTP/1 message ends in this frame,
	// HTTPBody whether it has a body, HTTPBodyType the body's Content-Type.
	HTTPFollowed, HTTPDone, HTTPBody bool
	HTTPBodyType                     string
	// HTTPBodyNotJSON: the body is of a JSON type, and Wireshark's JSON
	// dissector does not parse all of it (JSONWhole).
	HTTPBodyNotJSON bool
	// HTTPContinuation: the frame carries bytes of a followed HTTP/1
	// connection after a hole that start no message (tshark: http, data).
	HTTPContinuation bool
	// HTTPStray: tshark's HTTP dissector would read the frame's bytes on
	// their own, as they start no message: a segment of a connection the
	// http module does not follow (seen midstream; set on any port, read
	// only on the ports HTTP claims), or bytes pushed between the messages
	// of one it follows. HTTPSeen: a request had been seen on the
	// connection by then.
	HTTPStray, HTTPSeen bool
	// HTTPTunnel, on a connection after a 2xx to CONNECT, is what tshark's
	// HTTP dissector hands the tunnel's bytes to: ProtoTLS (a CONNECT to a
	// port TLS claims) or ProtoData; ProtoNone elsewhere.
	HTTPTunnel Proto
	// HTTPBodyImage is the image the body's first bytes are (ImageMagic).
	HTTPBodyImage Proto
	// HTTPBodyASN1: the protocols an OCSP response body adds (BodyASN1).
	HTTPBodyASN1 ASN1Set
	// HTTPBodyParts: the protocols a multipart body's parts add
	// (MultipartParts).
	HTTPBodyParts Parts
	// WSFollowed: the frame's TCP connection carries WebSocket after an
	// HTTP upgrade; WSDone: a WebSocket frame ends in this frame, its
	// payload's protocol WSPayload (ProtoNone for none or a control
	// frame's), WSSDP whether that SIP carries SDP.
	WSFollowed, WSDone bool
	WSPayload          Proto
	WSSDP              bool
	// HTTP2Followed: the frame's TCP connection carries HTTP/2 (h2c,
	// after an upgrade or the preface) that the analyzer frames;
	// HTTP2Done: an HTTP/2 frame or the preface ends in this frame.
	HTTP2Followed, HTTP2Done bool
	// HTTP2Body is the protocol of a body whose stream side ended in this
	// frame (a DATA frame with END_STREAM), by its declared type, or
	// ProtoNone.
	HTTP2Body Proto
	// TLSFollowed: the frame's TCP connection carries TLS records that the
	// analyzer frames; TLSDone: a record ends in this frame.
	TLSFollowed, TLSDone bool
	// TLSASN1: the protocols the OIDs of the certificates and OCSP
	// responses ending in this frame handed their contents to; Last is
	// the frame's last protocol: the last of them, or tls when TCP called
	// TLS again after them.
	TLSASN1 ASN1Set
	// DNSFollowed: the frame is DNS over TCP that the analyzer frames;
	// DNSDone: a message ends in this frame.
	DNSFollowed, DNSDone bool
	// QUICLong: the frame is a UDP datagram with a QUIC long header that
	// the analyzer decrypts where it can; QUICTLSDone: a TLS handshake
	// message its CRYPTO frames carry ends in it.
	QUICLong, QUICTLSDone bool
}

// TCPInfo is the TCP analysis of one frame.
type TCPInfo struct {
	Stream int    // tcp.stream, or -1
	Flags  uint32 // analysis flags, one bit per name in TCPAnalysisNames
	// Seq and Ack are the relative sequence and acknowledgement numbers
	// (tcp.seq, tcp.ack), when HasSeq and HasAck.
	Seq, Ack       uint32
	HasSeq, HasAck bool
	// Len is the segment's payload length as its IP header gives it
	// (tcp.len), when HasLen.
	Len    uint32
	HasLen bool
}

// Bits of TCPInfo.Flags (TCPAnalysisNames): a retransmission that is
// neither fast nor spurious, a fast one, and a spurious one (data already
// acknowledged).
const (
	TCPRetransmission         = 1 << 0
	TCPFastRetransmission     = 1 << 1
	TCPSpuriousRetransmission = 1 << 2
	TCPOutOfOrder             = 1 << 3
	TCPLostSegment            = 1 << 4
	TCPKeepAlive              = 1 << 12
)

// TCPAnalysisNames are the names of the TCP analysis flags, in bit order,
// as the fields tcp.analysis.<name>.
var TCPAnalysisNames = [...]string{
	"retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
	"lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
	"zero_window_probe_ack", "window_full", "window_update", "keep_alive", "keep_alive_ack",
	"reused_ports",
}

// udpKey is a conversation's address and port pair, in canonical order
// (orderKey): a UDP conversation's, or a TCP connection's in Ends.
type udpKey struct{ a, b netip.AddrPort }

// Tracker follows a capture frame by frame.
type Tracker struct {
	tcp       TCPAnalyzer
	app       AppAnalyzer
	first     time.Time
	prev      time.Time
	started   bool
	udp       map[udpKey]int32
	udpNext   int32 // the next udp.stream
	snmp      map[udpKey]snmpConv
	media     map[netip.AddrPort]Proto // RTP/RTCP endpoints SDP announced
	quicConv  map[udpKey]Proto         // conversations a QUIC or gQUIC version was seen in
	sctp      map[sctpKey]*sctpMsg     // SIP messages being gathered from SCTP fragments
	sctpHeld  int
	maxUDP    int
	udpFull   int // UDP datagrams of conversations past maxUDP
	frame     Frame
	wantStack bool
}

// Options tune a Tracker.
type Options struct {
	// TCP, when set, gives tcp.stream and the analysis flags.
	TCP TCPAnalyzer
	// App, when set, names frames by the application messages they
	// complete over TCP reassembly (HTTP/1, TLS records, DNS; see Apps).
	App AppAnalyzer
	// UDPStreams numbers UDP conversations (udp.stream), at most
	// MaxUDPConversations of them (0: 1,000,000); later ones get -1.
	UDPStreams          bool
	MaxUDPConversations int
	// NoStack skips the protocol stack (Frame.Stack stays empty).
	NoStack bool
}

// NewTracker returns a Tracker.
func NewTracker(opts Options) *Tracker {
	t := &Tracker{tcp: opts.TCP, app: opts.App, maxUDP: opts.MaxUDPConversations, wantStack: !opts.NoStack}
	if t.maxUDP <= 0 {
		t.maxUDP = 1_000_000
	}
	t.media = map[netip.AddrPort]Proto{}
	t.frame.media = t.media
	t.quicConv = map[udpKey]Proto{}
	t.frame.quicConv = t.quicConv
	t.sctp = map[sctpKey]*sctpMsg{}
	if opts.UDPStreams {
		t.udp = map[udpKey]int32{}
		t.snmp = map[udpKey]snmpConv{}
	}
	return t
}

// UDPUntracked is how many UDP datagrams belonged to conversations past the
// cap (their udp.stream is -1).
func (t *Tracker) UDPUntracked() int { return t.udpFull }

// Frame works out the facts of p, the next frame of the capture.
func (t *Tracker) Frame(p *engine.Packet) *Frame {
	f := &t.frame
	f.P = p
	if !t.started {
		t.first, t.prev, t.started = p.Timestamp, p.Timestamp, true
	}
	f.Relative, f.Delta = p.Timestamp.Sub(t.first), p.Timestamp.Sub(t.prev)
	t.prev = p.Timestamp
	f.IP4, f.IP6 = rawIP(p)
	f.HasQuote, f.QuoteRaw = false, nil
	if b, ok := p.ICMPErrorQuote(); ok {
		if q, err := engine.DecodeQuoted(b); err == nil {
			f.Quote, f.QuoteRaw, f.HasQuote = q, b, true
		}
	}
	f.TCP = TCPInfo{Stream: -1}
	if t.tcp != nil {
		f.TCP = t.tcp.Frame(p)
	}
	f.Msg = AppInfo{}
	if t.app != nil {
		t.app.Frame(p, &f.Msg)
	}
	f.UDPStream = -1
	f.SCTPBody = t.sctpFragments(p)
	f.setInner()
	if t.udp != nil {
		f.UDPStream = t.udpStream(f)
		if f.Inner != nil {
			f.Inner.UDPStream = t.udpStream(f.Inner)
		}
	}
	if pl := p.Payload(); len(pl) > 0 && len(t.media) < maxMedia {
		t.noteSDP(pl)
	}
	if p.UDP != nil && len(t.quicConv) < maxMedia {
		if pr := quicVersioned(p.UDP.Payload, uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)); pr != ProtoNone {
			k := orderKey(netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort)))
			if _, seen := t.quicConv[k]; !seen {
				t.quicConv[k] = pr
			}
		}
	}
	f.Stack.n, f.Stack.set = 0, ProtoSet{}
	f.App, f.stackDone = nil, false
	if t.wantStack {
		f.Classify()
	}
	return f
}

// udpStream numbers UDP conversations in order of their first datagram, as
// Wireshark's conversation table does (one per address and port pair, both
// directions).
func (t *Tracker) udpStream(f *Frame) int {
	p := f.P
	var k udpKey
	switch {
	case p.UDP != nil:
		k = orderKey(netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort)), netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort)))
	case f.HasQuote && f.Quote.Protocol == 17 && f.Quote.HasPorts:
		k = orderKey(netip.AddrPortFrom(f.Quote.Src, f.Quote.SrcPort), netip.AddrPortFrom(f.Quote.Dst, f.Quote.DstPort))
	default:
		return -1
	}
	if p.UDP != nil && len(t.media) > 0 {
		// A media stream SDP announced is a conversation of its
		// announced endpoint with any peer (Wireshark's RTP setup):
		// the sender's when announced, else the receiver's.
		src := netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort))
		dst := netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort))
		if _, ok := t.media[src]; ok {
			k = udpKey{a: src}
		} else if _, ok := t.media[dst]; ok {
			k = udpKey{a: dst}
		}
	}
	n, ok := t.udp[k]
	conv := t.snmp[k]
	if !ok || conv == snmpMade {
		// A new pair, or the first datagram of the conversation SNMP made.
		if t.udpNext >= int32(t.maxUDP) {
			t.udpFull++
			return -1
		}
		n = t.udpNext
		t.udpNext++
		t.udp[k] = n
		if conv == snmpMade {
			conv = snmpOwn
			t.snmp[k] = conv
		}
	}
	if conv != snmpOwn && p.UDP != nil && snmpFirst(p.UDP) {
		t.snmp[k] = snmpMade
	}
	return int(n)
}

// snmpConv is what SNMP did with a UDP pair's conversation.
type snmpConv uint8

const (
	snmpNone snmpConv = iota
	// snmpMade: SNMP found the conversation udp.stream numbered and made
	// one of its own for the same pair, which the pair's next datagram
	// starts (a new udp.stream).
	snmpMade
	// snmpOwn: the pair's conversation is SNMP's.
	snmpOwn
)

// snmpFirst reports whether Wireshark gives the datagram to SNMP: its
// first port by udpApp's order (the lower first) is SNMP's, and the
// payload passes SNMP's test (a BER SEQUENCE no longer than the
// datagram, then an INTEGER). SNMP looks up the datagram's conversation
// and, when the one it finds is not its own (udp.stream's, on the pair's
// first SNMP datagram), makes one: Wireshark then numbers the pair's next
// datagram as a new udp.stream.
func snmpFirst(u *layers.UDP) bool {
	lo, hi := uint16(u.SrcPort), uint16(u.DstPort)
	if hi < lo {
		lo, hi = hi, lo
	}
	for _, port := range [2]uint16{lo, hi} {
		if pr := udpPort(port, u.Payload); pr != ProtoNone {
			return pr == ProtoSNMP && berSNMP(u.Payload)
		}
	}
	return false
}

// berSNMP is SNMP's test of a UDP payload: a universal SEQUENCE whose
// definite length fits in the payload, then a universal INTEGER.
func berSNMP(b []byte) bool {
	if len(b) < 2 || b[0]&0xc0 != 0 || b[0]&0x1f != 16 {
		return false
	}
	n, off := int(b[1]), 2
	if n&0x80 != 0 {
		size := n & 0x7f
		if size == 0 || size > 4 || len(b) < 2+size {
			return false // indefinite or too long a length
		}
		n = 0
		for _, c := range b[2 : 2+size] {
			n = n<<8 | int(c)
		}
		off += size
	}
	if n > len(b)-off || off >= len(b) {
		return false
	}
	return b[off]&0xc0 == 0 && b[off]&0x1f == 2
}

func orderKey(a, b netip.AddrPort) udpKey {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return udpKey{a, b}
}

// rawIP returns the frame's own outermost IPv4 or IPv6 header and what
// follows it.
func rawIP(p *engine.Packet) (ip4, ip6 []byte) {
	var b []byte
	switch {
	case p.NetworkPayload != nil && (p.EtherType == 0x0800 || p.EtherType == 0x86dd):
		b = p.NetworkPayload
	case p.LinkType == capture.LinkTypeRaw || p.LinkType == capture.LinkTypeRawOld || p.LinkType == capture.LinkTypeRawOld2 ||
		p.LinkType == capture.LinkTypeIPv4 || p.LinkType == capture.LinkTypeIPv6:
		b = p.Data
	case p.IPv4 != nil && !p.Reassembled:
		b = p.IPv4.Contents
	case p.IPv6 != nil && !p.Reassembled:
		b = p.IPv6.Contents
	case p.Loopback != nil:
		b = p.Loopback.Payload
	}
	if len(b) == 0 {
		return nil, nil
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) >= 20 && p.IPv4 != nil {
			return b, nil
		}
	case 6:
		if len(b) >= 40 && p.IPv6 != nil {
			return nil, b
		}
	}
	return nil, nil
}

// IP4Field helpers read the frame's own IPv4 header.
func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// nameBuf is scratch space for one decoded name per frame (dns.qry.name).
type nameBuf [256]byte

// Scratch returns the frame's scratch buffer for a decoded name.
func (f *Frame) Scratch() []byte { return f.scratch[:0] }

// maxMedia bounds the SDP-announced endpoints remembered, and the QUIC
// and gQUIC conversations.
const maxMedia = 100000

// quicVersioned says what a UDP payload starts: a gQUIC packet to port 443
// that carries its version (Q followed by three digits: a long
// header from Q046 on, or the public header of earlier versions with the
// version flag and an 8-byte connection ID), or a QUIC Initial of version
// 1, 2 or a draft (27 to 34) to a port no other dissector claims; else
// ProtoNone.
func quicVersioned(pl []byte, sport, dport uint16) Proto {
	quicPort := func(port uint16, pl []byte) bool { return udpPort(port, pl) == ProtoNone } // (853 is DTLS's)
	isQ := func(v []byte) bool {
		return v[0] == 'Q' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9' && v[3] >= '0' && v[3] <= '9'
	}
	switch {
	case len(pl) >= 5 && pl[0]&0x80 != 0 && isQ(pl[1:5]):
		if dport == 443 {
			return ProtoGQUIC
		}
	case len(pl) >= 7 && pl[0]&0xc0 == 0xc0 && (dport == 443 || sport == 443 || quicPort(sport, pl) && quicPort(dport, pl)):
		// Wireshark tries the dissector of a port before the QUIC
		// heuristics: DTLS on 853 (DNS over DTLS) and the ports udpPort
		// names keep theirs.
		// An Initial (type 0 in v1 and the drafts, 1 in v2) with its
		// connection ID lengths in bounds.
		v := binary.BigEndian.Uint32(pl[1:5])
		typ := pl[0] >> 4 & 3
		initial := (v == 1 || v >= 0xff00001b && v <= 0xff000022) && typ == 0 || v == 0x6b3343cf && typ == 1
		if initial && pl[5] <= 20 {
			return ProtoQUIC
		}
	case len(pl) >= 13 && pl[0]&0x09 == 0x09 && isQ(pl[9:13]):
		if dport == 443 {
			return ProtoGQUIC
		}
	}
	return ProtoNone
}

// noteSDP remembers the RTP and RTCP endpoints an SDP body in pl announces
// (c= address, m= port and the port after it).
func (t *Tracker) noteSDP(pl []byte) {
	if !bytes.Contains(pl, []byte("\nm=")) || !bytes.Contains(pl, []byte("\nc=IN IP")) {
		return
	}
	var addr netip.Addr
	for _, line := range bytes.Split(pl, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		switch {
		case bytes.HasPrefix(line, []byte("c=IN IP")) && len(line) > 9:
			if f := bytes.Fields(line[9:]); len(f) > 0 {
				if a, err := netip.ParseAddr(string(f[0])); err == nil {
					addr = a
				}
			}
		case bytes.HasPrefix(line, []byte("m=")) && addr.IsValid():
			f := bytes.Fields(line[2:])
			if len(f) < 2 {
				continue
			}
			port, err := strconv.Atoi(string(f[1]))
			if err != nil || port <= 0 || port > 65534 {
				continue
			}
			t.media[netip.AddrPortFrom(addr, uint16(port))] = ProtoRTP
			t.media[netip.AddrPortFrom(addr, uint16(port+1))] = ProtoRTCP
		}
	}
}
