package capture_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"runtime/metrics"
	"testing"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Captures built to exhaust the reader's memory, generated as streams (never
// written out): one record of 2 GiB, and millions of pcapng interface
// description blocks. The reader must read them in memory bounded by its
// limits, not by the file, and say what it left out.

// allocated returns the bytes the program has allocated on the heap so
// far. What a function allocates bounds the heap it can have grown.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// zeros is a stream of n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// pcapWithHugeRecord is a pcap file (snaplen 0xffffffff) whose first record
// holds size bytes, then a small record.
func pcapWithHugeRecord(size uint32) io.Reader {
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0}
	rec := append(append(append(le32(1700000000), le32(0)...), le32(size)...), le32(size)...)
	small := append(append(append(le32(1700000001), le32(0)...), le32(4)...), le32(4)...)
	small = append(small, 't', 'a', 'i', 'l')
	return io.MultiReader(bytes.NewReader(append(hdr, rec...)), &zeros{int64(size)}, bytes.NewReader(small))
}

// pcapngBlock frames a pcapng block body.
func pcapngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(len(body) + 12)
	out := append(le32(typ), le32(n)...)
	return append(append(out, body...), le32(n)...)
}

func pcapngSHB() []byte {
	return pcapngBlock(0x0A0D0D0A, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

// pcapngIDB is an interface description with a name and a description.
func pcapngIDB(link uint16, name string) []byte {
	body := append(binary.LittleEndian.AppendUint16(nil, link), 0, 0)
	body = append(body, le32(0)...) // snaplen 0
	opt := func(code uint16, v string) {
		body = binary.LittleEndian.AppendUint16(body, code)
		body = binary.LittleEndian.AppendUint16(body, uint16(len(v)))
		body = append(body, v...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	opt(2, name)
	opt(3, "an interface description that takes some room")
	opt(0, "")
	return pcapngBlock(1, body)
}

func pcapngEPBHeader(iface uint32, caplen uint32) []byte {
	return append(append(append(append(le32(iface), le32(0)...), le32(1)...), le32(caplen)...), le32(caplen)...)
}

// pcapngWithHugeRecord is a pcapng file with one interface whose first
// packet holds size bytes, then a small packet.
func pcapngWithHugeRecord(size uint32) io.Reader {
	head := append(pcapngSHB(), pcapngIDB(1, "eth0")...)
	total := 12 + 20 + size + (-size & 3)
	head = append(append(head, le32(6)...), le32(total)...)
	head = append(head, pcapngEPBHeader(0, size)...)
	tail := append(make([]byte, -size&3), le32(total)...)
	tail = append(tail, pcapngBlock(6, append(pcapngEPBHeader(0, 4), 't', 'a', 'i', 'l'))...)
	return io.MultiReader(bytes.NewReader(head), &zeros{int64(size)}, bytes.NewReader(tail))
}

// gzipped streams r gzip-compressed without compression (stored blocks),
// so that a huge record costs no compression time and looks like no bomb.
func gzipped(r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.NoCompression)
		_, err := io.Copy(zw, r)
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// TestHugeRecord: a 2 GiB record (snaplen 0xffffffff) is cut to
// MaxRecordBytes and the rest skipped, in pcap, pcapng and gzip-compressed
// pcap; the packet after it is read intact; the cut is counted; and the
// reader allocates a few MiB, not the record.
func TestHugeRecord(t *testing.T) {
	const size = 2<<30 - 4
	const gzSize = 256 << 20 // gzip: a smaller record keeps the test fast
	for _, c := range []struct {
		name string
		src  io.Reader
		size int
	}{
		{"pcap", pcapWithHugeRecord(size), size},
		{"pcapng", pcapngWithHugeRecord(size), size},
		{"pcap-gzip", gzipped(pcapWithHugeRecord(gzSize)), gzSize},
		{"pcapng-gzip", gzipped(pcapngWithHugeRecord(gzSize)), gzSize},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.size > gzSize {
				t.Skip("reads 2 GiB")
			}
			before := allocated()
			rd, err := capture.NewReaderOptions(c.src, capture.Options{MaxRecordBytes: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			var p capture.Packet
			if err := rd.ReadPacket(&p); err != nil {
				t.Fatal(err)
			}
			if len(p.Data) != 64<<10 || p.CaptureLength != 64<<10 || p.Length != c.size {
				t.Errorf("huge record: %d bytes kept, caplen %d, length %d; want %d, %d, %d", len(p.Data), p.CaptureLength, p.Length, 64<<10, 64<<10, c.size)
			}
			if err := rd.ReadPacket(&p); err != nil || string(p.Data) != "tail" {
				t.Fatalf("next packet: %q, %v", p.Data, err)
			}
			if err := rd.ReadPacket(&p); err != io.EOF {
				t.Errorf("end: %v", err)
			}
			got := allocated() - before
			t.Logf("reading a record of %d bytes allocated %.1f MiB", c.size, float64(got)/(1<<20))
			if got > 16<<20 {
				t.Errorf("reading allocated %d MiB, want under 16 MiB", got>>20)
			}
			info := rd.Info()
			if info.Cuts.Records != 1 || info.Cuts.MaxRecordBytes != 64<<10 {
				t.Errorf("Cuts = %+v, want 1 record cut at %d", info.Cuts, 64<<10)
			}
			if notes := info.Notes(); len(notes) != 1 || !bytes.Contains([]byte(notes[0]), []byte("--max-record-bytes")) {
				t.Errorf("Notes = %q", notes)
			}
		})
	}
}

// TestRecordLimitDefault: without options, records keep up to 256 KiB.
func TestRecordLimitDefault(t *testing.T) {
	rd, err := capture.NewReader(pcapWithHugeRecord(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	if err := rd.ReadPacket(&p); err != nil || len(p.Data) != capture.DefaultMaxRecordBytes || capture.DefaultMaxRecordBytes != 256<<10 {
		t.Errorf("first record: %d bytes, %v", len(p.Data), err)
	}
}

// manyInterfaces is a pcapng file of one section with n interfaces
// (Ethernet at even indexes, raw IP at odd ones), then a packet on each of
// the given interfaces.
func manyInterfaces(n int, on ...uint32) io.Reader {
	// Two prebuilt blocks, copied out as the reader asks: the generator
	// allocates nothing per block, so the test measures the reader.
	blocks := [2][]byte{pcapngIDB(1, "if-with-a-name"), pcapngIDB(101, "if-with-a-name")}
	i, off := 0, 0
	gen := func(p []byte) (int, error) {
		m := 0
		for m < len(p) && i < n {
			c := copy(p[m:], blocks[i%2][off:])
			m += c
			if off += c; off == len(blocks[i%2]) {
				i, off = i+1, 0
			}
		}
		if m == 0 {
			return 0, io.EOF
		}
		return m, nil
	}
	var pkts []byte
	for _, id := range on {
		pkts = append(pkts, pcapngBlock(6, append(pcapngEPBHeader(id, 4), 'd', 'a', 't', 'a'))...)
	}
	return io.MultiReader(bytes.NewReader(pcapngSHB()), readerFunc(gen), bytes.NewReader(pkts))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestManyInterfaces: 6 million interface description blocks (one
// section, 384 MB) are read in bounded memory: the first MaxInterfaces are
// described, all are counted, packets on the first 2^20 keep their link
// type, later ones are counted under LinkTypeUntracked, and Notes says so.
// (The red team measured 8,480 MiB for this file.)
func TestManyInterfaces(t *testing.T) {
	n := 6_000_000
	if testing.Short() {
		n = 1_200_000
	}
	on := []uint32{0, 1, 1<<20 - 1, 1 << 20, uint32(n - 1)}
	before := allocated()
	rd, err := capture.NewReader(manyInterfaces(n, on...))
	if err != nil {
		t.Fatal(err)
	}
	var links []capture.LinkType
	var ifaces []int
	var p capture.Packet
	for {
		err := rd.ReadPacket(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		links, ifaces = append(links, p.LinkType), append(ifaces, p.Interface)
	}
	got := allocated() - before
	t.Logf("reading %d interface blocks allocated %.1f MiB", n, float64(got)/(1<<20))
	if got > 48<<20 {
		t.Errorf("reading %d interfaces allocated %d MiB, want under 48 MiB", n, got>>20)
	}
	want := []capture.LinkType{1, 101, 101, capture.LinkTypeUntracked, capture.LinkTypeUntracked}
	for i := range on {
		if i >= len(links) || links[i] != want[i] || ifaces[i] != int(on[i]) {
			t.Errorf("packet on interface %d: link %v, interface %v; want link %v", on[i], links, ifaces, want[i])
			break
		}
	}
	info := rd.Info()
	if info.InterfaceCount != n || len(info.Interfaces) != capture.MaxInterfaces || info.Cuts.UntrackedInterfaces != n-(1<<20) {
		t.Errorf("InterfaceCount %d, described %d, untracked %d; want %d, %d, %d", info.InterfaceCount, len(info.Interfaces), info.Cuts.UntrackedInterfaces, n, capture.MaxInterfaces, n-(1<<20))
	}
	last := info.Interfaces[len(info.Interfaces)-1]
	if last.Name != "if-with-a-name" || last.Index != capture.MaxInterfaces-1 || last.LinkType != 101 {
		t.Errorf("last described interface = %+v", last)
	}
	if notes := info.Notes(); len(notes) != 2 {
		t.Errorf("Notes = %q, want the described-interface limit and the untracked interfaces", notes)
	}
}

// TestLongOptionStrings: option strings are cut to MaxOptionStringBytes,
// packet comments to their budget, and the cuts counted.
func TestLongOptionStrings(t *testing.T) {
	long := string(bytes.Repeat([]byte("é"), 5000)) // 10,000 bytes, two per character
	file := append(pcapngSHB(), pcapngIDB(1, long)...)
	epb := pcapngEPBHeader(0, 4)
	epb = append(epb, 'd', 'a', 't', 'a')
	for range 20 {
		epb = binary.LittleEndian.AppendUint16(epb, 1)
		epb = binary.LittleEndian.AppendUint16(epb, 3)
		epb = append(epb, 'a', 'b', 'c', 0)
	}
	file = append(file, pcapngBlock(6, epb)...)
	rd, err := capture.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	if err := rd.ReadPacket(&p); err != nil {
		t.Fatal(err)
	}
	if len(p.Comments) != 16 {
		t.Errorf("%d comments kept, want 16", len(p.Comments))
	}
	info := rd.Info()
	name := info.Interfaces[0].Name
	if len(name) != capture.MaxOptionStringBytes || !bytes.Equal([]byte(name), []byte(long[:capture.MaxOptionStringBytes])) {
		t.Errorf("name cut to %d bytes, want %d", len(name), capture.MaxOptionStringBytes)
	}
	if info.Cuts.Strings != 1 || info.Cuts.Comments != 4 {
		t.Errorf("Cuts = %+v, want 1 string and 4 comments", info.Cuts)
	}
}
