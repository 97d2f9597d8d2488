package capture

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// The IANA special-purpose address registries, block by block, as data.
// Every block is refused unless --allow-private-urls, whatever the
// registry's "globally reachable" column says; the blocks that carry an
// IPv4 address (embedded) are judged by it.
//
// Sources (entries as of 2025):
// https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
// https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml
type registryBlock struct {
	prefix  string
	name    string
	ref     string
	carries bool // carries an IPv4 address, and is judged by it
}

var ianaIPv4Special = []registryBlock{
	{"0.0.0.0/8", `"This network"`, "RFC 791 §3.2", false},
	{"0.0.0.0/32", `"This host on this network"`, "RFC 1122 §3.2.1.3", false},
	{"10.0.0.0/8", "Private-Use", "RFC 1918", false},
	{"100.64.0.0/10", "Shared Address Space", "RFC 6598", false},
	{"127.0.0.0/8", "Loopback", "RFC 1122 §3.2.1.3", false},
	{"169.254.0.0/16", "Link Local", "RFC 3927", false},
	{"172.16.0.0/12", "Private-Use", "RFC 1918", false},
	{"192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890 §2.1", false},
	{"192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", false},
	{"192.0.0.8/32", "IPv4 dummy address", "RFC 7600", false},
	{"192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", false},
	{"192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", false},
	{"192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 §2.2", false},
	{"192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 §2.2", false},
	{"192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", false},
	{"192.31.196.0/24", "AS112-v4", "RFC 7535", false},
	{"192.52.193.0/24", "AMT", "RFC 7450", false},
	{"192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", false},
	{"192.88.99.2/32", "6a44-relay anycast address", "RFC 6751", false},
	{"192.168.0.0/16", "Private-Use", "RFC 1918", false},
	{"192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", false},
	{"198.18.0.0/15", "Benchmarking", "RFC 2544", false},
	{"198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", false},
	{"203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", false},
	{"240.0.0.0/4", "Reserved", "RFC 1112 §4", false},
	{"255.255.255.255/32", "Limited Broadcast", "RFC 8190, RFC 919 §7", false},
}

var ianaIPv6Special = []registryBlock{
	{"::1/128", "Loopback Address", "RFC 4291", false},
	{"::/128", "Unspecified Address", "RFC 4291", false},
	{"::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", true},
	{"64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", true},
	{"64:ff9b:1::/48", "IPv4-IPv6 Translat.", "RFC 8215", false},
	{"100::/64", "Discard-Only Address Block", "RFC 6666", false},
	{"100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", false},
	{"2001::/23", "IETF Protocol Assignments", "RFC 2928", false},
	{"2001::/32", "TEREDO", "RFC 4380, RFC 8190", true},
	{"2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", false},
	{"2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", false},
	{"2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", false},
	{"2001:2::/48", "Benchmarking", "RFC 5180, RFC Errata 1752", false},
	{"2001:3::/32", "AMT", "RFC 7450", false},
	{"2001:4:112::/48", "AS112-v6", "RFC 7535", false},
	{"2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", false},
	{"2001:20::/28", "ORCHIDv2", "RFC 7343", false},
	{"2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", false},
	{"2001:db8::/32", "Documentation", "RFC 3849", false},
	{"2002::/16", "6to4", "RFC 3056", true},
	{"2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", false},
	{"3fff::/20", "Documentation", "RFC 9637", false},
	{"5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", false},
	{"fc00::/7", "Unique-Local", "RFC 4193, RFC 8190", false},
	{"fe80::/10", "Link-Local Unicast", "RFC 4291", false},
}

// otherRefused are refused blocks from outside the special-purpose
// registries: multicast (the multicast registries), deprecated IPv6 forms,
// and IPv6 space IANA has not allocated for global unicast
// (https://www.iana.org/assignments/ipv6-address-space/).
var otherRefused = []registryBlock{
	{"224.0.0.0/4", "IPv4 multicast", "RFC 5771", false},
	{"ff00::/8", "IPv6 multicast", "RFC 4291", false},
	{"fec0::/10", "Site-local (deprecated)", "RFC 3879", false},
	{"::/96", "IPv4-compatible (deprecated)", "RFC 4291 §2.5.5.1", false},
	{"::ffff:0:0:0/96", "IPv4-translated", "RFC 2765 §2.1", false},
	{"4000::/2", "Reserved by IETF", "IPv6 address space registry", false},
	{"8000::/1", "Reserved by IETF (and fc00::/7, fe80::/10, ff00::/8 inside)", "IPv6 address space registry", false},
	{"100::/8", "Reserved by IETF", "IPv6 address space registry", false},
	{"200::/7", "Reserved by IETF (deprecated NSAP)", "RFC 4048", false},
}

// samples returns addresses of p: its first and last, and a few inside.
func samples(p netip.Prefix, r *rand.Rand) []netip.Addr {
	p = p.Masked()
	first := p.Addr()
	b := first.AsSlice()
	last := make([]byte, len(b))
	for i := range b {
		hostBits := max(0, min(8, (i+1)*8-p.Bits()))
		mask := byte(1<<hostBits - 1)
		last[i] = b[i] | mask
	}
	out := []netip.Addr{first, netip.AddrFrom16([16]byte(pad16(last))).Unmap()}
	if first.Is4() {
		out[1] = netip.AddrFrom4([4]byte(last))
	}
	for range 8 {
		rnd := make([]byte, len(b))
		for i := range rnd {
			hostBits := max(0, min(8, (i+1)*8-p.Bits()))
			mask := byte(1<<hostBits - 1)
			rnd[i] = b[i] | byte(r.UintN(256))&mask
		}
		a, _ := netip.AddrFromSlice(rnd)
		out = append(out, a)
	}
	return out
}

func pad16(b []byte) []byte {
	if len(b) == 16 {
		return b
	}
	return append(append(make([]byte, 10), 0xff, 0xff), b...)
}

// TestAddressPolicyRegistries: every block of both IANA special-purpose
// registries, and the other refused blocks, is refused at its first and
// last address and at random addresses inside; a block that carries an
// IPv4 address is refused when that address is not public and allowed
// when it is.
func TestAddressPolicyRegistries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var all []registryBlock
	all = append(all, ianaIPv4Special...)
	all = append(all, ianaIPv6Special...)
	all = append(all, otherRefused...)
	for _, blk := range all {
		t.Run(blk.prefix, func(t *testing.T) {
			p := netip.MustParsePrefix(blk.prefix)
			if _, ok := embedded(p.Addr()); blk.carries && !ok {
				t.Errorf("%s: the table says it carries an IPv4 address, but embedded finds none", blk.prefix)
			}
			for _, a := range samples(p, r) {
				if e, ok := embedded(a); ok && PublicAddr(e) {
					continue // judged by a public embedded address: see below
				}
				if PublicAddr(a) {
					t.Errorf("PublicAddr(%s) = true, want false (%s, %s, %s)", a, blk.prefix, blk.name, blk.ref)
				}
			}
		})
	}
	// Forms that carry an IPv4 address: private inside is refused, public
	// inside is allowed.
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"::ffff:127.0.0.1", false}, {"::ffff:10.1.1.1", false}, {"::ffff:8.8.8.8", true},
		{"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::7f00:1", false}, {"64:ff9b::808:808", true},
		{"2002:7f00:1::1", false}, {"2002:c0a8:101::1", false}, {"2002:808:808::1", true},
		// Teredo: 2001:0:<server>:<flags>:<port>:<client XOR ffff:ffff>.
		{"2001:0:808:808:0:0:f7f7:f7f7", true},  // server 8.8.8.8, client 8.8.8.8
		{"2001:0:808:808:0:0:80ff:fffe", false}, // client 127.0.0.1
		{"2001:0:7f00:1:0:0:f7f7:f7f7", false},  // server 127.0.0.1
		{"2001:0:a00:1:0:0:f7f7:f7f7", false},   // server 10.0.0.1
		{"2001:0:808:808:0:0:3f57:fefe", false}, // client 192.168.1.1
		// The forms the red team found reaching connect().
		{"::7f00:1", false}, {"::ffff:0:7f00:1", false}, {"fec0::1", false}, {"2001:2::1", false},
	} {
		if got := PublicAddr(netip.MustParseAddr(c.addr)); got != c.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
	}
}

// embedded returns the IPv4 address a carries, if it is of a form that
// carries one (for Teredo, the server when it is not public, else the
// client).
func embedded(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case a.Is4In6():
		return a.Unmap(), true
	case nat64Prefix.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(a):
		server := netip.AddrFrom4([4]byte(b[4:8]))
		if !PublicAddr(server) {
			return server, true
		}
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// TestAddressPolicyPublic: addresses outside every refused block are
// public, so the policy refuses no more than the tables say. Random IPv4
// addresses, and random IPv6 addresses of 2000::/3, are checked against
// the tables.
func TestAddressPolicyPublic(t *testing.T) {
	var blocks []netip.Prefix
	for _, set := range [][]registryBlock{ianaIPv4Special, ianaIPv6Special, otherRefused} {
		for _, blk := range set {
			blocks = append(blocks, netip.MustParsePrefix(blk.prefix))
		}
	}
	inBlock := func(a netip.Addr) bool {
		for _, p := range blocks {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for range 200000 {
		var a netip.Addr
		if r.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256))})
		} else {
			var b [16]byte
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			b[0] = 0x20 | b[0]&0x1f // 2000::/3
			a = netip.AddrFrom16(b)
		}
		if inBlock(a) {
			continue
		}
		checked++
		if !PublicAddr(a) {
			t.Errorf("PublicAddr(%s) = false, but no refused block holds it", a)
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001::1", "2001:4860:4860::8888"} {
		if !PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("PublicAddr(%s) = false, want true", s)
		}
	}
	if checked < 100000 {
		t.Errorf("only %d random addresses fell outside the blocks", checked)
	}
}
