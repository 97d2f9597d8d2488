// Package engine makes one streaming pass over a capture: it reads each frame
// once (package capture), decodes its link, network and transport headers
// once into reused layers, and hands the decoded Packet to every Observer the
// tool call needs.
//
// It sits between capture (bytes to frames) and the protocol analyzers (frames
// to records). A second goroutine reads frames ahead in batches while the
// caller's goroutine decodes and observes them; observers that share no
// state (Options.Concurrent) are dealt into as many units as
// Options.Workers (default GOMAXPROCS), each unit decoding every frame
// itself on the goroutine that observes it (decoding twice costs less than
// reading on one core a frame decoded on another), and moved between the
// units as the pass goes so that the units cost about the same; with one
// worker, the caller's goroutine decodes and observes every frame.
// Each observer sees every frame in file order, one call at a time. Memory
// does not grow with the capture: the engine holds a few batches of frames
// (2 MiB) and a decoded frame per unit, and observers bound their own
// state.
package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
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
	// Concurrent tells that the observers share no state, so the engine
	// may call different observers at the same time, on up to Workers
	// goroutines. Each observer still sees every frame in file order, one
	// call at a time, and is flushed after its last. Without it, each
	// frame goes to every observer in turn, on one goroutine.
	Concurrent bool
	// MaxRecordBytes is the most of one record's data kept; longer records
	// are cut to it (capture.Options.MaxRecordBytes); <= 0 means
	// capture.DefaultMaxRecordBytes.
	MaxRecordBytes int
	// Workers is how many goroutines observe frames at once; <= 0 means
	// Workers(0). With 1, the caller's goroutine decodes each frame
	// and calls every observer on it in turn, while a goroutine only reads
	// frames ahead (so that a pass over a blocked source can still be
	// cancelled at once); with more, Concurrent observers are dealt into
	// Workers units that decode and observe on up to Workers goroutines at
	// once. Every observer sees the same frames, decoded the same, in the
	// same order either way, so the results do not depend on it.
	Workers int
}

// Workers is the number of observing goroutines of a pass asking for n
// (Options.Workers): n when positive, else $MCPACKET_WORKERS when it is a
// positive number, else GOMAXPROCS (the cores the process may use).
func Workers(n int) int {
	if n > 0 {
		return n
	}
	if n, err := strconv.Atoi(os.Getenv("MCPACKET_WORKERS")); err == nil && n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
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

// Run reads the capture in src to its end, calling every observer on every
// frame in file order. It returns an error when src holds no readable capture,
// when src itself fails (a download cut off or over its limit), or when ctx
// is done; a capture damaged part way through is not an error (see
// Result.Damaged and Result.Warnings). A panic of an observer is a panic of
// Run, on the caller's goroutine, whichever goroutine the observer ran on.
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
	report := func(done bool) {
		if opts.Progress != nil {
			opts.Progress(Progress{Packets: res.Packets, Bytes: cr.n.Load(), Total: total, Done: done})
		}
	}

	// One goroutine reads frames in batches while this one (and, for
	// concurrent observers, more) decodes and observes the batches before;
	// with one worker, only this one observes (and decodes).
	observers = withInterests(observers)
	workers := Workers(opts.Workers)
	var ps *pipeline
	switch {
	case opts.Concurrent && workers > 1:
		ps = newConcurrentPass(rd, observers, ctx.Done(), workers)
	case len(observers) > 0:
		ps = newPass(rd, [][]Observer{observers}, ctx.Done(), workers)
	default:
		ps = newPass(rd, nil, ctx.Done(), workers)
	}
	defer ps.cancel()
	defer context.AfterFunc(ctx, ps.cancel)()
	lastReport := time.Now()
	tick := func() {
		if opts.Progress != nil && time.Since(lastReport) >= interval {
			lastReport = time.Now()
			res.Packets = int(ps.packets.Load())
			report(false)
		}
	}
	go ps.read()
	finished := ps.observe(tick)
	// The reading goroutine may still run (a cancelled pass does not wait
	// for it): read what it sets under the lock.
	ps.mu.Lock()
	observerPanic, readerPanic := ps.observerPanic, ps.readerPanic
	ps.mu.Unlock()
	if observerPanic != nil {
		panic(observerPanic.value)
	}
	if readerPanic != nil {
		return nil, readerPanic
	}
	if !finished {
		return nil, fmt.Errorf("analysis stopped after %d packets: %w", ps.packets.Load(), ctx.Err())
	}
	<-ps.readerDone
	res.Packets, res.DecodeErrors, res.TruncatedFrames = int(ps.packets.Load()), ps.decodeErrors, ps.truncated
	for lt, n := range ps.unsupported {
		res.UnsupportedLinkTypes[lt] = n
	}
	if e := cr.failure(); e != nil {
		return nil, e
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis stopped after %d packets: %w", res.Packets, err)
	}
	var de *capture.DamagedError
	if errors.As(ps.readErr, &de) {
		res.Damaged = de
		res.Warnings = append(res.Warnings, de.Error())
	} else if ps.readErr != io.EOF {
		return nil, ps.readErr
	}
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

// frame is one decoded frame: its Packet and one instance of every layer
// the engine decodes, which the Packet points to. A batch holds a frame per
// record, so that the frames of a batch stay decoded while observers on
// other goroutines read them; a frame is decoded again only when its batch
// is reused.
type frame struct {
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
	tcp     tcpLayer
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
	ip4re   layers.IPv4 // a reassembled datagram's header
	ip6re   layers.IPv6

	byIndex []gopacket.DecodingLayer // the layers above, in layerOrder's order
}

// layerOrder lists f's layers in the order they are registered: for a
// layer type more than one can decode, the later one decodes it (the
// fragment decoder, after the IPv6 extension skipper, takes the fragment
// header).
func (f *frame) layerOrder() []gopacket.DecodingLayer {
	return []gopacket.DecodingLayer{
		&f.eth, &f.sll, &f.sll2, &f.loop, &f.vlan, &f.ip4, &f.ip6,
		&f.ip6ext, &f.ip6frag, &f.udp, &f.tcp, &f.icmp4, &f.icmp6,
		&f.radio, &f.dot11, &f.d11data, &f.d11qos, &f.llc, &f.snap,
		&f.ppp, &f.pppoe, &f.fddi, &f.nflog, &f.mpls,
	}
}

func newFrame() *frame {
	f := &frame{}
	f.init()
	return f
}

// init readies a zero frame (one of a batch's).
func (f *frame) init() {
	f.vlan.pkt = &f.pkt
	f.pkt.VLANs = make([]uint16, 0, maxVLANs)
	f.byIndex = f.layerOrder()
}

// layerIndex maps a layer type to 1 + the index in frame.layerOrder of the
// layer that decodes it, 0 for none: the engine's DecodingLayerContainer,
// shared by every frame.
var layerIndex = func() []uint8 {
	var idx []uint8
	for i, l := range (&frame{}).layerOrder() {
		for _, t := range l.CanDecode().LayerTypes() {
			if int(t) >= len(idx) {
				idx = append(idx, make([]uint8, int(t)+1-len(idx))...)
			}
			idx[t] = uint8(i + 1)
		}
	}
	return idx
}()

// firstLayers are the layers a decode may start with: those of the link
// types (firstLayer) and of reassembled datagrams.
var firstLayers = []gopacket.LayerType{
	layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
	layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	layers.LayerTypeRadioTap, layers.LayerTypeDot11, layers.LayerTypePPP, layers.LayerTypeFDDI, layerTypeNFLOG,
	layers.LayerTypeUDP, layers.LayerTypeTCP, layers.LayerTypeICMPv4, layers.LayerTypeICMPv6, // reassembled datagrams
}

// decoder decodes frames, each into a frame of its own (by default its
// own one), and reassembles IP fragments across them. It is gopacket's
// DecodingLayerParser with the layers looked up in the frame being decoded.
type decoder struct {
	*frame    // the frame being decoded
	decoded   []gopacket.LayerType
	truncated bool // a layer of the current decode reported truncation

	defrag4 *ip4defrag.IPv4Defragmenter
	defrag6 *ip6defrag.IPv6Defragmenter
	// Fragments and payload bytes fed to the defragmenters since they were
	// made: past maxHeldFragments or maxHeldFragmentBytes both are
	// replaced, dropping what they hold, so memory stays bounded however
	// many datagrams a capture leaves incomplete.
	heldFrags int
	heldBytes int
	lastGC    time.Time
	// noDefrag leaves fragments as they are (a Decoder's frames).
	noDefrag bool
}

var _ gopacket.DecodeFeedback = (*decoder)(nil)

func newDecoder() *decoder {
	return &decoder{frame: newFrame(), decoded: make([]gopacket.LayerType, 0, 16)}
}

// SetTruncated records that a layer was cut short (gopacket.DecodeFeedback).
func (d *decoder) SetTruncated() { d.truncated = true }

// layers decodes data from layer type first on, into the current frame,
// the way a DecodingLayerParser with IgnoreUnsupported does: it stops at a
// layer it has no decoder for, or at an empty payload, and returns the
// first layer's error, or a panic of a layer turned into an error. A
// fault on memory its caller asked to hear of (debug.SetPanicOnFault: the
// bytes of a mapped file that was cut short) is not the layer's: it goes
// on to the caller.
func (d *decoder) layers(first gopacket.LayerType, data []byte) (err error) {
	d.truncated = false
	d.decoded = d.decoded[:0]
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); fault {
				panic(r)
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	typ := first
	for {
		var l gopacket.DecodingLayer
		if int(typ) < len(layerIndex) && layerIndex[typ] != 0 {
			l = d.byIndex[layerIndex[typ]-1]
		}
		if l == nil {
			return nil
		}
		if err := l.DecodeFromBytes(data, d); err != nil {
			return err
		}
		d.decoded = append(d.decoded, typ)
		typ = l.NextLayerType()
		if data = l.LayerPayload(); len(data) == 0 {
			return nil
		}
	}
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

// decode decodes raw, frame number, into the current frame.
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
	p.Offset = raw.Offset

	first := firstLayer(raw.LinkType, raw.Data)
	if first == gopacket.LayerTypeZero {
		p.UnsupportedLink = true
		return
	}
	err := d.layers(first, raw.Data)
	p.Truncated = d.truncated
	p.DecodeErr = err
	d.setLayers()
	if p.Fragment && p.UDP == nil && p.TCP == nil && p.ICMPv4 == nil && p.ICMPv6 == nil && !d.noDefrag {
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
			p.TCP = &d.tcp.TCP
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

// tcpLayer is layers.TCP that keeps a header whose options are malformed
// (an option longer than the room left) or cut short by the capture, as
// Wireshark does: the fixed 20 bytes (ports, numbers, flags, window)
// stand, the options are dropped, and a header cut short has no payload
// (the frame is marked truncated).
type tcpLayer struct {
	layers.TCP
}

func (t *tcpLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	err := t.TCP.DecodeFromBytes(data, df)
	if err == nil || len(data) < 20 {
		return err
	}
	off := int(data[12]>>4) * 4
	if off < 20 {
		return err
	}
	var fixed [20]byte
	copy(fixed[:], data[:20])
	fixed[12] = 5<<4 | fixed[12]&0x0f
	if t.TCP.DecodeFromBytes(fixed[:], df) != nil {
		return err
	}
	t.DataOffset = uint8(off / 4)
	t.Options, t.Padding = t.Options[:0], nil
	if off > len(data) {
		df.SetTruncated()
		t.Contents, t.Payload = data, nil
		return nil
	}
	t.Contents, t.Payload = data[:off], data[off:]
	return nil
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
		d.reassembled(out, nil)
		return
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
		d.reassembled(nil, out)
	}
}

// reassembled makes the current packet the datagram ip4 or ip6, which its
// frame completed.
func (d *decoder) reassembled(ip4 *layers.IPv4, ip6 *layers.IPv6) {
	p := &d.pkt
	var payload []byte
	var proto layers.IPProtocol
	if ip4 != nil {
		d.ip4re = *ip4
		p.IPv4 = &d.ip4re
		payload, proto = ip4.Payload, ip4.Protocol
	} else {
		d.ip6re = *ip6
		p.IPv6 = &d.ip6re
		payload, proto = ip6.Payload, ip6.NextHeader
	}
	p.Fragment, p.Reassembled = false, true
	if !slices.Contains(firstLayers, proto.LayerType()) {
		return
	}
	if err := d.layers(proto.LayerType(), payload); err != nil && p.DecodeErr == nil {
		p.DecodeErr = err
	}
	d.setLayers()
}
