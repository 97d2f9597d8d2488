package overview

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Hosts get names from what the traffic says about them: DNS, mDNS and
// LLMNR answers (an A or AAAA record names its address, a PTR record the
// address its owner name reverses), NetBIOS name service registrations and
// answers, and the host name (option 12) or FQDN (option 81) a DHCP client
// gives for the address the server acknowledges. The decoders here read
// only what they need, never allocate per packet unless a name is learned,
// and stop at the first inconsistency: a malformed message teaches nothing.

// Name sources.
const (
	srcDNS   = "dns"
	srcPTR   = "dns_ptr"
	srcMDNS  = "mdns"
	srcLLMNR = "llmnr"
	srcNBNS  = "netbios"
	srcDHCP  = "dhcp"
)

// maxNamesPerHost bounds the names kept per address.
const maxNamesPerHost = 4

// maxNameLen bounds a name as kept (DNS names are at most 253 bytes).
const maxNameLen = 253

type learned struct {
	name, source string
}

// names holds what was learned, bounded: past max addresses, new ones are
// turned away (and counted).
type names struct {
	byAddr  map[[16]byte][]learned // by the address as 16 bytes (IPv4 mapped)
	max     int
	dropped uint64
	// DHCP: the host name a client (by hardware address) gave, until the
	// server acknowledges its address.
	dhcpNames map[[6]byte]string
}

func newNames(max int) *names {
	return &names{byAddr: map[[16]byte][]learned{}, max: max, dhcpNames: map[[6]byte]string{}}
}

// of returns the names learned for a.
func (n *names) of(a netip.Addr) []learned { return n.byAddr[a.Unmap().As16()] }

// room reports whether a name for a may be kept (counting it as dropped
// when not), so that a name is not decoded for nothing.
func (n *names) room(a netip.Addr) bool {
	if len(n.byAddr) < n.max {
		return true
	}
	if list, ok := n.byAddr[a.Unmap().As16()]; ok && len(list) < maxNamesPerHost {
		return true
	}
	n.dropped++
	return false
}

func (n *names) add(a netip.Addr, name, source string) {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || name == "" {
		return
	}
	name = safeText(strings.TrimSuffix(name, "."), maxNameLen)
	key := a.As16()
	list, ok := n.byAddr[key]
	if !ok && len(n.byAddr) >= n.max {
		n.dropped++
		return
	}
	for _, l := range list {
		if strings.EqualFold(l.name, name) {
			return
		}
	}
	if len(list) < maxNamesPerHost {
		n.byAddr[key] = append(list, learned{name, source})
	}
}

// dns learns from a DNS, mDNS or LLMNR response.
func (n *names) dns(b []byte, source string) {
	if len(b) < 12 || b[2]&0x80 == 0 || b[3]&0x0f != 0 {
		return // not a response, or an error
	}
	qd, an := int(binary.BigEndian.Uint16(b[4:])), int(binary.BigEndian.Uint16(b[6:]))
	ns, ar := int(binary.BigEndian.Uint16(b[8:])), int(binary.BigEndian.Uint16(b[10:]))
	if an == 0 && source != srcMDNS || an+ns+ar > 256 || qd > 16 {
		return
	}
	off := 12
	for range qd {
		end, ok := skipName(b, off)
		if !ok || end+4 > len(b) {
			return
		}
		off = end + 4
	}
	var buf [maxNameLen + 1]byte
	rrs := an
	if source == srcMDNS {
		rrs = an + ns + ar // mDNS announces in every section
	}
	for range rrs {
		owner := off
		end, ok := skipName(b, off)
		if !ok || end+10 > len(b) {
			return
		}
		typ := binary.BigEndian.Uint16(b[end:])
		rdlen := int(binary.BigEndian.Uint16(b[end+8:]))
		rd := end + 10
		if rd+rdlen > len(b) {
			return
		}
		off = rd + rdlen
		switch {
		case typ == 1 && rdlen == 4, typ == 28 && rdlen == 16:
			a, _ := netip.AddrFromSlice(b[rd : rd+rdlen])
			if !n.room(a) {
				continue
			}
			if name, ok := readName(b, owner, buf[:0]); ok {
				n.add(a, name, source)
			}
		case typ == 12:
			on, ok := readName(b, owner, buf[:0])
			if !ok {
				continue
			}
			a, ok := reverseAddr(on)
			if !ok || !n.room(a) {
				continue
			}
			var tb [maxNameLen + 1]byte
			if target, ok := readName(b, rd, tb[:0]); ok {
				s := source
				if s == srcDNS {
					s = srcPTR
				}
				n.add(a, target, s)
			}
		}
	}
}

// skipName returns the offset just past the (possibly compressed) name at
// off.
func skipName(b []byte, off int) (int, bool) {
	for hops := 0; hops < 128; hops++ {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1, true
		case l&0xc0 == 0xc0:
			if off+2 > len(b) {
				return 0, false
			}
			return off + 2, true
		case l&0xc0 != 0:
			return 0, false
		}
		off += 1 + l
	}
	return 0, false
}

// readName decodes the name at off into buf, following compression
// pointers (at most 32), and returns it without the final dot.
func readName(b []byte, off int, buf []byte) (string, bool) {
	for jumps := 0; ; {
		if off >= len(b) {
			return "", false
		}
		l := int(b[off])
		switch {
		case l == 0:
			return string(buf), true
		case l&0xc0 == 0xc0:
			if off+2 > len(b) || jumps >= 32 {
				return "", false
			}
			jumps++
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
			continue
		case l&0xc0 != 0:
			return "", false
		}
		if off+1+l > len(b) || len(buf)+l+1 > maxNameLen {
			return "", false
		}
		if len(buf) > 0 {
			buf = append(buf, '.')
		}
		buf = append(buf, b[off+1:off+1+l]...)
		off += 1 + l
	}
}

// reverseAddr parses a reverse-lookup name (4.3.2.1.in-addr.arpa, or the
// 32 nibbles of ip6.arpa).
func reverseAddr(name string) (netip.Addr, bool) {
	name = strings.ToLower(name)
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa"); ok {
		parts := strings.Split(rest, ".")
		if len(parts) != 4 {
			return netip.Addr{}, false
		}
		var a [4]byte
		for i, p := range parts {
			v, err := strconv.Atoi(p)
			if err != nil || v < 0 || v > 255 {
				return netip.Addr{}, false
			}
			a[3-i] = byte(v)
		}
		return netip.AddrFrom4(a), true
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa"); ok {
		parts := strings.Split(rest, ".")
		if len(parts) != 32 {
			return netip.Addr{}, false
		}
		var a [16]byte
		for i, p := range parts {
			if len(p) != 1 {
				return netip.Addr{}, false
			}
			v, err := strconv.ParseUint(p, 16, 8)
			if err != nil {
				return netip.Addr{}, false
			}
			j := 31 - i
			if j%2 == 0 {
				a[j/2] |= byte(v) << 4
			} else {
				a[j/2] |= byte(v)
			}
		}
		return netip.AddrFrom16(a), true
	}
	return netip.Addr{}, false
}

// nbns learns from NetBIOS name service registrations and positive
// answers (RFC 1002 §4.2): every NB resource record names the addresses in
// its data.
func (n *names) nbns(b []byte) {
	if len(b) < 12 {
		return
	}
	qd, an := int(binary.BigEndian.Uint16(b[4:])), int(binary.BigEndian.Uint16(b[6:]))
	ns, ar := int(binary.BigEndian.Uint16(b[8:])), int(binary.BigEndian.Uint16(b[10:]))
	if b[3]&0x0f != 0 || qd > 4 || an+ns+ar > 16 {
		return
	}
	off := 12
	for range qd {
		end, ok := skipName(b, off)
		if !ok || end+4 > len(b) {
			return
		}
		off = end + 4
	}
	for range an + ns + ar {
		owner := off
		end, ok := skipName(b, off)
		if !ok || end+10 > len(b) {
			return
		}
		typ := binary.BigEndian.Uint16(b[end:])
		rdlen := int(binary.BigEndian.Uint16(b[end+8:]))
		rd := end + 10
		if rd+rdlen > len(b) {
			return
		}
		off = rd + rdlen
		if typ != 0x20 {
			continue
		}
		name, ok := netbiosName(b, owner)
		if !ok {
			continue
		}
		for e := rd; e+6 <= rd+rdlen; e += 6 {
			if b[e]&0x80 != 0 {
				continue // a group name, not a host's
			}
			a, _ := netip.AddrFromSlice(b[e+2 : e+6])
			n.add(a, name, srcNBNS)
		}
	}
}

// netbiosName decodes a first-level encoded NetBIOS name (RFC 1001 §14.1)
// of a workstation or server, without its padding.
func netbiosName(b []byte, off int) (string, bool) {
	var raw [maxNameLen + 1]byte
	full, ok := readName(b, off, raw[:0])
	if !ok {
		return "", false
	}
	label, _, _ := strings.Cut(full, ".")
	if len(label) != 32 {
		return "", false
	}
	var dec [16]byte
	for i := range 16 {
		hi, lo := label[2*i]-'A', label[2*i+1]-'A'
		if hi > 15 || lo > 15 {
			return "", false
		}
		dec[i] = hi<<4 | lo
	}
	if suffix := dec[15]; suffix != 0x00 && suffix != 0x20 {
		return "", false
	}
	return strings.TrimRight(string(dec[:15]), " "), true
}

// dhcp learns from DHCP (RFC 2131): the host name a client gives (option
// 12, or the name of option 81) names its address once the server
// acknowledges it, or at once when the client already has one (ciaddr).
func (n *names) dhcp(b []byte) {
	if len(b) < 240 || binary.BigEndian.Uint32(b[236:]) != 0x63825363 || b[2] != 6 {
		return
	}
	var chaddr [6]byte
	copy(chaddr[:], b[28:34])
	ciaddr, _ := netip.AddrFromSlice(b[12:16])
	yiaddr, _ := netip.AddrFromSlice(b[16:20])
	var msgType byte
	var host string
	for off := 240; off < len(b); {
		code := b[off]
		if code == 0 {
			off++
			continue
		}
		if code == 255 || off+2 > len(b) {
			break
		}
		l := int(b[off+1])
		if off+2+l > len(b) {
			break
		}
		v := b[off+2 : off+2+l]
		switch code {
		case 53:
			if l == 1 {
				msgType = v[0]
			}
		case 12:
			host = string(v)
		case 81:
			if l > 3 && host == "" {
				if v[0]&0x04 != 0 { // canonical wire format
					var buf [maxNameLen + 1]byte
					if s, ok := readName(v[3:], 0, buf[:0]); ok {
						host = s
					}
				} else {
					host = string(v[3:])
				}
			}
		}
		off += 2 + l
	}
	switch msgType {
	case 1, 3, 8: // DISCOVER, REQUEST, INFORM
		if host == "" {
			return
		}
		if ciaddr.IsValid() && !ciaddr.IsUnspecified() {
			n.add(ciaddr, host, srcDHCP)
		}
		if _, ok := n.dhcpNames[chaddr]; ok || len(n.dhcpNames) < n.max {
			n.dhcpNames[chaddr] = host
		}
	case 5: // ACK
		if host == "" {
			host = n.dhcpNames[chaddr]
		}
		if host != "" && yiaddr.IsValid() && !yiaddr.IsUnspecified() {
			n.add(yiaddr, host, srcDHCP)
		}
	}
}

// safeText makes text decoded from a packet safe to show: control bytes,
// invalid UTF-8 and backslashes are escaped (\xNN), and it is cut to at
// most max bytes.
func safeText(s string, max int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < max; {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f, r == '\\', r >= 0x80 && r < 0xa0:
			const hex = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&15])
			size = 1
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	out := b.String()
	if len(out) > max {
		out = out[:max]
	}
	return out
}
