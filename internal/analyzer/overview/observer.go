package overview

import (
	"bytes"

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
	tree      *tree
	tp        *timeProfile
	convs     [numConvTypes]*convTable
	flows     *flowTable
	pairs     chunked[pairRec] // transport pairs: their TCP or UDP conversation and their flow
	pairIdx   slots
	seed      *seed
	names     *names
	fp        flowPacket
	fact      fact                                                 // Observe's fact, when the observer runs in the engine's goroutine
	slab      []byte                                               // Observe's payload copies
	trace     func(p *engine.Packet, flows *flowTable, f *flowRec) // tests: each frame's flow
	dataPort  uint16                                               // the current frame's port, for a data node
}

var _ engine.Observer = (*observer)(nil)

func newObserver(opts Options) *observer {
	o := &observer{
		linkTypes: map[capture.LinkType]int{},
		tree:      newTree(),
		tp:        newTimeProfile(),
		seed:      newSeed(),
		names:     newNames(opts.MaxHosts),
	}
	for t := range numConvTypes {
		o.convs[t] = newConvTable(t, opts.MaxConversations, o.seed, &o.pairs)
	}
	o.flows = newFlowTable(opts.MaxFlows, &o.pairs)
	return o
}

// Observe counts one frame in every table, in the engine's goroutine: the
// way tests run it. The tool runs it through async.
func (o *observer) Observe(p *engine.Packet) {
	o.slab = o.slab[:0]
	extract(p, &o.fact, &o.slab)
	fl := o.apply(&o.fact, o.slab)
	if o.trace != nil && o.fact.ip != 0 {
		o.trace(p, o.flows, fl)
	}
}

// apply counts one frame's fact in every table, with the payload copies in
// slab; it returns the frame's flow, if any.
func (o *observer) apply(f *fact, slab []byte) *flowRec {
	ts, length := f.ts, int(f.length)
	o.packets++
	if o.packets == 1 {
		o.first, o.last, o.frame1 = ts, ts, ts
	} else if ts < o.first {
		o.first = ts
	} else if ts > o.last {
		o.last = ts
	}
	o.dataSize += int64(length)
	o.captured += int64(f.capLen)
	o.linkTypes[f.linkType]++
	if f.unsupported {
		o.undecoded++
	}
	pth := &f.path
	o.dataPort = 0
	first := 0 // Ethernet layers still to count
	var fl *flowRec
	if f.ip != 0 {
		var eth bool
		if eth, fl = o.network(f, slab); eth {
			first = 1
		}
	} else if pth.net == pNone {
		o.nonIP++
	}
	for i := first; i < pth.neth; i++ {
		e := &pth.eth[i]
		o.convs[convEth].add(e[6:12], e[0:6], ts, length)
	}
	o.tree.add(pth, length, o.dataPort)
	o.tp.add(ts, length, leaf(pth))
	return fl
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

// network counts the IP layer and what it carries. It reports whether it
// counted the frame's (outer) Ethernet conversation, and returns the
// frame's flow.
func (o *observer) network(f *fact, slab []byte) (bool, *flowRec) {
	pth := &f.path
	fp := &o.fp
	*fp = flowPacket{f: f, frame: int(f.number), ts: f.ts, length: int(f.length), ipLen: int(f.ipLen), v6: f.ip == 6,
		sp: f.sp, dp: f.dp, oneWay: f.oneWay, noPorts: f.noPorts, plen: int(f.plen)}
	if f.ip == 4 {
		fp.src, fp.dst = ipv4Mapped(f.srcIP[:4]), ipv4Mapped(f.dstIP[:4])
		fp.srcIP, fp.dstIP, fp.ipt = f.srcIP[:4], f.dstIP[:4], o.convs[convIPv4]
	} else {
		fp.src, fp.dst = f.srcIP, f.dstIP
		fp.srcIP, fp.dstIP = f.srcIP[:], f.dstIP[:]
		if f.ipCount {
			fp.ipt = o.convs[convIPv6]
		}
	}
	// ipOnly counts the IP conversation of a packet that has no flow.
	ipOnly := func() (bool, *flowRec) {
		if ipt := fp.ipt; ipt != nil {
			i, dir := ipt.add(fp.srcIP, fp.dstIP, fp.ts, fp.length)
			o.side(f, ipt, i, dir)
		}
		return false, nil
	}
	if f.fragment {
		o.fragments++
		pth.push(pData)
		return ipOnly()
	}
	tp := ipProto(f.nh)
	if tp == pData {
		pth.push(pData)
		return ipOnly()
	}
	pth.push(tp)
	switch f.kind {
	case kTCP:
		fp.proto, fp.isTCP, fp.tcp = flow.ProtoTCP, true, f.seg
		fl, eth := o.transport(f, fp, convTCP)
		if f.payload {
			name := pData
			if fl != nil && fl.service != pNone {
				name = fl.service
			}
			pth.push(name)
			if name == pData {
				o.dataPort = min(f.sp, f.dp)
			}
		}
		return eth, fl
	case kUDP:
		fp.proto = flow.ProtoUDP
		fl, eth := o.transport(f, fp, convUDP)
		svc := pNone
		if fl != nil {
			svc = fl.service
		}
		o.udpPayload(f, svc, slab)
		return eth, fl
	case kICMP:
		fp.proto = flow.ProtoICMP
		fl, eth := o.transport(f, fp, numConvTypes)
		return eth, fl
	case kOther:
		fp.proto = f.nh
		if f.nh == flow.ProtoICMP || f.nh == flow.ProtoICMPv6 {
			fp.proto = flow.ProtoICMP
		}
		fl, eth := o.transport(f, fp, numConvTypes)
		return eth, fl
	}
	return ipOnly()
}

// pairRec is what a transport pair (addresses, ports, protocol) has in the
// tables: its current TCP or UDP conversation and its current flow, its IP
// conversation and the Ethernet conversation its frames are in (-1: none;
// that conversation's key is the pair of MAC addresses, see sameEth).
// A pair's frames are added to its IP, Ethernet and TCP/UDP conversations
// in bulk (flush): the pair keeps the counts since the last flush, so that
// a packet touches its pair and flow records, not five. Pairs are bounded
// by the tables: a pair none of them holds is not kept.
type pairRec struct {
	key                 flowKey
	conv, flow, ip, eth int32
	v6                  bool
	sides               [2]bool // the side of each direction recorded in the IP conversation
	tcpBase             [2]bool // the TCP conversation knows each direction's first sequence number
	pending             bool
	ipN, ethN, convN    [2]pend // unflushed counts, per direction of each conversation
	first, last         int64   // time of the first and last unflushed frame
}

// pend counts unflushed frames and bytes.
type pend struct{ frames, bytes uint32 }

func (n *pend) add(length int) {
	n.frames++
	n.bytes += uint32(length)
}

// mark records that a frame at ts was left unflushed.
func (r *pairRec) mark(ts int64) {
	if !r.pending {
		r.pending, r.first, r.last = true, ts, ts
		return
	}
	r.first, r.last = min(r.first, ts), max(r.last, ts)
}

// room reports whether the pair can hold one more frame of length unflushed.
func (r *pairRec) room(length int) bool {
	for _, n := range [...]*[2]pend{&r.ipN, &r.ethN, &r.convN} {
		for d := range 2 {
			if uint64(n[d].bytes)+uint64(length) > 1<<31 {
				return false
			}
		}
	}
	return true
}

// flush adds a pair's unflushed counts to its conversations.
func (o *observer) flush(r *pairRec) {
	if !r.pending {
		return
	}
	put := func(tab *convTable, i int32, n *[2]pend) {
		if i < 0 || n[0].frames+n[1].frames == 0 {
			return
		}
		c := tab.convs.at(i)
		for d := range 2 {
			c.frames[d] += uint64(n[d].frames)
			c.bytes[d] += uint64(n[d].bytes)
		}
		c.first, c.last = min(c.first, r.first), max(c.last, r.last)
		*n = [2]pend{}
	}
	ipt := o.convs[convIPv4]
	if r.v6 {
		ipt = o.convs[convIPv6]
	}
	put(ipt, r.ip, &r.ipN)
	put(o.convs[convEth], r.eth, &r.ethN)
	switch r.key.proto {
	case flow.ProtoTCP:
		put(o.convs[convTCP], r.conv, &r.convN)
	case flow.ProtoUDP:
		put(o.convs[convUDP], r.conv, &r.convN)
	}
	r.pending = false
}

// Flush adds every pair's unflushed counts to its conversations; call it
// when the capture ends, before reading the conversation tables.
func (o *observer) Flush() {
	for i := range int32(o.pairs.len()) {
		o.flush(o.pairs.at(i))
	}
}

// transport counts a packet in the flow table and, for TCP and UDP (conv
// convTCP or convUDP), in its conversation table, and in its IP and
// Ethernet conversations, with one lookup of its pair for all. It reports
// whether it counted the frame's Ethernet conversation.
func (o *observer) transport(fa *fact, fp *flowPacket, conv convType) (*flowRec, bool) {
	f := &fa.path
	ts, length := fp.ts, fp.length
	k, dir := fp.key()
	h := o.seed.hashPair(&k.a, &k.b, uint64(k.pa)<<24|uint64(k.pb)<<8|uint64(k.proto))
	x := &o.pairIdx
	pos, mask := x.probe(h)
	var pr *pairRec
	var pi int32 // the pair's index: a new pair's is the next, if it is kept
	for {
		hb, i := slotAt(x.s[pos])
		if i < 0 {
			break
		}
		if hb == h {
			if r := o.pairs.at(i); r.key == k {
				pr, pi = r, i
				break
			}
		}
		pos = (pos + 1) & mask
	}
	newPair := pr == nil
	if newPair {
		pi = int32(o.pairs.len())
		pr = &pairRec{key: k, conv: -1, flow: -1, ip: -1, eth: -1, v6: fp.v6}
	}
	var ek convKey
	edir := 0
	if f.neth > 0 {
		e := &f.eth[0]
		ek, edir = order(e[6:12], e[0:6], 0, 0)
	}
	t := &fp.tcp
	tcpRecord := conv == convTCP && pr.conv >= 0 && (t.SYN && !t.ACK || !pr.tcpBase[dir])
	// What was left unflushed goes to the conversations before a frame
	// that changes them: one on other MAC addresses, one its TCP
	// conversation's record must see, or one that would overflow.
	if pr.pending && (tcpRecord || f.neth > 0 && pr.eth >= 0 && !o.sameEth(pr, &ek) || !pr.room(length)) {
		o.flush(pr)
	}
	// Frames of the cached conversations are left unflushed (mark); the
	// others are counted at once.
	if ipt := fp.ipt; ipt != nil {
		ipDir := 0
		if bytes.Compare(fp.srcIP, fp.dstIP) > 0 {
			ipDir = 1
		}
		if pr.ip >= 0 {
			pr.ipN[ipDir].add(length)
			pr.mark(ts)
		} else {
			pr.ip, ipDir = ipt.add(fp.srcIP, fp.dstIP, ts, length)
		}
		if !pr.sides[dir] {
			pr.sides[dir] = true
			o.side(fa, ipt, pr.ip, ipDir)
		}
	}
	eth := false
	if f.neth > 0 {
		e := &f.eth[0]
		eth = true
		if pr.eth >= 0 && o.sameEth(pr, &ek) {
			pr.ethN[edir].add(length)
			pr.mark(ts)
		} else {
			pr.eth, _ = o.convs[convEth].add(e[6:12], e[0:6], ts, length)
		}
	}
	switch conv {
	case convTCP:
		tab := o.convs[convTCP]
		switch {
		case pr.conv < 0 || tcpRecord:
			// The conversation's record decides: a new stream, or the
			// direction's first sequence number.
			i := tab.addTCP(pr.conv, pi, dir, ts, length, t.SYN, t.ACK, t.Seq)
			if i != pr.conv {
				pr.tcpBase = [2]bool{}
			}
			pr.conv = i
			if i >= 0 {
				pr.tcpBase[dir] = true
			}
		default:
			pr.convN[dir].add(length)
			pr.mark(ts)
		}
	case convUDP:
		if pr.conv >= 0 {
			pr.convN[dir].add(length)
			pr.mark(ts)
		} else {
			pr.conv = o.convs[convUDP].addUDP(-1, pi, dir, ts, length)
		}
	}
	var fl *flowRec
	pr.flow, fl, _ = o.flows.add(pr.flow, pi, dir, fp)
	if newPair && (pr.conv >= 0 || pr.flow >= 0 || pr.ip >= 0 || pr.eth >= 0) {
		i, r := o.pairs.add()
		*r = *pr
		x.put(h, i)
	}
	return fl, eth
}

// sameEth reports whether the pair's Ethernet conversation (pr.eth >= 0)
// is the one of MAC pair ek.
func (o *observer) sameEth(pr *pairRec, ek *convKey) bool {
	return *o.convs[convEth].keys.at(pr.eth) == *ek
}

// side records, for the hosts table, the source's MAC address and TTL on
// its IP conversation i.
func (o *observer) side(f *fact, tab *convTable, i int32, dir int) {
	if i < 0 {
		return
	}
	s := &tab.sides.at(i)[dir]
	if f.ttl > s.ttl {
		s.ttl = f.ttl
	}
	if !f.hasMAC {
		return
	}
	switch mac := f.srcMAC; {
	case !s.hasMAC:
		s.mac, s.hasMAC = mac, true
	case mac != s.mac && !s.macMoved:
		s.mac2, s.macMoved = mac, true
	}
}

// udpPayload names a UDP payload (udpName), nests its coalesced QUIC
// packets as tshark does, follows VXLAN to its inner Ethernet frame, and
// learns host names from the protocols that carry them.
func (o *observer) udpPayload(f *fact, svc proto, slab []byte) {
	pth := &f.path
	name := udpName(f, svc)
	if name == pNone {
		if f.plen > 0 {
			pth.push(pData)
			o.dataPort = min(f.sp, f.dp)
		}
		return
	}
	pth.push(name)
	var b []byte
	if f.copyLen > 0 {
		b = slab[f.copyOff : f.copyOff+f.copyLen]
	}
	switch name {
	case pQUIC:
		for range int(f.quicCount) - 1 {
			pth.push(pQUIC) // tshark nests each coalesced packet
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
		in := &f.inner
		for i := 0; i < in.n; i++ {
			pth.push(in.p[i])
		}
		for i := 0; i < in.neth && pth.neth < len(pth.eth); i++ {
			pth.eth[pth.neth] = in.eth[i]
			pth.neth++
		}
	}
}
