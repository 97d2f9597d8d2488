package tls

import (
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// streamSeeds are the client directions of the generated TLS connections.
func streamSeeds(f *testing.F) {
	files := []string{pcaptest.GenFile(f, "tls-normal.pcap"), pcaptest.GenFile(f, "tls-malformed.pcap"), pcaptest.GenFile(f, "tls-weak-tls10.pcap")}
	for _, s := range pcaptest.TCPStreams(f, files, func(*engine.Packet) bool { return true }) {
		f.Add(s)
	}
}

// FuzzRecords feeds arbitrary bytes, in two pieces, to the record and
// handshake parser of a session: it must not panic, must consume no more
// than it is given, and what it decodes must be consistent (a hello's
// fingerprints computable).
func FuzzRecords(f *testing.F) {
	streamSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := newConfig(Input{}, Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := newObserver(cfg)
		s := &session{o: o, id: 1}
		var p recordParser
		at := func(int) (int, time.Time) { return 1, time.Unix(1, 0) }
		held := []byte{}
		for _, piece := range [][]byte{b[:len(b)/2], b[len(b)/2:]} {
			data := append(held, piece...)
			n := p.feed(s, 0, data, at)
			if n < 0 || n > len(data) {
				t.Fatalf("consumed %d of %d", n, len(data))
			}
			held = append([]byte{}, data[n:]...)
		}
		if s.ch != nil && !s.ch.sslv2 {
			s.ch.ja3()
			ja4(s.ch, false)
		}
		if s.sh != nil {
			s.sh.ja3s()
		}
	})
}

// FuzzHello decodes arbitrary ClientHello and ServerHello bodies and
// computes their fingerprints.
func FuzzHello(f *testing.F) {
	f.Add(buildClientHello(0x0303, []uint16{0x1301, 0x0a0a}, []ext{sniExt("a.example"), alpnExt("h2"), u16Ext(extSupportedVersions, 1, 0x0304)}))
	f.Add([]byte{3, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, typ := range []uint8{hsClientHello, hsServerHello} {
			h, _ := parseHello(typ, b)
			if h == nil {
				t.Fatal("nil hello")
			}
			h.ja3()
			h.ja3s()
			ja4(h, true)
			h.maxVersion()
		}
		parseHelloOf(hsClientHello, b, true) // DTLS: a cookie after the session id
		parseSSLv2Hello(b)
		parseSSLv2ServerHello(b)
	})
}

// FuzzCertificates splits arbitrary Certificate message bodies and decodes
// each certificate with crypto/x509; what does not parse is recorded as a
// parse error, never a panic.
func FuzzCertificates(f *testing.F) {
	f.Add([]byte{0, 0, 3, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ders, _ := parseCertificates(b)
		for _, d := range append(ders, b) {
			ci := newCertInfo(d, certSum(d))
			if !ci.ok && ci.parseErr == "" {
				t.Fatal("neither parsed nor an error")
			}
			ci.present(time.Unix(1e9, 0))
			ci.covers("a.example")
		}
	})
}

// FuzzQUICInitial parses arbitrary datagrams as QUIC long header packets
// and decrypts Initials with keys derived from their DCID: no panic, and a
// packet's size never exceeds the datagram.
func FuzzQUICInitial(f *testing.F) {
	for _, p := range pcaptest.UDPPayloads(f, corpusQUIC(f), 20, func(*engine.Packet) bool { return true }) {
		f.Add(p)
	}
	f.Add([]byte{0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x40, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		for off := 0; off < len(b) && b[off]&0x80 != 0; {
			h, err := parseLongHeader(b[off:])
			if err != nil {
				return
			}
			if h.size <= 0 || off+h.size > len(b) {
				t.Fatalf("packet size %d at %d of %d", h.size, off, len(b))
			}
			if h.typ == qInitial && h.version != 0 {
				if k, err := newInitialKeys(h.version, h.dcid, false); err == nil {
					if plain, err := openInitial(k, h, b[off:off+h.size]); err == nil {
						parseFrames(plain)
					}
				}
			}
			off += h.size
		}
	})
}

// corpusQUIC returns the corpus QUIC captures when the corpus is present.
func corpusQUIC(tb testing.TB) []string {
	dir, ok := pcaptest.CorpusDir(tb)
	if !ok {
		return nil
	}
	return []string{dir + "/quic-v1-curl-http3-google-zeek.pcap", dir + "/quic-v2-http3-zeek.pcap"}
}
