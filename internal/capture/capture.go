// Package capture reads packet capture files: classic pcap (microsecond and
// nanosecond, either byte order), pcapng (any number of sections and
// interfaces, mixed link types) and either of them gzip-compressed. The format
// is decided by the magic bytes at the start of the stream, never by a file
// name.
//
// It is the first stage of the pipeline: capture yields raw frames with their
// capture metadata, the engine decodes them, and protocol analyzers consume the
// decoded packets. The readers of both formats are this package's own, in
// pcap.go and pcapng.go, so that memory stays bounded whatever a file holds:
// a record keeps at most [Options].MaxRecordBytes of its data (the rest is
// skipped, as libpcap does past its maximum snapshot length), blocks are
// streamed, never read whole, and pcapng sections, interfaces and their
// option strings are described up to documented limits ([MaxSections],
// [MaxInterfaces], [MaxOptionStringBytes]), then counted ([Info].Cuts says
// what was left out). A file cut short behaves as in Wireshark: everything
// before the cut is returned, then a [DamagedError].
//
// Opening the bytes themselves (a local path or an http(s) URL) is [Opener]'s
// job, in source.go.
package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is a capture file format.
type Format string

// The capture file formats the reader understands. The names are those capinfos
// prints as "File type".
const (
	FormatPcap     Format = "pcap"     // classic pcap, microsecond timestamps
	FormatNsecPcap Format = "nsecpcap" // classic pcap, nanosecond timestamps
	FormatPcapNG   Format = "pcapng"   // pcapng
)

// Errors a caller may branch on with errors.Is.
var (
	// ErrNotCapture means the stream does not start with a pcap or pcapng header.
	ErrNotCapture = errors.New("capture: not a pcap or pcapng file")
	// ErrEmpty means the stream holds no bytes at all.
	ErrEmpty = errors.New("capture: file is empty")
	// ErrUnsupported means a capture format or version this reader does not read.
	ErrUnsupported = errors.New("capture: unsupported capture format")
)

// DamagedError reports a capture whose records stop being readable part way
// through: cut short in the middle of a record (Truncated), or a record header
// that cannot be right. Packets before the damage were returned normally, as
// Wireshark returns them.
type DamagedError struct {
	Packets   int   // packets read before the damage
	Truncated bool  // the file ends in the middle of a record
	Err       error // what the format reader reported
}

func (e *DamagedError) Error() string {
	if e.Truncated {
		return fmt.Sprintf("capture truncated after packet %d: the file was cut short in the middle of a record", e.Packets)
	}
	return fmt.Sprintf("capture damaged after packet %d: %v", e.Packets, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Packet is one captured frame. Data is owned by the Reader and is valid only
// until the next call to ReadPacket.
type Packet struct {
	Data          []byte    // captured bytes (CaptureLength of them)
	Timestamp     time.Time // capture time, UTC
	CaptureLength int       // bytes captured
	Length        int       // bytes on the wire
	LinkType      LinkType  // link-layer header type of Data
	Interface     int       // interface index across the file (0 for classic pcap); past the end of Info.Interfaces when the file describes more than MaxInterfaces
	Comments      []string  // pcapng packet comments; nil if none
	// Offset is where Data starts in the stream the Reader was given,
	// or -1 when Data is not there as is (a gzip-compressed capture): a
	// caller that holds the file can read the bytes again from it.
	Offset int64
}

// Section describes one pcapng section (Section Header Block options).
type Section struct {
	Hardware    string // shb_hardware
	OS          string // shb_os
	Application string // shb_userappl
	Comment     string // opt_comment
}

// InterfaceStats are the counters of a pcapng Interface Statistics Block.
// Counters absent from the block are nil.
type InterfaceStats struct {
	Received *uint64   // isb_ifrecv: packets received by the interface
	Dropped  *uint64   // isb_ifdrop: packets dropped by the interface
	Start    time.Time // isb_starttime; zero if absent
	End      time.Time // isb_endtime; zero if absent
	Comment  string    // opt_comment
	Blocks   int       // statistics blocks seen for this interface
}

// Interface describes a capture interface: the single implicit one of a classic
// pcap file, or one pcapng Interface Description Block. Indexes run across all
// sections of a pcapng file in file order.
type Interface struct {
	Index       int      // position in Info.Interfaces
	Section     int      // pcapng section the interface belongs to (0-based)
	LinkType    LinkType // link-layer header type of its packets
	Snaplen     uint32   // snapshot length; 0 means not set
	Name        string   // if_name
	Description string   // if_description
	Comment     string   // opt_comment
	Filter      string   // if_filter (the filter string)
	OS          string   // if_os
	// TimestampDigits is the decimal precision of timestamps (6 for
	// microseconds, 9 for nanoseconds). For a binary if_tsresol it is the
	// number of decimal digits needed to show one tick.
	TimestampDigits int
	// TimestampResolution is the raw if_tsresol byte (6 when absent).
	TimestampResolution uint8
	TimestampOffset     uint64          // if_tsoffset, seconds
	Stats               *InterfaceStats // last statistics block; nil if none
}

// Info is what the file says about itself, as far as it has been read. For
// pcapng files, interfaces and sections are added as their blocks are read, so
// Info is complete only after ReadPacket has returned io.EOF or an error.
type Info struct {
	Format     Format
	Compressed string // "gzip" when the file was gzip-compressed, else ""
	BigEndian  bool   // byte order of the (first) header
	Version    string // format version, "2.4" or "1.0"
	// LinkType and Snaplen are those of a classic pcap file header. For pcapng
	// they are those of the first interface, if any.
	LinkType LinkType
	Snaplen  uint32
	// FCSBits is the FCS length in bits announced by a classic pcap header,
	// or -1 when the header does not say.
	FCSBits int
	// Sections describes the first MaxSections pcapng sections (none for
	// classic pcap); SectionCount counts them all.
	Sections     []Section
	SectionCount int
	// Interfaces describes the first MaxInterfaces interfaces;
	// InterfaceCount counts them all. Packet.Interface may be past the
	// end of Interfaces.
	Interfaces     []Interface
	InterfaceCount int
	// Cuts counts what the reader left out to keep its memory bounded.
	Cuts Cuts
}

// Limits on what a Reader keeps of a pcapng file's descriptions. Past them,
// blocks are still read, so packets keep their interface, link type and
// timestamps, but they are counted rather than described.
const (
	// MaxSections is how many sections Info.Sections describes.
	MaxSections = 256
	// MaxInterfaces is how many interfaces Info.Interfaces describes.
	MaxInterfaces = 4096
	// MaxOptionStringBytes is the longest option string kept (names,
	// descriptions, comments, filters); longer ones are cut to it.
	MaxOptionStringBytes = 1024
)

// DefaultMaxRecordBytes is the default of Options.MaxRecordBytes: 256 KiB,
// libpcap's largest snapshot length (MAXIMUM_SNAPLEN).
const DefaultMaxRecordBytes = 256 << 10

// Options bound what a Reader reads. The zero value means the defaults.
type Options struct {
	// MaxDecompressedBytes caps what a gzip-compressed capture may expand
	// to; <= 0 means DefaultMaxDecompressedBytes. Past it, reading fails
	// with an error wrapping ErrTooLarge.
	MaxDecompressedBytes int64
	// MaxRecordBytes is the most of one record's data a Reader keeps: a
	// longer record is cut to it and the rest of its bytes skipped, never
	// held, as libpcap and Wireshark do with records past their largest
	// snapshot length. <= 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// Cuts counts what a Reader left out to keep its memory bounded.
type Cuts struct {
	Records        int // records longer than MaxRecordBytes, cut to it
	MaxRecordBytes int // the limit they were cut to
	Strings        int // option strings cut to MaxOptionStringBytes (or the per-packet comment budget)
	Comments       int // packet comments dropped past 16 per packet or 4 KiB in all
	// UntrackedInterfaces counts interfaces whose packets are read with
	// LinkTypeUntracked: past 2^20 interfaces in one section, or past
	// 65,535 distinct link type and timestamp settings.
	UntrackedInterfaces int
}

// Notes describes, in sentences for the reader of an analysis, what the
// reader left out of the capture's description or data; nil when nothing.
func (i *Info) Notes() []string {
	var out []string
	c := i.Cuts
	if c.Records > 0 {
		out = append(out, fmt.Sprintf("%d record(s) longer than %d bytes were cut to that length (the server's --max-record-bytes); the rest of their bytes was skipped", c.Records, c.MaxRecordBytes))
	}
	if i.SectionCount > len(i.Sections) && i.Format == FormatPcapNG {
		out = append(out, fmt.Sprintf("the file has %d sections; only the first %d are described", i.SectionCount, len(i.Sections)))
	}
	if i.InterfaceCount > len(i.Interfaces) {
		out = append(out, fmt.Sprintf("the file describes %d interfaces; only the first %d are described in detail (their packets are all read)", i.InterfaceCount, len(i.Interfaces)))
	}
	if c.UntrackedInterfaces > 0 {
		out = append(out, fmt.Sprintf("%d interface(s) past the reader's limits (2^20 per section, 65,535 distinct link type and timestamp settings): their packets are counted with link type %d, not decoded", c.UntrackedInterfaces, uint16(LinkTypeUntracked)))
	}
	if c.Strings > 0 {
		out = append(out, fmt.Sprintf("%d option string(s) longer than %d bytes were cut", c.Strings, MaxOptionStringBytes))
	}
	if c.Comments > 0 {
		out = append(out, fmt.Sprintf("%d packet comment(s) past 16 per packet (4 KiB in all) were dropped", c.Comments))
	}
	return out
}

// Reader reads packets from a capture stream.
type Reader struct {
	info    Info
	pcap    *pcapReader
	ng      *ngReader
	packets int
	done    error // sticky terminal error (io.EOF or *DamagedError)
	// in counts the bytes read from the stream when the records' bytes
	// are its own (not gzip-compressed), for Packet.Offset; else nil.
	in *byteCounter
}

const peekSize = 64 << 10

// NewReader reads the header of a capture from r and returns a Reader
// positioned at the first packet, with the default Options. It returns an
// error wrapping ErrEmpty, ErrNotCapture or ErrUnsupported when r holds no
// capture it can read, with a message that says what was found.
func NewReader(r io.Reader) (*Reader, error) {
	return NewReaderOptions(r, Options{})
}

// NewReaderLimit is NewReader with a limit on the bytes a gzip-compressed
// capture may expand to; past it, reading fails with an error wrapping
// ErrTooLarge (a gzip bomb is stopped, not read to the end).
func NewReaderLimit(r io.Reader, maxDecompressed int64) (*Reader, error) {
	return NewReaderOptions(r, Options{MaxDecompressedBytes: maxDecompressed})
}

// NewReaderOptions is NewReader with the given Options.
func NewReaderOptions(r io.Reader, opts Options) (*Reader, error) {
	maxDecompressed := opts.MaxDecompressedBytes
	if maxDecompressed <= 0 {
		maxDecompressed = DefaultMaxDecompressedBytes
	}
	maxRecord := opts.MaxRecordBytes
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	raw := &byteCounter{r: r}
	br := bufio.NewReaderSize(raw, peekSize)
	var rd Reader
	rd.info.Cuts.MaxRecordBytes = maxRecord
	rd.in = raw
	magic, err := br.Peek(4)
	if len(magic) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w (0 bytes)", ErrEmpty)
		}
		return nil, err
	}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip header is damaged: %v", ErrNotCapture, err)
		}
		rd.info.Compressed = "gzip"
		rd.in = nil // offsets in the decompressed stream name no file bytes
		br = bufio.NewReaderSize(&expansionLimit{r: gz, left: maxDecompressed, max: maxDecompressed, in: raw}, peekSize)
		magic, err = br.Peek(4)
		if len(magic) == 0 && err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: gzip content cannot be decompressed: %v", ErrNotCapture, err)
		}
	}
	if len(magic) < 4 {
		return nil, notCapture(&rd, magic)
	}
	switch {
	case string(magic) == "\x0a\x0d\x0d\x0a":
		err = rd.openPcapNG(br, maxRecord)
	case isPcapMagic(magic):
		err = rd.openPcap(br, maxRecord)
	default:
		return nil, notCapture(&rd, magic)
	}
	if err != nil {
		return nil, err
	}
	return &rd, nil
}

// pcap magic numbers, as they appear in the first four bytes of the file.
var pcapMagics = map[string]struct {
	bigEndian bool
	nsec      bool
}{
	"\xd4\xc3\xb2\xa1": {false, false},
	"\xa1\xb2\xc3\xd4": {true, false},
	"\x4d\x3c\xb2\xa1": {false, true},
	"\xa1\xb2\x3c\x4d": {true, true},
}

func isPcapMagic(m []byte) bool { _, ok := pcapMagics[string(m[:4])]; return ok }

// notCapture builds the error for a stream that is no capture, naming the
// format it looks like when that is recognisable. It never quotes the
// stream's bytes: the file may be anything the process can read, and its
// first bytes are not the caller's to learn.
func notCapture(rd *Reader, head []byte) error {
	what := ""
	if rd.info.Compressed != "" {
		what = "gzip-compressed, but the content is not a capture; "
	}
	s := string(head)
	guess := "its format is not recognised"
	switch {
	case strings.HasPrefix(s, "\xa1\xb2\xcd\x34") || strings.HasPrefix(s, "\x34\xcd\xb2\xa1"):
		return fmt.Errorf("%w: modified (Kuznetzov) pcap is not read; convert it with `editcap -F pcap in out`", ErrUnsupported)
	case strings.HasPrefix(s, "PK\x03\x04"):
		guess = "it is a zip archive: extract the capture first"
	case strings.HasPrefix(s, "BZh"):
		guess = "it is bzip2-compressed: only gzip is read, decompress it first"
	case strings.HasPrefix(s, "\xfd7zX"):
		guess = "it is xz-compressed: only gzip is read, decompress it first"
	case strings.HasPrefix(s, "\x28\xb5\x2f\xfd"):
		guess = "it is zstd-compressed: only gzip is read, decompress it first"
	case strings.HasPrefix(s, "snoo"):
		guess = "it is a Solaris snoop file: convert it with `editcap -F pcapng in out`"
	case strings.HasPrefix(s, "\x7fELF"):
		guess = "it is an executable (ELF)"
	case strings.HasPrefix(s, "%PDF"):
		guess = "it is a PDF document"
	case len(head) >= 4 && isText(head):
		guess = "it looks like text"
	}
	if len(head) < 4 {
		return fmt.Errorf("%w: %sonly %d byte(s), too short for a capture header", ErrNotCapture, what, len(head))
	}
	return fmt.Errorf("%w: %s%s", ErrNotCapture, what, guess)
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) || c > 0x7e {
			return false
		}
	}
	return true
}

func (rd *Reader) openPcap(br *bufio.Reader, maxRecord int) error {
	hdr, _ := br.Peek(24)
	if len(hdr) < 24 {
		return fmt.Errorf("%w: pcap file header cut short (%d of 24 bytes)", ErrNotCapture, len(hdr))
	}
	m := pcapMagics[string(hdr[:4])]
	var bo binary.ByteOrder = binary.LittleEndian
	if m.bigEndian {
		bo = binary.BigEndian
	}
	major, minor := bo.Uint16(hdr[4:6]), bo.Uint16(hdr[6:8])
	if major != 2 {
		return fmt.Errorf("%w: pcap major version %d (only 2 is defined)", ErrUnsupported, major)
	}
	// LinkType and additional information (draft-ietf-opsawg-pcap §4):
	// FCS len (4 bits) | R | P | reserved (10 bits) | link type (16 bits).
	network := bo.Uint32(hdr[20:24])
	if network&0x03ff0000 != 0 {
		return fmt.Errorf("%w: pcap link-type field has reserved bits set (0x%08x)", ErrUnsupported, network)
	}
	snaplen := bo.Uint32(hdr[16:20])
	br.Discard(24)
	// Wireshark reads every 2.x file. Those older than 2.3 hold the
	// original length of a record before its captured length.
	pr := &pcapReader{r: br, in: rd.in, bo: bo, fracMul: 1000, swapped: minor < 3, snaplen: snaplen, maxBytes: maxRecord, cuts: &rd.info.Cuts}
	rd.pcap = pr
	rd.info.Format = FormatPcap
	digits := 6
	if m.nsec {
		rd.info.Format = FormatNsecPcap
		digits = 9
		pr.fracMul = 1
	} else {
		// The standard magic number is also written by patched
		// libpcaps whose record headers are longer; Wireshark guesses
		// the variant from the first records, and so does this reader.
		pr.extra = guessPcapVariant(br, bo, pr.swapped, snaplen)
	}
	rd.info.BigEndian = m.bigEndian
	rd.info.Version = fmt.Sprintf("%d.%d", major, minor)
	rd.info.LinkType = LinkType(network & 0xffff)
	pr.link = rd.info.LinkType
	rd.info.Snaplen = snaplen
	rd.info.FCSBits = -1
	if network&0x04000000 != 0 {
		rd.info.FCSBits = int(network>>28) * 16
	}
	rd.info.Interfaces = []Interface{{
		LinkType:            rd.info.LinkType,
		Snaplen:             rd.info.Snaplen,
		TimestampDigits:     digits,
		TimestampResolution: uint8(digits),
	}}
	rd.info.InterfaceCount = 1
	rd.info.SectionCount = 1
	return nil
}

func (rd *Reader) openPcapNG(br *bufio.Reader, maxRecord int) error {
	hdr, _ := br.Peek(16)
	if len(hdr) < 16 {
		return fmt.Errorf("%w: pcapng section header cut short (%d of at least 28 bytes)", ErrNotCapture, len(hdr))
	}
	rd.info.BigEndian = binary.BigEndian.Uint32(hdr[8:12]) == byteOrderMagic
	rd.info.Format = FormatPcapNG
	rd.info.Version = "1.0"
	rd.info.FCSBits = -1
	nr := &ngReader{r: br, in: rd.in, bo: binary.LittleEndian, info: &rd.info, maxBytes: maxRecord}
	_, err := nr.blockHeader()
	if err == nil {
		err = nr.sectionHeader()
	}
	if err == nil {
		err = nr.endBlock()
	}
	switch {
	case err == nil:
	case errors.Is(err, errNoBOM):
		return fmt.Errorf("%w: it starts like pcapng, but its section header has no byte-order magic", ErrNotCapture)
	case errors.Is(err, ErrUnsupported):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.As(err, new(*overrun)):
		return fmt.Errorf("%w: pcapng section header is damaged (its length or an option length runs past the end of the file)", ErrNotCapture)
	default:
		return fmt.Errorf("%w: pcapng section header is damaged: %v", ErrNotCapture, err)
	}
	rd.ng = nr
	return nil
}

// Info returns what has been learnt about the capture so far.
func (rd *Reader) Info() *Info { return &rd.info }

// Packets returns the number of packets read so far.
func (rd *Reader) Packets() int { return rd.packets }

// ReadPacket reads the next packet into p. It returns io.EOF at the clean end
// of the capture and a *DamagedError when the capture stops being readable;
// either way, every later call returns the same error.
func (rd *Reader) ReadPacket(p *Packet) error {
	if rd.done != nil {
		return rd.done
	}
	var err error
	if rd.pcap != nil {
		err = rd.pcap.next(p)
	} else {
		err = rd.ng.next(p)
	}
	if err != nil {
		rd.finish(err)
		return rd.done
	}
	rd.packets++
	return nil
}

func (rd *Reader) finish(err error) {
	switch {
	case errors.Is(err, ErrTooLarge):
		rd.done = err
	case err == io.EOF:
		rd.done = io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		rd.done = &DamagedError{Packets: rd.packets, Truncated: true, Err: err}
	default:
		rd.done = &DamagedError{Packets: rd.packets, Err: cleanErr(rd.info.Format, err)}
	}
}

// cleanErr names the format a reader error concerns.
func cleanErr(f Format, err error) error {
	name := "pcap"
	if f == FormatPcapNG {
		name = "pcapng"
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Gzip bombs: once this much has been decompressed, a stream that expands
// more than maxExpansion times its compressed size is refused. Captures
// compress a few times, rarely beyond twenty; a bomb, a thousand times.
const (
	bombCheckAfter = 4 << 20
	maxExpansion   = 200
)

// byteCounter counts the bytes read through it.
type byteCounter struct {
	r io.Reader
	n int64
}

// offset is where the next byte br gives sits in the stream c counts,
// -1 for none (br reads another stream).
func offset(c *byteCounter, br *bufio.Reader) int64 {
	if c == nil {
		return -1
	}
	return c.n - int64(br.Buffered())
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// expansionLimit stops a decompressed stream at max bytes, or when it
// expands like a gzip bomb.
type expansionLimit struct {
	r         io.Reader
	left, max int64        // left of max decompressed bytes
	in        *byteCounter // compressed bytes read
}

func (e *expansionLimit) Read(p []byte) (int, error) {
	if out := e.max - e.left; out > bombCheckAfter && out > maxExpansion*max(e.in.n, 1) {
		return 0, &tooLarge{fmt.Sprintf("the gzip-compressed capture expands more than %d times (%d bytes from %d): a gzip bomb, not a capture", maxExpansion, out, e.in.n)}
	}
	if e.left <= 0 {
		var one [1]byte
		if n, err := e.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, &tooLarge{fmt.Sprintf("the gzip-compressed capture expands to more than %d bytes; the server's --max-decompressed-bytes sets the limit", e.max)}
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	return n, err
}
