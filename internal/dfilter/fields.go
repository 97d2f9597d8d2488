package dfilter

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
)

// kind is the type of a field's values.
type kind uint8

const (
	kUint   kind = iota // unsigned integer (booleans are 0 or 1)
	kRel                // relative time, ns
	kTime               // absolute time, ns since the epoch
	kIP                 // IPv4 or IPv6 address
	kIP6                // IPv6 address
	kMAC                // Ethernet address (in b)
	kString             // text (in b)
	kBytes              // bytes, protocols (in b)
	kNone               // presence only
)

func (k kind) String() string {
	return [...]string{"an unsigned integer", "a time offset in seconds", "an absolute time",
		"an IPv4 address", "an IPv6 address", "an Ethernet address", "a string", "a byte string", "a label (presence only)"}[k]
}

// value is one occurrence of a field in a frame.
type value struct {
	n uint64
	t int64
	a netip.Addr
	b []byte
}

// getter appends a frame's values of a field to out (whose capacity it
// never exceeds, so it does not allocate).
type getter func(f *dissect.Frame, out []value) []value

// need says which per-frame facts a field reads.
type need uint8

const (
	needTCP need = 1 << iota
	needUDP
	needStack
)

type field struct {
	name string
	kind kind
	get  getter // every occurrence, the frame's and its inner frame's (withInner)
	own  getter // the frame's own occurrences
	need need
}

// maxValues bounds the occurrences of one field in a frame.
const maxValues = 32

func put(out []value, v value) []value {
	if len(out) < cap(out) {
		return append(out, v)
	}
	return out
}

func u(n uint64) value { return value{n: n} }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

var fields = map[string]*field{}

func def(name string, k kind, g getter) { defNeed(name, k, 0, g) }

func defNeed(name string, k kind, n need, g getter) {
	fields[name] = &field{name: name, kind: k, get: withInner(name, g), own: g, need: n}
}

// withInner adds to a field's values those of the frame a VXLAN datagram
// carries (dissect.Frame.Inner), as tshark's fields hold every occurrence
// of their protocol in the frame: ip.addr is the outer and the inner
// addresses. The frame.* fields are the outer frame's alone.
func withInner(name string, g getter) getter {
	if strings.HasPrefix(name, "frame.") {
		return g
	}
	return func(f *dissect.Frame, out []value) []value {
		out = g(f, out)
		if in := f.Inner; in != nil {
			in.Classify()
			out = g(in, out)
		}
		return out
	}
}

// ip4 is an IPv4 header read from bytes.
func ip4Hdr(f *dissect.Frame, out []value, fn func(h []byte, out []value) []value) []value {
	if f.IP4 != nil {
		out = fn(f.IP4, out)
	}
	if f.HasQuote && len(f.QuoteRaw) >= 20 && f.QuoteRaw[0]>>4 == 4 {
		out = fn(f.QuoteRaw, out)
	}
	return out
}

func ip6Hdr(f *dissect.Frame, out []value, fn func(h []byte, out []value) []value) []value {
	if f.IP6 != nil {
		out = fn(f.IP6, out)
	}
	if f.HasQuote && len(f.QuoteRaw) >= 40 && f.QuoteRaw[0]>>4 == 6 {
		out = fn(f.QuoteRaw, out)
	}
	return out
}

func addr4(b []byte) value  { return value{a: netip.AddrFrom4([4]byte(b[:4]))} }
func addr16(b []byte) value { return value{a: netip.AddrFrom16([16]byte(b[:16]))} }

// transport headers: the frame's own UDP or TCP header, then a quoted one.
type ports struct{ src, dst uint16 }

// portList is up to two port pairs (the frame's own, a quoted one),
// returned by value so that reading them allocates nothing.
type portList struct {
	p [2]ports
	n int
}

func udpPorts(f *dissect.Frame) (l portList) {
	if f.P.UDP != nil {
		l.p[l.n] = ports{uint16(f.P.UDP.SrcPort), uint16(f.P.UDP.DstPort)}
		l.n++
	}
	if f.HasQuote && f.Quote.Protocol == 17 && f.Quote.HasPorts {
		l.p[l.n] = ports{f.Quote.SrcPort, f.Quote.DstPort}
		l.n++
	}
	return l
}

func tcpPorts(f *dissect.Frame) (l portList) {
	if f.P.TCP != nil {
		l.p[l.n] = ports{uint16(f.P.TCP.SrcPort), uint16(f.P.TCP.DstPort)}
		l.n++
	}
	if f.HasQuote && f.Quote.Protocol == 6 && f.Quote.HasPorts {
		l.p[l.n] = ports{f.Quote.SrcPort, f.Quote.DstPort}
		l.n++
	}
	return l
}

func portFields(proto string, pf func(*dissect.Frame) portList) {
	def(proto+".srcport", kUint, func(f *dissect.Frame, out []value) []value {
		l := pf(f)
		for _, p := range l.p[:l.n] {
			out = put(out, u(uint64(p.src)))
		}
		return out
	})
	def(proto+".dstport", kUint, func(f *dissect.Frame, out []value) []value {
		l := pf(f)
		for _, p := range l.p[:l.n] {
			out = put(out, u(uint64(p.dst)))
		}
		return out
	})
	def(proto+".port", kUint, func(f *dissect.Frame, out []value) []value {
		l := pf(f)
		for _, p := range l.p[:l.n] {
			out = put(put(out, u(uint64(p.src))), u(uint64(p.dst)))
		}
		return out
	})
}

func init() {
	// frame
	def("frame.number", kUint, func(f *dissect.Frame, out []value) []value { return put(out, u(uint64(f.P.Number))) })
	def("frame.len", kUint, func(f *dissect.Frame, out []value) []value { return put(out, u(uint64(f.P.Length))) })
	def("frame.cap_len", kUint, func(f *dissect.Frame, out []value) []value { return put(out, u(uint64(f.P.CaptureLength))) })
	def("frame.time", kTime, func(f *dissect.Frame, out []value) []value { return put(out, value{t: f.P.Timestamp.UnixNano()}) })
	def("frame.time_epoch", kRel, func(f *dissect.Frame, out []value) []value { return put(out, value{t: f.P.Timestamp.UnixNano()}) })
	def("frame.time_relative", kRel, func(f *dissect.Frame, out []value) []value { return put(out, value{t: int64(f.Relative)}) })
	def("frame.time_delta", kRel, func(f *dissect.Frame, out []value) []value { return put(out, value{t: int64(f.Delta)}) })
	def("frame", kBytes, func(f *dissect.Frame, out []value) []value { return put(out, value{b: f.P.Data}) })

	// eth
	def("eth.src", kMAC, func(f *dissect.Frame, out []value) []value {
		if e := f.P.Ethernet; e != nil {
			out = put(out, value{b: e.SrcMAC})
		}
		return out
	})
	def("eth.dst", kMAC, func(f *dissect.Frame, out []value) []value {
		if e := f.P.Ethernet; e != nil {
			out = put(out, value{b: e.DstMAC})
		}
		return out
	})
	def("eth.addr", kMAC, func(f *dissect.Frame, out []value) []value {
		if e := f.P.Ethernet; e != nil {
			out = put(put(out, value{b: e.DstMAC}), value{b: e.SrcMAC})
		}
		return out
	})
	def("eth.type", kUint, func(f *dissect.Frame, out []value) []value {
		if e := f.P.Ethernet; e != nil && len(e.Contents) >= 14 {
			if t := binary.BigEndian.Uint16(e.Contents[12:14]); t >= 0x0600 {
				out = put(out, u(uint64(t)))
			}
		}
		return out
	})
	def("vlan.id", kUint, func(f *dissect.Frame, out []value) []value {
		for _, id := range f.P.VLANs {
			out = put(out, u(uint64(id)))
		}
		return out
	})

	// vxlan: the header of a datagram whose inner frame the dissector decoded
	def("vxlan.vni", kUint, func(f *dissect.Frame, out []value) []value {
		if f.Inner != nil {
			pl := f.P.UDP.Payload
			out = put(out, u(uint64(pl[4])<<16|uint64(pl[5])<<8|uint64(pl[6])))
		}
		return out
	})

	// arp
	arpField := func(name string, k kind, fn func(b []byte) value) {
		defNeed(name, k, 0, func(f *dissect.Frame, out []value) []value {
			if b := f.P.NetworkPayload; isARP(uint16(f.P.EtherType)) && len(b) >= 28 && b[4] == 6 && b[5] == 4 {
				out = put(out, fn(b))
			}
			return out
		})
	}
	def("arp.opcode", kUint, func(f *dissect.Frame, out []value) []value {
		if b := f.P.NetworkPayload; isARP(uint16(f.P.EtherType)) && len(b) >= 8 {
			out = put(out, u(uint64(binary.BigEndian.Uint16(b[6:8]))))
		}
		return out
	})
	arpField("arp.src.hw_mac", kMAC, func(b []byte) value { return value{b: b[8:14]} })
	arpField("arp.src.proto_ipv4", kIP, func(b []byte) value { return addr4(b[14:18]) })
	arpField("arp.dst.hw_mac", kMAC, func(b []byte) value { return value{b: b[18:24]} })
	arpField("arp.dst.proto_ipv4", kIP, func(b []byte) value { return addr4(b[24:28]) })

	// ip
	ip4 := func(name string, k kind, fn func(h []byte, out []value) []value) {
		def(name, k, func(f *dissect.Frame, out []value) []value { return ip4Hdr(f, out, fn) })
	}
	ip4("ip.src", kIP, func(h []byte, out []value) []value { return put(out, addr4(h[12:16])) })
	ip4("ip.dst", kIP, func(h []byte, out []value) []value { return put(out, addr4(h[16:20])) })
	ip4("ip.addr", kIP, func(h []byte, out []value) []value { return put(put(out, addr4(h[12:16])), addr4(h[16:20])) })
	// IPv6 headers carry ip.version too, as in Wireshark.
	def("ip.version", kUint, func(f *dissect.Frame, out []value) []value {
		v := func(h []byte, out []value) []value { return put(out, u(uint64(h[0]>>4))) }
		return ip6Hdr(f, ip4Hdr(f, out, v), v)
	})
	ip4("ip.hdr_len", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[0]&0xf)*4)) })
	ip4("ip.dsfield", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[1]))) })
	ip4("ip.len", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(binary.BigEndian.Uint16(h[2:4])))) })
	ip4("ip.id", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(binary.BigEndian.Uint16(h[4:6])))) })
	ip4("ip.flags.df", kUint, func(h []byte, out []value) []value { return put(out, u(b2u(h[6]&0x40 != 0))) })
	ip4("ip.flags.mf", kUint, func(h []byte, out []value) []value { return put(out, u(b2u(h[6]&0x20 != 0))) })
	ip4("ip.frag_offset", kUint, func(h []byte, out []value) []value {
		return put(out, u(uint64(binary.BigEndian.Uint16(h[6:8])&0x1fff)*8))
	})
	ip4("ip.ttl", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[8]))) })
	ip4("ip.proto", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[9]))) })

	// ipv6
	ip6 := func(name string, k kind, fn func(h []byte, out []value) []value) {
		def(name, k, func(f *dissect.Frame, out []value) []value { return ip6Hdr(f, out, fn) })
	}
	ip6("ipv6.src", kIP6, func(h []byte, out []value) []value { return put(out, addr16(h[8:24])) })
	ip6("ipv6.dst", kIP6, func(h []byte, out []value) []value { return put(out, addr16(h[24:40])) })
	ip6("ipv6.addr", kIP6, func(h []byte, out []value) []value { return put(put(out, addr16(h[8:24])), addr16(h[24:40])) })
	ip6("ipv6.plen", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(binary.BigEndian.Uint16(h[4:6])))) })
	ip6("ipv6.nxt", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[6]))) })
	ip6("ipv6.hlim", kUint, func(h []byte, out []value) []value { return put(out, u(uint64(h[7]))) })
	ip6("ipv6.flow", kUint, func(h []byte, out []value) []value {
		return put(out, u(uint64(binary.BigEndian.Uint32(h[0:4])&0xfffff)))
	})

	// tcp
	portFields("tcp", tcpPorts)
	portFields("udp", udpPorts)
	tcpHdr := func(name string, fn func(f *dissect.Frame) uint64) {
		def(name, kUint, func(f *dissect.Frame, out []value) []value {
			if f.P.TCP != nil {
				out = put(out, u(fn(f)))
			}
			return out
		})
	}
	tcpFlags := func(f *dissect.Frame) uint16 {
		if c := f.P.TCP.Contents; len(c) >= 14 {
			return binary.BigEndian.Uint16(c[12:14]) & 0x0fff
		}
		return 0
	}
	tcpHdr("tcp.flags", func(f *dissect.Frame) uint64 { return uint64(tcpFlags(f)) })
	for name, bit := range map[string]uint16{"fin": 0x01, "syn": 0x02, "reset": 0x04, "push": 0x08, "ack": 0x10, "urg": 0x20, "ece": 0x40, "cwr": 0x80} {
		tcpHdr("tcp.flags."+name, func(f *dissect.Frame) uint64 { return b2u(tcpFlags(f)&bit != 0) })
	}
	defNeed("tcp.len", kUint, needTCP, func(f *dissect.Frame, out []value) []value {
		switch {
		case f.P.TCP == nil:
		case f.TCP.HasLen:
			out = put(out, u(uint64(f.TCP.Len)))
		default:
			out = put(out, u(uint64(len(f.P.TCP.Payload))))
		}
		return out
	})
	tcpHdr("tcp.hdr_len", func(f *dissect.Frame) uint64 { return uint64(f.P.TCP.DataOffset) * 4 })
	tcpHdr("tcp.seq_raw", func(f *dissect.Frame) uint64 { return uint64(f.P.TCP.Seq) })
	tcpHdr("tcp.window_size_value", func(f *dissect.Frame) uint64 { return uint64(f.P.TCP.Window) })
	tcpHdr("tcp.ack_raw", func(f *dissect.Frame) uint64 { return uint64(f.P.TCP.Ack) })
	defNeed("tcp.seq", kUint, needTCP, func(f *dissect.Frame, out []value) []value {
		if f.P.TCP != nil && f.TCP.HasSeq {
			out = put(out, u(uint64(f.TCP.Seq)))
		}
		return out
	})
	defNeed("tcp.ack", kUint, needTCP, func(f *dissect.Frame, out []value) []value {
		switch t := f.P.TCP; {
		case t == nil:
		case f.TCP.HasAck:
			out = put(out, u(uint64(f.TCP.Ack)))
		case !t.ACK:
			out = put(out, u(uint64(t.Ack))) // shown raw without the ACK flag
		}
		return out
	})
	defNeed("tcp.stream", kUint, needTCP, func(f *dissect.Frame, out []value) []value {
		if f.TCP.Stream >= 0 {
			out = put(out, u(uint64(f.TCP.Stream)))
		}
		return out
	})
	def("tcp.payload", kBytes, func(f *dissect.Frame, out []value) []value {
		if t := f.P.TCP; t != nil && len(t.Payload) > 0 {
			out = put(out, value{b: t.Payload})
		}
		return out
	})
	analysisMasks["tcp.analysis.flags"] = ^uint32(1 << 11)
	defNeed("tcp.analysis.flags", kNone, needTCP, func(f *dissect.Frame, out []value) []value {
		// Every flag but window_update is an expert warning or note.
		if f.TCP.Flags&^(1<<11) != 0 {
			out = put(out, value{})
		}
		return out
	})
	for i, n := range dissect.TCPAnalysisNames {
		mask := uint32(1) << i
		if n == "retransmission" {
			mask |= 1<<1 | 1<<2 // fast and spurious carry the retransmission item too
		}
		analysisMasks["tcp.analysis."+n] = mask
		defNeed("tcp.analysis."+n, kNone, needTCP, func(f *dissect.Frame, out []value) []value {
			if f.TCP.Flags&mask != 0 {
				out = put(out, value{})
			}
			return out
		})
	}

	// udp
	def("udp.length", kUint, func(f *dissect.Frame, out []value) []value {
		if f.P.UDP != nil {
			out = put(out, u(uint64(f.P.UDP.Length)))
		}
		if q := &f.Quote; f.HasQuote && q.Protocol == 17 && len(q.Transport) >= 6 {
			out = put(out, u(uint64(binary.BigEndian.Uint16(q.Transport[4:6]))))
		}
		return out
	})
	defNeed("udp.stream", kUint, needUDP, func(f *dissect.Frame, out []value) []value {
		if f.UDPStream >= 0 {
			out = put(out, u(uint64(f.UDPStream)))
		}
		return out
	})
	def("udp.payload", kBytes, func(f *dissect.Frame, out []value) []value {
		if t := f.P.UDP; t != nil && len(t.Payload) > 0 {
			out = put(out, value{b: t.Payload})
		}
		if pl := f.Quote.QuotedPayload(); f.HasQuote && len(pl) > 0 {
			out = put(out, value{b: pl})
		}
		return out
	})

	// icmp
	// The ICMP fields of the frame's own header, then of an ICMP header
	// its error quotes (a traceroute's time exceeded quotes the echo).
	icmpField := func(name string, v6 bool, code bool) {
		def(name, kUint, func(f *dissect.Frame, out []value) []value {
			var tc uint16
			switch {
			case !v6 && f.P.ICMPv4 != nil:
				tc = uint16(f.P.ICMPv4.TypeCode)
			case v6 && f.P.ICMPv6 != nil:
				tc = uint16(f.P.ICMPv6.TypeCode)
			default:
				b := f.CutICMP() // a header cut short
				if len(b) < 2 || v6 != (f.P.IPv4 == nil) {
					return out
				}
				tc = binary.BigEndian.Uint16(b)
			}
			pick := func(tc uint16) uint64 {
				if code {
					return uint64(tc & 0xff)
				}
				return uint64(tc >> 8)
			}
			out = put(out, u(pick(tc)))
			q := &f.Quote
			if proto := uint8(1); v6 {
				proto = 58
				if f.HasQuote && q.Protocol == proto && len(q.Transport) >= 2 {
					out = put(out, u(pick(binary.BigEndian.Uint16(q.Transport))))
				}
			} else if f.HasQuote && q.Protocol == proto && len(q.Transport) >= 2 {
				out = put(out, u(pick(binary.BigEndian.Uint16(q.Transport))))
			}
			return out
		})
	}
	icmpField("icmp.type", false, false)
	icmpField("icmp.code", false, true)
	icmpField("icmpv6.type", true, false)
	icmpField("icmpv6.code", true, true)

	// application fields
	defNeed("dns.qry.name", kString, needStack, dnsQueryNames)
	defNeed("dns.id", kUint, needStack, func(f *dissect.Frame, out []value) []value {
		if pl := dnsPayload(f); len(pl) >= 12 {
			out = put(out, u(uint64(binary.BigEndian.Uint16(pl[0:2]))))
		}
		return out
	})
	defNeed("dns.flags.response", kUint, needStack, func(f *dissect.Frame, out []value) []value {
		if pl := dnsPayload(f); len(pl) >= 12 {
			out = put(out, u(uint64(pl[2]>>7)))
		}
		return out
	})

	// Protocols as bare tests; the ones with bytes also as byte strings.
	for _, name := range dissect.ProtoNames() {
		if _, ok := fields[name]; ok {
			continue
		}
		pr, _ := dissect.ProtoByName(name)
		protoFields[name] = pr
		defNeed(name, kBytes, needStack, protoBytes(pr))
	}
}

// protoBytes returns the getter of a protocol: present when the frame's
// stack has it, with the bytes from its header on where known.
func protoBytes(pr dissect.Proto) getter {
	if dissect.LayerOnly(pr) {
		return func(_ *dissect.Frame, out []value) []value { return out }
	}
	return func(f *dissect.Frame, out []value) []value {
		if !f.Stack.Has(pr) {
			return out
		}
		var b []byte
		p := f.P
		switch pr {
		case dissect.ProtoEth:
			if p.Ethernet == nil {
				// An Ethernet header cut short: frame.protocols lists
				// eth, yet tshark 4.0's eth test does not hold.
				return out
			}
			b = p.Ethernet.Contents
		case dissect.ProtoIP:
			b = f.IP4
		case dissect.ProtoIPv6:
			b = f.IP6
		case dissect.ProtoTCP:
			if p.TCP != nil {
				b = joined(p.TCP.Contents, p.TCP.Payload)
			}
		case dissect.ProtoUDP:
			if p.UDP != nil {
				b = joined(p.UDP.Contents, p.UDP.Payload)
			}
		case dissect.ProtoICMP:
			if p.ICMPv4 != nil {
				b = joined(p.ICMPv4.Contents, p.ICMPv4.Payload)
			}
		case dissect.ProtoICMPv6:
			if p.ICMPv6 != nil {
				b = joined(p.ICMPv6.Contents, p.ICMPv6.Payload)
			}
		case dissect.ProtoARP:
			b = p.NetworkPayload
		default:
			if f.Stack.Top() == pr {
				b = f.App
			}
		}
		return put(out, value{b: b})
	}
}

// joined returns header and payload as one slice when the payload follows
// the header in memory (as decoded from one frame), else the header.
func joined(h, pl []byte) []byte {
	if len(h) == 0 {
		return pl
	}
	if len(pl) == 0 {
		return h
	}
	if cap(h) >= len(h)+len(pl) {
		ext := h[:len(h)+len(pl)]
		if &ext[len(h)] == &pl[0] {
			return ext
		}
	}
	return h
}

// FieldNames lists every field a filter may name, sorted.
func FieldNames() []string {
	out := make([]string, 0, len(fields))
	for n := range fields {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// closest returns up to three known names nearest to name.
func closest(name string) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	for n := range fields {
		d := 1 << 20
		if len(name) <= 64 && len(n) <= 64 {
			d = analyzer.EditDistance(name, n)
		}
		if d <= max(2, len(name)/3) {
			cs = append(cs, cand{n, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		if a.n < b.n {
			return -1
		}
		return 1
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].n)
	}
	if len(out) == 0 {
		// Same protocol prefix: list a few of its fields.
		pfx := name
		if i := indexByte(name, '.'); i > 0 {
			pfx = name[:i+1]
		}
		for _, n := range FieldNames() {
			if len(out) < 5 && len(n) > len(pfx) && n[:len(pfx)] == pfx {
				out = append(out, n)
			}
		}
	}
	return out
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// isARP reports an ARP or RARP EtherType: tshark's ARP dissector takes both.
func isARP(t uint16) bool { return t == 0x0806 || t == 0x8035 }
