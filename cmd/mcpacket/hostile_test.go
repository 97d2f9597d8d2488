package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// Hostile captures: file headers that lie and packets crafted to break
// decoders. Every tool of every module must answer each within 10 s, with a
// result or a clear error, without a panic and without memory running away.

// pcapFile builds a classic pcap file by hand, so its headers can lie.
type pcapFile struct {
	b bytes.Buffer
}

func newPcap(snaplen uint32, link uint32) *pcapFile {
	p := &pcapFile{}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], snaplen)
	binary.LittleEndian.PutUint32(hdr[20:], link)
	p.b.Write(hdr)
	return p
}

// record writes a record whose header claims incl and orig lengths, then
// data (which may be shorter than incl).
func (p *pcapFile) record(sec, usec, incl, orig uint32, data []byte) {
	h := make([]byte, 16)
	binary.LittleEndian.PutUint32(h[0:], sec)
	binary.LittleEndian.PutUint32(h[4:], usec)
	binary.LittleEndian.PutUint32(h[8:], incl)
	binary.LittleEndian.PutUint32(h[12:], orig)
	p.b.Write(h)
	p.b.Write(data)
}

func (p *pcapFile) frame(i int, data []byte) {
	p.record(1700000000+uint32(i/1000), uint32(i%1000)*1000, uint32(len(data)), uint32(len(data)), data)
}

func ser(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var (
	macA = []byte{2, 0, 0, 0, 0, 1}
	macB = []byte{2, 0, 0, 0, 0, 2}
	ipA  = []byte{10, 0, 0, 1}
	ipB  = []byte{10, 0, 0, 2}
)

func eth(t testing.TB, typ layers.EthernetType, payload []byte) []byte {
	return ser(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: typ}, gopacket.Payload(payload))
}

// ipv4 builds an IPv4 header by hand (ihl in 32-bit words, total length
// as given) followed by payload.
func ipv4(ihl int, total uint16, proto byte, frag uint16, payload []byte) []byte {
	h := make([]byte, max(ihl*4, 20))
	h[0] = 0x40 | byte(ihl&0xf)
	binary.BigEndian.PutUint16(h[2:], total)
	binary.BigEndian.PutUint16(h[6:], frag)
	h[8], h[9] = 64, proto
	copy(h[12:], ipA)
	copy(h[16:], ipB)
	return append(h, payload...)
}

func udp(sport, dport, length uint16, payload []byte) []byte {
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], length)
	return append(h, payload...)
}

func tcpHdr(sport, dport uint16, offsetWords byte, flags byte, opts []byte, payload []byte) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint32(h[4:], 1000)
	h[12], h[13] = offsetWords<<4, flags
	binary.BigEndian.PutUint16(h[14:], 0xffff)
	return append(append(h, opts...), payload...)
}

// hostileCaptures writes the hostile captures into dir and returns their
// paths.
func hostileCaptures(t *testing.T, dir string) []string {
	files := map[string][]byte{}

	p := newPcap(65535, 1)
	p.record(1700000000, 0, 0xfffffff0, 0xfffffff0, make([]byte, 100))
	files["caplen-4gib.pcap"] = p.b.Bytes()

	p = newPcap(0, 1)
	for i := range 10 {
		p.frame(i, eth(t, layers.EthernetTypeIPv4, ipv4(5, 28, 17, 0, udp(1, 53, 8, nil))))
	}
	files["snaplen-0.pcap"] = p.b.Bytes()

	p = newPcap(65535, 1)
	p.record(1700000000, 0, 1000, 1000, []byte("short"))
	files["record-past-eof.pcap"] = p.b.Bytes()

	p = newPcap(65535, 1)
	p.record(1700000000, 5_000_000, 60, 10, make([]byte, 60)) // usec past a second, orig < incl
	p.record(0xffffffff, 999999, 60, 0xffffffff, make([]byte, 60))
	files["lying-timestamps-lengths.pcap"] = p.b.Bytes()

	files["pcapng-block-past-eof.pcapng"] = pcapngBlockPastEOF()
	files["pcapng-option-overflow.pcapng"] = pcapngOptionOverflow()

	// A gzip bomb: a pcap header, then 256 MiB of zero bytes compress to
	// about 256 KiB.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(newPcap(65535, 1).b.Bytes())
	zeros := make([]byte, 1<<20)
	for range 256 {
		zw.Write(zeros)
	}
	zw.Close()
	files["gzip-bomb.pcap.gz"] = gz.Bytes()
	files["gzip-garbage.pcap.gz"] = append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, bytes.Repeat([]byte{0xff, 0x00, 0x13}, 3000)...)

	files["crafted-packets.pcap"] = craftedPackets(t)
	files["random-payloads.pcap"] = randomPayloads(t)

	var paths []string
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

func pcapngBlockPastEOF() []byte {
	var b bytes.Buffer
	shb := []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0}
	idb := []byte{1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 20, 0, 0, 0}
	b.Write(shb)
	b.Write(idb)
	epb := []byte{6, 0, 0, 0, 0xf0, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0xff, 0x7f, 0xf0, 0xff, 0xff, 0x7f}
	b.Write(epb)
	b.Write(make([]byte, 64))
	return b.Bytes()
}

func pcapngOptionOverflow() []byte {
	var b bytes.Buffer
	b.Write([]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0})
	b.Write([]byte{1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 20, 0, 0, 0})
	// An EPB with a 4-byte packet and a comment option claiming 65535 bytes.
	epb := []byte{6, 0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0xff, 0xff, 0, 0, 0, 0, 44, 0, 0, 0}
	b.Write(epb)
	return b.Bytes()
}

// craftedPackets: headers with impossible lengths and offsets, loops and
// deep nesting, on the ports every module reads.
func craftedPackets(t *testing.T) []byte {
	p := newPcap(65535, 1)
	var frames [][]byte
	add := func(b []byte) { frames = append(frames, b) }
	ip := func(b []byte) { add(eth(t, layers.EthernetTypeIPv4, b)) }
	// IPv4 header lengths and total lengths that lie.
	for _, ihl := range []int{0, 1, 4, 5, 15} {
		for _, total := range []uint16{0, 19, 20, 28, 65535} {
			ip(ipv4(ihl, total, 17, 0, udp(53, 53, 20, []byte("0123456789ab"))))
			ip(ipv4(ihl, total, 6, 0, tcpHdr(80, 4000, 5, 0x12, nil, nil)))
		}
	}
	// TCP data offsets 0..15 with options of bad lengths.
	for off := range byte(16) {
		for _, opts := range [][]byte{nil, {2, 0}, {3, 1, 14}, {8, 255, 0, 0}, {5, 2}, {1, 1, 1, 0}} {
			seg := tcpHdr(5060, 80, off, 0x3f, opts, []byte("INVITE sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n"))
			ip(ipv4(5, uint16(20+len(seg)), 6, 0, seg))
		}
	}
	// Overlapping, endless and out-of-range IPv4 fragments.
	for i := range 300 {
		frag := uint16(i%50) | 0x2000
		if i%97 == 0 {
			frag = 0x1fff
		}
		ip(ipv4(5, 60, 17, frag, udp(53, 53, 4000, make([]byte, 32))))
	}
	// DNS: a compression pointer to itself, a label past the end, 65535
	// records claimed.
	for _, msg := range [][]byte{
		{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4},
		{0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'a', 'b'},
		{0, 3, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		ip(ipv4(5, uint16(28+len(msg)), 17, 0, udp(53, 5353, uint16(8+len(msg)), msg)))
		seg := tcpHdr(53, 4000, 5, 0x18, nil, append([]byte{0xff, 0xff}, msg...))
		ip(ipv4(5, uint16(20+len(seg)), 6, 0, seg))
	}
	// DHCP: option overload pointing at itself, options running past the
	// end, a huge hardware length.
	bootp := make([]byte, 240)
	bootp[0], bootp[1], bootp[2] = 1, 1, 255
	copy(bootp[236:], []byte{99, 130, 83, 99})
	bootp = append(bootp, 53, 1, 1, 52, 1, 3, 55, 200, 1, 3)
	ip(ipv4(5, uint16(28+len(bootp)), 17, 0, udp(68, 67, uint16(8+len(bootp)), bootp)))
	// ICMP errors quoting ICMP errors quoting truncated headers.
	inner := ipv4(5, 56, 1, 0, []byte{3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 20, 0, 0, 0, 0, 1, 6})
	ip(ipv4(5, uint16(28+len(inner)), 1, 0, append([]byte{3, 1, 0, 0, 0, 0, 0, 0}, inner...)))
	// ICMPv6 neighbor discovery with options of length zero.
	nd := append([]byte{135, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16)...)
	nd = append(nd, 1, 0, 0, 0, 0, 0, 0, 0)
	ip6 := make([]byte, 40)
	ip6[0], ip6[6], ip6[7] = 0x60, 58, 255
	binary.BigEndian.PutUint16(ip6[4:], uint16(len(nd)))
	add(eth(t, layers.EthernetTypeIPv6, append(ip6, nd...)))
	// IPv6 with a long chain of extension headers.
	chain := make([]byte, 40)
	chain[0], chain[6] = 0x60, 0
	for range 100 {
		chain = append(chain, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	binary.BigEndian.PutUint16(chain[4:], uint16(len(chain)-40))
	add(eth(t, layers.EthernetTypeIPv6, chain))
	// 200 nested VLAN tags; PPPoE with a bogus length; MPLS without a
	// bottom of stack.
	vl := []byte{}
	for range 200 {
		vl = append(vl, 0, 1, 0x81, 0x00)
	}
	add(eth(t, layers.EthernetTypeDot1Q, append(vl, 0, 1, 0x08, 0x00)))
	add(eth(t, layers.EthernetTypePPPoESession, []byte{0x11, 0, 0, 1, 0xff, 0xff, 0, 0x21, 0x45}))
	add(eth(t, layers.EthernetTypeMPLSUnicast, bytes.Repeat([]byte{0, 1, 0, 64}, 300)))
	// SIP with a huge header block and a Content-Length past the end.
	sipMsg := []byte("REGISTER sip:x SIP/2.0\r\nCall-ID: " + strings.Repeat("a", 60000) + "\r\nContent-Length: 4294967296\r\n\r\n")
	ip(ipv4(5, uint16(min(65535, 28+len(sipMsg))), 17, 0, udp(5060, 5060, 0, sipMsg)))
	for i, f := range frames {
		p.frame(i, f)
	}
	return p.b.Bytes()
}

// randomPayloads: valid Ethernet/IP/UDP or TCP headers to every port a
// module reads, carrying deterministic random bytes.
func randomPayloads(t *testing.T) []byte {
	r := rand.New(rand.NewPCG(9, 9))
	p := newPcap(65535, 1)
	ports := []uint16{53, 5353, 5355, 67, 68, 5060, 80, 443}
	for i := range 1500 {
		payload := make([]byte, r.IntN(600))
		for j := range payload {
			payload[j] = byte(r.Uint32())
		}
		port := ports[r.IntN(len(ports))]
		var b []byte
		switch i % 3 {
		case 0:
			b = ipv4(5, uint16(28+len(payload)), 17, 0, udp(40000, port, uint16(8+len(payload)), payload))
		case 1:
			seg := tcpHdr(40000+uint16(i%7), port, 5, byte(r.Uint32()), nil, payload)
			binary.BigEndian.PutUint32(seg[4:], r.Uint32()%5000)
			b = ipv4(5, uint16(20+len(seg)), 6, 0, seg)
		default:
			b = ipv4(5, uint16(20+len(payload)), 1, 0, payload)
		}
		p.frame(i, eth(t, layers.EthernetTypeIPv4, b))
	}
	return p.b.Bytes()
}

// TestHostileCaptures runs every tool on every hostile capture, on the
// repository's malformed ones, and on every capture of the corpus (its
// malformed, truncated, fuzzed and crafted ones among them).
func TestHostileCaptures(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	files := hostileCaptures(t, t.TempDir())
	malformed, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "malformed-*"))
	files = append(files, malformed...)
	if dir, ok := pcaptest.CorpusDir(t); ok {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() && strings.Contains(e.Name(), ".pcap") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}

	// A watchdog samples the heap while the calls run.
	peak := pcaptest.WatchHeap()

	calls := 0
	for _, m := range reg.Modules() {
		for _, tool := range m.Tools() {
			if !hasPcapArg(tool) { // list_captures, upload_capture
				continue
			}
			for _, f := range files {
				args := map[string]any{"pcap_file": f}
				if tool.Name == "analyze_traffic_flow" {
					args["server_ip"] = "10.0.0.2"
				}
				raw, _ := json.Marshal(args)
				env := pcaptest.Env(0)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := callSafely(ctx, tool, env, raw)
				if ctx.Err() != nil {
					t.Errorf("%s on %s: still running after 10 s", tool.Name, filepath.Base(f))
				}
				cancel()
				calls++
				if err != nil {
					// A refusal names the capture and says what is wrong.
					if strings.Contains(err.Error(), "panic") || !strings.Contains(err.Error(), filepath.Base(f)) {
						t.Errorf("%s on %s: %v", tool.Name, filepath.Base(f), err)
					}
					if tool.Name == "analyze_capinfos" {
						t.Logf("%s: %v", filepath.Base(f), err)
					}
					continue
				}
				if _, err := json.Marshal(out); err != nil {
					t.Errorf("%s on %s: output does not marshal: %v", tool.Name, filepath.Base(f), err)
				}
			}
		}
	}
	top := peak()
	t.Logf("%d calls on %d hostile, malformed and corpus captures; peak heap in use %d MiB", calls, len(files), top>>20)
	if top > 256<<20 {
		t.Errorf("peak heap %d MiB", top>>20)
	}
}

// callSafely calls a tool and turns a panic into an error that says so.
func callSafely(ctx context.Context, tool analyzer.Tool, env *analyzer.Env, raw json.RawMessage) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorf("panic: %v", r)
		}
	}()
	return tool.Call(ctx, env, raw)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
