package overview

import (
	"bytes"
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/flow"
)

// observer is the overview's own per-capture state: every table of the
// output, each bounded (see Options). It sees every frame.
type observer struct {
	packets   int
	dataSize  int64
	captured  int64
	first     int64 // earliest and latest frame time, Unix nanoseconds
	last      int64
	frame1    int64 // time of frame 1, which tshark's relative times count from
	linkTypes map[capture.LinkType]int
	fragments int
	undecoded int
	nonIP     int
	path      path
	tree      *tree
	tp        *timeProfile
	convs     [numConvTypes]*convTable
	flows     *flowTable
	pairs     chunked[pairRec] // transport pairs: their TCP or UDP conversation and their flow
	pairIdx   slots
	seed      *seed
	names     *names
	fp        flowPacket
	trace     func(p *engine.Packet, f *flowRec) // tests: each frame's flow
	dataPort  uint16                             // the current frame's port, for a data node
}

var _ engine.Observer = (*observer)(nil)

func newObserver(opts Options) *observer {
	o := &observer{
		linkTypes: map[capture.LinkType]int{},
		tree:      newTree(),
		tp:        newTimeProfile(),
		flows:     newFlowTable(opts.MaxFlows),
		seed:      newSeed(),
		names:     newNames(opts.MaxHosts),
	}
	for t := range numConvTypes {
		o.convs[t] = newConvTable(t, opts.MaxConversations, o.seed)
	}
	return o
}

// Observe counts one frame in every table.
func (o *observer) Observe(p *engine.Packet) {
	ts := p.Timestamp.UnixNano()
	length := p.Length
	o.packets++
	if o.packets == 1 {
		o.first, o.last, o.frame1 = ts, ts, ts
	} else if ts < o.first {
		o.first = ts
	} else if ts > o.last {
		o.last = ts
	}
	o.dataSize += int64(length)
	o.captured += int64(p.CaptureLength)
	o.linkTypes[p.LinkType]++
	if p.UnsupportedLink {
		o.undecoded++
	}

	f := &o.path
	f.reset()
	f.walkLink(p.LinkType, p.Data)
	o.dataPort = 0
	first := 0 // Ethernet layers still to count
	if f.net != pNone && (p.IPv4 != nil || p.IPv6 != nil) {
		if o.network(p, f, ts, length) {
			first = 1
		}
	} else if f.net == pNone {
		o.nonIP++
	}
	for i := first; i < f.neth; i++ {
		e := &f.eth[i]
		o.convs[convEth].add(e[6:12], e[0:6], ts, length)
	}
	o.tree.add(f, length, o.dataPort)
	o.tp.add(ts, length, leaf(f))
}

// leaf is the innermost protocol of a path worth naming in a time bucket:
// the transport rather than its unrecognised data.
func leaf(f *path) proto {
	if f.n == 0 {
		return pNone
	}
	if p := f.p[f.n-1]; p != pData || f.n == 1 {
		return p
	}
	return f.p[f.n-2]
}

// network counts the IP layer the engine decoded, and what it carries. It
// reports whether it counted the frame's (outer) Ethernet conversation.
func (o *observer) network(p *engine.Packet, f *path, ts int64, length int) bool {
	fp := &o.fp
	var nh uint8
	var ipt *convTable
	var srcIP, dstIP []byte
	if p.IPv4 != nil {
		ip := p.IPv4
		if len(ip.SrcIP) != 4 || len(ip.DstIP) != 4 {
			return false
		}
		srcIP, dstIP, ipt = ip.SrcIP, ip.DstIP, o.convs[convIPv4]
		fp.ttl = ip.TTL
		if d := ip.DstIP; d[0] >= 224 || d[3] == 255 {
			fp.ttl = 0 // multicast and broadcast go out with their own TTLs (255 for mDNS)
		}
		fp.src = ipv4Mapped(ip.SrcIP)
		fp.dst = ipv4Mapped(ip.DstIP)
		fp.v6 = false
		fp.ipLen = int(ip.Length)
		nh = uint8(ip.Protocol)
	} else {
		ip := p.IPv6
		if len(ip.SrcIP) != 16 || len(ip.DstIP) != 16 {
			return false
		}
		srcIP, dstIP = ip.SrcIP, ip.DstIP
		// tshark's IPv6 conversations leave out fragments that do not
		// complete a datagram (its IPv4 ones count them).
		if !p.Fragment {
			ipt = o.convs[convIPv6]
		}
		fp.ttl = ip.HopLimit
		if ip.DstIP[0] == 0xff {
			fp.ttl = 0
		}
		fp.src = [16]byte(ip.SrcIP)
		fp.dst = [16]byte(ip.DstIP)
		fp.v6 = true
		fp.ipLen = int(ip.Length) + 40
		nh = ipv6Transport(p)
	}
	fp.srcIP, fp.dstIP, fp.ipt = srcIP, dstIP, ipt
	// ipOnly counts the IP (and Ethernet) conversation of a packet that
	// has no flow.
	ipOnly := func() bool {
		if ipt != nil {
			i, dir := ipt.add(srcIP, dstIP, ts, length)
			o.side(p, ipt, i, dir, fp.ttl)
		}
		return false
	}
	if p.Fragment && p.TCP == nil && p.UDP == nil && p.ICMPv4 == nil && p.ICMPv6 == nil && !firstCut(p) {
		o.fragments++
		f.push(pData)
		return ipOnly()
	}
	tp := ipProto(nh)
	if tp == pData {
		f.push(pData)
		return ipOnly()
	}
	f.push(tp)
	fp.frame, fp.ts, fp.length, fp.isTCP, fp.oneWay, fp.noPorts = p.Number, ts, length, false, false, false
	switch {
	case p.TCP != nil && tp == pTCP:
		t := p.TCP
		sp, dp := uint16(t.SrcPort), uint16(t.DstPort)
		fp.sp, fp.dp, fp.proto, fp.payload, fp.isTCP = sp, dp, flow.ProtoTCP, t.Payload, true
		wire := fp.ipLen - (ipHeaderLen(p)) - int(t.DataOffset)*4
		fp.tcp = flow.Segment{SYN: t.SYN, ACK: t.ACK, FIN: t.FIN, RST: t.RST, Seq: t.Seq, Ack: t.Ack, Window: t.Window,
			Len: max(wire, len(t.Payload)), Truncated: wire > len(t.Payload)}
		fl, eth := o.transport(p, f, fp, convTCP)
		if o.trace != nil {
			o.trace(p, fl)
		}
		if len(t.Payload) > 0 || wire > 0 {
			name := pData
			if fl != nil && fl.service != pNone {
				name = fl.service
			}
			f.push(name)
			if name == pData {
				o.dataPort = min(sp, dp)
			}
		}
		return eth
	case p.UDP != nil && tp == pUDP:
		u := p.UDP
		sp, dp := uint16(u.SrcPort), uint16(u.DstPort)
		payload := u.Payload
		if n := int(u.Length) - 8; n >= 0 && n < len(payload) {
			payload = payload[:n] // the UDP length, not the IP one, ends the datagram
		}
		fp.sp, fp.dp, fp.proto, fp.payload = sp, dp, flow.ProtoUDP, payload
		fl, eth := o.transport(p, f, fp, convUDP)
		if o.trace != nil {
			o.trace(p, fl)
		}
		o.udpPayload(f, sp, dp, payload, fl)
		return eth
	case (p.ICMPv4 != nil && tp == pICMP) || (p.ICMPv6 != nil && tp == pICMPv6):
		var typ, code uint8
		var payload []byte
		if p.ICMPv4 != nil {
			typ, code, payload = p.ICMPv4.TypeCode.Type(), p.ICMPv4.TypeCode.Code(), p.ICMPv4.Payload
		} else {
			typ, code = p.ICMPv6.TypeCode.Type(), p.ICMPv6.TypeCode.Code()
			payload = p.ICMPv6.Payload
			if len(payload) >= 4 {
				payload = payload[4:] // gopacket keeps the 4 bytes after the checksum
			}
		}
		fp.sp, fp.dp, fp.oneWay = flow.ICMPPorts(p.ICMPv6 != nil, typ, code)
		fp.proto, fp.payload = flow.ProtoICMP, payload
		fl, eth := o.transport(p, f, fp, numConvTypes)
		if o.trace != nil {
			o.trace(p, fl)
		}
		return eth
	default:
		// A transport header cut short, or a protocol without a Zeek
		// analyzer (IGMP, SCTP, GRE, ESP, VRRP, ...): a flow of its own,
		// with the ports the header still shows, whose state is OTH.
		return o.otherFlow(p, f, fp, nh)
	}
}

// otherFlow counts an IP packet whose transport the engine did not decode.
func (o *observer) otherFlow(p *engine.Packet, f *path, fp *flowPacket, nh uint8) bool {
	fp.sp, fp.dp, fp.proto, fp.payload = 0, 0, nh, nil
	var b []byte
	if p.IPv4 != nil {
		b = p.IPv4.Payload
	} else if nh != uint8(p.IPv6.NextHeader) {
		b = nil // behind extension headers: no ports read
	} else {
		b = p.IPv6.Payload
	}
	switch nh {
	case flow.ProtoTCP, flow.ProtoUDP, flow.ProtoSCTP:
		if sp, dp, ok := p.Ports(); ok {
			fp.sp, fp.dp = sp, dp
		} else if len(b) >= 4 {
			fp.sp, fp.dp = binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
		} else {
			break
		}
	case flow.ProtoICMP, flow.ProtoICMPv6:
		// A header cut short: no ports, as Wireshark hashes it.
		fp.proto, fp.noPorts = flow.ProtoICMP, true
		if len(b) >= 2 {
			fp.sp, fp.dp, fp.oneWay = flow.ICMPPorts(nh == flow.ProtoICMPv6, b[0], b[1])
		}
	}
	fl, eth := o.transport(p, f, fp, numConvTypes)
	if o.trace != nil {
		o.trace(p, fl)
	}
	return eth
}

// pairRec is what a transport pair (addresses, ports, protocol) has in the
// tables: its current TCP or UDP conversation and its current flow, and,
// as a cache that spares their lookups, its IP conversation and the last
// Ethernet conversation its frames were in (-1: none). Pairs are bounded
// by the tables: a pair none of them holds is not kept.
type pairRec struct {
	key                 flowKey
	conv, flow, ip, eth int32
	sides               [2]bool // the side of each direction recorded in the IP conversation
}

// transport counts a packet in the flow table and, for TCP and UDP (conv
// convTCP or convUDP), in its conversation table, and in its IP and
// Ethernet conversations, with one lookup of its pair for all. It reports
// whether it counted the frame's Ethernet conversation.
func (o *observer) transport(p *engine.Packet, f *path, fp *flowPacket, conv convType) (*flowRec, bool) {
	ts, length := fp.ts, fp.length
	k, dir := fp.key()
	h := o.seed.hashPair(&k.a, &k.b, uint64(k.pa)<<24|uint64(k.pb)<<8|uint64(k.proto))
	x := &o.pairIdx
	pos, mask := x.probe(h)
	var pr *pairRec
	for {
		hb, i := slotAt(x.s[pos])
		if i < 0 {
			break
		}
		if hb == h {
			if r := o.pairs.at(i); r.key == k {
				pr = r
				break
			}
		}
		pos = (pos + 1) & mask
	}
	ref := pairRec{conv: -1, flow: -1, ip: -1, eth: -1}
	if pr != nil {
		ref = *pr
	}
	if ipt := fp.ipt; ipt != nil {
		ipDir := 0
		if bytes.Compare(fp.srcIP, fp.dstIP) > 0 {
			ipDir = 1
		}
		if ref.ip >= 0 {
			ipt.convs.at(ref.ip).count(ipDir, ts, length)
		} else {
			ref.ip, ipDir = ipt.add(fp.srcIP, fp.dstIP, ts, length)
		}
		if !ref.sides[dir] {
			ref.sides[dir] = true
			o.side(p, ipt, ref.ip, ipDir, fp.ttl)
		}
	}
	eth := false
	if f.neth > 0 {
		e := &f.eth[0]
		eth = true
		et := o.convs[convEth]
		ek, edir := order(e[6:12], e[0:6], 0, 0)
		if ref.eth >= 0 && et.convs.at(ref.eth).key == ek {
			et.convs.at(ref.eth).count(edir, ts, length)
		} else {
			ref.eth, _ = et.add(e[6:12], e[0:6], ts, length)
		}
	}
	ck := convKey{a: k.a, b: k.b, pa: k.pa, pb: k.pb}
	switch conv {
	case convTCP:
		t := &fp.tcp
		ref.conv = o.convs[convTCP].addTCP(ref.conv, ck, dir, ts, length, t.SYN, t.ACK, t.Seq)
	case convUDP:
		ref.conv = o.convs[convUDP].addUDP(ref.conv, ck, dir, ts, length)
	}
	var fl *flowRec
	ref.flow, fl, _ = o.flows.add(ref.flow, k, dir, fp)
	switch {
	case pr != nil:
		pr.conv, pr.flow, pr.ip, pr.eth, pr.sides = ref.conv, ref.flow, ref.ip, ref.eth, ref.sides
	case ref.conv >= 0 || ref.flow >= 0:
		i, r := o.pairs.add()
		ref.key = k
		*r = ref
		x.put(h, i)
	}
	return fl, eth
}

// side records, for the hosts table, the source's MAC address and TTL on
// its IP conversation i.
func (o *observer) side(p *engine.Packet, tab *convTable, i int32, dir int, ttl uint8) {
	if i < 0 {
		return
	}
	s := &tab.sides.at(i)[dir]
	if ttl > s.ttl {
		s.ttl = ttl
	}
	mac := p.SrcMAC()
	if len(mac) != 6 {
		return
	}
	switch {
	case !s.hasMAC:
		s.mac, s.hasMAC = [6]byte(mac), true
	case [6]byte(mac) != s.mac && !s.macMoved:
		s.mac2, s.macMoved = [6]byte(mac), true
	}
}

// udpPayload names a UDP payload as tshark does: by the dissector
// registered for its lower port, then its higher one (SIP must look like
// SIP; port 443 is QUIC, or Google QUIC when it looks like it), then by the
// heuristics tshark enables by default (SIP, QUIC, Google QUIC, and the
// flow's QUIC when its first packets showed it). It learns host names from
// the protocols that carry them.
func (o *observer) udpPayload(f *path, sp, dp uint16, b []byte, fl *flowRec) {
	lo, hi := min(sp, dp), max(sp, dp)
	if len(b) == 0 {
		return // no payload, nothing to name
	}
	name := pNone
	for _, port := range [2]uint16{lo, hi} {
		n, ok := udpPorts[port]
		if !ok {
			continue
		}
		switch {
		case n == pSIP && !looksSIP(b):
			continue
		case n == pQUIC && (looksGQUIC(b) || fl != nil && fl.service == pGQUIC):
			n = pGQUIC
		case n == pQUIC && (len(b) == 0 || b[0]&0xc0 == 0):
			continue // neither header form nor the fixed bit: not QUIC
		}
		name = n
		break
	}
	if name == pNone && len(b) > 0 {
		switch {
		case looksSIP(b):
			name = pSIP
		case looksGQUIC(b) || fl != nil && fl.service == pGQUIC:
			name = pGQUIC
		case looksQUIC(b) || fl != nil && fl.service == pQUIC:
			name = pQUIC
		}
	}
	if name == pNone {
		if len(b) > 0 {
			f.push(pData)
			o.dataPort = lo
		}
		return
	}
	f.push(name)
	switch name {
	case pQUIC:
		for range quicPackets(b) - 1 {
			f.push(pQUIC) // tshark nests each coalesced packet
		}
	case pDNS:
		o.names.dns(b, srcDNS)
	case pMDNS:
		o.names.dns(b, srcMDNS)
	case pLLMNR:
		o.names.dns(b, srcLLMNR)
	case pNBNS:
		o.names.nbns(b)
	case pDHCP:
		o.names.dhcp(b)
	case pVXLAN:
		if len(b) > 8 {
			f.walkEth(b[8:])
		}
	}
}

// looksGQUIC reports a Google QUIC packet with its version: the public
// header (flags with the version bit, 8-byte connection id, "Q0nn"), or a
// long header whose version is "Q0nn".
func looksGQUIC(b []byte) bool {
	if len(b) >= 13 && b[0]&0x80 == 0 && b[0]&0x09 == 0x09 && b[9] == 'Q' && b[10] == '0' {
		return true
	}
	return len(b) >= 5 && b[0]&0x80 != 0 && b[1] == 'Q' && b[2] == '0'
}

// quicPackets counts the QUIC packets coalesced in a datagram (RFC 9000
// §12.2): long-header packets end where their Length says (read as QUIC
// v1 lays it out, whatever the version, as tshark does); whatever follows
// them (a short-header packet, or padding) is one more.
func quicPackets(b []byte) int {
	n := 0
	for len(b) > 0 && n < 8 {
		if b[0]&0x80 == 0 {
			n++ // a short-header packet, or padding: tshark shows either as one more item
			break
		}
		n++
		if len(b) < 7 {
			break
		}
		v := binary.BigEndian.Uint32(b[1:])
		if v == 0 {
			break // version negotiation: the whole datagram
		}
		typ := b[0] >> 4 & 3
		initial, retry := typ == 0, typ == 3
		if v == 0x6b3343cf { // QUIC v2 (RFC 9369) numbers the types differently
			initial, retry = typ == 1, typ == 0
		}
		if retry {
			break
		}
		off := 5
		for range 2 { // destination and source connection ids
			if off >= len(b) {
				return n
			}
			off += 1 + int(b[off])
		}
		if initial {
			l, w := varint(b, off)
			if w == 0 {
				return n
			}
			off += w + int(l)
		}
		l, w := varint(b, off)
		if w == 0 || off+w+int(l) > len(b) {
			return n
		}
		b = b[off+w+int(l):]
	}
	return max(n, 1)
}

// varint reads a QUIC variable-length integer (RFC 9000 §16) at off; the
// width is 0 when it does not fit.
func varint(b []byte, off int) (uint64, int) {
	if off >= len(b) {
		return 0, 0
	}
	w := 1 << (b[off] >> 6)
	if off+w > len(b) || w > 8 {
		return 0, 0
	}
	v := uint64(b[off] & 0x3f)
	for i := 1; i < w; i++ {
		v = v<<8 | uint64(b[off+i])
	}
	return v, w
}

// firstCut reports the first fragment of an IPv4 datagram captured short of
// its length: it can never be reassembled, and tshark, as the engine, reads
// its transport header.
func firstCut(p *engine.Packet) bool {
	ip := p.IPv4
	return ip != nil && ip.FragOffset == 0 && len(ip.Payload) < int(ip.Length)-int(ip.IHL)*4
}

// ipv6Transport is the protocol an IPv6 packet carries past its extension
// headers.
func ipv6Transport(p *engine.Packet) uint8 {
	switch {
	case p.TCP != nil:
		return flow.ProtoTCP
	case p.UDP != nil:
		return flow.ProtoUDP
	case p.ICMPv6 != nil:
		return flow.ProtoICMPv6
	}
	nh := uint8(p.IPv6.NextHeader)
	b := p.IPv6.Payload
	for range 8 {
		switch layers.IPProtocol(nh) {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(b) < 2 {
				return nh
			}
			n := (int(b[1]) + 1) * 8
			if n > len(b) {
				return b[0]
			}
			nh, b = b[0], b[n:]
		case layers.IPProtocolIPv6Fragment:
			if len(b) < 8 {
				return nh
			}
			nh, b = b[0], b[8:]
		default:
			return nh
		}
	}
	return nh
}

// ipHeaderLen is the length of the IP header (with IPv6 extension headers
// up to the transport).
func ipHeaderLen(p *engine.Packet) int {
	if p.IPv4 != nil {
		return int(p.IPv4.IHL) * 4
	}
	if p.TCP != nil {
		// The TCP header follows the extension headers: what the IPv6
		// payload holds before it.
		return 40 + len(p.IPv6.Payload) - len(p.TCP.Contents) - len(p.TCP.Payload)
	}
	return 40
}

func ipv4Mapped(b []byte) [16]byte {
	var a [16]byte
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b)
	return a
}
