package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// pcapReader reads the records of a classic pcap file, after its file
// header (draft-ietf-opsawg-pcap §5):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Timestamp (Seconds)                      |
//	|            Timestamp (Microseconds or nanoseconds)            |
//	|              Captured Packet Length                           |
//	|              Original Packet Length                           |
//	/                          Packet Data                          /
//
// Files of versions before 2.3 hold the original length first.
type pcapReader struct {
	r        *bufio.Reader
	in       *byteCounter // the stream under r, for Packet.Offset; nil when compressed
	bo       binary.ByteOrder
	fracMul  uint32 // 1000 for microsecond timestamps, 1 for nanoseconds
	swapped  bool   // lengths in the pre-2.3 order
	snaplen  uint32
	link     LinkType
	maxBytes int // most of a record kept (Options.MaxRecordBytes)
	extra    int // record header bytes after the standard 16 (a patched libpcap's; see guessPcapVariant)
	hdr      [16]byte
	buf      []byte
	cuts     *Cuts
}

// snaplenSlack is how far past the file's snapshot length a record may go:
// writers that do not cut to the snap length they declare exist (dpkt),
// and tcpdump and Wireshark read their records up to their own maximum
// snapshot length, libpcap's MAXIMUM_SNAPLEN. A longer record is damage.
const snaplenSlack = 262144

func (pr *pcapReader) next(p *Packet) error {
	if n, err := io.ReadFull(pr.r, pr.hdr[:]); err != nil {
		if n == 0 && err == io.EOF {
			return io.EOF
		}
		return noEOF(err)
	}
	if pr.extra > 0 {
		if _, err := pr.r.Discard(pr.extra); err != nil {
			return noEOF(err)
		}
	}
	h := pr.hdr[:]
	sec, frac := pr.bo.Uint32(h[0:4]), pr.bo.Uint32(h[4:8])
	capLen, origLen := pr.bo.Uint32(h[8:12]), pr.bo.Uint32(h[12:16])
	if pr.swapped {
		capLen, origLen = origLen, capLen
	}
	if capLen > max(pr.snaplen, snaplenSlack) {
		return fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, pr.snaplen)
	}
	if capLen > origLen {
		return fmt.Errorf("capture length exceeds original packet length: %d > %d", capLen, origLen)
	}
	var data []byte
	var err error
	p.Offset = offset(pr.in, pr.r)
	if n := int(capLen); n <= pr.maxBytes && n <= pr.r.Size() {
		// Most records: their bytes straight from the buffered reader,
		// valid until its next read (nothing else of the record follows
		// them), with no copy.
		if data, err = pr.r.Peek(n); err != nil {
			return noEOF(err)
		}
		pr.r.Discard(n)
	} else if data, err = readRecord(pr.r, &pr.buf, int64(capLen), pr.maxBytes, pr.cuts); err != nil {
		return err
	}
	// The fraction is scaled in 32 bits, as libpcap, Wireshark and pcapgo
	// do, so that a microsecond field past a second gives the same time.
	p.Data = data
	p.Timestamp = time.Unix(int64(sec), int64(frac*pr.fracMul)).UTC()
	p.CaptureLength = len(data)
	p.Length = int(origLen)
	p.LinkType = pr.link
	p.Interface = 0
	p.Comments = nil
	return nil
}

// readRecord reads a record's n data bytes into *buf (reused), keeping at
// most max of them: past max, the rest is skipped (streamed, never held)
// and counted in cuts.
func readRecord(r *bufio.Reader, buf *[]byte, n int64, max int, cuts *Cuts) ([]byte, error) {
	keep := int(min(n, int64(max)))
	if cap(*buf) < keep {
		*buf = make([]byte, keep)
	}
	data := (*buf)[:keep]
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, noEOF(err)
	}
	if rest := n - int64(keep); rest > 0 {
		if err := discard(r, rest); err != nil {
			return nil, err
		}
		cuts.Records++
	}
	return data, nil
}

// discard skips n bytes of r; a stream that ends first is cut short.
func discard(r *bufio.Reader, n int64) error {
	for n > 0 {
		step := int(min(n, 1<<30))
		m, err := r.Discard(step)
		n -= int64(m)
		if err != nil {
			return noEOF(err)
		}
	}
	return nil
}

// noEOF turns the end of the stream inside a record into
// io.ErrUnexpectedEOF: the file was cut short.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// guessPcapVariant returns how many bytes follow the standard 16 in each
// record header of a file with the standard microsecond magic number: 0
// (standard), 8 (Alexey Kuznetsov's ss990417 patch: interface index,
// protocol, packet type) or 4 (Nokia). As Wireshark's wiretap does, it
// reads the first three records as each variant and keeps the first one
// whose headers look sound, or else the one with the fewest faults. It
// looks only at what the buffered reader already holds (it never waits on
// the stream, which may be a slow download), so a longer variant wins only
// where a second record header was read as it lays them out.
func guessPcapVariant(br *bufio.Reader, bo binary.ByteOrder, swapped bool, snaplen uint32) int {
	buf, _ := br.Peek(br.Buffered())
	stdFaults, _ := pcapVariantFaults(buf, 16, bo, swapped, snaplen)
	best, bestFaults := 0, stdFaults
	for _, extra := range [...]int{8, 4} {
		if faults, read := pcapVariantFaults(buf, 16+extra, bo, swapped, snaplen); read >= 2 && faults < bestFaults {
			best, bestFaults = extra, faults
		}
	}
	return best
}

// pcapVariantFaults counts what is wrong with the first record header of
// up to three that is wrong at all, read with headers of hdrLen bytes
// (wiretap's libpcap_try_record): a microsecond field past a second, a
// captured length past the largest snapshot length or past the file's, an
// original length past 128 MiB or under the captured one; and says how many
// headers it read. Records past buf are not read.
func pcapVariantFaults(buf []byte, hdrLen int, bo binary.ByteOrder, swapped bool, snaplen uint32) (faults, read int) {
	off := 0
	for read < 3 && len(buf)-off >= hdrLen {
		h := buf[off:]
		read++
		frac, capLen, origLen := bo.Uint32(h[4:8]), bo.Uint32(h[8:12]), bo.Uint32(h[12:16])
		if swapped {
			capLen, origLen = origLen, capLen
		}
		for _, bad := range [...]bool{frac >= 1000000, capLen > snaplenSlack, origLen > 128<<20, capLen > snaplen, capLen > origLen} {
			if bad {
				faults++
			}
		}
		if faults > 0 || int64(capLen) > int64(len(buf)) {
			return faults, read
		}
		off += hdrLen + int(capLen)
	}
	return 0, read
}
