package engine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// summary is what the tests check of each decoded packet.
type summary struct {
	vlans          string
	src, dst       string
	sport, dport   uint16
	transport      string
	unsupported    bool
	srcMAC         string
	fragment       bool
	payloadPresent bool
}

func summarize(p *engine.Packet) summary {
	s := summary{unsupported: p.UnsupportedLink, fragment: p.Fragment}
	var v []string
	for _, id := range p.VLANs {
		v = append(v, fmt.Sprint(id))
	}
	s.vlans = strings.Join(v, ",")
	if a := p.SrcIP(); a.IsValid() {
		s.src, s.dst = a.String(), p.DstIP().String()
	}
	s.sport, s.dport, _ = p.Ports()
	switch {
	case p.UDP != nil:
		s.transport = "udp"
	case p.TCP != nil:
		s.transport = "tcp"
	case p.ICMPv4 != nil:
		s.transport = "icmp"
	case p.ICMPv6 != nil:
		s.transport = "icmpv6"
	}
	if m := p.SrcMAC(); m != nil {
		s.srcMAC = m.String()
	}
	s.payloadPresent = len(p.Payload()) > 0
	return s
}

func run(t *testing.T, b []byte) (*engine.Result, []summary) {
	t.Helper()
	var got []summary
	res, err := engine.Run(t.Context(), bytes.NewReader(b), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		got = append(got, summarize(p))
	}))
	if err != nil {
		t.Fatal(err)
	}
	return res, got
}

// TestLinkTypes decodes the testdata captures of each supported link type;
// the expected addresses, ports and VLAN IDs are tshark's for those files.
func TestLinkTypes(t *testing.T) {
	cases := []struct {
		file string
		want []summary
	}{
		{"vlan-qinq.pcap", []summary{
			{vlans: "13,10", src: "172.19.51.37", dst: "172.19.51.63", sport: 47808, transport: "udp", srcMAC: "*"},
			{vlans: "13,10", src: "172.19.51.37", dst: "172.19.51.63", sport: 47808, transport: "udp", srcMAC: "*"},
			{vlans: "13,10", src: "193.1.186.60", dst: "224.2.127.254", sport: 9875, transport: "udp", srcMAC: "*"},
			{vlans: "13,10", src: "193.1.186.60", dst: "224.2.127.254", sport: 9875, transport: "udp", srcMAC: "*"},
			{vlans: "13,10", srcMAC: "*"}, // ARP
		}},
		{"linktype-sll2.pcap", []summary{
			{src: "192.0.2.1", transport: "icmp", srcMAC: "00:00:00:00:00:00"},
			{src: "192.0.2.1", transport: "icmp", srcMAC: "00:00:00:00:00:00"},
			{src: "fe80::8c36:6ff:fe44:acaf", transport: "icmpv6", srcMAC: "00:00:00:00:00:00"},
			{src: "fe80::8c36:6ff:fe44:acaf", transport: "icmpv6", srcMAC: "00:00:00:00:00:00"},
			{srcMAC: "8e:36:06:44:ac:af"},
			{srcMAC: "8e:36:06:44:ac:af"},
		}},
		{"linktype-null.pcap", []summary{
			{src: "::1", transport: "*"},
			{src: "172.16.1.117", dport: 8612, transport: "udp"},
			{src: "10.0.0.138", dport: 58125, transport: "udp"},
		}},
		{"linktype-raw-ipv6.pcap", []summary{{src: "2001:db8::1", dport: 53, transport: "udp"}}},
		{"linktype-ipv4-228.pcap", []summary{{src: "192.168.1.100", dport: 53, transport: "udp"}}},
		{"pcap-be-usec-netlink.pcap", []summary{{unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}, {unsupported: true}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(pcaptest.Testdata(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			res, got := run(t, b)
			if len(got) != len(c.want) {
				t.Fatalf("%d packets, want %d", len(got), len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if w.srcMAC == "*" {
					w.srcMAC = g.srcMAC
				}
				if w.transport == "*" {
					w.transport = g.transport
				}
				if w.sport == 0 {
					w.sport = g.sport
				}
				if w.dport == 0 {
					w.dport = g.dport
				}
				if w.dst == "" {
					w.dst = g.dst
				}
				w.payloadPresent = g.payloadPresent
				if g != w {
					t.Errorf("packet %d = %+v, want %+v", i+1, g, w)
				}
			}
			if strings.HasPrefix(c.file, "pcap-be-usec-netlink") {
				if res.UnsupportedLinkTypes[253] != 13 || len(res.Warnings) != 0 {
					t.Errorf("unsupported = %v, warnings = %q", res.UnsupportedLinkTypes, res.Warnings)
				}
			}
		})
	}
}

func TestFragments(t *testing.T) {
	// A 1,008-byte UDP datagram (8-byte header, 1,000 bytes of payload) in
	// two fragments; then the first fragment of another datagram, cut by
	// the snaplen.
	udp := make([]byte, 1008)
	binary.BigEndian.PutUint16(udp[0:], 5353)
	binary.BigEndian.PutUint16(udp[2:], 53)
	binary.BigEndian.PutUint16(udp[4:], 1008)
	for i := 8; i < len(udp); i++ {
		udp[i] = byte(i)
	}
	eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:00:00:00:01"), DstMAC: pcaptest.MAC(t, "00:00:00:00:00:02"), EthernetType: layers.EthernetTypeIPv4}
	frag := func(id uint16, off uint16, more bool, data []byte) []byte {
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: id, Protocol: layers.IPProtocolUDP, FragOffset: off, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
		if more {
			ip.Flags = layers.IPv4MoreFragments
		}
		return pcaptest.Serialize(t, eth, ip, gopacket.Payload(data))
	}
	cut := frag(9, 0, true, udp[:600])
	fs := []pcaptest.Frame{
		{Time: time.Unix(1, 0), Data: frag(7, 0, true, udp[:504])},
		{Time: time.Unix(2, 0), Data: frag(7, 63, false, udp[504:])},
		{Time: time.Unix(3, 0), Data: cut[:100], Length: len(cut)},
	}
	var payloads []int
	_, got := run(t, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs))
	_, err := engine.Run(t.Context(), bytes.NewReader(pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		payloads = append(payloads, len(p.Payload()))
		if p.Number == 2 && (!p.Reassembled || !bytes.Equal(p.UDP.Payload, udp[8:])) {
			t.Errorf("frame 2: reassembled %v, payload %d bytes", p.Reassembled, len(p.Payload()))
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if g := got[0]; !g.fragment || g.transport != "" {
		t.Errorf("first fragment = %+v, want a fragment held for reassembly, without transport", g)
	}
	if g := got[1]; g.fragment || g.transport != "udp" || g.sport != 5353 || payloads[1] != 1000 {
		t.Errorf("last fragment = %+v with %d payload bytes, want the reassembled UDP datagram", g, payloads[1])
	}
	if g := got[2]; !g.fragment || g.transport != "udp" {
		t.Errorf("snaplen-cut first fragment = %+v, want its UDP header decoded", g)
	}
}

func TestFrameNumbersAndFlush(t *testing.T) {
	fs := mixedFrames(t, 10)
	var numbers []int
	obs := &flushCounter{}
	res, err := engine.Run(t.Context(), bytes.NewReader(pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)), engine.Options{},
		engine.ObserverFunc(func(p *engine.Packet) { numbers = append(numbers, p.Number) }), obs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("frame numbers = %v, want 1..10", numbers)
		}
	}
	if res.Packets != 10 || obs.observed != 10 || obs.flushed != 1 {
		t.Errorf("packets %d, observed %d, flushed %d", res.Packets, obs.observed, obs.flushed)
	}
}

type flushCounter struct{ observed, flushed int }

func (f *flushCounter) Observe(*engine.Packet) { f.observed++ }
func (f *flushCounter) Flush()                 { f.flushed++ }

func TestCancel(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 10000))
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	_, err := engine.Run(ctx, bytes.NewReader(file), engine.Options{}, engine.ObserverFunc(func(*engine.Packet) {
		n++
		if n == 5000 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n >= 10000 {
		t.Errorf("observed %d packets after cancel; the engine should stop within %d", n, 4096)
	}
}

func TestProgress(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 20000))
	var reports []engine.Progress
	// The source pauses now and then, as a download or a disk does, so
	// that the pass lasts long enough to be reported on however busy the
	// machine is.
	res, err := engine.Run(t.Context(), &pausingReader{r: bytes.NewReader(file)}, engine.Options{
		Size:             int64(len(file)),
		ProgressInterval: time.Nanosecond,
		Progress:         func(p engine.Progress) { reports = append(reports, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) < 3 {
		t.Fatalf("%d progress reports, want several", len(reports))
	}
	last := reports[len(reports)-1]
	if !last.Done || last.Bytes != int64(len(file)) || last.Total != int64(len(file)) || last.Packets != res.Packets {
		t.Errorf("last report = %+v, want done with all %d bytes and %d packets", last, len(file), res.Packets)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i].Bytes < reports[i-1].Bytes {
			t.Errorf("progress went backwards: %+v then %+v", reports[i-1], reports[i])
		}
	}
}

// TestSourceError: a failure of the source itself (a download cut off or over
// its limit) is an error, not a truncated capture.
func TestSourceError(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 100))
	boom := errors.New("download exceeds the size limit")
	src := io.MultiReader(bytes.NewReader(file[:len(file)/2]), errReader{boom})
	_, err := engine.Run(t.Context(), src, engine.Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the source's error", err)
	}
}

type errReader struct{ err error }

// pausingReader reads at most 16 KiB at a time and sleeps a millisecond
// before each read.
type pausingReader struct{ r io.Reader }

func (p *pausingReader) Read(b []byte) (int, error) {
	time.Sleep(time.Millisecond)
	return p.r.Read(b[:min(len(b), 16<<10)])
}

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestTruncatedWarning(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 10))
	res, err := engine.Run(t.Context(), bytes.NewReader(file[:len(file)-5]), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 9 || res.Damaged == nil || !res.Damaged.Truncated || len(res.Warnings) != 1 ||
		!strings.HasPrefix(res.Warnings[0], "capture truncated after packet 9") {
		t.Errorf("packets %d, damaged %v, warnings %q", res.Packets, res.Damaged, res.Warnings)
	}
	_, err = engine.Run(t.Context(), strings.NewReader("not a capture at all"), engine.Options{})
	if !errors.Is(err, capture.ErrNotCapture) {
		t.Errorf("text input: err = %v, want ErrNotCapture", err)
	}
}

// mixedFrames returns n frames cycling through UDP (DNS, DHCP), TCP, ICMP
// and VLAN-tagged traffic, as a LAN capture mixes them.
func mixedFrames(t testing.TB, n int) []pcaptest.Frame {
	mac1, mac2 := pcaptest.MAC(t, "00:11:22:33:44:55"), pcaptest.MAC(t, "66:77:88:99:aa:bb")
	ip1, ip2 := net.IP{192, 168, 1, 10}, net.IP{192, 168, 1, 1}
	eth := func(et layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: et}
	}
	ip := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: ip1, DstIP: ip2}
	}
	templates := [][]byte{
		pcaptest.Serialize(t, eth(layers.EthernetTypeIPv4), ip(layers.IPProtocolUDP), &layers.UDP{SrcPort: 40000, DstPort: 53}, gopacket.Payload(make([]byte, 40))),
		pcaptest.Serialize(t, eth(layers.EthernetTypeIPv4), ip(layers.IPProtocolTCP), &layers.TCP{SrcPort: 50000, DstPort: 443, Seq: 1, Ack: 1, ACK: true, PSH: true, Window: 512}, gopacket.Payload(make([]byte, 1200))),
		pcaptest.Serialize(t, eth(layers.EthernetTypeIPv4), ip(layers.IPProtocolTCP), &layers.TCP{SrcPort: 443, DstPort: 50000, Seq: 1, Ack: 1201, ACK: true, Window: 512}),
		pcaptest.Serialize(t, eth(layers.EthernetTypeIPv4), ip(layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 1}, gopacket.Payload(make([]byte, 56))),
		pcaptest.Serialize(t, eth(layers.EthernetTypeIPv4), ip(layers.IPProtocolUDP), &layers.UDP{SrcPort: 68, DstPort: 67}, gopacket.Payload(make([]byte, 300))),
		pcaptest.Serialize(t, eth(layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4}, ip(layers.IPProtocolUDP), &layers.UDP{SrcPort: 5060, DstPort: 5060}, gopacket.Payload(make([]byte, 500))),
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fs := make([]pcaptest.Frame, n)
	for i := range fs {
		fs[i] = pcaptest.Frame{Time: base.Add(time.Duration(i) * time.Millisecond), Data: templates[i%len(templates)]}
	}
	return fs
}

// TestIPv6FragmentsFarApart reassembles an IPv6 datagram whose fragments
// are thousands of frames apart (more than the engine's read-ahead
// batches), so the first fragment's frame bytes have been reused by the
// time the datagram completes: its addresses must still be its own.
func TestIPv6FragmentsFarApart(t *testing.T) {
	udp := make([]byte, 1008)
	binary.BigEndian.PutUint16(udp[0:], 5353)
	binary.BigEndian.PutUint16(udp[2:], 53)
	binary.BigEndian.PutUint16(udp[4:], 1008)
	eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:00:00:00:01"), DstMAC: pcaptest.MAC(t, "00:00:00:00:00:02"), EthernetType: layers.EthernetTypeIPv6}
	src, dst := net.ParseIP("2001:db8::1"), net.ParseIP("2001:db8::2")
	frag := func(off uint16, more bool, data []byte) []byte {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: src, DstIP: dst}
		fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: off, MoreFragments: more, Identification: 77}
		return pcaptest.Serialize(t, eth, ip, fh, gopacket.Payload(data))
	}
	fs := []pcaptest.Frame{{Time: time.Unix(1, 0), Data: frag(0, true, udp[:504])}}
	filler := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolNoNextHeader, SrcIP: net.ParseIP("fe80::aaaa"), DstIP: net.ParseIP("fe80::bbbb")}
	for i := range 3000 {
		fs = append(fs, pcaptest.Frame{Time: time.Unix(1, int64(i)), Data: pcaptest.Serialize(t, eth, filler, gopacket.Payload(make([]byte, 40)))})
	}
	fs = append(fs, pcaptest.Frame{Time: time.Unix(2, 0), Data: frag(63, false, udp[504:])})
	reassembled := 0
	_, err := engine.Run(t.Context(), bytes.NewReader(pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		if !p.Reassembled {
			return
		}
		reassembled++
		if !p.IPv6.SrcIP.Equal(src) || !p.IPv6.DstIP.Equal(dst) || p.UDP == nil || len(p.UDP.Payload) != 1000 {
			t.Errorf("frame %d: reassembled %s -> %s, UDP %v", p.Number, p.IPv6.SrcIP, p.IPv6.DstIP, p.UDP != nil)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if reassembled != 1 {
		t.Errorf("%d datagrams reassembled, want 1", reassembled)
	}
}

// TestFragmentMemoryBounded feeds 100,000 first fragments that never
// complete, IPv4 and IPv6, with one IPv6 datagram completing every 5,000
// fragments: what the defragmenters hold stays bounded.
func TestFragmentMemoryBounded(t *testing.T) {
	const n = 100000
	eth4 := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:00:00:00:01"), DstMAC: pcaptest.MAC(t, "00:00:00:00:00:02"), EthernetType: layers.EthernetTypeIPv4}
	eth6 := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:00:00:00:01"), DstMAC: pcaptest.MAC(t, "00:00:00:00:00:02"), EthernetType: layers.EthernetTypeIPv6}
	payload := gopacket.Payload(make([]byte, 1400))
	var fs []pcaptest.Frame
	for i := range n {
		var data []byte
		switch {
		case i%2 == 0:
			ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(i), Flags: layers.IPv4MoreFragments, Protocol: layers.IPProtocolUDP,
				SrcIP: net.IP{10, byte(i >> 16), byte(i >> 8), byte(i)}, DstIP: net.IP{10, 0, 0, 2}}
			data = pcaptest.Serialize(t, eth4, ip, payload)
		default:
			ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
			fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, MoreFragments: i%5000 != 1, Identification: uint32(i)}
			data = pcaptest.Serialize(t, eth6, ip, fh, payload)
		}
		fs = append(fs, pcaptest.Frame{Time: time.Unix(1, int64(i)), Data: data})
	}
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)
	fs = nil
	runtime.GC()
	var before, ms runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	_, err := engine.Run(t.Context(), bytes.NewReader(file), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		if p.Number%10000 == 0 {
			runtime.GC() // live memory, not garbage awaiting collection
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	// 100,000 fragments of 1,400 bytes held would be over 140 MiB.
	if grown := int64(peak) - int64(before.HeapAlloc); grown > 64<<20 {
		t.Errorf("heap grew by %d MiB while reading fragments", grown>>20)
	}
}

// cutReader gives the first n bytes of r, then returns what rest
// returns: rest panics (a bug below the reading goroutine) or blocks (a
// slow download).
type cutReader struct {
	r    io.Reader
	n    int
	rest func() error
}

func (c *cutReader) Read(b []byte) (int, error) {
	if c.n <= 0 {
		return 0, c.rest()
	}
	b = b[:min(len(b), c.n)]
	n, err := c.r.Read(b)
	c.n -= n
	return n, err
}

// TestReaderPanic: a panic in the reading goroutine becomes the error of
// the pass, with its stack as Detail, instead of ending the process.
func TestReaderPanic(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 100))
	_, err := engine.Run(t.Context(), &cutReader{r: bytes.NewReader(file), n: 24, rest: func() error { panic("simulated reader bug") }}, engine.Options{})
	var pe *engine.PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "simulated reader bug") || !strings.Contains(pe.Detail(), "cutReader") {
		t.Fatalf("err = %v, want a PanicError naming the panic", err)
	}
}

// TestCancelBlockedSource: when the source blocks (a slow download), a
// cancelled pass returns at once, without waiting for the read.
func TestCancelBlockedSource(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 100))
	closed := make(chan struct{})
	defer close(closed)
	src := &cutReader{r: bytes.NewReader(file), n: len(file) / 2, rest: func() error { <-closed; return errors.New("closed") }}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := engine.Run(ctx, src, engine.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run returned %v after the cancel, want at once", d-200*time.Millisecond)
	}
}

// TestRecordCutWarning: a record cut to MaxRecordBytes is read, and the
// pass says so.
func TestRecordCutWarning(t *testing.T) {
	fs := mixedFrames(t, 3)
	fs[1].Data = append(fs[1].Data, make([]byte, 2000)...)
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, fs)
	res, err := engine.Run(t.Context(), bytes.NewReader(file), engine.Options{MaxRecordBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 3 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "longer than 1000 bytes") {
		t.Errorf("packets %d, warnings %q", res.Packets, res.Warnings)
	}
}

// seqObserver records what it sees of each frame, and counts how many
// observers are inside Observe at once across the pass.
type seqObserver struct {
	seen         []string
	inside, most *atomic.Int32
	spin         int
}

func (o *seqObserver) Observe(p *engine.Packet) {
	n := o.inside.Add(1)
	for m := o.most.Load(); n > m && !o.most.CompareAndSwap(m, n); m = o.most.Load() {
	}
	x := 0
	for i := range o.spin { // some work, so observers overlap when they may
		x += i
	}
	s := fmt.Sprintf("%d %d %v", p.Number, len(p.Data), p.TCP != nil)
	if x < 0 {
		s = ""
	}
	o.seen = append(o.seen, s)
	o.inside.Add(-1)
}

// TestWorkers: each observer sees the same frames in the same order with
// one worker or many, and no more observers run at once than the pass
// has workers; with one, only one at a time.
func TestWorkers(t *testing.T) {
	file := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, mixedFrames(t, 3000))
	run := func(workers int) ([][]string, int32) {
		var inside, most atomic.Int32
		obs := make([]engine.Observer, 6)
		seqs := make([]*seqObserver, len(obs))
		for i := range obs {
			seqs[i] = &seqObserver{inside: &inside, most: &most, spin: 2000}
			obs[i] = seqs[i]
		}
		res, err := engine.Run(t.Context(), bytes.NewReader(file), engine.Options{Concurrent: true, Workers: workers}, obs...)
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if res.Packets != 3000 {
			t.Fatalf("workers %d: %d packets", workers, res.Packets)
		}
		out := make([][]string, len(seqs))
		for i, s := range seqs {
			out[i] = s.seen
		}
		return out, most.Load()
	}
	want, most := run(1)
	if most != 1 {
		t.Errorf("workers 1: %d observers ran at once", most)
	}
	for i := 1; i < len(want); i++ {
		if !slices.Equal(want[i], want[0]) {
			t.Fatalf("workers 1: observer %d saw other frames than observer 0", i)
		}
	}
	for _, w := range []int{2, 4} {
		got, most := run(w)
		if most > int32(w) {
			t.Errorf("workers %d: %d observers ran at once", w, most)
		}
		for i := range got {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("workers %d: observer %d saw %d frames, not as with one worker", w, i, len(got[i]))
			}
		}
	}
}
