package overview

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/flow"
)

// Flows are Zeek's conn.log connections: one per TCP connection, UDP or
// ICMP flow, each with its originator (the side of its first packet, turned
// around by Zeek's likely-server-port heuristic), its conn_state and
// history (package flow), and a service when its first payload shows one.
// A flow ends, and the next packet on its addresses and ports starts a new
// one, when Zeek would remove the connection: after an inactivity timeout
// (TCP 5 minutes, UDP and ICMP 1 minute), five seconds after a TCP
// connection closed or was reset, five seconds after an unanswered SYN, or
// at a SYN that reuses the ports (flow.Conn.Reuse).

// Zeek's default timeouts, as the flow table applies them.
const (
	tcpInactivity   = int64(5 * time.Minute)
	udpInactivity   = int64(time.Minute)
	tcpCloseDelay   = int64(5 * time.Second) // tcp_close_delay and tcp_reset_delay
	tcpAttemptDelay = int64(5 * time.Second) // tcp_attempt_delay
	// maxServiceChecks is how many payload packets per side are looked at
	// for a service.
	maxServiceChecks = 3
)

// flowKey is a flow's addresses and ports, the smaller endpoint first, and
// its IP protocol. Addresses are 16 bytes, IPv4 as IPv4-mapped IPv6.
type flowKey struct {
	a, b   [16]byte
	pa, pb uint16
	proto  uint8
}

// flowRec is one flow. Per-side arrays are indexed 0 for the originator, 1
// for the responder. Its addresses and ports are its transport pair's key
// (flowTable.key): a flow record does not keep a copy.
type flowRec struct {
	pair       int32 // the transport pair's record, in the observer's pairs
	proto      uint8 // the key's IP protocol
	origIsA    bool
	oneWay     bool // ICMP message without a counterpart
	noPorts    bool // the transport header was cut before its ports
	v6         bool
	service    proto
	checked    [2]uint8 // payloads of each side looked at for a service
	firstFrame int32
	lastFrame  int32
	start      int64 // first packet, Unix nanoseconds
	lastSeen   int64 // last packet
	lastTime   int64 // Zeek's last_time: stops once both sides closed
	pkts       [2]uint32
	ipBytes    [2]uint64
	payload    [2]uint64 // UDP and ICMP payload bytes
	conn       flow.Conn
}

// flowTable is the bounded table of flows. Its flows are indexed by the
// observer's map of transport pairs, which it shares with the TCP and UDP
// conversation tables.
type flowTable struct {
	recs        chunked[flowRec]
	pairs       *chunked[pairRec] // the observer's: the flows' keys
	max         int
	full        bool
	droppedPkts uint64 // packets of flows not tracked
}

func newFlowTable(max int, pairs *chunked[pairRec]) *flowTable {
	return &flowTable{max: max, pairs: pairs}
}

// key returns the addresses, ports and protocol of flow f.
func (t *flowTable) key(f *flowRec) *flowKey { return &t.pairs.at(f.pair).key }

// flowPacket is what the flow table needs of one packet.
type flowPacket struct {
	src, dst [16]byte
	sp, dp   uint16 // ports, or the ICMP port equivalents
	proto    uint8
	oneWay   bool
	noPorts  bool
	v6       bool
	frame    int
	ts       int64
	length   int        // frame length
	ipLen    int        // IP total length
	srcIP    []byte     // the IP header's addresses (4 or 16 bytes)
	dstIP    []byte     //
	ipt      *convTable // their conversation table (nil: not counted)
	plen     int        // payload bytes
	f        *fact      // the payload's look, for its service
	tcp      flow.Segment
	isTCP    bool
}

// key returns the packet's flow key and whether it goes from key.a to
// key.b (direction 0).
func (fp *flowPacket) key() (flowKey, int) {
	k := flowKey{proto: fp.proto}
	if c := bytes.Compare(fp.src[:], fp.dst[:]); c < 0 || (c == 0 && fp.sp <= fp.dp) {
		k.a, k.b, k.pa, k.pb = fp.src, fp.dst, fp.sp, fp.dp
		return k, 0
	}
	k.a, k.b, k.pa, k.pb = fp.dst, fp.src, fp.dp, fp.sp
	return k, 1
}

// add counts one packet of the transport pair at index pair (whose record
// the caller adds, if new, at that index) in flow i (-1: none yet), and
// returns the index of the packet's flow (-1 when the table is full), the
// flow, and whether the packet came from the originator.
func (t *flowTable) add(i, pair int32, dir int, fp *flowPacket) (int32, *flowRec, bool) {
	var f *flowRec
	if i >= 0 {
		f = t.recs.at(i)
		if f.ended(fp, (dir == 0) == f.origIsA) {
			f = nil
		}
	}
	if f == nil {
		i, f = t.start(pair, dir, fp)
		if f == nil {
			return -1, nil, false
		}
	}
	isOrig := (dir == 0) == f.origIsA
	f.count(fp, isOrig)
	return i, f, isOrig
}

// ended reports whether Zeek would have removed the flow before this
// packet, or the packet starts a new connection on the same ports.
func (f *flowRec) ended(fp *flowPacket, isOrig bool) bool {
	idle := fp.ts - f.lastSeen
	if f.proto != flow.ProtoTCP {
		return idle > udpInactivity
	}
	if idle > tcpInactivity {
		return true
	}
	os, rs := f.conn.States()
	switch {
	case (os == flow.SynSent || os == flow.SynAckSent) && rs == flow.Inactive && fp.ts-f.start > tcpAttemptDelay:
		return true
	case (f.conn.BothClosed() || os == flow.Reset || rs == flow.Reset) && idle > tcpCloseDelay:
		return true
	}
	return fp.isTCP && f.conn.Reuse(isOrig, fp.tcp)
}

// start begins a flow with the packet's source as originator, unless Zeek's
// heuristic turns it around.
func (t *flowTable) start(pair int32, dir int, fp *flowPacket) (int32, *flowRec) {
	if t.recs.len() >= t.max {
		t.full = true
		t.droppedPkts++
		return -1, nil
	}
	flip := false
	switch fp.proto {
	case flow.ProtoTCP:
		s := fp.tcp
		if fp.isTCP && (!s.SYN || s.ACK) {
			if flow.LikelyServerPort(flow.ProtoTCP, fp.sp) {
				if flow.LikelyServerPort(flow.ProtoTCP, fp.dp) {
					flip = !s.SYN && fp.sp < fp.dp
				} else {
					flip = true
				}
			}
		}
	case flow.ProtoUDP:
		flip = flow.LikelyServerPort(flow.ProtoUDP, fp.sp) && !flow.LikelyServerPort(flow.ProtoUDP, fp.dp)
	}
	i, f := t.recs.add()
	*f = flowRec{
		pair: pair, proto: fp.proto, origIsA: (dir == 0) != flip, oneWay: fp.oneWay, noPorts: fp.noPorts, v6: fp.v6,
		firstFrame: int32(fp.frame), start: fp.ts, lastSeen: fp.ts, lastTime: fp.ts,
	}
	if flip {
		f.conn.Flip()
	}
	return i, f
}

// count feeds one packet to the flow.
func (f *flowRec) count(fp *flowPacket, isOrig bool) {
	if !f.conn.BothClosed() {
		f.lastTime = fp.ts
	}
	f.lastSeen = fp.ts
	f.lastFrame = int32(fp.frame)
	s := 0
	if !isOrig {
		s = 1
	}
	f.pkts[s]++
	f.ipBytes[s] += uint64(fp.ipLen)
	switch fp.proto {
	case flow.ProtoTCP:
		if fp.isTCP && f.conn.TCP(isOrig, fp.tcp) {
			// The roles flipped: what was counted for one side belongs
			// to the other.
			f.origIsA = !f.origIsA
			f.pkts[0], f.pkts[1] = f.pkts[1], f.pkts[0]
			f.ipBytes[0], f.ipBytes[1] = f.ipBytes[1], f.ipBytes[0]
			f.checked[0], f.checked[1] = f.checked[1], f.checked[0]
			s = 1 - s
		}
	case flow.ProtoUDP:
		f.conn.UDP(isOrig)
		f.payload[s] += uint64(fp.plen)
	case flow.ProtoICMP:
		f.conn.ICMP(isOrig)
		f.payload[s] += uint64(fp.plen)
	default:
		f.payload[s] += uint64(fp.plen)
	}
	if f.service == pNone && fp.plen > 0 && f.checked[s] < maxServiceChecks && fp.f != nil {
		f.checked[s]++
		f.service = detectService(fp.proto, fp.sp, fp.dp, fp.f)
	}
}

// orig and resp return the flow's originator and responder address and
// port.
func (t *flowTable) orig(f *flowRec) (netip.Addr, uint16) {
	k := t.key(f)
	if f.origIsA {
		return addrOf(k.a, f.v6), k.pa
	}
	return addrOf(k.b, f.v6), k.pb
}

func (t *flowTable) resp(f *flowRec) (netip.Addr, uint16) {
	k := t.key(f)
	if f.origIsA {
		return addrOf(k.b, f.v6), k.pb
	}
	return addrOf(k.a, f.v6), k.pa
}

func addrOf(b [16]byte, v6 bool) netip.Addr {
	a := netip.AddrFrom16(b)
	if !v6 {
		return a.Unmap()
	}
	return a
}

// communityID is the flow's Community ID.
func (t *flowTable) communityID(f *flowRec) string {
	oa, op := t.orig(f)
	ra, rp := t.resp(f)
	proto := f.proto
	if proto == flow.ProtoICMP && f.v6 {
		proto = flow.ProtoICMPv6
	}
	return flow.CommunityID(oa, ra, proto, op, rp, flow.HasPorts(proto) && !f.noPorts, f.oneWay)
}

// detectService names the protocol a flow's payload shows, from its first
// bytes and how it looks (fact.look), or pNone.
func detectService(ipProto uint8, sp, dp uint16, f *fact) proto {
	b := f.head[:f.nhead]
	switch ipProto {
	case flow.ProtoUDP:
		switch {
		case isPort(sp, dp, 53) && looksDNS(b):
			return pDNS
		case isPort(sp, dp, 5353) && looksDNS(b):
			return pMDNS
		case isPort(sp, dp, 5355) && looksDNS(b):
			return pLLMNR
		case (isPort(sp, dp, 67) || isPort(sp, dp, 68)) && f.dhcpMagic:
			return pDHCP
		case isPort(sp, dp, 123) && f.plen >= 48 && (b[0]>>3)&7 >= 1 && (b[0]>>3)&7 <= 4:
			return pNTP
		case f.looksSIP:
			return pSIP
		case f.looksGQUIC:
			return pGQUIC
		case f.looksQUIC:
			return pQUIC
		}
	case flow.ProtoTCP:
		switch {
		case len(b) >= 3 && b[0] == 0x16 && b[1] == 3 && b[2] <= 4:
			return pTLS
		case len(b) >= 5 && b[0]&0x80 != 0 && b[2] == 1 && (b[3] == 3 || b[3] == 2):
			return pTLS // SSLv2-format ClientHello
		case bytes.HasPrefix(b, []byte("SSH-")):
			return pSSH
		case looksHTTP(b):
			return pHTTP
		case f.looksSIP:
			return pSIP
		case isPort(sp, dp, 53) && len(b) >= 14 && int(binary.BigEndian.Uint16(b)) >= 12 && looksDNS(b[2:]):
			return pDNS
		}
	}
	return pNone
}

func isPort(sp, dp, port uint16) bool { return sp == port || dp == port }

// looksDNS checks a DNS header's counts for sanity.
func looksDNS(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	qd, an := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:])
	ns, ar := binary.BigEndian.Uint16(b[8:]), binary.BigEndian.Uint16(b[10:])
	return qd <= 64 && an <= 512 && ns <= 512 && ar <= 512 && (b[2]>>3)&0xf <= 6
}

var httpMethods = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("CONNECT "), []byte("PATCH "), []byte("TRACE "), []byte("HTTP/1."),
}

func looksHTTP(b []byte) bool {
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}

// looksSIP reports a SIP status line ("SIP/2.0 200 OK"), or a request
// line: a method token, a URI and "SIP/2.0" (RFC 3261 §7.1), as tshark's
// SIP dissector accepts them.
func looksSIP(b []byte) bool {
	if bytes.HasPrefix(b, []byte("SIP/2.0 ")) {
		return true
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if !bytes.HasSuffix(line, []byte(" SIP/2.0")) {
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	for _, c := range line[:sp] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '.' || c == '!' || c == '%' || c == '*' || c == '_' || c == '+' || c == '`' || c == '\'' || c == '~' || c >= '0' && c <= '9') {
			return false
		}
	}
	return sp+1 < len(line)-len(" SIP/2.0")
}

// looksQUIC reports a QUIC long-header packet of a known version (RFC 9000
// §17.2, RFC 9369, drafts, version negotiation).
func looksQUIC(b []byte) bool {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return false
	}
	v := binary.BigEndian.Uint32(b[1:])
	switch {
	case v == 1 || v == 0x6b3343cf || v == 0:
		return true
	case v&0xffffff00 == 0xff000000:
		return true
	}
	return false
}
