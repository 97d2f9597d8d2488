package dns

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// DNS header (RFC 1035 §4.1.1):
//
//	                                1  1  1  1  1  1
//	  0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//	|                      ID                       |
//	|QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
//	|                    QDCOUNT                    |
//	|                    ANCOUNT                    |
//	|                    NSCOUNT                    |
//	|                    ARCOUNT                    |
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
const headerLen = 12

// message is one decoded DNS message; the layer's slices point into the
// payload and into the layer's name buffer, valid until the next decode.
type message struct {
	layer layers.DNS
	raw   []byte
	err   error // the first decoding error; what precedes it is valid
}

func (m *message) decode(payload []byte) {
	m.raw = payload
	m.err = m.layer.DecodeFromBytes(payload, gopacket.NilDecodeFeedback)
}

// header reads the fixed header straight from the bytes: it is there even
// when the rest does not decode.
func (m *message) ok() bool           { return len(m.raw) >= headerLen }
func (m *message) id() int            { return int(binary.BigEndian.Uint16(m.raw[0:2])) }
func (m *message) isResponse() bool   { return m.raw[2]&0x80 != 0 }
func (m *message) opcode() int        { return int(m.raw[2]>>3) & 0xf }
func (m *message) headerRcode() int   { return int(m.raw[3] & 0xf) }
func (m *message) count(i int) int    { return int(binary.BigEndian.Uint16(m.raw[4+2*i:])) }
func (m *message) truncatedBit() bool { return m.raw[2]&0x02 != 0 }

// rcode is the response code with the EDNS extension (RFC 6891 §6.1.3).
func (m *message) rcode() int {
	r := m.headerRcode()
	for i := range m.layer.Additionals {
		if m.layer.Additionals[i].Type == layers.DNSTypeOPT {
			r |= int(m.layer.Additionals[i].TTL>>24) << 4
		}
	}
	return r
}

// firstQuestion returns the first question, decoded.
func (m *message) firstQuestion() (name []byte, qtype uint16, ok bool) {
	if len(m.layer.Questions) == 0 {
		return nil, 0, false
	}
	q := &m.layer.Questions[0]
	return q.Name, uint16(q.Type), true
}

// presentName renders a decoded name: labels as they are, with backslash,
// and bytes outside printable ASCII, escaped as \DDD (RFC 1035 §5.1); the
// root is ".".
func presentName(b []byte) string {
	if len(b) == 0 {
		return "."
	}
	plain := true
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(b)
	}
	return string(appendName(nil, b, false))
}

// appendLowerName appends the presentation form of a decoded name (see
// presentName) with ASCII letters folded to lower case: the key for
// counting.
func appendLowerName(dst, b []byte) []byte { return appendName(dst, b, true) }

// appendName appends the presentation form of a decoded name (see
// presentName), with ASCII letters folded to lower case when fold is set.
func appendName(dst, b []byte, fold bool) []byte {
	if len(b) == 0 {
		return append(dst, '.')
	}
	for _, c := range b {
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c <= ' ' || c >= 0x7f:
			dst = append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		case fold && 'A' <= c && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func quoteTexts(txts [][]byte) string {
	parts := make([]string, len(txts))
	for i, t := range txts {
		parts[i] = strconv.Quote(string(t))
	}
	return strings.Join(parts, " ")
}

// rr builds the record form of a resource record.
func rr(r *layers.DNSResourceRecord, mdns bool) RR {
	out := RR{
		Name:     presentName(r.Name),
		Type:     int(r.Type),
		TypeName: typeName(uint16(r.Type)),
		Class:    int(r.Class),
		TTL:      r.TTL,
	}
	if mdns && r.Type != layers.DNSTypeOPT {
		out.CacheFlush = r.Class&0x8000 != 0
		out.Class &= 0x7fff
	}
	out.ClassName = className(uint16(out.Class))
	switch r.Type {
	case layers.DNSTypeA, layers.DNSTypeAAAA:
		if a, ok := netip.AddrFromSlice(r.IP); ok {
			out.Address = a.String()
			out.Data = out.Address
		}
	case layers.DNSTypeCNAME:
		out.CNAME = presentName(r.CNAME)
		out.Data = out.CNAME
	case layers.DNSTypeNS:
		out.Data = presentName(r.NS)
	case layers.DNSTypePTR:
		out.Data = presentName(r.PTR)
	case layers.DNSTypeMX:
		out.MX = presentName(r.MX.Name)
		out.Data = fmt.Sprintf("%d %s", r.MX.Preference, out.MX)
		out.RData = map[string]any{"preference": r.MX.Preference, "exchange": out.MX}
	case layers.DNSTypeTXT, layers.DNSTypeHINFO:
		out.Data = quoteTexts(r.TXTs)
	case layers.DNSTypeSOA:
		s := r.SOA
		out.Data = fmt.Sprintf("%s %s %d %d %d %d %d", presentName(s.MName), presentName(s.RName), s.Serial, s.Refresh, s.Retry, s.Expire, s.Minimum)
		out.RData = map[string]any{"mname": presentName(s.MName), "rname": presentName(s.RName), "serial": s.Serial, "refresh": s.Refresh, "retry": s.Retry, "expire": s.Expire, "minimum": s.Minimum}
	case layers.DNSTypeSRV:
		s := r.SRV
		out.Data = fmt.Sprintf("%d %d %d %s", s.Priority, s.Weight, s.Port, presentName(s.Name))
		out.RData = map[string]any{"priority": s.Priority, "weight": s.Weight, "port": s.Port, "target": presentName(s.Name)}
	case layers.DNSTypeNAPTR:
		n := r.NAPTR
		out.Data = fmt.Sprintf("%d %d %q %q %q %s", n.Order, n.Preference, n.Flags, n.Service, n.Regexp, presentName(n.Replacement))
		out.RData = map[string]any{"order": n.Order, "preference": n.Preference, "flags": string(n.Flags), "service": string(n.Service), "regexp": string(n.Regexp), "replacement": presentName(n.Replacement)}
	case layers.DNSTypeSVCB, layers.DNSTypeHTTPS:
		out.Data, out.RData = svcb(r.SVCB)
	case layers.DNSTypeRRSIG:
		g := r.RRSIG
		out.Data = fmt.Sprintf("%s %s %d %d %d %d %d %s [signature %d bytes]", typeName(uint16(g.TypeCovered)), algorithmName(uint8(g.Algorithm)), g.Labels, g.OriginalTTL, g.Expiration, g.Inception, g.KeyTag, presentName(g.SignerName), len(g.Signature))
		out.RData = map[string]any{"type_covered": typeName(uint16(g.TypeCovered)), "algorithm": algorithmName(uint8(g.Algorithm)), "labels": g.Labels, "original_ttl": g.OriginalTTL, "expiration": g.Expiration, "inception": g.Inception, "key_tag": g.KeyTag, "signer": presentName(g.SignerName), "signature_bytes": len(g.Signature)}
	case layers.DNSTypeDNSKEY:
		k := r.DNSKEY
		out.Data = fmt.Sprintf("%d %d %s [key %d bytes, tag %d]", k.Flags, k.Protocol, algorithmName(uint8(k.Algorithm)), len(k.PublicKey), keyTag(r.Data))
		out.RData = map[string]any{"flags": int(k.Flags), "zone_key": k.Flags&0x100 != 0, "secure_entry_point": k.Flags&1 != 0, "protocol": int(k.Protocol), "algorithm": algorithmName(uint8(k.Algorithm)), "key_bytes": len(k.PublicKey), "key_tag": keyTag(r.Data)}
	case layers.DNSTypeURI:
		out.Data = fmt.Sprintf("%d %d %q", r.URI.Priority, r.URI.Weight, r.URI.Target)
	case layers.DNSTypeOPT:
		out.Data = fmt.Sprintf("udp %d", r.Class)
	default:
		out.Data, out.RData = otherRData(uint16(r.Type), r.Data)
	}
	return out
}

// keyTag computes the DNSKEY key tag (RFC 4034 Appendix B).
func keyTag(rdata []byte) int {
	var ac uint32
	for i, b := range rdata {
		if i&1 == 1 {
			ac += uint32(b)
		} else {
			ac += uint32(b) << 8
		}
	}
	ac += ac >> 16 & 0xffff
	return int(ac & 0xffff)
}

var svcParamNames = map[uint16]string{0: "mandatory", 1: "alpn", 2: "no-default-alpn", 3: "port", 4: "ipv4hint", 5: "ech", 6: "ipv6hint", 7: "dohpath", 8: "ohttp"}

func svcb(s layers.DNSSVCB) (string, any) {
	params := map[string]string{}
	var parts []string
	for _, p := range s.Params {
		key := uint16(p.Key)
		name, ok := svcParamNames[key]
		if !ok {
			name = "key" + strconv.Itoa(int(key))
		}
		var v string
		switch key {
		case 1: // alpn: length-prefixed ids
			var ids []string
			for i := 0; i < len(p.Value); {
				n := int(p.Value[i])
				if i+1+n > len(p.Value) {
					break
				}
				ids = append(ids, string(p.Value[i+1:i+1+n]))
				i += 1 + n
			}
			v = strings.Join(ids, ",")
		case 3:
			if len(p.Value) == 2 {
				v = strconv.Itoa(int(binary.BigEndian.Uint16(p.Value)))
			}
		case 4, 6:
			size := 4
			if key == 6 {
				size = 16
			}
			var addrs []string
			for i := 0; i+size <= len(p.Value); i += size {
				a, _ := netip.AddrFromSlice(p.Value[i : i+size])
				addrs = append(addrs, a.String())
			}
			v = strings.Join(addrs, ",")
		case 5:
			v = base64.StdEncoding.EncodeToString(p.Value)
		case 7:
			v = string(p.Value)
		default:
			v = hex.EncodeToString(p.Value)
		}
		params[name] = v
		if v == "" {
			parts = append(parts, name)
		} else {
			parts = append(parts, name+"="+v)
		}
	}
	target := presentName(s.Target)
	data := fmt.Sprintf("%d %s", s.Priority, target)
	if len(parts) > 0 {
		data += " " + strings.Join(parts, " ")
	}
	return data, map[string]any{"priority": s.Priority, "target": target, "params": params}
}

// otherRData decodes record types gopacket leaves raw: CAA and DS, and
// shows the rest as hex.
func otherRData(t uint16, d []byte) (string, any) {
	switch t {
	case 257: // CAA (RFC 8659): flags, tag length, tag, value
		if len(d) >= 2 && 2+int(d[1]) <= len(d) {
			tag, value := string(d[2:2+int(d[1])]), string(d[2+int(d[1]):])
			return fmt.Sprintf("%d %s %q", d[0], tag, value), map[string]any{"flags": d[0], "critical": d[0]&0x80 != 0, "tag": tag, "value": value}
		}
	case 43, 59: // DS, CDS (RFC 4034 §5): key tag, algorithm, digest type, digest
		if len(d) >= 4 {
			tag := binary.BigEndian.Uint16(d)
			return fmt.Sprintf("%d %s %d %X", tag, algorithmName(d[2]), d[3], d[4:]),
				map[string]any{"key_tag": tag, "algorithm": algorithmName(d[2]), "digest_type": d[3], "digest": hex.EncodeToString(d[4:])}
		}
	}
	if len(d) > 64 {
		return fmt.Sprintf("\\# %d %s... (%d bytes)", len(d), hex.EncodeToString(d[:64]), len(d)), nil
	}
	return fmt.Sprintf("\\# %d %s", len(d), hex.EncodeToString(d)), nil
}

// edns decodes the OPT pseudo-record, if any.
func (m *message) edns() *EDNS {
	for i := range m.layer.Additionals {
		r := &m.layer.Additionals[i]
		if r.Type != layers.DNSTypeOPT {
			continue
		}
		e := &EDNS{UDPSize: int(r.Class), ExtendedRcode: int(r.TTL >> 24), Version: int(r.TTL>>16) & 0xff, DO: r.TTL&0x8000 != 0, Options: []EDNSOption{}}
		for _, o := range r.OPT {
			code := uint16(o.Code)
			e.Options = append(e.Options, EDNSOption{Code: int(code), Name: ednsOptionName(code), Hex: hex.EncodeToString(o.Data)})
			switch code {
			case 8: // client subnet: family, source prefix, scope prefix, address
				if len(o.Data) >= 4 {
					var a netip.Addr
					switch binary.BigEndian.Uint16(o.Data) {
					case 1:
						var b [4]byte
						copy(b[:], o.Data[4:])
						a = netip.AddrFrom4(b)
					case 2:
						var b [16]byte
						copy(b[:], o.Data[4:])
						a = netip.AddrFrom16(b)
					}
					if a.IsValid() {
						e.ClientSubnet = netip.PrefixFrom(a, int(o.Data[2])).String()
					}
				}
			case 10: // cookie: 8-byte client cookie, optional server cookie
				if len(o.Data) >= 8 {
					e.ClientCookie = hex.EncodeToString(o.Data[:8])
					e.ServerCookie = hex.EncodeToString(o.Data[8:])
				}
			case 15: // extended DNS error: info code, extra text
				if len(o.Data) >= 2 {
					c := int(binary.BigEndian.Uint16(o.Data))
					e.ExtendedError, e.ExtendedReason = &c, string(o.Data[2:])
				}
			}
		}
		return e
	}
	return nil
}

// summary is a one-line description in the manner of Wireshark's Info
// column: "Standard query 0x1a2b A example.com" or "Standard query
// response 0x1a2b No such name A example.com".
func (m *message) summary() string {
	var b strings.Builder
	op := "Standard query"
	if o := m.opcode(); o != 0 {
		op = opcodeName(o)
	}
	b.WriteString(op)
	if m.isResponse() {
		b.WriteString(" response")
	}
	fmt.Fprintf(&b, " 0x%04x", m.id())
	if m.isResponse() && m.headerRcode() != 0 {
		b.WriteString(" " + rcodeName(m.rcode()))
	}
	for _, q := range m.layer.Questions {
		fmt.Fprintf(&b, " %s %s", typeName(uint16(q.Type)), presentName(q.Name))
	}
	for i := range m.layer.Answers {
		if i == 5 {
			fmt.Fprintf(&b, " ... (%d answers)", len(m.layer.Answers))
			break
		}
		a := &m.layer.Answers[i]
		d := rr(a, false).Data
		fmt.Fprintf(&b, " %s %s", typeName(uint16(a.Type)), d)
	}
	return b.String()
}
