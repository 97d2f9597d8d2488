package http

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/result"
)

// HTTP/2 (RFC 9113) over cleartext TCP: after the client preface (prior
// knowledge) or a 101 to "Upgrade: h2c", each direction is a sequence of
// frames:
//
//	+-----------------------------------------------+
//	|                 Length (24)                   |
//	+---------------+---------------+---------------+
//	|   Type (8)    |   Flags (8)   |
//	+-+-------------+---------------+-------------------------------+
//	|R|                 Stream Identifier (31)                      |
//	+=+=============================================================+
//	|                   Frame Payload (0...)                      ...
//
// Frames up to maxH2Frame bytes are collected and read with x/net/http2's
// Framer; header blocks are decoded with its hpack package (one decoder per
// direction, so that the dynamic tables stay in step). A larger DATA frame
// is streamed into its body without being held; a larger frame of another
// type is skipped and counted malformed.

const maxH2Frame = 256 << 10

var (
	errH2Preface = errors.New("http2: connection preface missing")
	errH2Frame   = errors.New("http2: malformed frame")
	errH2HPACK   = errors.New("http2: undecodable header block")
	errH2Streams = errors.New("http2: too many open streams")
)

type h2Conn struct {
	c       *conn
	dir     [2]h2Dir
	streams map[uint32]*h2Stream
	prior   bool // HTTP/2 with prior knowledge: the preface, no upgrade
}

type h2Dir struct {
	fromClient bool
	named      int // the preface and frames whose end was noted (ended)
	// prefaceSplit: the client's push with the preface ended inside a
	// frame (see ended).
	prefaceSplit bool
	preface      int  // client: preface bytes still expected
	dead         bool // lost: frames can no longer be found
	buf          []byte
	skip         int // bytes of an oversized frame still to skip or stream
	skipStream   *h2Stream
	rd           bytes.Reader
	fr           *http2.Framer
	dec          *hpack.Decoder
	block        []byte // header block being collected (HEADERS + CONTINUATION)
	blockSID     uint32
	blockEnd     bool // END_STREAM on the HEADERS that opened the block
	blockPush    uint32
	blockFrame   int
	fields       []hpack.HeaderField
}

type h2Stream struct {
	id               uint32
	t                *txn
	reqSink          *bodySink
	respSink         *bodySink
	reqEnd, respEnd  bool
	reqHdrs, respHdr bool
}

func newH2Conn(c *conn, upgraded *txn) *h2Conn {
	h := &h2Conn{c: c, streams: map[uint32]*h2Stream{}, prior: upgraded == nil}
	h.dir[0].fromClient = true
	h.dir[0].preface = len(h2Preface)
	for i := range h.dir {
		d := &h.dir[i]
		d.fr = http2.NewFramer(nil, &d.rd)
		d.fr.SetMaxReadFrameSize(maxH2Frame)
		d.dec = hpack.NewDecoder(4096, nil)
		d.dec.SetMaxStringLength(maxHeaderBytes)
	}
	c.o.sum.H2Connections++
	if !c.counted {
		c.counted = true
		c.o.sum.Connections++
	}
	if upgraded != nil {
		// The request that asked for the upgrade is stream 1 (RFC 7540
		// §3.2); its response comes as HTTP/2.
		up := &txn{client: upgraded.client, server: upgraded.server, when: upgraded.when, reqEnd: upgraded.reqEnd, reqDone: true, h2c: true}
		up.rec = Transaction{Protocol: "HTTP/2", Client: upgraded.rec.Client, Server: upgraded.rec.Server, StreamID: 1,
			Method: upgraded.rec.Method, Host: upgraded.rec.Host, URI: upgraded.rec.URI, UserAgent: upgraded.rec.UserAgent,
			RequestFrame: upgraded.rec.RequestFrame, RequestTime: upgraded.rec.RequestTime, Request: upgraded.rec.Request}
		up.rec.Request.Headers = nil
		up.rec.Request.BodyBytes = 0
		h.streams[1] = &h2Stream{id: 1, t: up, reqEnd: true, reqHdrs: true}
	}
	return h
}

// ended notes that the preface or a frame of d ended in frame, for the
// Annotator (Wireshark names http2 the segments a frame ends in). On a
// connection with prior knowledge whose client segment with the preface
// ends inside a frame, tshark 4.0 names that segment, the next one when
// the frame's header was cut (TestHTTP2FrameEnds), and no later client
// segment (the corpus's http2-h2c-nghttp2-arkime.pcap, cut in a payload);
// when that segment ends at a frame's end, every client frame is named
// (http2-h2c-continuation-suricata.pcap, TestHTTP2Bodies), as the
// server's and those after an upgrade are.
func (h *h2Conn) ended(d *h2Dir, frame int) {
	if h.prior && d.fromClient && d.prefaceSplit {
		if d.named >= 2 {
			return
		}
		d.named++
	}
	h.c.o.h2Ended = max(h.c.o.h2Ended, frame)
}

// push parses the bytes of one direction.

func (h *h2Conn) push(fromClient bool, data []byte, at atFunc) {
	d := dirOf(&h.dir, fromClient)
	if d.dead {
		return
	}
	i := 0
	if d.preface > 0 {
		want := h2Preface[len(h2Preface)-d.preface:]
		n := min(len(want), len(data))
		if string(data[:n]) != want[:n] {
			d.dead = true
			frame, _ := at(0)
			h.c.o.malformed(frame, errH2Preface.Error())
			return
		}
		d.preface -= n
		i = n
		if d.preface == 0 {
			frame, _ := at(i - 1)
			h.ended(d, frame)
			defer func() {
				// Whether this push (the preface's) ended inside a frame:
				// inside its 9-byte header, the frame that ends next is
				// named, and no later one; inside its payload, none.
				switch {
				case len(d.buf) > 0 && len(d.buf) < 9:
					d.prefaceSplit, d.named = true, 1
				case len(d.buf) > 0 || d.skip > 0:
					d.prefaceSplit, d.named = true, 2
				}
			}()
		}
	}
	for i < len(data) {
		if d.skip > 0 {
			n := min(d.skip, len(data)-i)
			if s := d.skipStream; s != nil {
				h.body(s, d.fromClient, data[i:i+n])
			}
			d.skip -= n
			i += n
			if d.skip == 0 {
				frame, _ := at(i - 1)
				h.ended(d, frame)
			}
			continue
		}
		if len(d.buf) < 9 {
			n := min(9-len(d.buf), len(data)-i)
			d.buf = append(d.buf, data[i:i+n]...)
			i += n
			if len(d.buf) < 9 {
				return
			}
		}
		length := int(d.buf[0])<<16 | int(d.buf[1])<<8 | int(d.buf[2])
		if length > maxH2Frame {
			typ, flags := http2.FrameType(d.buf[3]), http2.Flags(d.buf[4])
			sid := binary.BigEndian.Uint32(d.buf[5:9]) & (1<<31 - 1)
			d.buf = d.buf[:0]
			d.skip, d.skipStream = length, nil
			frame, _ := at(max(i-1, 0))
			if typ == http2.FrameData && flags&http2.FlagDataPadded == 0 {
				d.skipStream = h.streams[sid]
			} else {
				h.c.o.malformed(frame, errH2Frame.Error())
			}
			continue
		}
		need := 9 + length - len(d.buf)
		n := min(need, len(data)-i)
		d.buf = append(d.buf, data[i:i+n]...)
		i += n
		if n < need {
			return
		}
		frame, when := at(i - 1)
		h.ended(d, frame)
		h.frame(d, frame, when)
		d.buf = d.buf[:0]
	}
}

// frame handles one complete frame in d.buf.
func (h *h2Conn) frame(d *h2Dir, frame int, when time.Time) {
	o := h.c.o
	d.rd.Reset(d.buf)
	f, err := d.fr.ReadFrame()
	if err != nil {
		var se http2.StreamError
		if errors.As(err, &se) {
			o.malformed(frame, errH2Frame.Error())
			return
		}
		o.malformed(frame, errH2Frame.Error())
		if errors.Is(err, http2.ErrFrameTooLarge) {
			return
		}
		// A connection error leaves the Framer unusable: start a fresh
		// one, the stream of frames is still delimited.
		d.fr = http2.NewFramer(nil, &d.rd)
		d.fr.SetMaxReadFrameSize(maxH2Frame)
		return
	}
	switch f := f.(type) {
	case *http2.DataFrame:
		if s := h.streams[f.StreamID]; s != nil {
			h.body(s, d.fromClient, f.Data())
			if f.StreamEnded() {
				// tshark names the body of the stream's side here, by its
				// declared type (the Annotator).
				side, sink := &s.t.rec.Response, s.respSink
				if d.fromClient {
					side, sink = &s.t.rec.Request, s.reqSink
				}
				if sink != nil && sink.wire.size > 0 && frame >= o.h2BodyFrame {
					o.h2BodyFrame, o.h2Body = frame, dissect.BodyProto(side.ContentType)
				}
				h.endSide(s, d.fromClient, frame, when)
			}
		}
	case *http2.HeadersFrame:
		d.block = append(d.block[:0], f.HeaderBlockFragment()...)
		d.blockSID, d.blockEnd, d.blockPush, d.blockFrame = f.StreamID, f.StreamEnded(), 0, frame
		if f.HeadersEnded() {
			h.headers(d, frame, when)
		}
	case *http2.PushPromiseFrame:
		d.block = append(d.block[:0], f.HeaderBlockFragment()...)
		d.blockSID, d.blockEnd, d.blockPush, d.blockFrame = f.StreamID, false, f.PromiseID, frame
		if f.HeadersEnded() {
			h.headers(d, frame, when)
		}
	case *http2.ContinuationFrame:
		if len(d.block)+len(f.HeaderBlockFragment()) > maxHeaderBytes {
			o.malformed(frame, errHeaderTooLarge.Error())
			d.block = d.block[:0]
			return
		}
		d.block = append(d.block, f.HeaderBlockFragment()...)
		if f.HeadersEnded() {
			h.headers(d, frame, when)
		}
	case *http2.RSTStreamFrame:
		countKey(&o.sum.H2Resets, f.ErrCode.String())
		if s := h.streams[f.StreamID]; s != nil {
			s.t.rec.Reset = f.ErrCode.String()
			if s.t.rec.Problem == "" && f.ErrCode != http2.ErrCodeNo {
				s.t.rec.Problem = "stream reset: " + f.ErrCode.String()
			}
			h.finish(s, frame)
		}
	case *http2.GoAwayFrame:
		countKey(&o.sum.H2GoAways, f.ErrCode.String())
	}
}

// headers decodes a complete header block and applies it to its stream.
func (h *h2Conn) headers(d *h2Dir, frame int, when time.Time) {
	o := h.c.o
	d.fields = d.fields[:0]
	d.dec.SetEmitFunc(func(f hpack.HeaderField) {
		if len(d.fields) < 256 {
			d.fields = append(d.fields, f)
		}
	})
	if _, err := d.dec.Write(d.block); err != nil {
		o.malformed(frame, errH2HPACK.Error())
		d.dead = true // the dynamic table is lost
		return
	}
	if err := d.dec.Close(); err != nil {
		o.malformed(frame, errH2HPACK.Error())
	}
	sid := d.blockSID
	if d.blockPush != 0 {
		sid = d.blockPush
	}
	s := h.streams[sid]
	c := h.c
	if d.fromClient || d.blockPush != 0 {
		if s == nil || s.reqHdrs && d.blockPush != 0 {
			if len(h.streams) >= maxH2Streams {
				o.malformed(frame, errH2Streams.Error())
				return
			}
			o.found++
			o.sum.Requests++
			t := &txn{client: c.client, server: c.server, when: when}
			t.rec = Transaction{Protocol: "HTTP/2", Client: result.AddrPort(c.client), Server: result.AddrPort(c.server), StreamID: sid, RequestTime: result.FormatTime(when)}
			s = &h2Stream{id: sid, t: t}
			h.streams[sid] = s
		}
		r := &s.t.rec
		if !s.reqHdrs {
			s.reqHdrs = true
			r.RequestHeadersFrame = d.blockFrame
			h.requestFields(s, d.fields)
			if o.cfg.headers {
				s.t.reqHdrs = h2Lines(d.fields, o.cfg.reveal)
			}
		} else {
			h.trailers(s, d.fields) // request trailers
		}
		if d.blockPush != 0 {
			s.reqEnd = true
			s.t.reqDone = true
			r.RequestFrame = frame
		} else if d.blockEnd {
			h.endSide(s, true, frame, when)
		}
		return
	}
	if s == nil {
		return // a response to a stream not seen opened
	}
	r := &s.t.rec
	status := 0
	for _, f := range d.fields {
		if f.Name == ":status" {
			status, _ = strconv.Atoi(f.Value)
		}
	}
	switch {
	case !s.respHdr && status >= 100 && status < 200:
		r.Interim = append(r.Interim, Interim{Status: status, Frame: d.blockFrame})
	case !s.respHdr:
		s.respHdr = true
		o.found++
		o.sum.Responses++
		r.ResponseHeadersFrame = d.blockFrame
		r.Status = status
		var side Side
		for _, f := range d.fields {
			switch f.Name {
			case "server":
				r.ServerSW = result.Text(f.Value, 0)
			default:
				h2Side(&side, f)
			}
		}
		r.Response = side
		if !s.t.reqEnd.IsZero() && !when.Before(s.t.reqEnd) {
			ms := float64(when.Sub(s.t.reqEnd)) / float64(time.Millisecond)
			r.LatencyMs = float64(int64(ms*1000+0.5)) / 1000
			o.latencies.AddAt(when.UnixNano(), ms)
		}
		if o.cfg.headers {
			s.t.respHdrs = h2Lines(d.fields, o.cfg.reveal)
		}
		h.trailers(s, d.fields) // a trailers-only gRPC response
	default:
		h.trailers(s, d.fields)
	}
	if d.blockEnd {
		h.endSide(s, false, frame, when)
	}
}

func (h *h2Conn) requestFields(s *h2Stream, fields []hpack.HeaderField) {
	r := &s.t.rec
	for _, f := range fields {
		switch f.Name {
		case ":method":
			r.Method = result.Text(f.Value, 32)
		case ":path":
			r.URI = result.Text(f.Value, maxURI)
		case ":authority":
			r.Host = result.Text(f.Value, 0)
		case ":scheme":
			r.Scheme = result.Text(f.Value, 16)
		case "host":
			if r.Host == "" {
				r.Host = result.Text(f.Value, 0)
			}
		case "user-agent":
			r.UserAgent = result.Text(f.Value, 0)
		case "referer":
			r.Referer = result.Text(f.Value, 0)
		case "authorization":
			if c, ok := parseAuthorization([]byte(f.Value)); ok {
				s.t.creds = append(s.t.creds, c)
			}
		default:
			h2Side(&r.Request, f)
		}
	}
	if strings.HasPrefix(strings.ToLower(r.Request.ContentType), "application/grpc") {
		svc, method := grpcName(r.URI)
		r.GRPC = &GRPC{Service: svc, Method: method}
	}
}

// grpcName splits a gRPC :path, /package.Service/Method.
func grpcName(p string) (svc, method string) {
	p = strings.TrimPrefix(p, "/")
	svc, method, _ = strings.Cut(p, "/")
	return svc, method
}

func h2Side(s *Side, f hpack.HeaderField) {
	switch f.Name {
	case "content-type":
		s.ContentType = result.Text(f.Value, 0)
	case "content-length":
		if n, ok := parseContentLength([]byte(f.Value)); ok {
			s.ContentLength = &n
		}
	case "content-encoding":
		s.ContentEncoding = result.Text(f.Value, 64)
	case "content-disposition":
		s.disposition = result.Text(f.Value, 0)
	}
}

// trailers reads grpc-status and grpc-message.
func (h *h2Conn) trailers(s *h2Stream, fields []hpack.HeaderField) {
	r := &s.t.rec
	for _, f := range fields {
		switch f.Name {
		case "grpc-status":
			if n, err := strconv.Atoi(f.Value); err == nil {
				if r.GRPC == nil {
					svc, m := grpcName(r.URI)
					r.GRPC = &GRPC{Service: svc, Method: m}
				}
				r.GRPC.Status = &n
			}
		case "grpc-message":
			if r.GRPC != nil {
				r.GRPC.Message = result.Text(f.Value, 0)
			}
		}
	}
}

// h2Lines lists the fields of a header block in order, secrets redacted.
func h2Lines(fields []hpack.HeaderField, reveal bool) []string {
	out := make([]string, 0, min(len(fields), maxHeaderLines+1))
	for _, f := range fields {
		if out = appendFieldLine(out, []byte(f.Name), []byte(f.Value), reveal); len(out) > maxHeaderLines {
			break
		}
	}
	return out
}

func (h *h2Conn) body(s *h2Stream, fromClient bool, p []byte) {
	if len(p) == 0 {
		return
	}
	side := &s.t.rec.Response
	sink := &s.respSink
	if fromClient {
		side, sink = &s.t.rec.Request, &s.reqSink
	}
	if *sink == nil {
		*sink = newBodySink(codingOf([]byte(side.ContentEncoding)), h.c.o.cfg.hashing)
	}
	(*sink).write(p)
}

// endSide notes END_STREAM from one side; a stream ended by both is done.
func (h *h2Conn) endSide(s *h2Stream, fromClient bool, frame int, when time.Time) {
	o := h.c.o
	t := s.t
	if fromClient {
		if s.reqEnd {
			return
		}
		s.reqEnd, t.reqDone = true, true
		t.rec.RequestFrame = frame
		t.reqEnd = when
		o.endBody(t, s.reqSink, false, true)
		s.reqSink = nil
	} else {
		if s.respEnd {
			return
		}
		s.respEnd, t.respDone = true, true
		t.rec.ResponseFrame = frame
		o.endBody(t, s.respSink, true, true)
		s.respSink = nil
	}
	if s.reqEnd && s.respEnd {
		t.rec.Complete = t.rec.Problem == ""
		h.finish(s, frame)
	}
}

// finish ends a stream and emits its transaction.
func (h *h2Conn) finish(s *h2Stream, frame int) {
	o := h.c.o
	delete(h.streams, s.id)
	o.endBody(s.t, s.reqSink, false, false) // bodies cut by the stream's end
	o.endBody(s.t, s.respSink, true, false)
	s.reqSink, s.respSink = nil, nil
	if !s.respHdr && s.t.rec.Problem == "" {
		s.t.rec.Problem = "unanswered"
		o.sum.Unanswered++
	}
	o.emit(h.c, s.t)
}

// gap: the direction's frames can no longer be delimited.
func (h *h2Conn) gap(fromClient bool) { dirOf(&h.dir, fromClient).dead = true }

// close ends the connection: open streams are reported as they stand.
func (h *h2Conn) close() {
	for _, id := range slices.Sorted(maps.Keys(h.streams)) {
		s := h.streams[id]
		if s.t.rec.Problem == "" && !(s.reqEnd && s.respEnd) && s.respHdr {
			s.t.rec.Problem = "stream not ended"
		}
		h.finish(s, 0)
	}
}
