package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// FuzzRun feeds arbitrary bytes through the capture reader and the engine.
// Properties: no panic, no hang; either an error that wraps one of capture's
// sentinels, or a result whose packet count equals the frames observed, with
// frame numbers 1..n in order; a damaged capture is reported, not an error.
func FuzzRun(f *testing.F) {
	pcaptest.SeedCaptures(f, 64<<10)
	f.Add(pcaptest.Pcap(f, layers.LinkTypeEthernet, false, mixedFrames(f, 6)))
	f.Add(pcaptest.PcapNG(f, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, mixedFrames(f, 6)))
	f.Add(pcaptest.Gzip(f, pcaptest.Pcap(f, layers.LinkTypeLinuxSLL2, true, mixedFrames(f, 3))))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		res, err := engine.Run(t.Context(), bytes.NewReader(data), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			n++
			if p.Number != n {
				t.Fatalf("frame number %d, want %d", p.Number, n)
			}
			_ = p.SrcIP()
			_ = p.DstIP()
			_, _, _ = p.Ports()
			_ = p.Payload()
			_ = p.SrcMAC()
		}))
		if err != nil {
			if !errors.Is(err, capture.ErrNotCapture) && !errors.Is(err, capture.ErrEmpty) && !errors.Is(err, capture.ErrUnsupported) {
				t.Fatalf("error %v wraps no capture sentinel", err)
			}
			return
		}
		if res.Packets != n {
			t.Fatalf("result says %d packets, observed %d", res.Packets, n)
		}
		if res.Damaged != nil && res.Damaged.Packets != n {
			t.Fatalf("damage after packet %d, but %d were read", res.Damaged.Packets, n)
		}
	})
}

// reasmHandler checks what the Reassembler offers: bytes trace to frames
// that were fed, and a handler's unconsumed bytes come back first.
type reasmHandler struct {
	t         *testing.T
	frames    int
	offered   int // new bytes offered
	held      map[reasmKey][]byte
	gapped    map[reasmKey]bool
	keepEvery int
}

type reasmKey struct {
	c          *engine.StreamConn
	fromClient bool
}

func (h *reasmHandler) Data(c *engine.StreamConn, fromClient bool, data []byte, at func(int) (int, time.Time)) {
	k := reasmKey{c, fromClient}
	if held := h.held[k]; !h.gapped[k] && !bytes.HasPrefix(data, held) {
		h.fail("%d held bytes not offered first (got %d bytes)", len(held), len(data))
	}
	h.offered += len(data) - len(h.held[k])
	h.gapped[k] = false
	for _, off := range []int{0, len(data) - 1} {
		if frame, _ := at(off); frame < 1 || frame > h.frames {
			h.fail("byte %d traced to frame %d of %d", off, frame, h.frames)
		}
	}
	// Keep a tail now and then, as a handler waiting for a whole message
	// does.
	keep := 0
	if h.keepEvery > 0 && len(data)%h.keepEvery == 0 {
		keep = len(data) / 2
	}
	c.Consume(fromClient, len(data)-keep)
	h.held[k] = append([]byte(nil), data[len(data)-keep:]...)
}

func (h *reasmHandler) Gap(c *engine.StreamConn, fromClient bool, _ int) {
	h.gapped[reasmKey{c, fromClient}] = true
}

func (h *reasmHandler) Closed(*engine.StreamConn) {}

// FuzzReassembler feeds segments of one address pair, built from the input,
// in any order, with any flags, overlaps and gaps, through the Reassembler.
// Properties: no panic; reassembled bytes trace to fed frames; bytes a
// handler leaves unconsumed are offered again first; no more new bytes are
// offered than were fed.
func FuzzReassembler(f *testing.F) {
	f.Add([]byte{0x12, 0, 0, 10, 0x10, 0, 10, 10, 0x11, 1, 0, 5, 0x10, 0, 20, 10}, uint8(3))
	f.Add([]byte{0x02, 0, 0, 0, 0x12, 0, 0, 0, 0x10, 0, 1, 30, 0x18, 1, 1, 40, 0x01, 0, 31, 0}, uint8(0))
	f.Add([]byte{0x10, 0, 50, 10, 0x10, 0, 0, 60, 0x04, 0, 60, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, keepEvery uint8) {
		h := &reasmHandler{t: t, keepEvery: int(keepEvery), held: map[reasmKey][]byte{}, gapped: map[reasmKey]bool{}}
		r := engine.NewReassembler(h)
		client, server := net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
		fed := 0
		base := time.Unix(1700000000, 0)
		for i := 0; i+4 <= len(in) && i < 4*200; i += 4 {
			// The acknowledgement moves with the input too, so that holes
			// the other side acknowledged (given up at once) come up.
			flags, dir, ack, seq, n := in[i], in[i+1]&1, uint32(in[i+1]>>1)*7, uint32(in[i+2])*7, int(in[i+3])%64
			ip := &layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: client, DstIP: server, TTL: 64}
			tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1000 + seq, Ack: 5000 + ack,
				FIN: flags&1 != 0, SYN: flags&2 != 0, RST: flags&4 != 0, PSH: flags&8 != 0, ACK: flags&0x10 != 0}
			if dir == 1 {
				ip.SrcIP, ip.DstIP = server, client
				tcp.SrcPort, tcp.DstPort, tcp.Seq, tcp.Ack = 80, 40000, 5000+seq, 1000+ack
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ip, tcp, gopacket.Payload(bytes.Repeat([]byte{byte(i)}, n))); err != nil {
				t.Fatal(err)
			}
			// Decoded, as the engine gives packets (gopacket's flows come
			// from the decoded port bytes).
			pk := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv4, gopacket.Default)
			dip, _ := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			dtcp, _ := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
			if dip == nil || dtcp == nil {
				t.Fatal("segment does not decode")
			}
			h.frames++
			fed += n
			r.Add(&engine.Packet{Number: h.frames, Timestamp: base.Add(time.Duration(i) * time.Millisecond), IPv4: dip, TCP: dtcp})
		}
		r.Flush()
		if h.offered > fed {
			t.Fatalf("%d new bytes offered, %d fed", h.offered, fed)
		}
	})
}

func (h *reasmHandler) fail(format string, args ...any) {
	if h.t == nil {
		panic(fmt.Sprintf(format, args...))
	}
	h.t.Fatalf(format, args...)
}
