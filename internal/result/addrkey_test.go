package result

import (
	"net/netip"
	"testing"
	"unsafe"
)

// TestAddrKeyRoundTrip: every address family comes back unchanged, an
// IPv4 address and its mapped IPv6 form stay distinct keys, and the order
// is total.
func TestAddrKeyRoundTrip(t *testing.T) {
	addrs := []netip.Addr{{}, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("::ffff:192.0.2.1"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::"), netip.MustParseAddr("0.0.0.0")}
	seen := map[AddrKey]netip.Addr{}
	for _, a := range addrs {
		k := AddrKeyOf(a)
		if got := k.Addr(); got != a {
			t.Errorf("%v came back as %v", a, got)
		}
		if k.String() != a.String() {
			t.Errorf("%v: String %q", a, k.String())
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("%v and %v have the same key", prev, a)
		}
		seen[k] = a
		for _, b := range addrs {
			kb := AddrKeyOf(b)
			if c, r := k.Compare(kb), kb.Compare(k); (c == 0) != (a == b) || sign(c) != -sign(r) {
				t.Errorf("Compare(%v, %v) = %d, reverse %d", a, b, k.Compare(kb), kb.Compare(k))
			}
		}
	}
	if n := unsafe.Sizeof(AddrKey{}); n != 17 {
		t.Errorf("AddrKey takes %d bytes, want 17", n)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
