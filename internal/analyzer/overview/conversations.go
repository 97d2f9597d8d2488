package overview

import (
	"bytes"
	"net/netip"
)

// Conversation tables count what tshark's "-z conv,<type>" counts: for each
// pair of endpoints (two MAC addresses, two IP addresses, or two address
// and port pairs), the frames and bytes (whole frame lengths, on the wire)
// in each direction, and the first and last time. A is the source of the
// pair's first frame. TCP conversations are tshark's TCP streams: a SYN
// whose sequence number differs from the one its direction began with
// starts a new conversation on the same addresses and ports. Endpoint
// tables (tshark's "-z endpoints,<type>") follow from the conversations.

// convType is one of the five conversation tables.
type convType uint8

const (
	convEth convType = iota
	convIPv4
	convIPv6
	convTCP
	convUDP
	numConvTypes
)

var convTypeNames = [numConvTypes]string{"eth", "ipv4", "ipv6", "tcp", "udp"}

func (t convType) String() string { return convTypeNames[t] }

// convKey is an unordered pair of endpoints: the smaller one first.
// Addresses are 6 bytes (MAC), 4 (IPv4) or 16 (IPv6), left-aligned.
type convKey struct {
	a, b   [16]byte
	pa, pb uint16
}

// side is what a conversation keeps of one endpoint beyond its counters,
// for the hosts table: its first MAC address (and whether it showed
// another), and the largest TTL or hop limit it sent with.
type side struct {
	mac      [6]byte
	hasMAC   bool
	macMoved bool
	mac2     [6]byte
	ttl      uint8
}

// conv is one conversation. Direction 0 is its key's a to b (convTable.key).
type conv struct {
	frames  [2]uint64
	bytes   [2]uint64
	first   int64 // earliest and latest frame time, Unix nanoseconds
	last    int64
	pair    int32 // TCP and UDP: the transport pair whose key is the conversation's
	aFirst  bool  // key.a is tshark's A (sent the first frame)
	baseSet [2]bool
	baseSeq [2]uint32 // TCP: each direction's first sequence number
}

// convTable is one conversation type's table, bounded by max entries;
// frames of pairs past the bound are counted in dropped. The Ethernet and
// IP tables index their pairs themselves; the TCP and UDP ones are indexed
// by the observer's map of transport pairs, which it shares with the flow
// table (one lookup per packet for both).
type convTable struct {
	typ       convType
	index     *slots // Ethernet and IP tables
	seed      *seed
	convs     chunked[conv]
	keys      chunked[convKey]  // Ethernet and IP tables: each conversation's key
	pairs     *chunked[pairRec] // TCP and UDP tables: the observer's transport pairs, which hold their keys
	sides     chunked[[2]side]  // IP tables: the two sides of each conversation
	max       int
	dropped   uint64 // frames of conversations not tracked
	droppedBy uint64 // bytes of them
	full      bool
}

func newConvTable(t convType, max int, s *seed, pairs *chunked[pairRec]) *convTable {
	tab := &convTable{typ: t, max: max, seed: s, pairs: pairs}
	if t == convEth || t == convIPv4 || t == convIPv6 {
		tab.index = &slots{}
	}
	return tab
}

// order returns the pair's key and whether the frame goes from key.a to
// key.b (direction 0) or the other way.
func order(src, dst []byte, sp, dp uint16) (convKey, int) {
	var k convKey
	c := bytes.Compare(src, dst)
	if c < 0 || (c == 0 && sp <= dp) {
		copy(k.a[:], src)
		copy(k.b[:], dst)
		k.pa, k.pb = sp, dp
		return k, 0
	}
	copy(k.a[:], dst)
	copy(k.b[:], src)
	k.pa, k.pb = dp, sp
	return k, 1
}

// add counts one frame from src to dst in an Ethernet or IP table and
// returns its conversation's index (-1 when the table is full).
func (t *convTable) add(src, dst []byte, ts int64, length int) (int32, int) {
	k, dir := order(src, dst, 0, 0)
	h := t.seed.hashPair(&k.a, &k.b, 0)
	x := t.index
	p, mask := x.probe(h)
	for {
		hb, i := slotAt(x.s[p])
		if i < 0 {
			break
		}
		if hb == h {
			if *t.keys.at(i) == k {
				t.convs.at(i).count(dir, ts, length)
				return i, dir
			}
		}
		p = (p + 1) & mask
	}
	i := t.start(k, -1, dir, ts, length)
	if i >= 0 {
		x.put(h, i)
	}
	return i, dir
}

// key returns the key of conversation i.
func (t *convTable) key(i int32) convKey {
	if t.index != nil {
		return *t.keys.at(i)
	}
	k := &t.pairs.at(t.convs.at(i).pair).key
	return convKey{a: k.a, b: k.b, pa: k.pa, pb: k.pb}
}

// start begins a conversation with a frame in direction dir and returns
// its index, or -1 when the table is full. Its key is k in an Ethernet or
// IP table, the key of transport pair pair (whose record the caller adds,
// if new, at that index) in a TCP or UDP table.
func (t *convTable) start(k convKey, pair int32, dir int, ts int64, length int) int32 {
	if t.convs.len() >= t.max {
		t.full = true
		t.dropped++
		t.droppedBy += uint64(length)
		return -1
	}
	i, c := t.convs.add()
	*c = conv{pair: pair, aFirst: dir == 0, first: ts, last: ts}
	c.count(dir, ts, length)
	if t.index != nil {
		_, kp := t.keys.add()
		*kp = k
	}
	if t.typ == convIPv4 || t.typ == convIPv6 {
		t.sides.add()
	}
	return i
}

func (c *conv) count(dir int, ts int64, length int) {
	c.frames[dir]++
	c.bytes[dir] += uint64(length)
	if ts > c.last {
		c.last = ts
	} else if ts < c.first {
		c.first = ts
	}
}

// addUDP counts a datagram of transport pair pair in conversation i (-1:
// none yet) and returns the conversation's index.
func (t *convTable) addUDP(i, pair int32, dir int, ts int64, length int) int32 {
	if i < 0 {
		return t.start(convKey{}, pair, dir, ts, length)
	}
	t.convs.at(i).count(dir, ts, length)
	return i
}

// addTCP counts a TCP segment of transport pair pair in conversation i
// (-1: none yet) as tshark numbers TCP streams: a SYN (without ACK) whose
// sequence number is not the one its direction began with starts a new
// conversation. It returns the index of the segment's conversation.
func (t *convTable) addTCP(i, pair int32, dir int, ts int64, length int, syn, ack bool, seq uint32) int32 {
	if i >= 0 {
		c := t.convs.at(i)
		if !(syn && !ack && c.baseSet[dir] && seq != c.baseSeq[dir]) {
			c.count(dir, ts, length)
			c.tcpSeq(dir, syn, seq)
			return i
		}
	}
	i = t.start(convKey{}, pair, dir, ts, length)
	if i >= 0 {
		t.convs.at(i).tcpSeq(dir, syn, seq)
	}
	return i
}

// tcpSeq records the first sequence number of a direction, as tshark's
// base_seq: the SYN's, or one before the first segment's.
func (c *conv) tcpSeq(dir int, syn bool, seq uint32) {
	if !c.baseSet[dir] {
		c.baseSet[dir] = true
		if syn {
			c.baseSeq[dir] = seq
		} else {
			c.baseSeq[dir] = seq - 1
		}
	}
}

// addrLen is the length of an address in a table of type t.
func (t convType) addrLen() int {
	switch t {
	case convEth:
		return 6
	case convIPv4:
		return 4
	}
	return 16
}

// endpoint is one row of an endpoint table: an address (and port).
type endpoint struct {
	addr     [16]byte
	port     uint16
	txFrames uint64
	txBytes  uint64
	rxFrames uint64
	rxBytes  uint64
}

type endpointKey struct {
	addr [16]byte
	port uint16
}

// endpoints derives the endpoint table of a conversation table, as
// tshark's "-z endpoints,<type>" counts it (each frame is sent by its
// source endpoint and received by its destination).
func (t *convTable) endpoints() map[endpointKey]*endpoint {
	out := make(map[endpointKey]*endpoint, t.convs.len())
	get := func(a [16]byte, p uint16) *endpoint {
		k := endpointKey{a, p}
		e := out[k]
		if e == nil {
			e = &endpoint{addr: a, port: p}
			out[k] = e
		}
		return e
	}
	for i := range int32(t.convs.len()) {
		c, k := t.convs.at(i), t.key(i)
		a, b := get(k.a, k.pa), get(k.b, k.pb)
		a.txFrames += c.frames[0]
		a.txBytes += c.bytes[0]
		a.rxFrames += c.frames[1]
		a.rxBytes += c.bytes[1]
		b.txFrames += c.frames[1]
		b.txBytes += c.bytes[1]
		b.rxFrames += c.frames[0]
		b.rxBytes += c.bytes[0]
	}
	return out
}

// addrString formats an address of a table of type t.
func (t convType) addrString(a [16]byte) string {
	switch t {
	case convEth:
		return macString(a[:6])
	case convIPv4:
		return netip.AddrFrom4([4]byte(a[:4])).String()
	case convTCP, convUDP:
		// Transport tables hold either family: an IPv4 address is
		// stored as IPv4-mapped IPv6.
		return netip.AddrFrom16(a).Unmap().String()
	}
	return netip.AddrFrom16(a).String()
}

func macString(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 17)
	for i, x := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hex[x>>4], hex[x&15])
	}
	return string(out)
}
