package result

import (
	"bytes"
	"net/netip"
)

// AddrKey is an address as a plain comparable value, 17 bytes with no
// pointer, for the keys of maps and counters a module updates on every
// packet: a netip.Addr (24 bytes) holds a pointer, so keys made of it are
// larger and slower to hash. An IPv4 address and its IPv4-mapped IPv6 form
// stay distinct. Addr gives the address back unchanged; addresses decoded
// from packets carry no IPv6 zone, the one thing a key drops.
type AddrKey struct {
	ip     [16]byte
	family uint8 // 4 or 6; 0 for the zero Addr
}

// AddrKeyOf returns a as an AddrKey.
func AddrKeyOf(a netip.Addr) AddrKey {
	switch {
	case a.Is4():
		return AddrKey{ip: a.As16(), family: 4}
	case a.Is6():
		return AddrKey{ip: a.As16(), family: 6}
	}
	return AddrKey{}
}

// Addr returns the address k holds.
func (k AddrKey) Addr() netip.Addr {
	switch k.family {
	case 4:
		return netip.AddrFrom4([4]byte(k.ip[12:]))
	case 6:
		return netip.AddrFrom16(k.ip)
	}
	return netip.Addr{}
}

// String formats the address as netip.Addr does.
func (k AddrKey) String() string { return k.Addr().String() }

// Compare orders keys by their 16 bytes, then IPv4 before IPv6: a total
// order, for keys that put a pair of addresses in a canonical order.
func (k AddrKey) Compare(l AddrKey) int {
	if c := bytes.Compare(k.ip[:], l.ip[:]); c != 0 {
		return c
	}
	return int(k.family) - int(l.family)
}
