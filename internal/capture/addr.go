package capture

import "net/netip"

// The address policy for downloads: which addresses a download may connect
// to when Opener.AllowPrivateURLs is off. Only public unicast addresses
// pass. Refused are every block of the IANA special-purpose address
// registries, IPv4 and IPv6, whatever the registry says of its global
// reachability, plus multicast, the IPv4 reserved space, and all of IPv6
// outside the global unicast space 2000::/3 (which holds IPv4-compatible
// ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, site-local fec0::/10,
// unique-local, link-local and the SRv6 SID block).
//
// Four IPv6 forms carry an IPv4 address and are judged by it: IPv4-mapped
// (::ffff:a.b.c.d), well-known NAT64 (64:ff9b::/96, RFC 6052), 6to4
// (2002::/16, RFC 3056) and Teredo (2001::/32, RFC 4380), whose server and
// client addresses must both be public.
//
// Sources:
// https://www.iana.org/assignments/iana-ipv4-special-registry/
// https://www.iana.org/assignments/iana-ipv6-special-registry/
// https://www.iana.org/assignments/ipv6-address-space/

// refusedPrefixes are the blocks refused outright. Some are also caught by
// netip.Addr's predicates (loopback, private, link-local, multicast) or by
// the 2000::/3 rule; they are listed so that the list reads as the policy.
// The registries themselves are written out, block by block, in
// addr_test.go, which checks every block against PublicAddr.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network" (RFC 791)
	netip.MustParsePrefix("100.64.0.0/10"),      // shared address space, CGNAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments (RFC 6890), with its sub-blocks
	netip.MustParsePrefix("192.0.2.0/24"),       // documentation TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("192.31.196.0/24"),    // AS112-v4 (RFC 7535)
	netip.MustParsePrefix("192.52.193.0/24"),    // AMT (RFC 7450)
	netip.MustParsePrefix("192.88.99.0/24"),     // deprecated 6to4 relay anycast (RFC 7526)
	netip.MustParsePrefix("192.175.48.0/24"),    // direct delegation AS112 service (RFC 7534)
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"),    // documentation TEST-NET-2 (RFC 5737)
	netip.MustParsePrefix("203.0.113.0/24"),     // documentation TEST-NET-3 (RFC 5737)
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved (RFC 1112), and the limited broadcast address
	netip.MustParsePrefix("2001::/23"),          // IETF protocol assignments (RFC 2928), Teredo aside
	netip.MustParsePrefix("2001:db8::/32"),      // documentation (RFC 3849)
	netip.MustParsePrefix("2620:4f:8000::/48"),  // direct delegation AS112 service (RFC 7534)
	netip.MustParsePrefix("3fff::/20"),          // documentation (RFC 9637)
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64 (RFC 8215): the IPv4 address sits where the operator chose
	netip.MustParsePrefix("100::/64"),           // discard-only (RFC 6666)
	netip.MustParsePrefix("100:0:0:1::/64"),     // dummy IPv6 prefix (RFC 9780)
	netip.MustParsePrefix("5f00::/16"),          // SRv6 SIDs (RFC 9602)
	netip.MustParsePrefix("fec0::/10"),          // site-local, deprecated (RFC 3879)
	netip.MustParsePrefix("::/96"),              // IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)
	netip.MustParsePrefix("::ffff:0:0:0/96"),    // IPv4-translated (RFC 2765)
	netip.MustParsePrefix("2001:0002::/48"),     // benchmarking (RFC 5180), inside 2001::/23, named for the record
	netip.MustParsePrefix("2001:0010::/28"),     // deprecated ORCHID (RFC 4843), inside 2001::/23
	netip.MustParsePrefix("2001:0020::/28"),     // ORCHIDv2 (RFC 7343), inside 2001::/23
	netip.MustParsePrefix("fc00::/7"),           // unique-local (RFC 4193)
	netip.MustParsePrefix("fe80::/10"),          // link-local unicast (RFC 4291)
	netip.MustParsePrefix("ff00::/8"),           // multicast (RFC 4291)
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast (RFC 5771)
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast (RFC 919)
}

var (
	ipv6Global  = netip.MustParsePrefix("2000::/3")     // IPv6 global unicast space (IANA IPv6 address space)
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 (RFC 6052), IPv4 in the last 4 bytes
	sixToFour   = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056), IPv4 in bytes 2-5
	teredo      = netip.MustParsePrefix("2001::/32")    // Teredo (RFC 4380): server IPv4 in bytes 4-7, client IPv4 inverted in bytes 12-15
)

// PublicAddr reports whether a download may connect to a: a public unicast
// address outside every special-purpose block (see the policy above).
func PublicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64Prefix.Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		case teredo.Contains(a):
			server := netip.AddrFrom4([4]byte(b[4:8]))
			client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
			return PublicAddr(server) && PublicAddr(client)
		case !ipv6Global.Contains(a):
			return false
		}
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range refusedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
