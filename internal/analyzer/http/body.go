package http

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	nethttp "net/http"
)

// maxDecodedBytes bounds the bytes a content-coded body is decoded to for
// hashing and sniffing (a decompression bomb costs time, never memory):
// past it the decoded hashes are dropped and the body is reported as
// decode_cut.
const maxDecodedBytes = 256 << 20

// sniffBytes is how much of the start of a body is kept to sniff its type.
const sniffBytes = 512

// coding is a Content-Encoding the module decodes.
type coding uint8

const (
	codingIdentity coding = iota
	codingGzip
	codingDeflate
	codingOther // not decoded (br, compress, zstd, ...)
)

func codingOf(v []byte) coding {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || equalFold(v, "identity"):
		return codingIdentity
	case equalFold(v, "gzip") || equalFold(v, "x-gzip"):
		return codingGzip
	case equalFold(v, "deflate"):
		return codingDeflate
	}
	return codingOther
}

// hashing is what a body sink computes of a body.
type hashing uint8

const (
	hashAll      hashing = iota // SHA-256 and MD5 of every body (the tool: its files list shows them)
	hashPrograms                // of a body whose first bytes sniff as a program or script, the only ones a brief shows (executable_download's details)
	hashNone                    // sizes only (the Annotator)
)

// digest is the streaming SHA-256 and MD5 of a byte stream, with its size
// and first bytes. Under hashPrograms it holds the first bytes until they
// are enough to sniff (or the stream ends), then hashes them and the rest
// only when they sniff as a program.
type digest struct {
	sha, md5 hash.Hash
	size     int64
	head     []byte
	deciding bool // hashPrograms, not yet sniffed
}

func newDigest(h hashing) *digest {
	switch h {
	case hashNone:
		return &digest{}
	case hashPrograms:
		return &digest{deciding: true}
	}
	return &digest{sha: sha256.New(), md5: md5.New()}
}

func (d *digest) Write(p []byte) (int, error) {
	d.size += int64(len(p))
	if d.sha == nil && !d.deciding {
		return len(p), nil
	}
	took := 0
	if len(d.head) < sniffBytes {
		took = min(len(p), sniffBytes-len(d.head))
		d.head = append(d.head, p[:took]...)
	}
	if d.deciding {
		if len(d.head) < sniffBytes {
			return len(p), nil // the head holds every byte so far
		}
		if !d.decide() {
			return len(p), nil
		}
		p = p[took:] // the head, hashed by decide, ended inside p
	}
	d.sha.Write(p)
	d.md5.Write(p)
	return len(p), nil
}

// decide ends the wait of hashPrograms: it starts the hashes, with the
// head, when the head sniffs as a program, and reports whether it did.
func (d *digest) decide() bool {
	d.deciding = false
	if !executable(sniff(d.head)) {
		return false
	}
	d.sha, d.md5 = sha256.New(), md5.New()
	d.sha.Write(d.head)
	d.md5.Write(d.head)
	return true
}

func (d *digest) sums() (sha, md string) {
	if d.deciding { // a stream shorter than the sniffing head
		d.decide()
	}
	if d.sha == nil {
		return "", ""
	}
	return hex.EncodeToString(d.sha.Sum(nil)), hex.EncodeToString(d.md5.Sum(nil))
}

// bodySink takes a body as it arrives (transfer coding removed) and hashes
// it, decoding its content coding on the way. It holds no body: a coded
// body is decoded by a goroutine reading from a pipe, so that the
// decompressor pulls what the parser pushes.
// A body of a JSON type is kept to check it against Wireshark's JSON
// grammar (the Annotator), up to maxJSONBody bytes, with at most
// maxJSONHeld bytes kept over all connections; a larger one is taken as
// JSON unchecked.
const (
	maxJSONBody = 1 << 20
	maxJSONHeld = 16 << 20
)

// maxPrefix bounds the first bytes of a content-coded body kept to decode
// its first bytes from (a deflate block's code tables come first).
const maxPrefix = 2048

// maxEmptyCoded is the largest declared length of a content-coded body
// whose bytes are kept to tell whether it decodes to nothing: Wireshark
// hands such a body to no media dissector (a gzip stream of an empty body
// is 20 bytes).
const maxEmptyCoded = 64

// decodesEmpty reports whether the body, content-coded and kept whole in
// the prefix (at most maxEmptyCoded bytes), decodes completely to no bytes.
func (s *bodySink) decodesEmpty() bool {
	if s.coding == codingIdentity || len(s.prefix) == 0 || len(s.prefix) > maxEmptyCoded {
		return false
	}
	r, ok := codingReader(s.coding, s.prefix)
	if !ok {
		return false
	}
	var b [1]byte
	n, err := io.ReadFull(r, b[:])
	return n == 0 && err == io.EOF
}

// decodedFirst decodes the first bytes of a content-coded body from the
// prefix kept, into s.first.
func (s *bodySink) decodedFirst() {
	if s.coding == codingIdentity || len(s.prefix) == 0 {
		return
	}
	if r, ok := codingReader(s.coding, s.prefix); ok {
		s.firstN, _ = io.ReadFull(r, s.first[:]) // a prefix may end before the stream: what decoded counts
	}
}

// codingReader reads the decoding of b, in content coding c (gzip or
// deflate, zlib-wrapped or raw); ok is false for another coding or a
// header that does not read.
func codingReader(c coding, b []byte) (io.Reader, bool) {
	br := bytes.NewReader(b)
	switch c {
	case codingGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, false
		}
		zr.Multistream(true)
		return zr, true
	case codingDeflate:
		if len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, false
			}
			return zr, true
		}
		return flate.NewReader(br), true
	}
	return nil, false
}

// decodeJSONBody decodes a kept body of content coding c, at most
// maxJSONBody bytes of it; ok is false when it does not decode whole
// within that (not checked: Wireshark's JSON dissector then sees bytes
// this cannot tell).
func decodeJSONBody(c coding, b []byte) (out []byte, ok bool) {
	if c == codingIdentity {
		return b, true
	}
	r, ok := codingReader(c, b)
	if !ok {
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(r, maxJSONBody+1))
	if err != nil || len(out) > maxJSONBody {
		return nil, false
	}
	return out, true
}

type bodySink struct {
	first   [8]byte // the body's first bytes, decoded (the Annotator's image magic)
	firstN  int
	prefix  []byte  // a content-coded body's first bytes as sent, to decode first from (the Annotator)
	json    []byte  // the body so far, when it is checked as JSON (or, with asn1, for its OIDs)
	asn1    bool    // the body is an OCSP response (dissect.BodyASN1)
	parts   bool    // the body is multipart (dissect.MultipartParts)
	wire    *digest // the body as sent
	decoded *digest // the body decoded; nil for identity
	pw      *io.PipeWriter
	done    chan struct{}
	decErr  error
	decCut  bool
	coding  coding
}

// errDecodedTooLarge stops a decoder past maxDecodedBytes.
var errDecodedTooLarge = errors.New("http: decoded body larger than the cap")

// newBodySink returns the sink of a body in content coding c, computing
// what h says; with hashNone it only counts the body's bytes (no digests,
// no decoding).
func newBodySink(c coding, h hashing) *bodySink {
	s := &bodySink{wire: newDigest(h), coding: c}
	if h != hashNone && (c == codingGzip || c == codingDeflate) {
		s.decoded = newDigest(h)
		pr, pw := io.Pipe()
		s.pw, s.done = pw, make(chan struct{})
		go s.decode(pr)
	}
	return s
}

func (s *bodySink) decode(pr *io.PipeReader) {
	defer close(s.done)
	br := bufio.NewReaderSize(pr, 4096)
	var r io.Reader
	var err error
	switch s.coding {
	case codingGzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(br); err == nil {
			zr.Multistream(true)
			r = zr
		}
	case codingDeflate:
		// "deflate" is zlib (RFC 9110 §8.4.1.2), but servers send raw
		// deflate too: tell them apart by the zlib header.
		hdr, _ := br.Peek(2)
		if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			r, err = zlib.NewReader(br)
		} else {
			r = flate.NewReader(br)
		}
	}
	if err == nil {
		_, err = io.Copy(capWriter{s}, r)
	}
	if err != nil {
		s.decErr = err
		if errors.Is(err, errDecodedTooLarge) {
			s.decCut = true
		}
	}
	pr.CloseWithError(err)
	io.Copy(io.Discard, pr) // unblock a writer after an error
}

type capWriter struct{ s *bodySink }

func (w capWriter) Write(p []byte) (int, error) {
	if w.s.decoded.size+int64(len(p)) > maxDecodedBytes {
		return 0, errDecodedTooLarge
	}
	return w.s.decoded.Write(p)
}

func (s *bodySink) write(p []byte) {
	if len(p) == 0 {
		return
	}
	if s.coding == codingIdentity {
		s.firstN += copy(s.first[s.firstN:], p)
	} else if s.prefix != nil && len(s.prefix) < maxPrefix {
		s.prefix = append(s.prefix, p[:min(len(p), maxPrefix-len(s.prefix))]...)
	}
	s.wire.Write(p)
	if s.pw != nil {
		s.pw.Write(p)
	}
}

// finish waits for the decoder; it returns whether the body was decoded
// completely (true for identity).
func (s *bodySink) finish() {
	if s.pw != nil {
		s.pw.Close()
		<-s.done
		s.pw = nil
	}
}

// result is what a body was: the digest of the decoded body when it
// decoded completely, else of the body as sent.
func (s *bodySink) result() (d *digest, decoded bool) {
	if s.decoded != nil && s.decErr == nil {
		return s.decoded, true
	}
	return s.wire, false
}

// sniff names the type of a body from its first bytes: executables and
// scripts by their magic, the rest as net/http.DetectContentType does.
func sniff(head []byte) string {
	switch {
	case len(head) == 0:
		return ""
	case isPE(head):
		return "application/x-dosexec"
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "application/x-executable"
	case isMachO(head):
		return "application/x-mach-binary"
	case bytes.HasPrefix(head, []byte("#!")):
		return "text/x-script"
	}
	return nethttp.DetectContentType(head)
}

// isPE: an MZ header whose e_lfanew points at "PE\0\0" when that lies in
// the bytes kept, or an MZ header alone otherwise.
func isPE(b []byte) bool {
	if len(b) < 2 || b[0] != 'M' || b[1] != 'Z' {
		return false
	}
	if len(b) < 0x40 {
		return len(b) >= 2
	}
	off := int(b[0x3c]) | int(b[0x3d])<<8 | int(b[0x3e])<<16 | int(b[0x3f])<<24
	if off >= 0 && off+4 <= len(b) {
		return string(b[off:off+4]) == "PE\x00\x00"
	}
	return true
}

func isMachO(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch string(b[:4]) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe":
		return true
	case "\xca\xfe\xba\xbe": // a fat binary, unless a Java class (its next word is a version, large)
		return len(b) >= 8 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] > 0 && b[7] < 20
	}
	return false
}

// executable reports whether a sniffed type is a program or a script.
func executable(t string) bool {
	switch t {
	case "application/x-dosexec", "application/x-executable", "application/x-mach-binary", "text/x-script":
		return true
	}
	return false
}
