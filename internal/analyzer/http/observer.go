package http

import (
	"bytes"
	"cmp"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// h2Preface is the client connection preface of HTTP/2 (RFC 9113 §3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// flowKey is a TCP connection's two ends, in a fixed order.
type flowKey struct{ a, b netip.AddrPort }

func keyOf(x, y netip.AddrPort) flowKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return flowKey{x, y}
}

// maxURI bounds a request target kept (longer ones are cut, saying so).
const maxURI = 4096

type atFunc = func(offset int) (frame int, t time.Time)

// conn is the state of one followed connection.
type conn struct {
	o       *observer
	key     flowKey
	client  netip.AddrPort // the side that sent requests
	server  netip.AddrPort
	dir     [2]dirState // from the client, from the server
	pending []*txn      // requests awaiting their responses, oldest first
	h2      *h2Conn     // set once the connection speaks HTTP/2
	ws      *wsConn     // set after a 101 to WebSocket (the Annotator)
	swapped bool        // the reassembler's client is our server
	counted bool
	// sawRequest: a request's header block was read (tshark's HTTP
	// dissector then takes any bytes of the connection as HTTP).
	sawRequest bool
	// tunnel, after a 2xx to CONNECT, is what tshark's HTTP dissector
	// hands the tunnel's bytes to: TLS for a port TLS claims, else data
	// (the Annotator).
	tunnel dissect.Proto
}

// connectPort is the port of a CONNECT's authority (host:port), or 0.
func connectPort(target []byte) uint16 {
	i := bytes.LastIndexByte(target, ':')
	if i < 0 {
		return 0
	}
	n, err := strconv.ParseUint(string(target[i+1:]), 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}

// dirState is one direction of a connection and the HTTP/1 handler for it.
type dirState struct {
	c          *conn
	fromClient bool
	p          h1Parser
	at         atFunc
	lastFrame  int // frame of the last byte seen in this direction
	lastTime   time.Time
	msgFrame   int // first byte of the message being read
	msgTime    time.Time
	cur        *txn // the transaction whose message is being read
	interim    bool // the message is a 1xx response
	sink       *bodySink
	seenMsg    bool
	headless   bool // cur's response body is being read without its header, lost in a hole
	orphanEnd  int  // the frame of its last byte
}

// txn is a transaction being assembled.
type txn struct {
	rec               Transaction
	client, server    netip.AddrPort
	when              time.Time // the request's first byte (the response's when no request was seen)
	reqEnd            time.Time
	reqDone, respDone bool
	reqFile, respFile *File
	reqProblem        string
	creds             []credential
	head, connect     bool
	connectTLS        bool // a CONNECT to a port TLS claims
	h2c               bool
	emitted           bool
	reqHdrs, respHdrs []string
}

type observer struct {
	cfg   *config
	sink  modkit.Sink // when set, receives every transaction as a Row (records.go)
	row   Row
	reasm *engine.Reassembler
	conns map[flowKey]*conn
	bufs  [][]byte // header-block buffers to reuse (takeBuf)
	// holding: a flush of many connections is on (FlushStarted), and the
	// transactions it ends are held in held.
	holding bool
	held    []*txn

	found        int // messages
	capped       int // connections not followed: the table was full
	lastTime     time.Time
	sum          Summary
	latencies    result.Reservoir
	hosts        *result.Counter[string]
	uris         *result.Counter[string]
	methods      *result.Counter[string]
	statuses     *result.Counter[string]
	agents       *result.Counter[string]
	servers      *result.Counter[string]
	ctypes       *result.Counter[string]
	grpcMethods  *result.Counter[string]
	hostClients  map[string]map[netip.Addr]struct{}
	pairsLeft    int
	pairsDropped int

	matched, fMatched int
	page              []Transaction
	files             []File
	// keptTx and keptFiles are every transaction and file with what the
	// filters test, for the result cache (nil when not cached).
	keptTx    *result.Kept[txKey, Transaction]
	keptFiles *result.Kept[txKey, File]

	run *analyzer.Run[*event, *observer]
	ev  event

	// ended is the frame the latest HTTP/1 message ended in, endedBody
	// whether it had a body, endedType the body's Content-Type (Annotator).
	ended     int
	endedBody bool
	endedType string
	// endedNotJSON: that body is of a JSON type and Wireshark's JSON
	// grammar does not take all of it (cfg.annotator); jsonHeld is the
	// bytes of such bodies being kept, at most maxJSONHeld.
	endedNotJSON bool
	endedImage   dissect.Proto   // the image its first bytes are (dissect.ImageMagic)
	endedASN1    dissect.ASN1Set // an OCSP response body's protocols (dissect.BodyASN1)
	endedParts   dissect.Parts   // a multipart body's parts' protocols (dissect.MultipartParts)
	jsonHeld     int
	// h2Ended is the frame the latest HTTP/2 frame (or the connection
	// preface) ended in (Annotator).
	h2Ended int
	// h2BodyFrame is the frame the latest HTTP/2 stream side with a body
	// ended in (a DATA frame with END_STREAM), h2Body its body's protocol
	// (the Annotator).
	h2BodyFrame int
	h2Body      dissect.Proto
	// wsEnded is the frame the latest WebSocket frame ended in, wsPayload
	// the protocol of its payload (ProtoNone: none), wsSDP whether that
	// SIP carried SDP (the Annotator).
	wsEnded   int
	wsPayload dissect.Proto
	wsSDP     bool
	// contFrame is the latest frame that carried bytes after a hole
	// starting no message, which tshark shows as an HTTP continuation
	// (the Annotator).
	contFrame int
	// strayFrame is the latest frame whose bytes were pushed between
	// messages and start none (h1Handler.strayStart), straySeen whether
	// its connection had carried a request by then (the Annotator).
	strayFrame int
	straySeen  bool
}

var (
	_ engine.Observer      = (*observer)(nil)
	_ engine.Flusher       = (*observer)(nil)
	_ engine.StreamHandler = (*observer)(nil)
	_ engine.HalfCloser    = (*observer)(nil)
	_ engine.Interested    = (*observer)(nil)
)

func newObserver(cfg *config) *observer {
	k := cfg.lim.keys
	return &observer{
		cfg: cfg, conns: map[flowKey]*conn{},
		hosts: result.NewCounter[string](k, 0), uris: result.NewCounter[string](k, 0),
		methods: result.NewCounter[string](256, 0), statuses: result.NewCounter[string](1000, 0),
		agents: result.NewCounter[string](k, 0), servers: result.NewCounter[string](k, 0),
		ctypes: result.NewCounter[string](k, 0), grpcMethods: result.NewCounter[string](k, 0),
		hostClients: map[string]map[netip.Addr]struct{}{}, pairsLeft: cfg.lim.pairs,
		run: detectors.Start(cfg.th), latencies: result.Reservoir{Cap: latencySample},
	}
}

// latencySample is how many response latencies the summary's median and
// p95 (and plot_traffic's latency chart) are drawn from.
const latencySample = 50000

// Interest asks for TCP only.
func (o *observer) Interest() engine.Interest {
	return engine.Interest{IPProtocols: []layers.IPProtocol{layers.IPProtocolTCP}}
}

// Observe follows every TCP connection whose first payload seen starts an
// HTTP/1 message or the HTTP/2 preface, on any port. A frame of any other
// connection costs a map lookup at most.
func (o *observer) Observe(p *engine.Packet) {
	if p.TCP == nil || p.Fragment {
		return
	}
	pl := p.TCP.Payload
	if len(o.conns) == 0 && len(pl) == 0 {
		return
	}
	src := netip.AddrPortFrom(p.SrcIP(), uint16(p.TCP.SrcPort))
	dst := netip.AddrPortFrom(p.DstIP(), uint16(p.TCP.DstPort))
	key := keyOf(src, dst)
	if len(o.conns) > 0 {
		if _, ok := o.conns[key]; ok {
			o.reasm.Add(p)
			return
		}
	}
	if len(pl) == 0 {
		return
	}
	c0 := pl[0]
	if c0 < 'A' || c0 > 'Z' {
		return
	}
	h2 := bytes.HasPrefix(pl, []byte(h2Preface[:min(len(pl), len(h2Preface))])) && len(pl) >= 14
	if !h2 && !isRequestStart(pl) {
		return
	}
	if len(o.conns) >= o.cfg.lim.conns+o.cfg.lim.conns/4 {
		o.capped++
		return
	}
	c := &conn{o: o, key: key, client: src, server: dst}
	if bytes.HasPrefix(pl, []byte("HTTP/")) {
		c.client, c.server = dst, src // a response seen first
	}
	c.dir[0] = dirState{c: c, fromClient: true}
	c.dir[1] = dirState{c: c}
	c.dir[0].p.h, c.dir[1].p.h = &c.dir[0], &c.dir[1]
	c.dir[0].p.buf, c.dir[1].p.buf = o.takeBuf(), o.takeBuf()
	if h2 {
		c.h2 = newH2Conn(c, nil)
	}
	o.conns[key] = c
	if o.reasm == nil {
		o.reasm = engine.NewReassembler(o)
		o.reasm.SetMaxConns(o.cfg.lim.conns)
	}
	o.reasm.Add(p)
}

// Flush delivers what TCP reassembly still holds.
func (o *observer) Flush() {
	if o.reasm != nil {
		o.reasm.Flush()
	}
}

// Data receives the reassembled bytes of a followed connection.
func (o *observer) Data(sc *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	c, _ := sc.State.(*conn)
	if c == nil {
		c = o.conns[keyOf(sc.Client, sc.Server)]
		if c == nil {
			return
		}
		c.swapped = sc.Client != c.client
		sc.State = c
	}
	if c.swapped {
		fromClient = !fromClient
	}
	d := dirOf(&c.dir, fromClient)
	d.at = at
	if c.h2 != nil {
		c.h2.push(fromClient, data, at)
	} else {
		d.p.push(data)
	}
	if len(data) > 0 {
		d.lastFrame, d.lastTime = at(len(data) - 1)
		if d.lastTime.After(o.lastTime) {
			o.lastTime = d.lastTime
		}
	}
}

// Gap reports bytes never captured.
func (o *observer) Gap(sc *engine.StreamConn, fromClient bool, missing int) {
	c, _ := sc.State.(*conn)
	if c == nil {
		return
	}
	if c.swapped {
		fromClient = !fromClient
	}
	if c.h2 != nil {
		c.h2.gap(fromClient)
		return
	}
	if c.ws != nil {
		c.ws.gap(fromClient)
		return
	}
	d := dirOf(&c.dir, fromClient)
	d.p.gap(missing) // a body read without its header goes on, cut

}

// Closed ends a connection: messages in progress end, requests left
// unanswered are reported.
// HalfClosed ends a body delimited by the close when its direction ends
// (its FIN), in the frame that carried it, as tshark names it there.
func (o *observer) HalfClosed(sc *engine.StreamConn, fromClient bool) {
	c, _ := sc.State.(*conn)
	if c == nil || c.h2 != nil {
		return
	}
	if c.swapped {
		fromClient = !fromClient
	}
	if d := dirOf(&c.dir, fromClient); d.p.st == stClose {
		d.p.close()
	}
}

func (o *observer) Closed(sc *engine.StreamConn) {
	c, _ := sc.State.(*conn)
	if c == nil {
		c = o.conns[keyOf(sc.Client, sc.Server)]
		if c == nil {
			return
		}
	}
	delete(o.conns, c.key)
	if c.h2 != nil {
		c.h2.close()
	} else {
		c.dir[1].endHeadless()
		c.dir[0].p.close()
		c.dir[1].p.close()
	}
	for _, t := range c.pending {
		if !t.emitted {
			if t.rec.Problem == "" {
				t.rec.Problem = "unanswered"
			}
			o.sum.Unanswered++
			o.emit(c, t)
		}
	}
	c.pending = nil
	for i := range c.dir {
		if t := c.dir[i].cur; t != nil && !t.emitted {
			o.emit(c, t)
		}
	}
	for i := range c.dir {
		o.putBuf(c.dir[i].p.buf)
		c.dir[i].p.buf = nil // (a second Closed gives nothing back twice)
	}
}

// Header-block buffers of closed connections are reused by new ones, up
// to maxPooledBufs of them and each of at most maxPooledBuf bytes: a
// parser's buffer otherwise grows anew, doubling, on every connection.
const (
	maxPooledBufs = 256
	maxPooledBuf  = 4 << 10
)

func (o *observer) takeBuf() []byte {
	n := len(o.bufs)
	if n == 0 {
		return nil
	}
	b := o.bufs[n-1]
	o.bufs = o.bufs[:n-1]
	return b
}

func (o *observer) putBuf(b []byte) {
	if cap(b) > 0 && cap(b) <= maxPooledBuf && len(o.bufs) < maxPooledBufs {
		o.bufs = append(o.bufs, b[:0])
	}
}

// dirOf picks one direction's state from a pair held client side first.
func dirOf[T any](dirs *[2]T, fromClient bool) *T {
	if fromClient {
		return &dirs[0]
	}
	return &dirs[1]
}

// frameAt is the frame and time of the byte before data offset end, or of
// the last byte seen when end is not in this push.
func (d *dirState) frameAt(end int) (int, time.Time) {
	if end > 0 && d.at != nil {
		return d.at(end - 1)
	}
	return d.lastFrame, d.lastTime
}

func (d *dirState) begin(off int) {
	if off >= 0 && d.at != nil {
		d.msgFrame, d.msgTime = d.at(off)
	} else {
		d.msgFrame, d.msgTime = d.lastFrame, d.lastTime
	}
}

// header handles a header block.
func (d *dirState) header(m *h1Msg, end int) bodyMode {
	c, o := d.c, d.c.o
	d.endHeadless()
	d.seenMsg = true
	c.sawRequest = c.sawRequest || m.request
	d.sink = nil
	o.found++
	if !c.counted {
		c.counted = true
		o.sum.Connections++
	}
	if m.err != nil {
		o.malformed(d.msgFrame, m.err.Error())
	}
	if d.fromClient {
		return d.requestHeader(m)
	}
	return d.responseHeader(m)
}

func (d *dirState) requestHeader(m *h1Msg) bodyMode {
	c, o := d.c, d.c.o
	o.sum.Requests++
	t := &txn{client: c.client, server: c.server, when: d.msgTime}
	r := &t.rec
	r.Protocol = string(m.version)
	if !bytes.HasPrefix(m.version, []byte("HTTP/1.")) {
		r.Protocol = result.TextBytes(m.version, 16)
	}
	r.Client, r.Server = result.AddrPort(c.client), result.AddrPort(c.server)
	r.Method = result.TextBytes(m.method, 32)
	r.URI = result.TextBytes(m.target, maxURI)
	r.Host = result.TextBytes(m.get("host"), 0)
	r.UserAgent = result.TextBytes(m.get("user-agent"), 0)
	r.Referer = result.TextBytes(m.get("referer"), 0)
	r.RequestTime = result.FormatTime(d.msgTime)
	fillSide(&r.Request, m)
	t.head = string(m.method) == "HEAD"
	t.connect = string(m.method) == "CONNECT"
	if t.connect {
		t.connectTLS = dissect.TLSPort(connectPort(m.target))
	}
	t.creds = findCredentials(m)
	if o.cfg.headers {
		t.reqHdrs = headerLines(m, o.cfg.reveal)
	}
	if m.err != nil {
		r.Problem = "malformed request"
	}
	if len(c.pending) >= maxPending {
		old := c.pending[0]
		c.pending = c.pending[1:]
		old.rec.Problem = "unanswered"
		o.sum.Unanswered++
		o.emit(c, old)
	}
	c.pending = append(c.pending, t)
	d.cur = t
	switch {
	case m.te && m.chunked:
		return bodyChunked
	case m.te:
		o.malformed(d.msgFrame, errTransferCoding.Error())
		return bodyClose
	case m.clen > 0:
		return bodyLength
	}
	return bodyNone
}

func (d *dirState) responseHeader(m *h1Msg) bodyMode {
	c, o := d.c, d.c.o
	var t *txn
	if len(c.pending) > 0 {
		t = c.pending[0]
	}
	if m.status >= 100 && m.status < 200 && m.status != 101 {
		d.interim, d.cur = true, t
		if t != nil {
			t.rec.Interim = append(t.rec.Interim, Interim{Status: m.status})
		}
		return bodyNone
	}
	o.sum.Responses++
	if t != nil {
		c.pending = c.pending[1:]
	} else {
		t = &txn{client: c.client, server: c.server, when: d.msgTime, reqDone: true}
		t.rec.Client, t.rec.Server = result.AddrPort(c.client), result.AddrPort(c.server)
		t.rec.Protocol = result.TextBytes(m.version, 16)
		t.rec.Problem = "no request seen"
	}
	r := &t.rec
	r.Status = m.status
	r.Reason = result.TextBytes(m.reason, 0)
	r.ServerSW = result.TextBytes(m.get("server"), 0)
	fillSide(&r.Response, m)
	if o.cfg.headers {
		t.respHdrs = headerLines(m, o.cfg.reveal)
	}
	if !t.reqEnd.IsZero() && !d.msgTime.Before(t.reqEnd) {
		ms := float64(d.msgTime.Sub(t.reqEnd)) / float64(time.Millisecond)
		r.LatencyMs = float64(int64(ms*1000+0.5)) / 1000
		o.latencies.AddAt(d.msgTime.UnixNano(), ms)
	}
	if m.err != nil && r.Problem == "" {
		r.Problem = "malformed response"
	}
	d.cur = t
	switch {
	case m.status == 101:
		up := strings.ToLower(result.TextBytes(m.get("upgrade"), 64))
		if up == "" {
			up = "unknown"
		}
		r.Upgrade = up
		countKey(&o.sum.Upgrades, up)
		c.dir[0].p.st = stTunnel
		if strings.HasPrefix(up, "h2c") {
			c.h2 = newH2Conn(c, t)
		}
		if up == "websocket" && o.cfg.annotator { // (the Annotator)
			proto := strings.ToLower(strings.TrimSpace(string(m.get("sec-websocket-protocol"))))
			c.ws = &wsConn{sip: proto == "sip"}
		}
		return bodyTunnel
	case t.head || m.status == 204 || m.status == 304:
		return bodyNone
	case t.connect && m.status/100 == 2:
		c.dir[0].p.st = stTunnel
		c.tunnel = dissect.ProtoData
		if t.connectTLS {
			c.tunnel = dissect.ProtoTLS
		}
		return bodyTunnel
	case m.te && m.chunked:
		return bodyChunked
	case m.te:
		return bodyClose
	case m.clen >= 0:
		return bodyLength
	}
	return bodyClose
}

// countKey counts k in a summary's count map, made on first use; past 16
// keys a new one is not counted (the maps are for a glance).
func countKey(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	if _, ok := (*m)[k]; ok || len(*m) < 16 {
		(*m)[k]++
	}
}

// fillSide records what a message declares of its body.
func fillSide(s *Side, m *h1Msg) {
	s.ContentType = result.TextBytes(m.get("content-type"), 0)
	if m.clen >= 0 {
		n := m.clen
		s.ContentLength = &n
	}
	s.ContentEncoding = result.TextBytes(m.get("content-encoding"), 64)
	s.TransferEncoding = result.TextBytes(m.get("transfer-encoding"), 64)
	s.disposition = result.TextBytes(m.get("content-disposition"), 0)
}

// maxHeaderLines bounds the header lines listed per message.
const maxHeaderLines = 64

// headerLines lists the field lines of m in order, secrets redacted.
func headerLines(m *h1Msg, reveal bool) []string {
	out := make([]string, 0, min(len(m.fields), maxHeaderLines+1))
	for _, f := range m.fields {
		if out = appendFieldLine(out, m.bytesOf(f.name), m.bytesOf(f.value), reveal); len(out) > maxHeaderLines {
			break
		}
	}
	return out
}

// appendFieldLine adds one field line to a headers list, a secret's value
// redacted unless reveal; past maxHeaderLines it adds "..." instead.
func appendFieldLine(out []string, name, value []byte, reveal bool) []string {
	if len(out) == maxHeaderLines {
		return append(out, "...")
	}
	if !reveal && isSecretField(name) {
		value = redactAuth(value)
	}
	return append(out, result.TextBytes(name, 64)+": "+result.TextBytes(value, 0))
}

func (d *dirState) body(p []byte, end int) {
	t := d.cur
	if t == nil || d.interim {
		return
	}
	if d.sink == nil {
		enc := t.rec.Response.ContentEncoding
		if d.fromClient {
			enc = t.rec.Request.ContentEncoding
		}
		d.sink = newBodySink(codingOf([]byte(enc)), d.c.o.cfg.hashing)
		ct := t.rec.Response.ContentType
		if d.fromClient {
			ct = t.rec.Request.ContentType
		}
		if c := codingOf([]byte(enc)); d.c.o.cfg.annotator && c != codingOther {
			switch dissect.BodyProto(ct) {
			case dissect.ProtoJSON:
				d.sink.json = []byte{}
			case dissect.ProtoOCSP: // held like a JSON body, for the OIDs in it
				d.sink.json, d.sink.asn1 = []byte{}, true
			case dissect.ProtoMultipart: // held like a JSON body, for its parts
				d.sink.json, d.sink.parts = []byte{}, true
			}
		}
		side := &t.rec.Response
		if d.fromClient {
			side = &t.rec.Request
		}
		if d.c.o.cfg.annotator && d.sink.coding != codingIdentity &&
			(dissect.IsImage(dissect.BodyProto(ct)) || side.ContentLength != nil && *side.ContentLength <= maxEmptyCoded) {
			// To decode the first bytes from: a declared image's magic,
			// or whether a small coded body decodes to nothing.
			d.sink.prefix = []byte{}
		}
	}
	d.sink.write(p)
	if s, o := d.sink, d.c.o; s.json != nil {
		if len(s.json)+len(p) > maxJSONBody || o.jsonHeld+len(p) > maxJSONHeld {
			o.jsonHeld -= len(s.json)
			s.json = nil // too large to check: taken as JSON
		} else {
			s.json = append(s.json, p...)
			o.jsonHeld += len(p)
		}
	}
}

// tunnel receives the bytes after a protocol switch: HTTP/2 after a 101 to
// h2c, or inside a CONNECT tunnel that starts with the HTTP/2 preface;
// WebSocket after a 101 to it is framed for the Annotator; anything else
// (TLS) is not followed.
func (d *dirState) tunnel(p []byte, off int) {
	c := d.c
	if len(p) == 0 {
		return
	}
	if c.ws != nil {
		at := d.at
		c.ws.push(c.o, d.fromClient, p, func(o int) (int, time.Time) { return at(o + off) })
		return
	}
	if c.h2 == nil {
		if !d.fromClient || !bytes.HasPrefix(p, []byte(h2Preface[:min(len(p), len(h2Preface))])) {
			return
		}
		c.h2 = newH2Conn(c, nil)
	}
	at := d.at
	c.h2.push(d.fromClient, p, func(o int) (int, time.Time) { return at(o + off) })
}

// orphan takes the bytes that follow a hole in the server's direction as
// the body of the oldest request waiting for a response, when one waits:
// its header was lost in the hole (Wireshark exports such bytes as that
// request's object too). The body is cut; it ends at the next header block
// or the connection's end.
func (d *dirState) orphan(p []byte, end int) {
	c := d.c
	if len(p) > 0 && d.at != nil {
		// tshark's HTTP dissector shows bytes after a hole that start no
		// message as a continuation: http, then data (the Annotator).
		for _, o := range [...]int{end - len(p), end - 1} {
			if f, _ := d.at(o); f > c.o.contFrame {
				c.o.contFrame = f
			}
		}
	}
	if d.fromClient || (!d.headless && (d.cur != nil || len(c.pending) == 0)) {
		return
	}
	if !d.headless {
		t := c.pending[0]
		c.pending = c.pending[1:]
		d.cur, d.headless = t, true
		d.sink = newBodySink(codingOf(nil), d.c.o.cfg.hashing)
		if t.rec.Problem == "" {
			t.rec.Problem = "response header not captured"
		}
	}
	d.sink.write(p)
	d.orphanEnd, _ = d.frameAt(end)
}

// endHeadless ends a body read without its header.
func (d *dirState) endHeadless() {
	if !d.headless {
		return
	}
	d.headless = false
	t := d.cur
	d.cur = nil
	d.c.o.endBody(t, d.sink, true, false)
	d.sink = nil
	t.rec.ResponseFrame = d.orphanEnd
	t.respDone = true
	if t.reqDone {
		d.c.o.emit(d.c, t)
	}
}

func (d *dirState) strayStart() {
	if d.at == nil {
		return
	}
	if f, _ := d.at(0); f >= d.c.o.strayFrame {
		d.c.o.strayFrame, d.c.o.straySeen = f, d.c.sawRequest
	}
}

func (d *dirState) junk(off, n int, err error) {
	if err != nil {
		frame, _ := d.frameAt(off + 1)
		d.c.o.malformed(frame, err.Error())
	}
}

// done ends the message being read.
func (d *dirState) done(end int, complete bool, err error) {
	c, o := d.c, d.c.o
	frame, when := d.frameAt(end)
	if frame >= o.ended {
		o.ended, o.endedBody, o.endedType, o.endedNotJSON, o.endedImage, o.endedASN1 = frame, false, "", false, dissect.ProtoNone, dissect.ASN1Set{}
	}
	if err != nil && err != errGap { // lost bytes are the capture's fault, not the message's
		o.malformed(frame, err.Error())
	}
	t := d.cur
	if d.interim {
		d.interim, d.cur = false, nil
		if t != nil && len(t.rec.Interim) > 0 {
			t.rec.Interim[len(t.rec.Interim)-1].Frame = frame
		}
		return
	}
	if t == nil {
		return
	}
	d.cur = nil
	o.endBody(t, d.sink, !d.fromClient, complete && !d.p.bodyCut)
	notJSON, image, asn1, emptyCoded := false, dissect.ProtoNone, dissect.ASN1Set{}, false
	parts, partsRead := dissect.Parts{}, false
	if s := d.sink; s != nil && o.cfg.annotator {
		emptyCoded = s.decodesEmpty()
		s.decodedFirst() // (a declared image's only)
		image = dissect.ImageMagic(s.first[:s.firstN])
		s.prefix = nil
	}
	if s := d.sink; s != nil && s.json != nil {
		if b, ok := decodeJSONBody(s.coding, s.json); ok {
			switch {
			case s.parts:
				ct := t.rec.Response.ContentType
				if d.fromClient {
					ct = t.rec.Request.ContentType
				}
				parts, partsRead = dissect.MultipartParts([]byte(ct), b), true
			case s.asn1:
				asn1 = dissect.BodyASN1(d.fromClient, b)
			default:
				notJSON = !dissect.JSONWhole(b)
			}
		}
		o.jsonHeld -= len(s.json)
		s.json = nil
	}
	d.sink = nil
	if side := &t.rec.Response; frame == o.ended {
		if d.fromClient {
			side = &t.rec.Request
		}
		o.endedBody, o.endedType, o.endedNotJSON, o.endedImage, o.endedASN1 = side.BodyBytes > 0 && !emptyCoded, side.ContentType, notJSON, image, asn1
		o.endedParts = parts
		if !partsRead && dissect.BodyProto(side.ContentType) == dissect.ProtoMultipart {
			o.endedParts = dissect.UnreadParts()
		}
	}
	if !complete && t.rec.Problem == "" {
		t.rec.Problem = "request cut"
		if !d.fromClient {
			t.rec.Problem = "response cut"
		}
	}
	if d.fromClient {
		t.rec.RequestFrame = frame
		t.reqEnd = when
		t.reqDone = true
		if t.respDone {
			o.emit(c, t)
		}
		return
	}
	t.rec.ResponseFrame = frame
	t.respDone = true
	t.rec.Complete = complete && t.reqDone && t.rec.Problem == ""
	if t.reqDone || c.dir[0].cur != t {
		o.emit(c, t)
	}
}

// endBody concludes a body being read (s nil: none) as t's request body or,
// for a download, its response body: the file, the side's body bytes, the
// summary's totals.
func (o *observer) endBody(t *txn, s *bodySink, download, complete bool) {
	if s == nil {
		return
	}
	f := o.file(t, s, download, complete)
	if f == nil {
		return
	}
	dst, side, total := &t.reqFile, &t.rec.Request, &o.sum.BytesRequest
	if download {
		dst, side, total = &t.respFile, &t.rec.Response, &o.sum.BytesResponse
	}
	*dst = f
	side.BodyBytes = f.WireSize
	*total += f.WireSize
}

// file concludes a body: its hashes, type and name.
func (o *observer) file(t *txn, s *bodySink, download, complete bool) *File {
	s.finish()
	dg, decoded := s.result()
	if s.wire.size == 0 {
		return nil
	}
	sha, md := dg.sums()
	r := &t.rec
	side := &r.Request
	dir := "upload"
	if download {
		side, dir = &r.Response, "download"
	}
	f := &File{
		Direction: dir, Host: r.Host, URI: r.URI, Client: r.Client, Server: r.Server,
		DeclaredType: side.ContentType, SniffedType: sniff(dg.head),
		Size: dg.size, WireSize: s.wire.size, Encoding: side.ContentEncoding,
		Decoded: decoded && s.decoded != nil, Complete: complete, SHA256: sha, MD5: md,
		Name: fileName(r.URI, side.disposition),
	}
	if !download && strings.Contains(strings.ToLower(side.ContentType), "x-www-form-urlencoded") {
		t.creds = append(t.creds, formCredentials(dg.head, "form")...)
	}
	if s.decErr != nil {
		f.DecodeProblem = result.Text(s.decErr.Error(), 0)
		if s.decCut {
			f.DecodeProblem = "decoded body over the cap: hashes are of the body as sent"
		}
	} else if s.coding == codingOther {
		f.DecodeProblem = "content coding not decoded: hashes are of the body as sent"
	}
	return f
}

// fileName is the name a body was sent under: Content-Disposition's
// filename, else the last segment of the URI's path.
func fileName(uri, disposition string) string {
	if disposition != "" {
		if _, v, ok := strings.Cut(strings.ToLower(disposition), "filename="); ok {
			i := strings.Index(strings.ToLower(disposition), "filename=") + len("filename=")
			v = disposition[i:]
			v = strings.TrimSpace(v)
			if strings.HasPrefix(v, "\"") {
				if e := strings.IndexByte(v[1:], '"'); e >= 0 {
					return v[1 : e+1]
				}
			}
			if e := strings.IndexAny(v, "; "); e >= 0 {
				v = v[:e]
			}
			if v != "" {
				return v
			}
		}
	}
	p, _, _ := strings.Cut(uri, "?")
	if i := strings.Index(p, "://"); i >= 0 { // absolute form (proxies)
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = "/"
		}
	}
	if b := path.Base(p); b != "/" && b != "." && b != "" {
		return b
	}
	return "index"
}

// malformed counts a malformed message or bytes at frame.
func (o *observer) malformed(frame int, what string) {
	o.sum.Malformed++
	o.ev = event{o: o, malformed: what, frame: frame}
	o.run.Observe(&o.ev)
}

// emit concludes a transaction: aggregates, detectors, the page.
func (o *observer) emit(c *conn, t *txn) {
	if t.emitted {
		return
	}
	t.emitted = true
	if o.holding {
		o.held = append(o.held, t)
		return
	}
	o.deliver(t)
}

// FlushStarted begins a flush of many connections (engine.Batcher): the
// transactions they end are held, to be delivered in the order of their
// frames, not in the order reassembly happens to close the connections.
func (o *observer) FlushStarted() { o.holding = true }

// FlushEnded delivers the transactions held since FlushStarted, by their
// first frame (the request's, or the response's when no request was seen),
// then their response frame, client and server.
func (o *observer) FlushEnded() {
	o.holding = false
	slices.SortStableFunc(o.held, func(a, b *txn) int {
		return cmp.Or(cmp.Compare(firstFrame(a), firstFrame(b)), cmp.Compare(a.rec.ResponseFrame, b.rec.ResponseFrame),
			a.client.Compare(b.client), a.server.Compare(b.server))
	})
	for i, t := range o.held {
		o.deliver(t)
		o.held[i] = nil
	}
	o.held = o.held[:0]
}

func firstFrame(t *txn) int {
	if t.rec.RequestFrame > 0 {
		return t.rec.RequestFrame
	}
	return t.rec.ResponseFrame
}

// deliver counts an ended transaction, shows it to the detectors and puts
// it on the page.
func (o *observer) deliver(t *txn) {
	r := &t.rec
	o.sum.Transactions++
	if !nonStandardPortOK(t.server.Port()) {
		o.sum.NonStandardPorts++
	}
	if r.Method != "" {
		o.methods.Add(r.Method)
		if r.Host != "" {
			o.hosts.Add(strings.ToLower(r.Host))
			o.noteClient(strings.ToLower(r.Host), t.client.Addr())
		}
		u, _, _ := strings.Cut(r.URI, "?")
		o.uris.Add(u)
		if r.UserAgent != "" {
			o.agents.Add(r.UserAgent)
		}
	}
	if r.Status > 0 {
		o.statuses.Add(statusKey(r.Status))
	}
	if r.ServerSW != "" {
		o.servers.Add(r.ServerSW)
	}
	if ct := r.Response.ContentType; ct != "" {
		base, _, _ := strings.Cut(ct, ";")
		o.ctypes.Add(strings.ToLower(strings.TrimSpace(base)))
	}
	if r.GRPC != nil {
		o.sum.GRPC++
		o.grpcMethods.Add(r.GRPC.Service + "/" + r.GRPC.Method)
	}
	files := 0
	for _, f := range []*File{t.reqFile, t.respFile} {
		if f != nil {
			files++
			f.Frame = r.RequestFrame
			if f.Direction == "download" {
				f.Frame = r.ResponseFrame
			}
		}
	}
	o.sum.Files += files
	o.ev = event{o: o, t: t}
	o.run.Observe(&o.ev)
	if o.sink != nil {
		o.putRow(t)
	}
	r.Request.Headers, r.Response.Headers = t.reqHdrs, t.respHdrs
	k := txKeyOf(t)
	if o.keptTx != nil {
		o.keep(k, t)
	}
	if !o.cfg.matches(k) {
		return
	}
	if idx := o.matched; idx >= o.cfg.offset && idx < o.cfg.offset+o.cfg.limit {
		o.page = append(o.page, *r)
	}
	o.matched++
	for _, f := range []*File{t.reqFile, t.respFile} {
		if f == nil {
			continue
		}
		if idx := o.fMatched; idx >= o.cfg.fOffset && idx < o.cfg.fOffset+o.cfg.fLimit {
			o.files = append(o.files, *f)
		}
		o.fMatched++
	}
}

// keep adds a concluded transaction and its files, with what the filters
// test of it, to the lists kept for the result cache.
func (o *observer) keep(k txKey, t *txn) {
	o.keptTx.Add(k, t.rec)
	for _, f := range []*File{t.reqFile, t.respFile} {
		if f != nil {
			o.keptFiles.Add(k, *f)
		}
	}
}

// noteClient counts a distinct client of host, within the pair budget.
func (o *observer) noteClient(host string, client netip.Addr) {
	m := o.hostClients[host]
	if m == nil {
		if o.pairsLeft <= 0 {
			o.pairsDropped++
			return
		}
		m = map[netip.Addr]struct{}{}
		o.hostClients[host] = m
	}
	if _, ok := m[client]; ok {
		return
	}
	if o.pairsLeft <= 0 {
		o.pairsDropped++
		return
	}
	o.pairsLeft--
	m[client] = struct{}{}
}

func statusKey(s int) string {
	b := []byte{byte('0' + s/100%10), byte('0' + s/10%10), byte('0' + s%10)}
	return string(b)
}

// standardPorts are the server ports HTTP is expected on.
func nonStandardPortOK(p uint16) bool {
	switch p {
	case 80, 8080, 8000, 8008, 8088, 3128, 8888:
		return true
	}
	return false
}
