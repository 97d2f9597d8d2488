package capture_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

type readPacket struct {
	data      []byte
	ts        time.Time
	length    int
	linkType  capture.LinkType
	iface     int
	comments  []string
	capLength int
}

// readAll reads every packet of b, copying data, and returns the terminal
// error (nil at a clean end).
func readAll(t *testing.T, b []byte) (*capture.Reader, []readPacket, error) {
	t.Helper()
	rd, err := capture.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var out []readPacket
	var p capture.Packet
	for {
		err := rd.ReadPacket(&p)
		if err == io.EOF {
			return rd, out, nil
		}
		if err != nil {
			return rd, out, err
		}
		out = append(out, readPacket{append([]byte(nil), p.Data...), p.Timestamp, p.Length, p.LinkType, p.Interface, p.Comments, p.CaptureLength})
	}
}

func frames(t *testing.T, n int) []pcaptest.Frame {
	base := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	var fs []pcaptest.Frame
	for i := range n {
		fs = append(fs, pcaptest.Frame{
			Time: base.Add(time.Duration(i) * 1001 * time.Microsecond),
			Data: pcaptest.UDP4(t, "00:11:22:33:44:55", "66:77:88:99:aa:bb", "10.0.0.1", "10.0.0.2", 1000+uint16(i), 53, []byte("payload")),
		})
	}
	return fs
}

func TestRoundTripFormats(t *testing.T) {
	fs := frames(t, 5)
	cases := []struct {
		name   string
		file   []byte
		format capture.Format
		nanos  bool
	}{
		{"pcap-usec", pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs), capture.FormatPcap, false},
		{"pcap-nsec", pcaptest.Pcap(t, layers.LinkTypeEthernet, true, fs), capture.FormatNsecPcap, true},
		{"pcapng", pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet}, fs), capture.FormatPcapNG, true},
	}
	for _, c := range cases {
		for _, gz := range []bool{false, true} {
			name, file := c.name, c.file
			if gz {
				name, file = name+"-gzip", pcaptest.Gzip(t, file)
			}
			t.Run(name, func(t *testing.T) {
				rd, got, err := readAll(t, file)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				info := rd.Info()
				if info.Format != c.format {
					t.Errorf("Format = %q, want %q", info.Format, c.format)
				}
				if (info.Compressed == "gzip") != gz {
					t.Errorf("Compressed = %q, want gzip=%v", info.Compressed, gz)
				}
				if len(got) != len(fs) {
					t.Fatalf("read %d packets, want %d", len(got), len(fs))
				}
				for i, p := range got {
					want := fs[i].Time
					if !c.nanos {
						want = want.Truncate(time.Microsecond)
					}
					if !p.ts.Equal(want) {
						t.Errorf("packet %d time = %v, want %v", i, p.ts, want)
					}
					if !bytes.Equal(p.data, fs[i].Data) {
						t.Errorf("packet %d data differs", i)
					}
					if p.linkType != capture.LinkTypeEthernet {
						t.Errorf("packet %d link type = %v, want Ethernet", i, p.linkType)
					}
				}
			})
		}
	}
}

// TestMixedLinkTypes: a pcapng with an Ethernet and a raw-IP interface; every
// packet is returned and attributed to its interface and link type.
func TestMixedLinkTypes(t *testing.T) {
	eth := pcaptest.UDP4(t, "00:11:22:33:44:55", "66:77:88:99:aa:bb", "10.0.0.1", "10.0.0.2", 1000, 53, []byte("a"))
	raw := pcaptest.RawUDP4(t, "10.0.0.3", "10.0.0.4", 1001, 53, []byte("b"))
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fs := []pcaptest.Frame{
		{Time: ts, Data: eth, Interface: 0},
		{Time: ts.Add(time.Second), Data: raw, Interface: 1, Comment: "raw one"},
		{Time: ts.Add(2 * time.Second), Data: eth, Interface: 0},
		{Time: ts.Add(3 * time.Second), Data: raw, Interface: 1},
	}
	file := pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, fs)
	for _, gz := range []bool{false, true} {
		b := file
		if gz {
			b = pcaptest.Gzip(t, file)
		}
		rd, got, err := readAll(t, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(fs) {
			t.Fatalf("gzip=%v: read %d packets, want %d", gz, len(got), len(fs))
		}
		wantLT := []capture.LinkType{capture.LinkTypeEthernet, capture.LinkTypeRaw, capture.LinkTypeEthernet, capture.LinkTypeRaw}
		for i, p := range got {
			if p.iface != fs[i].Interface || p.linkType != wantLT[i] {
				t.Errorf("gzip=%v packet %d: interface %d link %v, want %d %v", gz, i, p.iface, p.linkType, fs[i].Interface, wantLT[i])
			}
		}
		if c := got[1].comments; len(c) != 1 || c[0] != "raw one" {
			t.Errorf("packet 2 comments = %q, want [raw one]", c)
		}
		info := rd.Info()
		if len(info.Interfaces) != 2 || info.Interfaces[1].LinkType != capture.LinkTypeRaw || info.Interfaces[1].Name != "if1" {
			t.Errorf("interfaces = %+v", info.Interfaces)
		}
		if len(info.Sections) != 1 || info.Sections[0].Application != "mcpacket pcaptest" {
			t.Errorf("sections = %+v", info.Sections)
		}
	}
}

// TestMultipleSections: two pcapng files back to back form one file of two
// sections; interfaces are numbered across sections.
func TestMultipleSections(t *testing.T) {
	fs := frames(t, 3)
	a := pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet}, fs)
	fs2 := []pcaptest.Frame{{Time: fs[0].Time, Data: pcaptest.RawUDP4(t, "10.0.0.3", "10.0.0.4", 1, 2, nil), Interface: 1}}
	b := pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, fs2)
	rd, got, err := readAll(t, append(append([]byte(nil), a...), b...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("read %d packets, want 4", len(got))
	}
	if p := got[3]; p.iface != 2 || p.linkType != capture.LinkTypeRaw {
		t.Errorf("last packet: interface %d link %v, want 2 Raw", p.iface, p.linkType)
	}
	info := rd.Info()
	if len(info.Sections) != 2 {
		t.Errorf("sections = %d, want 2", len(info.Sections))
	}
	if len(info.Interfaces) != 3 || info.Interfaces[2].Section != 1 || info.Interfaces[0].Section != 0 {
		t.Errorf("interfaces = %+v", info.Interfaces)
	}
}

// TestTruncated: a file cut in the middle of a record yields the packets
// before the cut, then a DamagedError that says so.
func TestTruncated(t *testing.T) {
	fs := frames(t, 4)
	for name, file := range map[string][]byte{
		"pcap":   pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs),
		"pcapng": pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet}, fs),
	} {
		t.Run(name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				cut := file[:len(file)-10]
				if gz {
					cut = pcaptest.Gzip(t, cut)
				}
				_, got, err := readAll(t, cut)
				var de *capture.DamagedError
				if !errors.As(err, &de) || !de.Truncated {
					t.Fatalf("gzip=%v: err = %v, want a truncation DamagedError", gz, err)
				}
				if len(got) != 3 || de.Packets != 3 {
					t.Errorf("gzip=%v: read %d packets, error says %d; want 3", gz, len(got), de.Packets)
				}
				if want := "capture truncated after packet 3"; !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestNotCapture(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		is      error
		message string
	}{
		{"empty", nil, capture.ErrEmpty, "file is empty"},
		{"text", []byte("hello world, this is not a capture\n"), capture.ErrNotCapture, "looks like text"},
		{"short", []byte{0xd4, 0xc3}, capture.ErrNotCapture, "only 2 byte(s)"},
		{"zip", []byte("PK\x03\x04rest of a zip"), capture.ErrNotCapture, "zip archive"},
		{"gzip-text", pcaptest.Gzip(t, []byte("just text inside gzip")), capture.ErrNotCapture, "gzip-compressed, but the content is not a capture"},
		{"gzip-damaged", []byte{0x1f, 0x8b, 0x00}, capture.ErrNotCapture, "gzip"},
		{"kuznetzov", []byte{0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0}, capture.ErrUnsupported, "modified (Kuznetzov) pcap"},
		{"pcap-header-cut", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}, capture.ErrNotCapture, "pcap file header cut short"},
		{"pcapng-no-bom", []byte("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00"), capture.ErrNotCapture, "byte-order magic"},
		{"shadow", []byte("root:$6$abcdefgh$ijkl:19000:0:99999:7:::\n"), capture.ErrNotCapture, "looks like text"},
		{"binary", []byte{0x13, 0x37, 0xc0, 0xde, 0, 1, 2, 3}, capture.ErrNotCapture, "format is not recognised"},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), capture.ErrNotCapture, "executable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := capture.NewReader(bytes.NewReader(c.data))
			if !errors.Is(err, c.is) {
				t.Fatalf("NewReader = %v, want %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("error %q does not contain %q", err, c.message)
			}
			// The message never quotes the file: not as text, not in hex.
			if len(c.data) >= 4 && !bytes.HasPrefix(c.data, []byte{0x1f, 0x8b}) {
				head := c.data[:4]
				if strings.Contains(err.Error(), string(head)) || strings.Contains(err.Error(), fmt.Sprintf("% x", head)) || strings.Contains(err.Error(), fmt.Sprintf("%x", head)) {
					t.Errorf("error %q quotes the file's first bytes", err)
				}
			}
		})
	}
}

// TestTestdataCaptures reads the third-party captures in testdata and checks
// the facts tshark/capinfos report for them (../shared/corpus/truth).
func TestTestdataCaptures(t *testing.T) {
	cases := []struct {
		file     string
		format   capture.Format
		packets  int
		link     capture.LinkType
		bigEnd   bool
		gz       bool
		errIs    error  // NewReader error
		damaged  string // terminal error text
		ifaces   int
		firstUTC string // first packet time, microseconds
	}{
		{file: "pcap-be-nsec.pcap", format: capture.FormatNsecPcap, packets: 10, link: capture.LinkTypeEthernet, bigEnd: true, ifaces: 1},
		{file: "pcap-be-usec-netlink.pcap", format: capture.FormatPcap, packets: 13, link: 253, bigEnd: true, ifaces: 1},
		{file: "pcapng-be-dhcp.pcapng", format: capture.FormatPcapNG, packets: 4, link: capture.LinkTypeEthernet, bigEnd: true, ifaces: 1},
		{file: "pcapng-multi-interface.pcapng", format: capture.FormatPcapNG, packets: 64, link: capture.LinkTypeEthernet, ifaces: 11, firstUTC: "2015-08-16 19:35:25.701568"},
		{file: "linktype-sll2.pcap", format: capture.FormatPcap, packets: 6, link: capture.LinkTypeLinuxSLL2, ifaces: 1, firstUTC: "2022-08-15 03:30:49.872259"},
		{file: "linktype-ipv4-228.pcap", format: capture.FormatPcap, packets: 1, link: capture.LinkTypeIPv4, ifaces: 1},
		{file: "http-download.pcap.gz", format: capture.FormatPcap, packets: 289, link: capture.LinkTypeEthernet, gz: true, ifaces: 1, firstUTC: "2024-02-21 08:54:16.503033"},
		{file: "empty-header-only.pcap", format: capture.FormatPcap, packets: 0, link: capture.LinkTypeEthernet, ifaces: 1},
		{file: "empty.pcapng", format: capture.FormatPcapNG, packets: 0, link: capture.LinkTypeEthernet, ifaces: 1},
		// Standard magic, but its records read soundly only with the
		// 24-byte headers of the ss990417 patch: two records (as
		// Wireshark reads it), then a length past any snap length.
		{file: "malformed-huge-caplen.pcap", format: capture.FormatPcap, packets: 2, link: capture.LinkTypeEthernet, ifaces: 1, damaged: "capture damaged after packet 2: pcap: capture length exceeds snap length: 16711424"},
		{file: "malformed-pcap-version.pcap", errIs: capture.ErrUnsupported},
		{file: "malformed-linktype-reserved.pcap", errIs: capture.ErrUnsupported},
		{file: "malformed-pcapng-version.pcapng", errIs: capture.ErrUnsupported},
		{file: "malformed-pcapng-option.pcapng", errIs: capture.ErrNotCapture},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if c.errIs != nil {
				_, err := capture.NewReader(bytes.NewReader(b))
				if !errors.Is(err, c.errIs) {
					t.Fatalf("NewReader = %v, want %v", err, c.errIs)
				}
				return
			}
			rd, got, err := readAll(t, b)
			switch {
			case c.damaged == "" && err != nil:
				t.Fatalf("read: %v", err)
			case c.damaged != "" && (err == nil || !strings.Contains(err.Error(), c.damaged)):
				t.Fatalf("read error = %v, want %q", err, c.damaged)
			}
			info := rd.Info()
			if len(got) != c.packets || info.Format != c.format || info.BigEndian != c.bigEnd || (info.Compressed != "") != c.gz || len(info.Interfaces) != c.ifaces {
				t.Errorf("got %d packets, format %s, big-endian %v, compressed %q, %d interfaces; want %d %s %v gzip=%v %d",
					len(got), info.Format, info.BigEndian, info.Compressed, len(info.Interfaces), c.packets, c.format, c.bigEnd, c.gz, c.ifaces)
			}
			if info.Interfaces[0].LinkType != c.link {
				t.Errorf("first interface link type = %d, want %d", info.Interfaces[0].LinkType, c.link)
			}
			if c.firstUTC != "" {
				first := got[0].ts
				for _, p := range got {
					if p.ts.Before(first) {
						first = p.ts
					}
				}
				if s := first.Format("2006-01-02 15:04:05.000000"); s != c.firstUTC {
					t.Errorf("earliest packet time = %s, want %s", s, c.firstUTC)
				}
			}
		})
	}
}

// TestPcapPre23 reads a pcap file of format version 2.2, whose record headers
// hold the original length first: lengths come out the right way round.
func TestPcapPre23(t *testing.T) {
	fs := frames(t, 2)
	fs[0].Length = 1500
	b := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)
	b[6] = 2 // minor version 2.2
	// Swap the two length fields of every record, as a 2.2 writer would.
	off := 24
	for range fs {
		capLen := append([]byte(nil), b[off+8:off+12]...)
		copy(b[off+8:off+12], b[off+12:off+16])
		copy(b[off+12:off+16], capLen)
		off += 16 + len(fs[0].Data)
	}
	rd, got, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].length != 1500 || got[0].capLength != len(fs[0].Data) || !bytes.Equal(got[1].data, fs[1].Data) {
		t.Errorf("got %d packets, first length %d/%d", len(got), got[0].capLength, got[0].length)
	}
	if v := rd.Info().Version; v != "2.2" {
		t.Errorf("Version = %q, want 2.2", v)
	}
}

// TestPcapVariants: a file with the standard magic number whose record
// headers are the ss990417 patch's (8 more bytes: interface index,
// protocol, packet type, padding) or Nokia's (4 more) is read with them, as
// Wireshark guesses them; a standard file stays standard.
func TestPcapVariants(t *testing.T) {
	fs := frames(t, 3)
	std := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)
	for _, extra := range []int{0, 8, 4} {
		b := append([]byte(nil), std[:24]...)
		off := 24
		for _, f := range fs {
			b = append(b, std[off:off+16]...)
			b = append(b, bytes.Repeat([]byte{0xee}, extra)...) // implausible as a time or a length
			b = append(b, f.Data...)
			off += 16 + len(f.Data)
		}
		_, got, err := readAll(t, b)
		if err != nil {
			t.Fatalf("%d extra bytes: %v", extra, err)
		}
		if len(got) != len(fs) {
			t.Fatalf("%d extra bytes: %d packets, want %d", extra, len(got), len(fs))
		}
		for i, p := range got {
			if !bytes.Equal(p.data, fs[i].Data) || !p.ts.Equal(fs[i].Time.Truncate(time.Microsecond)) {
				t.Errorf("%d extra bytes: packet %d differs (%v)", extra, i+1, p.ts)
			}
		}
	}
}

func TestLinkTypeNames(t *testing.T) {
	for lt, want := range map[capture.LinkType][2]string{
		1:   {"ether", "Ethernet"},
		113: {"linux-sll", "Linux cooked-mode capture v1"},
		276: {"linux-sll2", "Linux cooked-mode capture v2"},
		228: {"rawip4", "Raw IPv4"},
		0:   {"null", "NULL/Loopback"},
		999: {"linktype-999", "Unknown link type 999"},
	} {
		if lt.ShortName() != want[0] || lt.String() != want[1] {
			t.Errorf("LinkType(%d) = %q/%q, want %q/%q", lt, lt.ShortName(), lt.String(), want[0], want[1])
		}
	}
}
