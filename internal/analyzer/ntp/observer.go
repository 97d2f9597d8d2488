package ntp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Port is NTP's UDP port.
const Port = 123

// Fixed bounds; the tables that grow with the capture take theirs from the
// state budget (see limits in config.go).
const (
	maxServersListed = 20    // servers in the output
	reservoirSize    = 50000 // offsets and delays over the capture
	serverSample     = 64    // offsets and delays kept per server
	maxServerClients = 10000 // clients counted per server
	maxVersions      = 8     // versions are 0 to 7
)

// reqKey identifies a request by what its response echoes: the two ends
// and the request's transmit timestamp (the response's origin timestamp).
type reqKey struct {
	client, server netip.AddrPort
	xmt            uint64
}

type pendingReq struct {
	nanos  int64 // capture time, Unix nanoseconds
	frame  int32
	client bool        // a mode 3 request (not a symmetric peer's message)
	srv    *serverStat // its server when tracked
}

type serverStat struct {
	addr                netip.Addr
	requests, responses int
	matched, unanswered int
	clients             int
	versions            [maxVersions]int
	last                layers.NTP // header of its last server response
	hasLast             bool
	kiss                map[string]int
	offsets, delays     result.Reservoir
	controlBytes        int
	controlResponses    int
	first, lastSeen     time.Time
}

type pairKey struct{ server, client netip.Addr }

// exchange is a response matched to its request.
type exchange struct {
	reqFrame       int
	client, server netip.Addr
	offset, delay  float64 // seconds
	timed          bool    // offset and delay are set: the server was synchronized and gave T2 and T3
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[msgKey, Packet] // every message, for the result cache (nil when not cached)

	byMode                                      [8]int
	byVersion                                   [8]int
	byStratum                                   map[int]int
	byLeap                                      [4]int
	kiss                                        map[string]int
	requests, responses, exchanges, unmatched   int
	ctlReq, ctlResp, privReq, privResp, monlist int
	malformed                                   int

	pending        map[reqKey]pendingReq
	pendingOrder   result.Window[reqKey] // requests in arrival order; one past lim.pending evicts the oldest
	evicted        int                   // client requests evicted unanswered
	servers        map[netip.Addr]*serverStat
	serverOrder    []*serverStat
	serversRefused int // responses and requests of servers past the bound
	pairs          map[pairKey]struct{}
	pairsCapped    bool
	clients        *result.Counter[netip.Addr]
	offsets        result.Reservoir
	delays         result.Reservoir

	msg message // the message being observed, decoded in place

	run         *analyzer.Run[*event, *observer] // the detectors
	ev          event                            // the event being handed to them
	detWarnings []string                         // what the detectors' bounds cut, added when they conclude

	done bool // finish ran
}

var _ engine.Interested = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{
		cfg: cfg, byStratum: map[int]int{}, kiss: map[string]int{}, pending: map[reqKey]pendingReq{},
		servers: map[netip.Addr]*serverStat{}, pairs: map[pairKey]struct{}{},
		clients: result.NewCounter[netip.Addr](cfg.lim.addrs, 0),
		offsets: result.Reservoir{Cap: reservoirSize}, delays: result.Reservoir{Cap: reservoirSize},
		run: detectors.Start(cfg.th),
	}
}

// Interest asks for UDP datagrams to or from port 123.
func (o *observer) Interest() engine.Interest {
	return engine.Interest{UDPPorts: []uint16{Port}}
}

// event is what the observer hands its detectors: one NTP message with
// what the observer made of it. The observer reuses it; a detector keeps
// none of it past Observe.
type event struct {
	p        *engine.Packet
	m        *message
	src, dst netip.AddrPort
	lim      *limits
	// malformed is the decoder's complaint, or nil.
	malformed error
	// ex is set when the message is a response matched to its request.
	ex *exchange
}

// Observe decodes one datagram on port 123 and counts it.
func (o *observer) Observe(p *engine.Packet) {
	if p.UDP == nil || len(p.UDP.Payload) == 0 {
		return // not NTP, as tshark sees it
	}
	o.found++
	m := &o.msg
	err := decode(p.UDP.Payload, m)
	src := netip.AddrPortFrom(p.SrcIP(), uint16(p.UDP.SrcPort))
	dst := netip.AddrPortFrom(p.DstIP(), uint16(p.UDP.DstPort))
	o.ev = event{p: p, m: m, src: src, dst: dst, lim: &o.cfg.lim, malformed: err}
	e := &o.ev
	if m.size > 0 {
		o.byMode[m.mode]++
		o.byVersion[m.version]++
	}
	if err != nil {
		o.malformed++
	} else {
		o.count(p, m, e)
	}
	o.run.Observe(e)
	o.maybePage(p, m, e)
}

// count takes a well-formed message into the statistics, the servers and
// the exchanges.
func (o *observer) count(p *engine.Packet, m *message, e *event) {
	switch m.mode {
	case ModeControl:
		if m.ctl.response {
			o.ctlResp++
			o.serverSeen(e.src.Addr(), p).controlBytesAdd(m.size)
		} else {
			o.ctlReq++
		}
		return
	case ModePrivate:
		if m.priv.response {
			o.privResp++
			if isMonlist(m.priv.reqcode) {
				o.monlist++
			}
			o.serverSeen(e.src.Addr(), p).controlBytesAdd(m.size)
		} else {
			o.privReq++
		}
		return
	}
	h := &m.hdr
	if m.mode != ModeClient {
		o.byStratum[int(h.Stratum)]++
		o.byLeap[m.leap]++
		if h.Stratum == 0 {
			text, _ := refID(0, uint32(h.ReferenceID))
			o.kiss[kissKey(text)]++
		}
	}
	switch m.mode {
	case ModeClient:
		o.requests++
		o.clients.Add(e.src.Addr())
		s := o.serverSeen(e.dst.Addr(), p)
		if s != nil {
			s.requests++
			o.pair(s, e.src.Addr())
		}
		o.addPending(reqKey{e.src, e.dst, uint64(h.TransmitTimestamp)}, pendingReq{p.Timestamp.UnixNano(), int32(p.Number), true, s})
	case ModeServer:
		o.responses++
		s := o.serverSeen(e.src.Addr(), p)
		if s != nil {
			s.responses++
			s.versions[m.version]++
			s.last, s.hasLast = *h, true
			s.last.Contents, s.last.ExtensionBytes = nil, nil
			if h.Stratum == 0 {
				text, _ := refID(0, uint32(h.ReferenceID))
				if s.kiss == nil {
					s.kiss = map[string]int{}
				}
				if len(s.kiss) < 16 {
					s.kiss[kissKey(text)]++
				}
			}
			o.pair(s, e.dst.Addr())
		}
		e.ex = o.match(p, m, e, s)
		if e.ex == nil {
			o.unmatched++
		}
	case ModeSymmetricActive, ModeSymmetricPassive:
		e.ex = o.match(p, m, e, nil)
		if m.mode == ModeSymmetricActive {
			o.addPending(reqKey{e.src, e.dst, uint64(h.TransmitTimestamp)}, pendingReq{p.Timestamp.UnixNano(), int32(p.Number), false, nil})
		}
	}
}

func (s *serverStat) controlBytesAdd(n int) {
	if s != nil {
		s.controlBytes += n
		s.controlResponses++
	}
}

// serverSeen returns the server at a, tracking it when the bound allows,
// and notes when it was seen; nil for a server past the bound.
func (o *observer) serverSeen(a netip.Addr, p *engine.Packet) *serverStat {
	s := o.servers[a]
	if s == nil {
		if len(o.servers) >= o.cfg.lim.servers {
			o.serversRefused++
			return nil
		}
		s = &serverStat{addr: a, offsets: result.Reservoir{Cap: serverSample}, delays: result.Reservoir{Cap: serverSample}, first: p.Timestamp}
		o.servers[a] = s
		o.serverOrder = append(o.serverOrder, s)
	}
	s.lastSeen = p.Timestamp
	return s
}

// pair counts client c of server s once.
func (o *observer) pair(s *serverStat, c netip.Addr) {
	k := pairKey{s.addr, c}
	if _, ok := o.pairs[k]; ok {
		return
	}
	if len(o.pairs) >= o.cfg.lim.pairs || s.clients >= maxServerClients {
		o.pairsCapped = true
		return
	}
	o.pairs[k] = struct{}{}
	s.clients++
}

// addPending keeps a request for its response; past the bound the oldest
// request leaves, unanswered.
func (o *observer) addPending(k reqKey, r pendingReq) {
	if _, dup := o.pending[k]; !dup {
		o.pendingOrder.Push(k)
	}
	o.pending[k] = r
	for o.pendingOrder.Len() > o.cfg.lim.pending {
		old := o.pendingOrder.Front()
		o.pendingOrder.PopFront()
		if r, ok := o.pending[old]; ok {
			delete(o.pending, old)
			if r.client {
				o.evicted++
				if r.srv != nil {
					r.srv.unanswered++
				}
			}
		}
	}
}

// match finds the request a response answers, and computes the client's
// offset and the round-trip delay (RFC 5905 §8) when the response is from
// a synchronized server. T1 is the request's transmit timestamp, T2 and T3
// the response's receive and transmit timestamps; T4, the client's
// receive time, is not on the wire: it is taken as T1 plus the capture
// time between request and response, which holds for a capture made at or
// near the client.
func (o *observer) match(p *engine.Packet, m *message, e *event, s *serverStat) *exchange {
	h := &m.hdr
	k := reqKey{client: e.dst, server: e.src, xmt: uint64(h.OriginTimestamp)}
	if h.OriginTimestamp == 0 {
		return nil
	}
	r, ok := o.pending[k]
	if !ok {
		return nil
	}
	delete(o.pending, k)
	ex := &exchange{reqFrame: int(r.frame), client: e.dst.Addr(), server: e.src.Addr()}
	if r.client {
		o.exchanges++
		if s != nil {
			s.matched++
		}
	}
	if h.ReceiveTimestamp == 0 || h.TransmitTimestamp == 0 || m.leap == 3 || h.Stratum == 0 || h.Stratum >= 16 {
		return ex
	}
	t1 := uint64(h.OriginTimestamp)
	t2, t3 := uint64(h.ReceiveTimestamp), uint64(h.TransmitTimestamp)
	elapsed := float64(p.Timestamp.UnixNano()-r.nanos) / 1e9
	ex.offset = (diffSeconds(t2, t1) + diffSeconds(t3, t1) - elapsed) / 2
	ex.delay = elapsed - diffSeconds(t3, t2)
	ex.timed = true
	o.offsets.Add(ex.offset * 1000)
	o.delays.Add(ex.delay * 1000)
	if s != nil {
		s.offsets.Add(ex.offset * 1000)
		s.delays.Add(ex.delay * 1000)
	}
	return ex
}

func (o *observer) maybePage(p *engine.Packet, m *message, e *event) {
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	k := keyOf(p, m, e)
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	rec := record(p, m, e)
	if onPage {
		o.page = append(o.page, rec)
	}
	if o.kept != nil {
		o.kept.Add(k, rec)
	}
}

// finish counts the requests still waiting as unanswered; it runs once,
// when the capture has been read.
func (o *observer) finish() {
	if o.done {
		return
	}
	o.done = true
	for _, r := range o.pending {
		if r.client && r.srv != nil {
			r.srv.unanswered++
		}
	}
}

// unanswered is how many client requests got no response.
func (o *observer) unanswered() int {
	n := o.evicted
	for _, r := range o.pending {
		if r.client {
			n++
		}
	}
	return n
}

// serversByTraffic returns the tracked servers, busiest first.
func (o *observer) serversByTraffic() []*serverStat {
	out := slices.Clone(o.serverOrder)
	slices.SortStableFunc(out, func(a, b *serverStat) int {
		return (b.requests + b.responses + b.controlResponses) - (a.requests + a.responses + a.controlResponses)
	})
	return out
}
