// Package engine makes one streaming pass over a capture: it reads each frame
// once (package capture), decodes its link, network and transport headers
// once into reused layers, and hands the decoded Packet to every Observer the
// tool call needs.
//
// It sits between capture (bytes to frames) and the protocol analyzers (frames
// to records). A second goroutine reads frames ahead in batches while the
// caller's goroutine decodes and observes, so a pass uses two cores; memory
// does not grow with the capture: the engine holds a few batches of frames
// (about 2 MiB), and observers bound their own state. Observers are called
// from one goroutine, in file order.
package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Observer consumes decoded packets. Observe must not keep p or anything it
// points to after it returns.
type Observer interface {
	Observe(p *Packet)
}

// Flusher is an optional Observer capability: Flush is called once after the
// last packet, before Run returns.
type Flusher interface {
	Flush()
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(p *Packet)

// Observe calls f(p).
func (f ObserverFunc) Observe(p *Packet) { f(p) }

// Progress is a snapshot of a running pass.
type Progress struct {
	Packets int   // frames read so far
	Bytes   int64 // source bytes read so far
	Total   int64 // source size in bytes, or -1 if unknown
	Done    bool  // the last report of the pass
}

// Options tune a pass. The zero value is valid.
type Options struct {
	// Size is the source size in bytes, for progress; <= 0 means unknown.
	Size int64
	// Progress, when set, is called about every ProgressInterval of wall
	// time and once at the end.
	Progress func(Progress)
	// ProgressInterval defaults to 500ms.
	ProgressInterval time.Duration
	// Tee, when set, receives every byte read from the source (before any
	// decompression), e.g. a hash of the file.
	Tee io.Writer
	// MaxDecompressedBytes caps what a gzip-compressed capture may expand
	// to; <= 0 means capture.DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int64
	// MaxRecordBytes is the most of one record's data kept; longer records
	// are cut to it (capture.Options.MaxRecordBytes); <= 0 means
	// capture.DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// Result describes a finished pass.
type Result struct {
	Info    *capture.Info // what the capture says about itself
	Packets int           // frames read
	Bytes   int64         // source bytes read
	// Warnings are problems reading the capture that did not stop the pass,
	// such as a capture cut short ("capture truncated after packet N"),
	// and what the reader left out to stay within its bounds
	// (capture.Info.Notes).
	Warnings []string
	// Damaged is set when the capture stopped being readable before its
	// end; Packets covers the frames before the damage.
	Damaged *capture.DamagedError
	// UnsupportedLinkTypes counts frames per link type the engine does not
	// decode (they are still counted and observed).
	UnsupportedLinkTypes map[capture.LinkType]int
	// DecodeErrors counts frames with a malformed link, network or transport
	// header.
	DecodeErrors int
	// TruncatedFrames counts frames whose headers announce more bytes than
	// were captured.
	TruncatedFrames int
}

// checkEvery is how many frames pass between context and progress checks.
const checkEvery = 4096

// Run reads the capture in src to its end, calling every observer on every
// frame in file order. It returns an error when src holds no readable capture,
// when src itself fails (a download cut off or over its limit), or when ctx
// is done; a capture damaged part way through is not an error (see
// Result.Damaged and Result.Warnings).
func Run(ctx context.Context, src io.Reader, opts Options, observers ...Observer) (*Result, error) {
	cr := &countingReader{r: src, tee: opts.Tee}
	rd, err := capture.NewReaderOptions(cr, capture.Options{MaxDecompressedBytes: opts.MaxDecompressedBytes, MaxRecordBytes: opts.MaxRecordBytes})
	if err != nil {
		if e := cr.failure(); e != nil {
			return nil, e
		}
		return nil, err
	}
	res := &Result{Info: rd.Info(), UnsupportedLinkTypes: map[capture.LinkType]int{}}
	interval := opts.ProgressInterval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	total := opts.Size
	if total <= 0 {
		total = -1
	}
	lastReport := time.Now()
	report := func(done bool) {
		if opts.Progress != nil {
			opts.Progress(Progress{Packets: res.Packets, Bytes: cr.n.Load(), Total: total, Done: done})
		}
	}

	// One goroutine reads frames in batches while this one decodes and
	// observes the previous batch: two cores share the pass.
	observers = withInterests(observers)
	pipe := startReading(rd)
	defer pipe.cancel()
	dec := newDecoder()
	p := &dec.pkt
	for {
		var (
			b  *batch
			ok bool
		)
		select {
		case b, ok = <-pipe.full:
		case <-ctx.Done():
			// The reading goroutine may be blocked on a slow source;
			// the caller's Close of the source ends it.
			return nil, fmt.Errorf("analysis stopped after %d packets: %w", res.Packets, ctx.Err())
		}
		if !ok {
			if pipe.panicked != nil {
				return nil, pipe.panicked
			}
			break
		}
		for i := range b.pkts {
			if res.Packets%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("analysis stopped after %d packets: %w", res.Packets, err)
				}
				if opts.Progress != nil && time.Since(lastReport) >= interval {
					lastReport = time.Now()
					report(false)
				}
			}
			res.Packets++
			dec.decode(&b.pkts[i], res.Packets)
			switch {
			case p.UnsupportedLink:
				res.UnsupportedLinkTypes[p.LinkType]++
			case p.DecodeErr != nil:
				res.DecodeErrors++
			}
			if p.Truncated {
				res.TruncatedFrames++
			}
			for _, o := range observers {
				o.Observe(p)
			}
		}
		err := b.err
		pipe.free <- b
		if err == nil {
			continue
		}
		if e := cr.failure(); e != nil {
			return nil, e
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("analysis stopped after %d packets: %w", res.Packets, err)
		}
		var de *capture.DamagedError
		if errors.As(err, &de) {
			res.Damaged = de
			res.Warnings = append(res.Warnings, de.Error())
		} else if err != io.EOF {
			return nil, err
		}
		break
	}
	pipe.wait()
	res.Warnings = append(res.Warnings, res.Info.Notes()...)
	for _, o := range observers {
		if f, ok := o.(Flusher); ok {
			f.Flush()
		}
	}
	res.Bytes = cr.n.Load()
	report(true)
	return res, nil
}

// countingReader counts the bytes read from a source, copies them to tee, and
// remembers the first error of the source itself (as opposed to a format
// error found later by the capture reader). The reading goroutine calls
// Read; the count may be read from another.
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	tee io.Writer
	mu  sync.Mutex
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if c.tee != nil && n > 0 {
		c.tee.Write(p[:n])
	}
	if err != nil && err != io.EOF {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
	return n, err
}

// failure is the source's own error, if it failed.
func (c *countingReader) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Batches of frames handed from the reading goroutine to the decoding one.
const (
	batchPackets = 256
	batchBytes   = 512 << 10
	batchesAhead = 4
)

// batch is a run of frames whose bytes live in one slab; err, on the last
// batch, is why reading stopped (io.EOF at the end).
type batch struct {
	pkts []capture.Packet
	ends []int
	slab []byte
	err  error
}

// pipeline is the reading goroutine and the batches it cycles.
type pipeline struct {
	free chan *batch
	full chan *batch
	quit chan struct{}
	done chan struct{}
	once sync.Once
	// panicked is set, before full is closed, when reading panicked.
	panicked *PanicError
}

// PanicError is a panic of the reading goroutine, turned into the error of
// the pass: the process keeps running. Detail has the stack, for the
// server log.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error while reading the capture (%v); the server is still running, please report this with the capture if you can", e.Value)
}

// Detail returns the panic's stack.
func (e *PanicError) Detail() string { return string(e.Stack) }

// startReading starts a goroutine that reads frames from rd into batches.
func startReading(rd *capture.Reader) *pipeline {
	pl := &pipeline{free: make(chan *batch, batchesAhead), full: make(chan *batch, batchesAhead),
		quit: make(chan struct{}), done: make(chan struct{})}
	for range batchesAhead {
		pl.free <- &batch{pkts: make([]capture.Packet, 0, batchPackets), ends: make([]int, 0, batchPackets), slab: make([]byte, 0, 64<<10)}
	}
	go pl.read(rd)
	return pl
}

func (pl *pipeline) read(rd *capture.Reader) {
	defer close(pl.done)
	defer close(pl.full)
	defer func() {
		if r := recover(); r != nil {
			pl.panicked = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	for {
		var b *batch
		select {
		case b = <-pl.free:
		case <-pl.quit:
			return
		}
		b.pkts, b.ends, b.slab, b.err = b.pkts[:0], b.ends[:0], b.slab[:0], nil
		var raw capture.Packet
		for len(b.pkts) < batchPackets && len(b.slab) < batchBytes {
			if err := rd.ReadPacket(&raw); err != nil {
				b.err = err
				break
			}
			b.slab = append(b.slab, raw.Data...)
			b.ends = append(b.ends, len(b.slab))
			raw.Data = nil
			b.pkts = append(b.pkts, raw)
		}
		start := 0
		for i, end := range b.ends {
			b.pkts[i].Data = b.slab[start:end:end]
			start = end
		}
		select {
		case pl.full <- b:
		case <-pl.quit:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// cancel tells the reading goroutine to stop. It returns at once: the
// goroutine may be blocked reading a slow source, which the caller closes.
func (pl *pipeline) cancel() {
	pl.once.Do(func() { close(pl.quit) })
}

// wait waits for the reading goroutine to end, so that nothing reads the
// source (or writes Options.Tee) after a successful Run returns.
func (pl *pipeline) wait() {
	pl.cancel()
	<-pl.done
}

// decoder holds one instance of every layer the engine decodes and one
// DecodingLayerParser per first layer, all sharing those instances.
type decoder struct {
	pkt     Packet
	eth     layers.Ethernet
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    nullLayer
	vlan    vlanLayer
	ip4     ipv4Layer
	ip6     layers.IPv6
	ip6ext  layers.IPv6ExtensionSkipper
	ip6frag layers.IPv6Fragment
	udp     layers.UDP
	tcp     layers.TCP
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	radio   layers.RadioTap
	dot11   layers.Dot11
	d11data layers.Dot11Data
	d11qos  layers.Dot11DataQOSData
	llc     layers.LLC
	snap    layers.SNAP
	ppp     pppLayer
	pppoe   pppoeLayer
	fddi    fddiLayer
	nflog   nflogLayer
	mpls    mplsLayer
	decoded []gopacket.LayerType

	defrag4 *ip4defrag.IPv4Defragmenter
	defrag6 *ip6defrag.IPv6Defragmenter
	// Fragments and payload bytes fed to the defragmenters since they were
	// made: past maxHeldFragments or maxHeldFragmentBytes both are
	// replaced, dropping what they hold, so memory stays bounded however
	// many datagrams a capture leaves incomplete.
	heldFrags int
	heldBytes int
	ip4re     layers.IPv4
	ip6re     layers.IPv6
	lastGC    time.Time

	byFirst map[gopacket.LayerType]*gopacket.DecodingLayerParser
}

func newDecoder() *decoder {
	d := &decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	d.vlan.pkt = &d.pkt
	d.pkt.VLANs = make([]uint16, 0, maxVLANs)
	// One container of the reused layers serves every parser (they only
	// look layers up in it). The extension skipper covers every IPv6
	// extension header; the fragment decoder, put after it, takes over the
	// fragment header.
	var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
	for _, l := range []gopacket.DecodingLayer{
		&d.eth, &d.sll, &d.sll2, &d.loop, &d.vlan, &d.ip4, &d.ip6,
		&d.ip6ext, &d.ip6frag, &d.udp, &d.tcp, &d.icmp4, &d.icmp6,
		&d.radio, &d.dot11, &d.d11data, &d.d11qos, &d.llc, &d.snap,
		&d.ppp, &d.pppoe, &d.fddi, &d.nflog, &d.mpls,
	} {
		dlc = dlc.Put(l)
	}
	d.byFirst = map[gopacket.LayerType]*gopacket.DecodingLayerParser{}
	for _, first := range []gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
		layers.LayerTypeRadioTap, layers.LayerTypeDot11, layers.LayerTypePPP, layers.LayerTypeFDDI, layerTypeNFLOG,
		layers.LayerTypeUDP, layers.LayerTypeTCP, layers.LayerTypeICMPv4, layers.LayerTypeICMPv6, // reassembled datagrams
	} {
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true
		d.byFirst[first] = p
	}
	return d
}

// firstLayer picks the layer a frame of link type lt starts with, or
// LayerTypeZero when the engine does not decode lt.
func firstLayer(lt capture.LinkType, data []byte) gopacket.LayerType {
	switch lt {
	case capture.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case capture.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case capture.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case capture.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case capture.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	case capture.LinkTypeIEEE80211Radio:
		return layers.LayerTypeRadioTap
	case capture.LinkTypeIEEE80211:
		return layers.LayerTypeDot11
	case capture.LinkTypePPP, capture.LinkTypePPPSerial:
		return layers.LayerTypePPP
	case capture.LinkTypeFDDI:
		return layers.LayerTypeFDDI
	case capture.LinkTypeNFLOG:
		return layerTypeNFLOG
	case capture.LinkTypeRaw, capture.LinkTypeRawOld, capture.LinkTypeRawOld2:
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6
		}
		return layers.LayerTypeIPv4
	}
	return gopacket.LayerTypeZero
}

func (d *decoder) decode(raw *capture.Packet, number int) {
	p := &d.pkt
	p.reset()
	p.Number = number
	p.Timestamp = raw.Timestamp
	p.CaptureLength = raw.CaptureLength
	p.Length = raw.Length
	p.Interface = raw.Interface
	p.LinkType = raw.LinkType
	p.Data = raw.Data
	p.Comments = raw.Comments

	first := firstLayer(raw.LinkType, raw.Data)
	if first == gopacket.LayerTypeZero {
		p.UnsupportedLink = true
		return
	}
	parser := d.byFirst[first]
	err := parser.DecodeLayers(raw.Data, &d.decoded)
	p.Truncated = parser.Truncated
	p.DecodeErr = err
	d.setLayers()
	if p.Fragment && p.UDP == nil && p.TCP == nil && p.ICMPv4 == nil && p.ICMPv6 == nil {
		d.defragment()
	}
}

// setLayers points the packet at the layers the parser decoded.
func (d *decoder) setLayers() {
	p := &d.pkt
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			p.Ethernet = &d.eth
			if d.eth.EthernetType >= 0x0600 {
				p.EtherType, p.NetworkPayload = d.eth.EthernetType, d.eth.Payload
			}
		case layers.LayerTypeDot1Q:
			p.EtherType, p.NetworkPayload = d.vlan.Type, d.vlan.Payload
		case layers.LayerTypeSNAP:
			p.EtherType, p.NetworkPayload = d.snap.Type, d.snap.Payload
		case layers.LayerTypeLinuxSLL:
			p.LinuxSLL = &d.sll
			p.EtherType, p.NetworkPayload = d.sll.EthernetType, d.sll.Payload
		case layers.LayerTypeLinuxSLL2:
			p.LinuxSLL2 = &d.sll2
			p.EtherType, p.NetworkPayload = d.sll2.ProtocolType, d.sll2.Payload
		case layers.LayerTypeLoopback:
			p.Loopback = &d.loop.Loopback
		case layers.LayerTypeDot11:
			p.Dot11 = &d.dot11
		case layers.LayerTypeFDDI:
			p.fddiSrc = d.fddi.SrcMAC
		case layers.LayerTypeIPv4:
			p.IPv4 = &d.ip4.IPv4
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				p.Fragment = true
			}
		case layers.LayerTypeIPv6:
			p.IPv6 = &d.ip6
		case layers.LayerTypeIPv6Fragment:
			if d.ip6frag.FragmentOffset != 0 || d.ip6frag.MoreFragments {
				p.Fragment = true
			}
		case layers.LayerTypeUDP:
			p.UDP = &d.udp
		case layers.LayerTypeTCP:
			p.TCP = &d.tcp
		case layers.LayerTypeICMPv4:
			p.ICMPv4 = &d.icmp4
		case layers.LayerTypeICMPv6:
			p.ICMPv6 = &d.icmp6
		}
	}
}

// maxVLANs bounds the recorded VLAN stack; deeper tags are decoded but not
// recorded.
const maxVLANs = 8

// vlanLayer decodes 802.1Q and 802.1ad tags with layers.Dot1Q and records
// each tag's VLAN ID on the packet, so a stack of tags is kept, not only the
// innermost one.
type vlanLayer struct {
	layers.Dot1Q
	pkt *Packet
}

func (v *vlanLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := v.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	if len(v.pkt.VLANs) < maxVLANs {
		v.pkt.VLANs = append(v.pkt.VLANs, v.VLANIdentifier)
	}
	return nil
}

// nullLayer decodes the 4-byte header of BSD loopback captures (LINKTYPE_NULL
// in host byte order, LINKTYPE_LOOP in network byte order) as Wireshark does:
// the value, in whichever byte order leaves the upper half zero, is an
// address family, or an EtherType when it is above 1500 (some systems write
// those). layers.Loopback knows only address families.
type nullLayer struct {
	layers.Loopback
	next gopacket.LayerType
}

func (n *nullLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		df.SetTruncated()
		return errShortNull
	}
	v := binary.LittleEndian.Uint32(data[:4])
	if v&0xffff0000 != 0 {
		v = binary.BigEndian.Uint32(data[:4])
	}
	n.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
	if v > 1500 {
		n.Family = 0
		n.next = layers.EthernetType(v).LayerType()
		return nil
	}
	n.Family = layers.ProtocolFamily(v)
	n.next = n.Family.LayerType()
	return nil
}

func (n *nullLayer) NextLayerType() gopacket.LayerType { return n.next }

var errShortNull = errors.New("engine: loopback header shorter than 4 bytes")

// ipv4Layer is layers.IPv4, except that the first fragment of a datagram
// cut short by the capture's snaplen goes on to its transport header, as
// Wireshark shows it: such a datagram can never be reassembled, and its
// transport header is there. Complete fragments wait for reassembly.
type ipv4Layer struct {
	layers.IPv4
	cut bool // fewer bytes captured than the header's total length
}

func (i *ipv4Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	err := i.IPv4.DecodeFromBytes(data, df)
	i.cut = err == nil && len(data) < int(i.Length)
	return err
}

func (i *ipv4Layer) NextLayerType() gopacket.LayerType {
	if i.FragOffset == 0 && i.Flags&layers.IPv4MoreFragments != 0 && i.cut {
		return i.Protocol.LayerType()
	}
	return i.IPv4.NextLayerType()
}

// Bounds on what the defragmenters may hold (see decoder.heldFrags).
const (
	maxHeldFragments     = 10000
	maxHeldFragmentBytes = 32 << 20
)

// defragment feeds an IP fragment to gopacket's defragmenters; when it
// completes a datagram, the packet becomes that datagram, delivered at the
// frame of its last fragment as Wireshark shows it.
func (d *decoder) defragment() {
	p := &d.pkt
	if d.defrag4 == nil || d.heldFrags >= maxHeldFragments || d.heldBytes >= maxHeldFragmentBytes {
		d.defrag4, d.defrag6 = ip4defrag.NewIPv4Defragmenter(), ip6defrag.NewIPv6Defragmenter()
		d.heldFrags, d.heldBytes = 0, 0
	}
	var payload []byte
	var proto layers.IPProtocol
	switch {
	case p.IPv4 != nil:
		if p.Timestamp.Sub(d.lastGC) > time.Minute {
			d.lastGC = p.Timestamp
			d.defrag4.DiscardOlderThan(p.Timestamp.Add(-time.Minute))
		}
		// The defragmenter keeps the fragment's payload (the frame's
		// bytes are reused): give it a copy. It builds the datagram from
		// the last fragment's header, read before this call returns.
		in := d.ip4.IPv4
		in.Payload = append([]byte(nil), in.Payload...)
		d.heldFrags++
		d.heldBytes += len(in.Payload)
		out, err := d.defrag4.DefragIPv4WithTimestamp(&in, p.Timestamp)
		if err != nil || out == nil {
			return
		}
		d.ip4re = *out
		p.IPv4 = &d.ip4re
		payload, proto = out.Payload, out.Protocol
	case p.IPv6 != nil:
		// The defragmenter keeps the fragment, and builds the datagram
		// from the first fragment's addresses: copy what points into the
		// frame, whose bytes are reused.
		ip := d.ip6
		ip.Contents, ip.Payload = nil, nil
		ip.SrcIP, ip.DstIP = slices.Clone(ip.SrcIP), slices.Clone(ip.DstIP)
		frag := d.ip6frag
		frag.Contents, frag.Payload = nil, append([]byte(nil), frag.Payload...)
		d.heldFrags++
		d.heldBytes += len(frag.Payload)
		out := d.defrag6.DefragIPv6(&ip, &frag)
		if out == nil {
			return
		}
		d.ip6re = *out
		p.IPv6 = &d.ip6re
		payload, proto = out.Payload, out.NextHeader
	default:
		return
	}
	p.Fragment, p.Reassembled = false, true
	parser := d.byFirst[proto.LayerType()]
	if parser == nil {
		return
	}
	if err := parser.DecodeLayers(payload, &d.decoded); err != nil && p.DecodeErr == nil {
		p.DecodeErr = err
	}
	d.setLayers()
}
