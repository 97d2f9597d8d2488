package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"
	"unicode/utf8"
)

// The pcapng reader (draft-ietf-opsawg-pcapng). Every block has the same
// frame:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Block Type                           |
//	|                      Block Total Length                       |
//	/                          Block Body                           /
//	|                      Block Total Length                       |
//
// and options are (code uint16, length uint16, value padded to 32 bits).
//
// Its memory is bounded whatever the file holds: a block is streamed, never
// read whole; a record keeps at most Options.MaxRecordBytes of its data;
// option values are read one at a time (64 KiB at most, their length
// field's limit) and strings kept are cut to MaxOptionStringBytes;
// sections and interfaces past MaxSections and MaxInterfaces are counted,
// not described; and what packets need of their interface (link type,
// timestamp resolution and offset) costs two bytes per interface of the
// current section, for at most maxSectionInterfaces of them.
// Name resolution, decryption secrets and custom blocks are skipped.

// Block types (§4, and §10.1 for the obsolete Packet Block).
const (
	blockSHB = 0x0A0D0D0A // Section Header Block
	blockIDB = 0x00000001 // Interface Description Block
	blockPB  = 0x00000002 // Packet Block (obsolete)
	blockSPB = 0x00000003 // Simple Packet Block
	blockISB = 0x00000005 // Interface Statistics Block
	blockEPB = 0x00000006 // Enhanced Packet Block
)

const byteOrderMagic uint32 = 0x1A2B3C4D

// Option codes (§3.5 and each block's section).
const (
	optEnd         = 0
	optComment     = 1
	optSHBHardware = 2
	optSHBOS       = 3
	optSHBUserAppl = 4
	optIfName      = 2
	optIfDesc      = 3
	optIfTSResol   = 9
	optIfFilter    = 11
	optIfOS        = 12
	optIfTSOffset  = 14
	optISBStart    = 2
	optISBEnd      = 3
	optISBIfRecv   = 4
	optISBIfDrop   = 5
)

// Bounds of the pcapng reader's state (see the package documentation of
// the limits in Options).
const (
	// maxSectionInterfaces is how many interfaces of one section packets
	// can be attributed to; packets of later ones are counted under
	// LinkTypeUntracked.
	maxSectionInterfaces = 1 << 20
	// maxKinds is how many distinct (link type, timestamp resolution,
	// timestamp offset) combinations are told apart.
	maxKinds = 1<<16 - 1
	// untracked marks an interface past maxSectionInterfaces or maxKinds.
	untracked = 1<<16 - 1
	// maxPacketComments and maxPacketCommentBytes bound the comments kept
	// per packet.
	maxPacketComments     = 16
	maxPacketCommentBytes = 4096
)

// LinkTypeUntracked is the link type of packets whose interface the reader
// did not keep track of (past its bounds, see Info.Cuts): they are counted,
// never decoded.
const LinkTypeUntracked LinkType = 0xffff

// ifaceKind is what reading a packet needs of its interface.
type ifaceKind struct {
	link   LinkType
	tsres  uint8  // if_tsresol
	offset uint64 // if_tsoffset, seconds
}

type kindInfo struct {
	ifaceKind
	units uint64 // timestamp units per second
}

// time converts a 64-bit pcapng timestamp of this interface.
func (k *kindInfo) time(ts uint64) time.Time {
	sec, frac := ts/k.units, ts%k.units
	nsec := frac
	if k.units != 1e9 {
		hi, lo := bits.Mul64(frac, 1e9)
		nsec, _ = bits.Div64(hi, lo, k.units) // hi < units as frac < units
	}
	return time.Unix(int64(sec+k.offset), int64(nsec)).UTC()
}

var microKind = kindInfo{ifaceKind{link: LinkTypeUntracked, tsres: 6}, 1e6}

// ngReader reads pcapng blocks. It fills Info as blocks arrive.
type ngReader struct {
	r        *bufio.Reader
	in       *byteCounter // the stream under r, for Packet.Offset; nil when compressed
	bo       binary.ByteOrder
	info     *Info
	maxBytes int
	left     int64 // bytes of the current block's body not read yet (trailer excluded)

	secBase   int      // index of the current section's interface 0 across the file
	secCount  int      // interfaces the current section has described
	secIfaces []uint16 // kind of each, up to maxSectionInterfaces
	snaplen0  uint32   // snap length of the section's interface 0 (simple packets)

	kinds  []kindInfo
	kindOf map[ifaceKind]uint16

	hdr   [8]byte
	fixed [20]byte // the fixed fields of a block
	oh    [4]byte  // an option header
	opt   []byte   // one option value
	buf   []byte   // one record's data
}

var (
	errBlockShort = errors.New("block too short for its fields")
	errNoBOM      = errors.New("section header has no byte-order magic")
)

// overrun is an option whose length runs past the end of its block.
type overrun struct{ code, n uint16 }

func (e *overrun) Error() string {
	return fmt.Sprintf("option %d is %d bytes long, past the end of its block", e.code, e.n)
}

// blockHeader reads the type and length of the next block. A section
// header sets the byte order of what follows.
func (nr *ngReader) blockHeader() (uint32, error) {
	h := nr.hdr[:]
	if n, err := io.ReadFull(nr.r, h); err != nil {
		if n == 0 && err == io.EOF {
			return 0, io.EOF
		}
		return 0, noEOF(err)
	}
	typ := nr.bo.Uint32(h[0:4]) // a section header's type reads the same in both orders
	if typ == blockSHB {
		bom, err := nr.r.Peek(4)
		if len(bom) < 4 {
			return 0, noEOF(err)
		}
		switch byteOrderMagic {
		case binary.LittleEndian.Uint32(bom):
			nr.bo = binary.LittleEndian
		case binary.BigEndian.Uint32(bom):
			nr.bo = binary.BigEndian
		default:
			return 0, errNoBOM
		}
	}
	total := nr.bo.Uint32(h[4:8])
	if total < 12 {
		return 0, fmt.Errorf("block of type 0x%08x is %d bytes long, shorter than its header and trailer", typ, total)
	}
	nr.left = int64(total) - 12
	return typ, nil
}

// read fills b from the current block's body.
func (nr *ngReader) read(b []byte) error {
	if int64(len(b)) > nr.left {
		return errBlockShort
	}
	if _, err := io.ReadFull(nr.r, b); err != nil {
		return noEOF(err)
	}
	nr.left -= int64(len(b))
	return nil
}

func (nr *ngReader) skip(n int64) error {
	n = min(n, nr.left)
	nr.left -= n
	return discard(nr.r, n)
}

// endBlock skips the rest of the current block and its trailer.
func (nr *ngReader) endBlock() error {
	n := nr.left + 4
	nr.left = 0
	return discard(nr.r, n)
}

// options calls fn for each option of the rest of the current block, until
// the end-of-options option or the end of the block. val is valid only
// during the call.
func (nr *ngReader) options(fn func(code uint16, val []byte)) error {
	oh := nr.oh[:]
	for nr.left >= 4 {
		if err := nr.read(oh); err != nil {
			return err
		}
		code, n := nr.bo.Uint16(oh[0:2]), nr.bo.Uint16(oh[2:4])
		if code == optEnd {
			if n != 0 {
				return errors.New("end of options must be zero length")
			}
			return nil
		}
		if int64(n) > nr.left {
			return &overrun{code, n}
		}
		if cap(nr.opt) < int(n) {
			nr.opt = make([]byte, n)
		}
		val := nr.opt[:n]
		if err := nr.read(val); err != nil {
			return err
		}
		if err := nr.skip(int64(-n & 3)); err != nil {
			return err
		}
		fn(code, val)
	}
	return nil
}

// str keeps an option string, cut to MaxOptionStringBytes.
func (nr *ngReader) str(val []byte) string { return nr.strMax(val, MaxOptionStringBytes) }

// strMax keeps an option string, cut to limit bytes (at a character
// boundary); cuts are counted.
func (nr *ngReader) strMax(val []byte, limit int) string {
	if len(val) <= limit {
		return string(val)
	}
	nr.info.Cuts.Strings++
	cut := limit
	for cut > 0 && !utf8.RuneStart(val[cut]) {
		cut--
	}
	return string(val[:cut])
}

// sectionHeader reads a Section Header Block's body: byte-order magic,
// version, section length, options. A new section starts.
func (nr *ngReader) sectionHeader() error {
	b := nr.fixed[:16]
	if err := nr.read(b); err != nil {
		return err
	}
	major, minor := nr.bo.Uint16(b[4:6]), nr.bo.Uint16(b[6:8])
	if major != 1 || minor != 0 {
		return fmt.Errorf("%w: pcapng section version %d.%d (only 1.0 is defined)", ErrUnsupported, major, minor)
	}
	info := nr.info
	nr.secBase += nr.secCount
	nr.secCount, nr.secIfaces, nr.snaplen0 = 0, nr.secIfaces[:0], 0
	info.SectionCount++
	keep := len(info.Sections) < MaxSections
	var s Section
	err := nr.options(func(code uint16, val []byte) {
		if !keep {
			return
		}
		switch code {
		case optComment:
			s.Comment = nr.str(val)
		case optSHBHardware:
			s.Hardware = nr.str(val)
		case optSHBOS:
			s.OS = nr.str(val)
		case optSHBUserAppl:
			s.Application = nr.str(val)
		}
	})
	if keep {
		info.Sections = append(info.Sections, s)
	}
	return err
}

// interfaceBlock reads an Interface Description Block.
func (nr *ngReader) interfaceBlock() error {
	b := nr.fixed[:8]
	if err := nr.read(b); err != nil {
		return err
	}
	info := nr.info
	link, snaplen := LinkType(nr.bo.Uint16(b[0:2])), nr.bo.Uint32(b[4:8])
	idx := nr.secBase + nr.secCount
	described := idx < MaxInterfaces
	ifc := Interface{Index: idx, Section: info.SectionCount - 1, LinkType: link, Snaplen: snaplen}
	k := ifaceKind{link: link, tsres: 6}
	err := nr.options(func(code uint16, val []byte) {
		switch code {
		case optIfTSResol:
			if len(val) >= 1 {
				k.tsres = val[0]
			}
		case optIfTSOffset:
			if len(val) >= 8 {
				k.offset = nr.bo.Uint64(val)
			}
		}
		if !described {
			return
		}
		switch code {
		case optIfName:
			ifc.Name = nr.str(val)
		case optIfDesc:
			ifc.Description = nr.str(val)
		case optComment:
			ifc.Comment = nr.str(val)
		case optIfFilter:
			if len(val) >= 1 { // the first byte is the filter's type
				ifc.Filter = nr.str(val[1:])
			}
		case optIfOS:
			ifc.OS = nr.str(val)
		}
	})
	if err != nil {
		return err
	}
	exp := k.tsres & 0x7f
	if k.tsres&0x80 != 0 && exp > 63 || k.tsres&0x80 == 0 && exp > 19 {
		return fmt.Errorf("interface %d: timestamp resolution 0x%02x is finer than 64-bit timestamps can count", idx, k.tsres)
	}
	kind := nr.kind(k)
	if nr.secCount < maxSectionInterfaces {
		nr.secIfaces = append(nr.secIfaces, kind)
	} else {
		kind = untracked
	}
	if kind == untracked {
		info.Cuts.UntrackedInterfaces++
	}
	if nr.secCount == 0 {
		nr.snaplen0 = snaplen
	}
	nr.secCount++
	info.InterfaceCount++
	if idx == 0 {
		info.LinkType, info.Snaplen = link, snaplen
	}
	if described {
		digits := int(exp)
		if k.tsres&0x80 != 0 {
			digits = (int(exp)*3 + 9) / 10 // 2^-n: the decimal digits that resolve one tick
		}
		ifc.TimestampDigits, ifc.TimestampResolution, ifc.TimestampOffset = digits, k.tsres, k.offset
		info.Interfaces = append(info.Interfaces, ifc)
	}
	return nil
}

// kind interns k, or returns untracked when maxKinds are known.
func (nr *ngReader) kind(k ifaceKind) uint16 {
	if i, ok := nr.kindOf[k]; ok {
		return i
	}
	if len(nr.kinds) >= maxKinds {
		return untracked
	}
	exp := uint64(k.tsres & 0x7f)
	units := uint64(1) << exp
	if k.tsres&0x80 == 0 {
		units = 1
		for range exp {
			units *= 10
		}
	}
	if nr.kindOf == nil {
		nr.kindOf = map[ifaceKind]uint16{}
	}
	i := uint16(len(nr.kinds))
	nr.kinds = append(nr.kinds, kindInfo{k, units})
	nr.kindOf[k] = i
	return i
}

// ifaceOf returns the kind of interface id of the current section.
func (nr *ngReader) ifaceOf(id uint32) (*kindInfo, error) {
	if int64(id) >= int64(nr.secCount) {
		return nil, fmt.Errorf("interface id %d not present in section (have only %d interfaces)", id, nr.secCount)
	}
	if int(id) < len(nr.secIfaces) && nr.secIfaces[id] != untracked {
		return &nr.kinds[nr.secIfaces[id]], nil
	}
	return &microKind, nil
}

// statisticsBlock reads an Interface Statistics Block; the statistics of
// described interfaces are kept.
func (nr *ngReader) statisticsBlock() error {
	b := nr.fixed[:12]
	if err := nr.read(b); err != nil {
		return err
	}
	id := nr.bo.Uint32(b[0:4])
	k, err := nr.ifaceOf(id)
	if err != nil {
		return err
	}
	idx := nr.secBase + int(id)
	if idx >= len(nr.info.Interfaces) {
		return nil // not described: its statistics are not kept
	}
	st := &InterfaceStats{Blocks: 1}
	stamp := func(val []byte) time.Time {
		return k.time(uint64(nr.bo.Uint32(val[0:4]))<<32 | uint64(nr.bo.Uint32(val[4:8])))
	}
	err = nr.options(func(code uint16, val []byte) {
		switch code {
		case optComment:
			st.Comment = nr.str(val)
		case optISBStart:
			if len(val) >= 8 {
				st.Start = stamp(val)
			}
		case optISBEnd:
			if len(val) >= 8 {
				st.End = stamp(val)
			}
		case optISBIfRecv:
			if len(val) >= 8 {
				v := nr.bo.Uint64(val)
				st.Received = &v
			}
		case optISBIfDrop:
			if len(val) >= 8 {
				v := nr.bo.Uint64(val)
				st.Dropped = &v
			}
		}
	})
	if err != nil {
		return err
	}
	if prev := nr.info.Interfaces[idx].Stats; prev != nil {
		st.Blocks = prev.Blocks + 1
	}
	nr.info.Interfaces[idx].Stats = st
	return nil
}

// packet reads an Enhanced, Simple or (obsolete) Packet Block into p.
func (nr *ngReader) packet(typ uint32, p *Packet) error {
	var (
		id              uint32
		ts              uint64
		capLen, origLen uint32
		b               = nr.fixed[:]
	)
	switch typ {
	case blockEPB, blockPB:
		if err := nr.read(b); err != nil {
			return err
		}
		if typ == blockEPB {
			id = nr.bo.Uint32(b[0:4])
		} else {
			id = uint32(nr.bo.Uint16(b[0:2])) // then a 16-bit drops count
		}
		ts = uint64(nr.bo.Uint32(b[4:8]))<<32 | uint64(nr.bo.Uint32(b[8:12]))
		capLen, origLen = nr.bo.Uint32(b[12:16]), nr.bo.Uint32(b[16:20])
		if int64(capLen) > nr.left {
			return fmt.Errorf("captured length %d runs past the end of its block", capLen)
		}
	case blockSPB:
		if err := nr.read(b[:4]); err != nil {
			return err
		}
		if nr.secCount == 0 {
			return errors.New("a simple packet block comes before any interface description")
		}
		origLen = nr.bo.Uint32(b[0:4])
		capLen = origLen
		if nr.snaplen0 != 0 {
			capLen = min(capLen, nr.snaplen0)
		}
		capLen = uint32(min(int64(capLen), nr.left))
	}
	k, err := nr.ifaceOf(id)
	if err != nil {
		return err
	}
	at := offset(nr.in, nr.r)
	data, err := readRecord(nr.r, &nr.buf, int64(capLen), nr.maxBytes, &nr.info.Cuts)
	if err != nil {
		return err
	}
	nr.left -= int64(capLen)
	if err := nr.skip(int64(-capLen & 3)); err != nil {
		return err
	}
	var comments []string
	if typ != blockSPB {
		room := maxPacketCommentBytes
		err := nr.options(func(code uint16, val []byte) {
			if code != optComment {
				return
			}
			if len(comments) == maxPacketComments || room == 0 {
				nr.info.Cuts.Comments++
				return
			}
			c := nr.strMax(val, min(room, MaxOptionStringBytes))
			room -= len(c)
			comments = append(comments, c)
		})
		if err != nil {
			return err
		}
	}
	p.Data = data
	p.Timestamp = time.Time{}
	if typ != blockSPB {
		p.Timestamp = k.time(ts)
	}
	p.CaptureLength = len(data)
	p.Length = int(origLen)
	p.LinkType = k.link
	p.Interface = nr.secBase + int(id)
	p.Comments = comments
	p.Offset = at
	return nil
}

// next reads blocks until a packet, keeping what the others describe.
func (nr *ngReader) next(p *Packet) error {
	for {
		typ, err := nr.blockHeader()
		if err != nil {
			return err
		}
		switch typ {
		case blockEPB, blockPB, blockSPB:
			if err := nr.packet(typ, p); err != nil {
				return err
			}
			return nr.endBlock()
		case blockSHB:
			err = nr.sectionHeader()
		case blockIDB:
			err = nr.interfaceBlock()
		case blockISB:
			err = nr.statisticsBlock()
		}
		if err != nil {
			return err
		}
		if err := nr.endBlock(); err != nil {
			return err
		}
	}
}
