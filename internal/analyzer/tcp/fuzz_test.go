package tcp

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// tcpHeaders returns the TCP headers of the SYNs and SYN-ACKs in the
// repository's captures, as fuzz seeds.
func tcpHeaders(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(f), "testdata", "gen", "tcp-*.pcap"))
	var out [][]byte
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			f.Fatal(err)
		}
		r, err := pcapgo.NewReader(fh)
		if err != nil {
			f.Fatal(err)
		}
		for len(out) < 40 {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			if t, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && t.SYN {
				out = append(out, append(append([]byte(nil), t.Contents...), t.Payload...))
			}
		}
		fh.Close()
	}
	return out
}

// FuzzHeader decodes arbitrary bytes as a TCP header with options.
// Properties: no panic; fields come from the bytes they should; a window
// scale is clamped to 14; an option walk that does not end cleanly says so.
func FuzzHeader(f *testing.F) {
	for _, h := range tcpHeaders(f) {
		f.Add(h)
	}
	f.Add([]byte{0, 80, 1, 187, 0, 0, 0, 1, 0, 0, 0, 0, 0xf0, 2, 0xff, 0xff, 0, 0, 0, 0, 3, 3, 200, 2, 4, 5})
	f.Add([]byte{0, 80, 1, 187, 0, 0, 0, 1, 0, 0, 0, 0, 0x10, 2, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok := parseHeader(b)
		if ok != (len(b) >= 16) {
			t.Fatalf("ok %v for %d bytes", ok, len(b))
		}
		if !ok {
			return
		}
		if s.seq != binary.BigEndian.Uint32(b[4:]) || s.hdrLen != int(b[12]>>4)*4 || s.window != binary.BigEndian.Uint16(b[14:]) {
			t.Fatalf("fields %+v from %x", s, b[:16])
		}
		if s.opts.wscale > 14 || s.opts.wscale < -1 || s.opts.mss < 0 || s.opts.mss > 65535 {
			t.Fatalf("options %+v", s.opts)
		}
		if s.hdrLen > minHeaderLen && len(b) < s.hdrLen && !s.opts.malformed {
			t.Fatalf("header of %d bytes cut to %d not reported", s.hdrLen, len(b))
		}
	})
}

// FuzzTracker feeds a connection's segments, built from the input, to the
// tracker and the observer's accounting. Properties: no panic; streams are
// numbered 0..n-1 in order; every connection's counts add up; the outputs
// marshal.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0x02, 0, 0, 0, 0x12, 1, 0, 0, 0x10, 0, 1, 0, 0x18, 0, 1, 20, 0x10, 1, 1, 0, 0x11, 0, 21, 0, 0x11, 1, 1, 0, 0x10, 0, 22, 0})
	f.Add([]byte{0x10, 0, 10, 5, 0x10, 0, 30, 5, 0x10, 0, 10, 5, 0x10, 1, 0, 0, 0x10, 1, 0, 0, 0x10, 1, 0, 0, 0x10, 0, 10, 5})
	f.Add([]byte{0x02, 0, 0, 0, 0x14, 1, 0, 0, 0x02, 0, 99, 0, 0x02, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		o := newObserver(limits{conns: 4, events: 1000, unacked: 1000}, 0, defaultThresholds())
		streams := 0
		o.trace = func(frame, stream int, _ aflag) {
			if stream >= streams {
				if stream != streams {
					t.Fatalf("frame %d: stream %d after %d streams", frame, stream, streams)
				}
				streams++
			}
		}
		ends := [2]netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80")}
		for i := 0; i+4 <= len(in) && i < 4*300; i += 4 {
			flags, dir := uint16(in[i]), in[i+1]&1
			s := segment{src: ends[dir], dst: ends[1-dir], flags: flags & 0x1ff, hdrLen: 20 + 4*int(in[i+1]>>6),
				seq: 1000 + uint32(in[i+2])*100, ack: 1000 + uint32(in[i+3])*100, window: uint16(in[i+3]) * 64,
				seglen: uint32(in[i+3] % 8 * 100), haveLen: in[i+1]&2 == 0, opts: options{wscale: int(in[i+2]%16) - 1}}
			if dir == 1 {
				s.seq, s.ack = s.ack+5000, s.seq-5000
			}
			if in[i+1]&4 != 0 { // a header quoted in an ICMP error
				c, _, _ := o.t.segment(&s, i/4+1, int64(i)*1e6, true)
				o.trace(i/4+1, streamOf(c), 0)
				continue
			}
			o.segment(i/4+1, int64(i)*1e6, 54+int(s.seglen), &s)
		}
		o.Flush()
		if streams != len(o.t.conns) {
			t.Fatalf("%d streams traced, %d connections", streams, len(o.t.conns))
		}
		f := &connFilter{}
		r := newResults(o, f)
		total := 0
		for _, v := range r.views {
			st := [2]*dirStats{&v.c.f[0].st, &v.c.f[1].st}
			for _, d := range st {
				if d.dataPackets > d.packets || d.syn+d.synAck > d.packets || d.retrans() > int(d.packets) {
					t.Fatalf("direction counts %+v", d)
				}
			}
			total += v.packets()
		}
		if total+o.t.untracked != o.tcpPackets {
			t.Fatalf("%d segments in connections + %d untracked != %d", total, o.t.untracked, o.tcpPackets)
		}
		for _, v := range []any{r.summary(), r.anomalyStatistics(), o.run.Conclude(r), r.retransmissionsOutput("x", 0.02, 0, 10, 0, 10)} {
			if _, err := json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range r.views {
			if _, err := json.Marshal(v.record(true)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
