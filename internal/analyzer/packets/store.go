package packets

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// The frame store: with a result cache (analyzer.Env.Cache), the first
// get_packets or follow_stream call on a capture keeps every frame: where
// its bytes are (for a plain local file, their offset in the file, which
// the store maps read-only; otherwise a copy in a few large chunks) and a
// small fixed record of what the pass
// worked out of it from the frames before it (tcp.stream and the TCP
// analysis, udp.stream, the application messages it ends, RTP endpoints
// SDP announced: dissect.State). Later calls of either tool, with any
// filter, frames, page, stream or format, decode the kept frames again
// and restore that state instead of reading the capture and following
// every connection. The pass that keeps the store works out every fact,
// and each call masks what a pass of its own would not have worked out
// (needs), so that its answer is the one a new pass gives.

// storeKey names the frame store in the cache (with the capture identity
// and the server's limits, modkit.CacheKey).
const storeKey = "packets frames"

// Chunks of kept frame bytes: the first is small (a small capture keeps
// little), each next one twice the last, up to maxStoreChunk.
const (
	minStoreChunk = 2 << 20
	maxStoreChunk = 64 << 20
	hugePage      = 2 << 20
)

// keptFrame is one kept frame.
type keptFrame struct {
	off       uint64           // offset in frameStore.file, or chunk index << 32 | offset in the chunk
	stack     dissect.ProtoSet // the protocol stack (dissect.Stack.Set), with every fact worked out
	sec       int64            // timestamp, Unix seconds
	nsec      int32            // and nanoseconds
	dataLen   int32            // bytes kept (Packet.Data)
	capLen    int32            // Packet.CaptureLength
	wireLen   int32            // Packet.Length
	iface     int32            // Packet.Interface
	tcpStream int32
	tcpFlags  uint32
	tcpSeq    uint32
	tcpAck    uint32
	tcpLen    uint32
	udpStream int32
	bodyType  uint16 // index in frameStore.bodyTypes (AppInfo.HTTPBodyType)
	bits      uint16 // rec* bits
	link      capture.LinkType
	media     dissect.Proto
	ws        uint8         // ws* bits (AppInfo.WSFollowed, WSDone, WSSDP, HTTPContinuation, HTTP2Followed, HTTP2Done)
	wsPayload dissect.Proto // AppInfo.WSPayload
	image     dissect.Proto // AppInfo.HTTPBodyImage
	h2Body    dissect.Proto // AppInfo.HTTP2Body
	tunnel    dissect.Proto // AppInfo.HTTPTunnel
}

const (
	wsFollowed = 1 << iota
	wsDone
	wsSDP
	wsHTTPContinuation
	wsHTTP2Followed
	wsHTTP2Done
)

const (
	recHasSeq = 1 << iota
	recHasAck
	recHasLen
	recHTTPFollowed
	recHTTPDone
	recHTTPBody
	recTLSFollowed
	recTLSDone
	recDNSFollowed
	recDNSDone
	recQUICLong
	recQUICTLSDone
	recDatagram // the frame completed an IP datagram (frameStore.dgrams)
	recHTTPBodyNotJSON
	recHTTPStray
	recHTTPSeen
)

const recSize = int64(unsafe.Sizeof(keptFrame{}))

// recBlock is how many records a block holds (4 MiB of them).
const recBlock = int(4 << 20 / recSize)

// rec is record i.
func (s *frameStore) rec(i int) *keptFrame { return &s.recs[i/recBlock][i%recBlock] }

// frameStore is every frame of a capture as one pass saw it. It is shared
// by the calls that get it from the cache and read-only once kept.
type frameStore struct {
	// file is the capture file mapped read-only (mapFile), when its
	// frames' bytes are read from it; else chunks hold a copy of them.
	file   []byte
	chunks [][]byte
	// recs are the records, recBlock a block (so that keeping one never
	// copies those before); n of them.
	recs      [][]keptFrame
	n         int
	bodyTypes []string
	dgrams    map[int32]*engine.Datagram
	dgramSize int64
	// innerUDP is the udp.stream of the UDP datagram inside a VXLAN
	// frame (dissect.State.InnerUDPStream), by record; few frames have one.
	innerUDP map[int32]int32
	// asn1 is the protocols of the certificates and OCSP responses a
	// frame ends (AppInfo.TLSASN1, HTTPBodyASN1), by record; few frames
	// have them.
	asn1 map[int32][2]dissect.ASN1Set // AppInfo.TLSASN1, HTTPBodyASN1
	// parts is the protocols of the multipart HTTP bodies and of the
	// bodies of SIP messages fragmented over SCTP a frame ends
	// (AppInfo.HTTPBodyParts, State.SCTPBody), by record; few frames
	// have them.
	parts map[int32][2]dissect.Parts
	// What the pass reported: frames read, its warnings, and the UDP
	// datagrams past the conversation bound.
	framesRead   int
	warnings     []string
	udpUntracked int
}

// CacheSize is the bytes s holds: its chunks, records and datagrams. A
// mapped file counts for its page tables only (8 bytes a 4 KiB page): its
// pages are the page cache's, which the kernel reclaims as it needs.
func (s *frameStore) CacheSize() int64 {
	n := int64(len(s.recs))*int64(recBlock)*recSize + s.dgramSize + 1024 + int64(len(s.file))/512
	for _, c := range s.chunks {
		n += int64(cap(c))
	}
	for _, b := range s.bodyTypes {
		n += int64(len(b)) + 16
	}
	return n
}

// storeBuilder keeps the frames of a pass into a frameStore, up to max
// bytes; past them it gives up and keeps nothing.
type storeBuilder struct {
	st      *frameStore
	max     int64
	size    int64
	bodyIdx map[string]uint16
	// src is the opened capture, until the first frame maps it (or not).
	src *analyzer.Source
}

func newStoreBuilder(max int64) *storeBuilder {
	return &storeBuilder{st: &frameStore{dgrams: map[int32]*engine.Datagram{}, bodyTypes: []string{""}}, max: max, bodyIdx: map[string]uint16{"": 0}}
}

// add keeps p, whose state the pass worked out as s and its protocol
// stack as stack.
func (b *storeBuilder) add(p *engine.Packet, s dissect.State, stack dissect.ProtoSet) {
	st := b.st
	if st == nil {
		return
	}
	if b.src != nil {
		// The first frame: its bytes sit in the file as read (no gzip),
		// so the store maps the file rather than copy them.
		if f, ok := b.src.ReadCloser.(*os.File); ok && p.Offset >= 0 {
			st.file = mapFile(st, f, b.src.Size)
		}
		b.src = nil
	}
	n := len(p.Data)
	var off uint64
	if st.file != nil {
		if p.Offset < 0 || p.Offset+int64(n) > int64(len(st.file)) {
			b.giveUp() // the file grew while it was read: its identity is stale
			return
		}
		off = uint64(p.Offset)
	} else {
		var cur []byte
		if len(st.chunks) > 0 {
			cur = st.chunks[len(st.chunks)-1]
		}
		if cur == nil || cap(cur)-len(cur) < n {
			size := minStoreChunk
			if cur != nil {
				size = min(2*cap(cur), maxStoreChunk)
			}
			cur = newChunk(st, max(size, (n+hugePage-1)/hugePage*hugePage))
			st.chunks = append(st.chunks, cur)
			b.size += int64(cap(cur))
		}
		off = uint64(len(st.chunks)-1)<<32 | uint64(len(cur))
		st.chunks[len(st.chunks)-1] = append(cur, p.Data...)
	}
	r := keptFrame{
		off: off, stack: stack, sec: p.Timestamp.Unix(), nsec: int32(p.Timestamp.Nanosecond()),
		dataLen: int32(n), capLen: int32(p.CaptureLength), wireLen: int32(p.Length), iface: int32(p.Interface), link: p.LinkType,
		tcpStream: int32(s.TCP.Stream), tcpFlags: s.TCP.Flags, tcpSeq: s.TCP.Seq, tcpAck: s.TCP.Ack, tcpLen: s.TCP.Len,
		udpStream: int32(s.UDPStream), media: s.Media, wsPayload: s.Msg.WSPayload, image: s.Msg.HTTPBodyImage, h2Body: s.Msg.HTTP2Body, tunnel: s.Msg.HTTPTunnel,
	}
	for _, f := range [...]struct {
		on  bool
		bit uint8
	}{{s.Msg.WSFollowed, wsFollowed}, {s.Msg.WSDone, wsDone}, {s.Msg.WSSDP, wsSDP}, {s.Msg.HTTPContinuation, wsHTTPContinuation},
		{s.Msg.HTTP2Followed, wsHTTP2Followed}, {s.Msg.HTTP2Done, wsHTTP2Done}} {
		if f.on {
			r.ws |= f.bit
		}
	}
	for _, f := range [...]struct {
		on  bool
		bit uint16
	}{
		{s.TCP.HasSeq, recHasSeq}, {s.TCP.HasAck, recHasAck}, {s.TCP.HasLen, recHasLen},
		{s.Msg.HTTPFollowed, recHTTPFollowed}, {s.Msg.HTTPDone, recHTTPDone}, {s.Msg.HTTPBody, recHTTPBody}, {s.Msg.HTTPBodyNotJSON, recHTTPBodyNotJSON},
		{s.Msg.HTTPStray, recHTTPStray}, {s.Msg.HTTPSeen, recHTTPSeen},
		{s.Msg.TLSFollowed, recTLSFollowed}, {s.Msg.TLSDone, recTLSDone},
		{s.Msg.DNSFollowed, recDNSFollowed}, {s.Msg.DNSDone, recDNSDone},
		{s.Msg.QUICLong, recQUICLong}, {s.Msg.QUICTLSDone, recQUICTLSDone},
	} {
		if f.on {
			r.bits |= f.bit
		}
	}
	if s.Msg.HTTPBodyType != "" {
		i, ok := b.bodyIdx[s.Msg.HTTPBodyType]
		if !ok && len(st.bodyTypes) < 1<<16 {
			i = uint16(len(st.bodyTypes))
			b.bodyIdx[s.Msg.HTTPBodyType] = i
			st.bodyTypes = append(st.bodyTypes, s.Msg.HTTPBodyType)
		}
		if !ok && i == 0 {
			b.giveUp() // more body types than a record can name
			return
		}
		r.bodyType = i
	}
	if s.InnerUDPStream >= 0 {
		if st.innerUDP == nil {
			st.innerUDP = map[int32]int32{}
		}
		st.innerUDP[int32(st.n)] = int32(s.InnerUDPStream)
		b.size += 16
	}
	if s.Msg.TLSASN1.Last != dissect.ProtoNone || s.Msg.HTTPBodyASN1.Last != dissect.ProtoNone {
		if st.asn1 == nil {
			st.asn1 = map[int32][2]dissect.ASN1Set{}
		}
		st.asn1[int32(st.n)] = [2]dissect.ASN1Set{s.Msg.TLSASN1, s.Msg.HTTPBodyASN1}
		b.size += 32
	}
	if s.Msg.HTTPBodyParts.N > 0 || s.SCTPBody.N > 0 {
		if st.parts == nil {
			st.parts = map[int32][2]dissect.Parts{}
		}
		st.parts[int32(st.n)] = [2]dissect.Parts{s.Msg.HTTPBodyParts, s.SCTPBody}
		b.size += 40
	}
	if dg := p.Datagram(); dg != nil {
		r.bits |= recDatagram
		st.dgrams[int32(st.n)] = dg
		st.dgramSize += int64(dg.Size())
		b.size += int64(dg.Size())
	}
	if st.n%recBlock == 0 {
		c := newChunk(st, int(int64(recBlock)*recSize))
		st.recs = append(st.recs, unsafe.Slice((*keptFrame)(unsafe.Pointer(unsafe.SliceData(c[:1]))), recBlock))
		b.size += int64(recBlock) * recSize
	}
	*st.rec(st.n) = r
	st.n++
	if b.size > b.max {
		b.giveUp()
	}
}

func (b *storeBuilder) giveUp() { b.st = nil }

// frameNumber is the frame number of record i.
func frameNumber(i int) int { return i + 1 }

// raw fills raw with kept frame i.
func (s *frameStore) raw(i int, raw *capture.Packet) {
	r := s.rec(i)
	var data []byte
	if s.file != nil {
		data = s.file[r.off : r.off+uint64(r.dataLen) : r.off+uint64(r.dataLen)]
	} else {
		c, o := r.off>>32, r.off&(1<<32-1)
		data = s.chunks[c][o : o+uint64(r.dataLen) : o+uint64(r.dataLen)]
	}
	*raw = capture.Packet{
		Data: data, Offset: -1,
		Timestamp: time.Unix(r.sec, int64(r.nsec)).UTC(), CaptureLength: int(r.capLen), Length: int(r.wireLen),
		LinkType: r.link, Interface: int(r.iface),
	}
}

// guard turns a fault on s's mapping of the capture file, in the calling
// goroutine, into an error in *err rather than a crash: the file was cut
// short (a page past its end raises SIGBUS) or rewritten under the store.
// Every goroutine that reads the mapping defers what it returns
// (defer s.guard(ref, &err)()), which puts the goroutine's fault setting
// back. Other panics go on.
func (s *frameStore) guard(ref string, err *error) func() {
	if s == nil || s.file == nil {
		return func() {}
	}
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		if f, ok := r.(interface{ Addr() uintptr }); ok && s.mapped(f.Addr()) {
			*err = fmt.Errorf("capture %q changed while it was read: call again", ref)
			return
		}
		panic(r)
	}
}

// warm reads one byte of every page of s's mapping of the capture file,
// so that the calls that replay from s do not pay for the first read of
// each page: on the virtual machine measured, every page of a new mapping
// costs about 3 µs at its first read (0.45 s for the 574 MiB of the 1M
// bench capture), whether or not the kernel populated it (MAP_POPULATE,
// MADV_POPULATE_READ), much as fresh memory for a copy costs at its first
// write. The call that keeps s pays it, once. It fails when the file was
// cut short.
func (s *frameStore) warm() (err error) {
	defer s.guard("", &err)()
	var x byte
	for i := 0; i < len(s.file); i += 4096 {
		x += s.file[i]
	}
	runtime.KeepAlive(x)
	return nil
}

// mapped reports whether addr is in s's mapping of the capture file.
func (s *frameStore) mapped(addr uintptr) bool {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(s.file)))
	return addr >= base && addr-base < uintptr(len(s.file))
}

// mask is s as a pass working out only n finds it.
func mask(s dissect.State, n needs) dissect.State {
	if !n.tcp {
		s.TCP = dissect.TCPInfo{Stream: -1}
	}
	if !n.udp {
		s.UDPStream, s.InnerUDPStream = -1, -1
	}
	if !n.app {
		s.Msg = dissect.AppInfo{}
	}
	return s
}

// state is frame i's state as a pass working out n finds it.
func (s *frameStore) state(i int, n needs) dissect.State {
	r := s.rec(i)
	st := dissect.State{TCP: dissect.TCPInfo{Stream: -1}, UDPStream: -1, InnerUDPStream: -1, Media: r.media, SCTPBody: s.parts[int32(i)][1]}
	has := func(bit uint16) bool { return r.bits&bit != 0 }
	if n.tcp {
		st.TCP = dissect.TCPInfo{Stream: int(r.tcpStream), Flags: r.tcpFlags, Seq: r.tcpSeq, Ack: r.tcpAck, Len: r.tcpLen,
			HasSeq: has(recHasSeq), HasAck: has(recHasAck), HasLen: has(recHasLen)}
	}
	if n.udp {
		st.UDPStream = int(r.udpStream)
		if in, ok := s.innerUDP[int32(i)]; ok {
			st.InnerUDPStream = int(in)
		}
	}
	if n.app {
		st.Msg = dissect.AppInfo{
			HTTPFollowed: has(recHTTPFollowed), HTTPDone: has(recHTTPDone), HTTPBody: has(recHTTPBody), HTTPBodyNotJSON: has(recHTTPBodyNotJSON),
			HTTPStray: has(recHTTPStray), HTTPSeen: has(recHTTPSeen),
			HTTPBodyType: s.bodyTypes[r.bodyType],
			TLSFollowed:  has(recTLSFollowed), TLSDone: has(recTLSDone),
			DNSFollowed: has(recDNSFollowed), DNSDone: has(recDNSDone),
			QUICLong: has(recQUICLong), QUICTLSDone: has(recQUICTLSDone),
			HTTPBodyImage: r.image, HTTP2Body: r.h2Body, HTTPTunnel: r.tunnel,
			WSFollowed: r.ws&wsFollowed != 0, WSDone: r.ws&wsDone != 0, WSSDP: r.ws&wsSDP != 0, HTTPContinuation: r.ws&wsHTTPContinuation != 0,
			HTTP2Followed: r.ws&wsHTTP2Followed != 0, HTTP2Done: r.ws&wsHTTP2Done != 0, WSPayload: r.wsPayload,
			TLSASN1: s.asn1[int32(i)][0], HTTPBodyASN1: s.asn1[int32(i)][1], HTTPBodyParts: s.parts[int32(i)][0],
		}
	}
	return st
}

// replayer makes kept frames again, for one goroutine.
type replayer struct {
	st    *frameStore
	need  needs
	dec   *engine.Decoder
	raw   capture.Packet
	fr    dissect.Frame
	first time.Time
}

func (s *frameStore) replayer(n needs) *replayer {
	r := &replayer{st: s, need: n, dec: engine.NewDecoder()}
	if s.n > 0 {
		r.first = time.Unix(s.rec(0).sec, int64(s.rec(0).nsec)).UTC()
	}
	return r
}

// frame is kept frame i as a pass working out r.need saw it; it is valid
// until the next call.
func (r *replayer) frame(i int) *dissect.Frame {
	s := r.st
	s.raw(i, &r.raw)
	var dg *engine.Datagram
	if s.rec(i).bits&recDatagram != 0 {
		dg = s.dgrams[int32(i)]
	}
	p := r.dec.Decode(&r.raw, frameNumber(i), dg)
	prev := r.first
	if i > 0 {
		pr := s.rec(i - 1)
		prev = time.Unix(pr.sec, int64(pr.nsec)).UTC()
	}
	r.fr.Restore(p, p.Timestamp.Sub(r.first), p.Timestamp.Sub(prev), s.state(i, r.need))
	if r.need.stack {
		r.fr.Classify()
	}
	return &r.fr
}

// warnings are the warnings of a pass working out n.
func (s *frameStore) warningsFor(n needs) []string {
	return withUDPWarning(append([]string{}, s.warnings...), n, s.udpUntracked)
}

// pass is one call's pass over ref, for a selection that works out
// sel.need, calling visit on every frame; with a cache it may instead
// return a frame store an earlier call kept (store != nil: visit was not
// called, the caller answers from the store). Without one it keeps a store
// when it can, working out every fact, and shows visit each frame as a
// pass of sel's own would have made it.
func (m *Module) pass(ctx context.Context, env *analyzer.Env, ref string, sel *selector, visit func(fr *dissect.Frame)) (store *frameStore, warnings []string, framesRead int, err error) {
	ran := false
	st, err := modkit.RunCached(ctx, env, ref, storeKey, engine.Options{}, func(keep bool) modkit.CachedPass[*frameStore] {
		ran = true
		if !keep {
			sel.tr = m.tracker(env, sel.need)
			obs := engine.ObserverFunc(func(p *engine.Packet) { visit(sel.tr.Frame(p)) })
			return modkit.CachedPass[*frameStore]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*frameStore, bool) {
				warnings, framesRead = sel.warnings(res), res.Packets
				return nil, false
			}}
		}
		all := needs{tcp: m.opts.TCP != nil, udp: true, app: m.opts.App != nil}
		tr := m.tracker(env, all)
		b := newStoreBuilder(env.Cache.Bound())
		opened := func(src *analyzer.Source) { b.src = src }
		need := sel.need
		var call dissect.Frame
		obs := engine.ObserverFunc(func(p *engine.Packet) {
			fr := tr.Frame(p)
			fr.Classify()
			st := fr.State()
			b.add(p, st, fr.Stack.Set())
			// The frame as a pass of the call's own makes it.
			call.Restore(p, fr.Relative, fr.Delta, mask(st, need))
			if need.stack {
				call.Classify()
			}
			visit(&call)
		})
		return modkit.CachedPass[*frameStore]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*frameStore, bool) {
			warnings = withUDPWarning(modkit.Warnings(res, true), need, tr.UDPUntracked())
			framesRead = res.Packets
			st := b.st
			if st == nil {
				return nil, false
			}
			st.framesRead, st.warnings, st.udpUntracked = res.Packets, modkit.Warnings(res, true), tr.UDPUntracked()
			if st.warm() != nil {
				return nil, false // the file changed while it was read
			}
			return st, true
		}, Opened: opened}
	})
	if err != nil || ran {
		return nil, warnings, framesRead, err
	}
	return st, st.warningsFor(sel.need), st.framesRead, nil
}

// scanBlock is how many kept frames one goroutine takes at a time.
const scanBlock = 8192

// get answers get_packets from s: the frames sel selects, counted into
// out.Matched, and those from offset, at most limit, into out.Packets. The
// kept frames are decoded and tested on every core.
func (s *frameStore) get(ctx context.Context, env *analyzer.Env, ref string, sel *selector, out *GetOutput, offset, limit int, detail, hex bool) (err error) {
	defer runtime.KeepAlive(s) // its chunks and mapping outlive every frame made from them (newChunk, mapFile)
	defer s.guard(ref, &err)()
	lo, hi := 0, s.n
	if sel.frames != nil {
		lo = s.n
		for _, r := range sel.frames {
			lo = min(lo, r[0]-1)
		}
		hi = min(hi, sel.frames.last())
	}
	lo = min(lo, hi)
	all := strings.TrimSpace(sel.filter.String()) == "" // no frame needs decoding
	blocks := make([][]int32, (hi-lo+scanBlock-1)/scanBlock)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range min(engine.Workers(env.Workers), max(len(blocks), 1)) {
		wg.Go(func() {
			var err error
			defer func() {
				if err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}()
			defer s.guard(ref, &err)()
			r := s.replayer(sel.need)
			// A Filter matches on one goroutine at a time: each has
			// its own (the text compiled once already).
			flt, _ := dfilter.Compile(sel.filter.String())
			pre := flt.Prefilter()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(blocks) || ctx.Err() != nil || failed.Load() != nil {
					return
				}
				var got []int32
				for i := lo + k*scanBlock; i < min(hi, lo+(k+1)*scanBlock); i++ {
					if !sel.frames.has(frameNumber(i)) {
						continue
					}
					if pre != nil && !pre(dfilter.Summary{Stack: s.rec(i).stack, TCPFlags: s.rec(i).tcpFlags}) {
						continue // cannot match: not decoded
					}
					if all || flt.Match(r.frame(i)) {
						got = append(got, int32(i))
					}
				}
				blocks[k] = got
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("get_packets stopped: %w", err)
	}
	r := s.replayer(sel.need)
	for _, got := range blocks {
		for _, i := range got {
			out.Matched++
			if out.Matched > offset && len(out.Packets) < limit {
				out.Packets = append(out.Packets, packetOf(r.frame(int(i)), detail, hex))
			}
		}
	}
	return nil
}

// inStream reports whether kept frame i may belong to proto's stream
// (those of a pass that worked out tcp.stream or udp.stream).
func (s *frameStore) inStream(i int, proto string, stream int) bool {
	if proto == "tcp" {
		return int(s.rec(i).tcpStream) == stream
	}
	if int(s.rec(i).udpStream) == stream {
		return true
	}
	in, ok := s.innerUDP[int32(i)]
	return ok && int(in) == stream
}
