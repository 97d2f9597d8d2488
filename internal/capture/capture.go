// Package capture reads packet capture files: classic pcap (microsecond and
// nanosecond, either byte order), pcapng (any number of sections and
// interfaces, mixed link types) and either of them gzip-compressed. The format
// is decided by the magic bytes at the start of the stream, never by a file
// name.
//
// It is the first stage of the pipeline: capture yields raw frames with their
// capture metadata, the engine decodes them, and protocol analyzers consume the
// decoded packets. The decoding of each file format is pcapgo's; this package
// adds format detection, mixed-link-type pcapng bookkeeping (every interface of
// every section, with its statistics), and the Wireshark behaviour for a file
// cut short: everything before the cut is returned, then a [DamagedError].
//
// Opening the bytes themselves (a local path or an http(s) URL) is [Opener]'s
// job, in source.go.
package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
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
	Interface     int       // index into Info.Interfaces (0 for classic pcap)
	Comments      []string  // pcapng packet comments; nil if none
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
	FCSBits    int
	Sections   []Section
	Interfaces []Interface
}

// Reader reads packets from a capture stream.
type Reader struct {
	info    Info
	pcap    *pcapgo.Reader
	ng      *pcapgo.NgReader
	packets int
	done    error // sticky terminal error (io.EOF or *DamagedError)

	// pcapng bookkeeping: pcapgo numbers interfaces per section.
	secBase    int  // Info.Interfaces index of the current section's interface 0
	secKnown   int  // interfaces of the current section already in Info.Interfaces
	newSection bool // a section ended; the next sync records the new section
}

const peekSize = 64 << 10

// NewReader reads the header of a capture from r and returns a Reader
// positioned at the first packet. It returns an error wrapping ErrEmpty,
// ErrNotCapture or ErrUnsupported when r holds no capture it can read, with a
// message that says what was found. A gzip-compressed capture may expand to
// DefaultMaxDecompressedBytes.
func NewReader(r io.Reader) (*Reader, error) {
	return NewReaderLimit(r, DefaultMaxDecompressedBytes)
}

// NewReaderLimit is NewReader with a limit on the bytes a gzip-compressed
// capture may expand to; past it, reading fails with an error wrapping
// ErrTooLarge (a gzip bomb is stopped, not read to the end).
func NewReaderLimit(r io.Reader, maxDecompressed int64) (*Reader, error) {
	raw := &byteCounter{r: r}
	br := bufio.NewReaderSize(raw, peekSize)
	var rd Reader
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
		err = rd.openPcapNG(br)
	case isPcapMagic(magic):
		err = rd.openPcap(br)
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

func (rd *Reader) openPcap(br *bufio.Reader) error {
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
	var src io.Reader = br
	if minor != 4 {
		// Wireshark reads every 2.x file; pcapgo takes 2.4 only. Hand it
		// the header as 2.4, and for files older than 2.3, whose record
		// headers hold the original length before the captured length,
		// swap the two fields back as records stream by.
		patched := append([]byte(nil), hdr...)
		bo.PutUint16(patched[6:8], 4)
		br.Discard(24)
		var rest io.Reader = br
		if minor < 3 {
			rest = &swapLengths{r: br, bo: bo}
		}
		src = io.MultiReader(bytes.NewReader(patched), rest)
	}
	p, err := pcapgo.NewReader(src)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	rd.pcap = p
	rd.info.Format = FormatPcap
	digits := 6
	if m.nsec {
		rd.info.Format = FormatNsecPcap
		digits = 9
	}
	rd.info.BigEndian = m.bigEndian
	rd.info.Version = fmt.Sprintf("%d.%d", major, minor)
	rd.info.LinkType = LinkType(network & 0xffff)
	rd.info.Snaplen = p.Snaplen()
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
	return nil
}

func (rd *Reader) openPcapNG(br *bufio.Reader) error {
	hdr, _ := br.Peek(16)
	if len(hdr) < 16 {
		return fmt.Errorf("%w: pcapng section header cut short (%d of at least 28 bytes)", ErrNotCapture, len(hdr))
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(hdr[8:12]) == 0x1a2b3c4d:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(hdr[8:12]) == 0x1a2b3c4d:
		bo, rd.info.BigEndian = binary.BigEndian, true
	default:
		return fmt.Errorf("%w: it starts like pcapng, but its section header has no byte-order magic", ErrNotCapture)
	}
	major, minor := bo.Uint16(hdr[12:14]), bo.Uint16(hdr[14:16])
	if major != 1 || minor != 0 {
		return fmt.Errorf("%w: pcapng section version %d.%d (only 1.0 is defined)", ErrUnsupported, major, minor)
	}
	rd.info.Format = FormatPcapNG
	rd.info.Version = "1.0"
	rd.info.FCSBits = -1
	ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{
		WantMixedLinkType:  true,
		SectionEndCallback: rd.sectionEnd,
		StatisticsCallback: rd.statistics,
	})
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: pcapng section header is damaged (its length or an option length runs past the end of the file)", ErrNotCapture)
		}
		return fmt.Errorf("%w: pcapng section header: %v", ErrNotCapture, err)
	}
	rd.ng = ng
	rd.info.Sections = append(rd.info.Sections, Section(ng.SectionInfo()))
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
		err = rd.readPcap(p)
	} else {
		err = rd.readPcapNG(p)
	}
	if err != nil {
		rd.finish(err)
		return rd.done
	}
	rd.packets++
	return nil
}

func (rd *Reader) finish(err error) {
	if rd.ng != nil {
		rd.syncInterfaces()
	}
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

// cleanErr rewrites a pcapgo error for a person: pcapgo's messages start with
// a capital letter and do not say which format they concern.
func cleanErr(f Format, err error) error {
	msg := err.Error()
	if msg != "" {
		msg = strings.ToLower(msg[:1]) + msg[1:]
	}
	name := "pcap"
	if f == FormatPcapNG {
		name = "pcapng"
	}
	return fmt.Errorf("%s: %s", name, msg)
}

func (rd *Reader) readPcap(p *Packet) error {
	data, ci, err := rd.pcap.ZeroCopyReadPacketData()
	if err != nil {
		return err
	}
	p.Data = data
	p.Timestamp = ci.Timestamp
	p.CaptureLength = ci.CaptureLength
	p.Length = ci.Length
	p.LinkType = rd.info.LinkType
	p.Interface = 0
	p.Comments = nil
	return nil
}

func (rd *Reader) readPcapNG(p *Packet) error {
	data, ci, opts, err := rd.ng.ZeroCopyReadPacketDataWithOptions()
	if err != nil {
		return err
	}
	if rd.newSection || rd.ng.NInterfaces() > rd.secKnown {
		rd.syncInterfaces()
	}
	p.Data = data
	p.Timestamp = ci.Timestamp
	p.CaptureLength = ci.CaptureLength
	p.Length = ci.Length
	p.Interface = rd.secBase + ci.InterfaceIndex
	p.LinkType = rd.info.Interfaces[p.Interface].LinkType
	p.Comments = opts.Comments
	return nil
}

// syncInterfaces records the interfaces of the current section that pcapgo has
// read since the last call.
func (rd *Reader) syncInterfaces() {
	if rd.newSection {
		rd.newSection = false
		rd.info.Sections = append(rd.info.Sections, Section(rd.ng.SectionInfo()))
	}
	for i := rd.secKnown; i < rd.ng.NInterfaces(); i++ {
		ngi, err := rd.ng.Interface(i)
		if err != nil {
			break
		}
		rd.addInterface(ngi)
	}
}

func (rd *Reader) addInterface(ngi pcapgo.NgInterface) {
	idx := len(rd.info.Interfaces)
	res := uint8(ngi.TimestampResolution)
	digits := int(res & 0x7f)
	if res&0x80 != 0 {
		// 2^-n: the decimal digits that resolve one tick.
		digits = (int(res&0x7f)*3 + 9) / 10
	}
	rd.info.Interfaces = append(rd.info.Interfaces, Interface{
		Index:               idx,
		Section:             len(rd.info.Sections) - 1,
		LinkType:            LinkType(ngi.LinkType),
		Snaplen:             ngi.SnapLength,
		Name:                ngi.Name,
		Description:         ngi.Description,
		Comment:             ngi.Comment,
		Filter:              ngi.Filter,
		OS:                  ngi.OS,
		TimestampDigits:     digits,
		TimestampResolution: res,
		TimestampOffset:     ngi.TimestampOffset,
	})
	if idx == 0 {
		rd.info.LinkType = LinkType(ngi.LinkType)
		rd.info.Snaplen = ngi.SnapLength
	}
	rd.secKnown++
}

// sectionEnd is pcapgo's SectionEndCallback: the current section is over and
// a new section header is being read.
func (rd *Reader) sectionEnd(ifaces []pcapgo.NgInterface, _ pcapgo.NgSectionInfo) {
	for i := rd.secKnown; i < len(ifaces); i++ {
		rd.addInterface(ifaces[i])
	}
	rd.secBase += rd.secKnown
	rd.secKnown = 0
	rd.newSection = true
}

// statistics is pcapgo's StatisticsCallback for an Interface Statistics Block.
func (rd *Reader) statistics(id int, st pcapgo.NgInterfaceStatistics) {
	rd.syncInterfaces()
	idx := rd.secBase + id
	if idx < 0 || idx >= len(rd.info.Interfaces) {
		return
	}
	prev := rd.info.Interfaces[idx].Stats
	s := &InterfaceStats{Start: st.StartTime, End: st.EndTime, Comment: st.Comment, Blocks: 1}
	if prev != nil {
		s.Blocks = prev.Blocks + 1
	}
	if st.PacketsReceived != pcapgo.NgNoValue64 {
		v := st.PacketsReceived
		s.Received = &v
	}
	if st.PacketsDropped != pcapgo.NgNoValue64 {
		v := st.PacketsDropped
		s.Dropped = &v
	}
	rd.info.Interfaces[idx].Stats = s
}

// swapLengths streams classic pcap records (after the file header), swapping
// the captured-length and original-length fields of each record header, as
// files of format versions before 2.3 wrote them in the other order.
type swapLengths struct {
	r    io.Reader
	bo   binary.ByteOrder
	hdr  [16]byte
	hdrN int   // header bytes held in hdr
	hdrO int   // header bytes already handed out
	left int64 // record data bytes still to pass through
}

func (s *swapLengths) Read(p []byte) (int, error) {
	if s.left > 0 {
		if int64(len(p)) > s.left {
			p = p[:s.left]
		}
		n, err := s.r.Read(p)
		s.left -= int64(n)
		return n, err
	}
	if s.hdrO == s.hdrN {
		// Read the next record header.
		n, err := io.ReadFull(s.r, s.hdr[:])
		if n < len(s.hdr) {
			if n == 0 {
				return 0, err
			}
			s.hdrN, s.hdrO = n, 0 // pass a cut header through as it is
		} else {
			capLen, origLen := s.bo.Uint32(s.hdr[12:16]), s.bo.Uint32(s.hdr[8:12])
			s.bo.PutUint32(s.hdr[8:12], capLen)
			s.bo.PutUint32(s.hdr[12:16], origLen)
			s.hdrN, s.hdrO = 16, 0
			s.left = int64(capLen)
		}
	}
	n := copy(p, s.hdr[s.hdrO:s.hdrN])
	s.hdrO += n
	if s.hdrO == s.hdrN && s.hdrN < len(s.hdr) {
		return n, io.ErrUnexpectedEOF
	}
	return n, nil
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
