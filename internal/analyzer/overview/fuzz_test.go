package overview

import (
	"net/netip"
	"testing"
	"unicode/utf8"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// FuzzDecode feeds arbitrary bytes to every decoder of the package: the
// link walk under each link type, the name decoders (DNS, NetBIOS, DHCP)
// and the QUIC packet count. Properties: no panic; the path stays within
// its bound; learned names are valid, escaped UTF-8 within their bound, of
// valid addresses; decoding twice learns the same.
func FuzzDecode(f *testing.F) {
	// A DNS response: example.com A 192.0.2.1, the owner compressed.
	f.Add([]byte("\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01"))
	// A compression loop.
	f.Add([]byte("\x00\x00\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04"))
	// A QUIC v1 Initial coalesced with a short-header packet.
	f.Add([]byte("\xc0\x00\x00\x00\x01\x08abcdefgh\x00\x00\x05hello\x40world"))
	// Ethernet, VLAN, PPPoE session, PPP, IPv4.
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x81\x00\x00\x0a\x88\x64\x11\x00\x00\x01\x00\x04\x00\x21\x45\x00"))
	f.Add(make([]byte, 300))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, lt := range []capture.LinkType{capture.LinkTypeEthernet, capture.LinkTypeNull, capture.LinkTypeRaw, capture.LinkTypeLinuxSLL,
			capture.LinkTypeLinuxSLL2, capture.LinkTypePPP, capture.LinkTypeFDDI, capture.LinkTypeIEEE80211Radio, capture.LinkTypeIEEE80211, capture.LinkTypeNFLOG} {
			var p path
			p.walkLink(lt, b)
			if p.n > maxPath || p.neth > len(p.eth) {
				t.Fatalf("link type %d: path of %d, %d Ethernet headers", lt, p.n, p.neth)
			}
		}
		if n := quicPackets(b); len(b) > 0 && (n < 1 || n > 8) {
			t.Fatalf("quicPackets = %d", n)
		}
		learn := func() map[netip.Addr][]learned {
			n := newNames(100)
			n.dns(b, srcDNS)
			n.dns(b, srcMDNS)
			n.nbns(b)
			n.dhcp(b)
			out := map[netip.Addr][]learned{}
			for k, v := range n.byAddr {
				out[netip.AddrFrom16(k)] = v
			}
			return out
		}
		first, second := learn(), learn()
		if len(first) != len(second) {
			t.Fatalf("decoding twice learned %d then %d addresses", len(first), len(second))
		}
		for a, list := range first {
			if !a.IsValid() || len(list) > maxNamesPerHost {
				t.Fatalf("address %v with %d names", a, len(list))
			}
			for i, l := range list {
				if len(l.name) > maxNameLen || !utf8.ValidString(l.name) || l.name != second[a][i].name {
					t.Fatalf("name %q", l.name)
				}
				for _, c := range []byte(l.name) {
					if c < 0x20 || c == 0x7f {
						t.Fatalf("name %q holds a control byte", l.name)
					}
				}
			}
		}
	})
}
