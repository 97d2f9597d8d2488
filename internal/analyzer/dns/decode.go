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

// names renders the names of one message: from the wire where the record
// lies is known (at), else from the decoded bytes.
type names struct {
	m  *message
	at rrAt // where the record being rendered lies; name < 0 when unknown
}

// owner is the record's owner name.
func (n names) owner(decoded []byte) string { return n.m.nameAt(n.at.name, decoded) }

// rdata is a name inside the record's data, skip bytes from its start;
// second picks the name after the first (SOA RNAME).
func (n names) rdata(skip int, second bool, decoded []byte) string {
	if n.at.name < 0 || n.at.rdlen < skip+1 {
		return presentName(decoded)
	}
	off := n.at.rdata + skip
	if second {
		end, ok := skipName(n.m.raw, off)
		if !ok {
			return presentName(decoded)
		}
		off = end
	}
	return n.m.nameAt(off, decoded)
}

// rr builds the record form of a resource record; at is where it lies in
// the message (name < 0: unknown).
func (m *message) rr(r *layers.DNSResourceRecord, mdns bool, at rrAt) RR {
	nm := names{m: m, at: at}
	out := RR{
		Name:     nm.owner(r.Name),
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
		out.CNAME = nm.rdata(0, false, r.CNAME)
		out.Data = out.CNAME
	case layers.DNSTypeNS:
		out.Data = nm.rdata(0, false, r.NS)
	case layers.DNSTypePTR:
		out.Data = nm.rdata(0, false, r.PTR)
	case layers.DNSTypeMX:
		out.MX = nm.rdata(2, false, r.MX.Name)
		out.Data = fmt.Sprintf("%d %s", r.MX.Preference, out.MX)
		out.RData = map[string]any{"preference": r.MX.Preference, "exchange": out.MX}
	case layers.DNSTypeTXT, layers.DNSTypeHINFO:
		out.Data = quoteTexts(r.TXTs)
	case layers.DNSTypeSOA:
		s := r.SOA
		mname, rname := nm.rdata(0, false, s.MName), nm.rdata(0, true, s.RName)
		out.Data = fmt.Sprintf("%s %s %d %d %d %d %d", mname, rname, s.Serial, s.Refresh, s.Retry, s.Expire, s.Minimum)
		out.RData = map[string]any{"mname": mname, "rname": rname, "serial": s.Serial, "refresh": s.Refresh, "retry": s.Retry, "expire": s.Expire, "minimum": s.Minimum}
	case layers.DNSTypeSRV:
		s := r.SRV
		target := nm.rdata(6, false, s.Name)
		out.Data = fmt.Sprintf("%d %d %d %s", s.Priority, s.Weight, s.Port, target)
		out.RData = map[string]any{"priority": s.Priority, "weight": s.Weight, "port": s.Port, "target": target}
	case layers.DNSTypeNAPTR:
		n := r.NAPTR
		repl := nm.rdata(7+len(n.Flags)+len(n.Service)+len(n.Regexp), false, n.Replacement)
		out.Data = fmt.Sprintf("%d %d %s %s %s %s", n.Order, n.Preference, appendQuoted(nil, n.Flags), appendQuoted(nil, n.Service), appendQuoted(nil, n.Regexp), repl)
		out.RData = map[string]any{"order": n.Order, "preference": n.Preference, "flags": textValue(n.Flags), "service": textValue(n.Service), "regexp": textValue(n.Regexp), "replacement": repl}
	case layers.DNSTypeSVCB, layers.DNSTypeHTTPS:
		out.Data, out.RData = svcb(r.SVCB, nm.rdata(2, false, r.SVCB.Target))
	case layers.DNSTypeRRSIG:
		g := r.RRSIG
		signer := nm.rdata(18, false, g.SignerName)
		out.Data = fmt.Sprintf("%s %s %d %d %d %d %d %s [signature %d bytes]", typeName(uint16(g.TypeCovered)), algorithmName(uint8(g.Algorithm)), g.Labels, g.OriginalTTL, g.Expiration, g.Inception, g.KeyTag, signer, len(g.Signature))
		out.RData = map[string]any{"type_covered": typeName(uint16(g.TypeCovered)), "algorithm": algorithmName(uint8(g.Algorithm)), "labels": g.Labels, "original_ttl": g.OriginalTTL, "expiration": g.Expiration, "inception": g.Inception, "key_tag": g.KeyTag, "signer": signer, "signature_bytes": len(g.Signature)}
	case layers.DNSTypeDNSKEY:
		k := r.DNSKEY
		out.Data = fmt.Sprintf("%d %d %s [key %d bytes, tag %d]", k.Flags, k.Protocol, algorithmName(uint8(k.Algorithm)), len(k.PublicKey), keyTag(r.Data))
		out.RData = map[string]any{"flags": int(k.Flags), "zone_key": k.Flags&0x100 != 0, "secure_entry_point": k.Flags&1 != 0, "protocol": int(k.Protocol), "algorithm": algorithmName(uint8(k.Algorithm)), "key_bytes": len(k.PublicKey), "key_tag": keyTag(r.Data)}
	case layers.DNSTypeURI:
		out.Data = fmt.Sprintf("%d %d %s", r.URI.Priority, r.URI.Weight, appendQuoted(nil, r.URI.Target))
	case layers.DNSTypeOPT:
		out.Data = fmt.Sprintf("udp %d", r.Class)
	default:
		out.Data, out.RData = otherRData(uint16(r.Type), r.Data)
	}
	out.Data = bound(out.Data, maxData)
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

// maxSvcParams is how many SvcParams of a record are shown.
const maxSvcParams = 16

func svcb(s layers.DNSSVCB, target string) (string, any) {
	params := map[string]string{}
	var parts []string
	for i, p := range s.Params {
		if i == maxSvcParams {
			parts = append(parts, fmt.Sprintf("...(%d params)", len(s.Params)))
			break
		}
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
				ids = append(ids, textValue(p.Value[i+1:i+1+n]))
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
			v = base64.StdEncoding.EncodeToString(p.Value[:min(len(p.Value), maxData/4*3)])
			if len(p.Value) > maxData/4*3 {
				v += "...(" + strconv.Itoa(len(p.Value)) + " bytes)"
			}
		case 7:
			v = textValue(p.Value)
		default:
			v = hexBound(p.Value)
		}
		v = bound(v, maxData)
		params[name] = v
		if v == "" {
			parts = append(parts, name)
		} else {
			parts = append(parts, name+"="+v)
		}
	}
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
			tag, value := d[2:2+int(d[1])], d[2+int(d[1]):]
			return fmt.Sprintf("%d %s %s", d[0], appendEscaped(nil, tag, "", false), appendQuoted(nil, value)),
				map[string]any{"flags": d[0], "critical": d[0]&0x80 != 0, "tag": textValue(tag), "value": textValue(value)}
		}
	case 43, 59: // DS, CDS (RFC 4034 §5): key tag, algorithm, digest type, digest
		if len(d) >= 4 {
			tag := binary.BigEndian.Uint16(d)
			digest := hexBound(d[4:])
			return fmt.Sprintf("%d %s %d %s", tag, algorithmName(d[2]), d[3], strings.ToUpper(digest)),
				map[string]any{"key_tag": tag, "algorithm": algorithmName(d[2]), "digest_type": d[3], "digest": digest}
		}
	}
	if len(d) > maxHexBytes {
		return fmt.Sprintf("\\# %d %s... (%d bytes)", len(d), hex.EncodeToString(d[:maxHexBytes]), len(d)), nil
	}
	return fmt.Sprintf("\\# %d %s", len(d), hex.EncodeToString(d)), nil
}

// maxEDNSOptions is how many EDNS options of a message are listed.
const maxEDNSOptions = 16

// edns decodes the OPT pseudo-record, if any.
func (m *message) edns() *EDNS {
	for i := range m.layer.Additionals {
		r := &m.layer.Additionals[i]
		if r.Type != layers.DNSTypeOPT {
			continue
		}
		e := &EDNS{UDPSize: int(r.Class), ExtendedRcode: int(r.TTL >> 24), Version: int(r.TTL>>16) & 0xff, DO: r.TTL&0x8000 != 0, Options: []EDNSOption{}}
		for i, o := range r.OPT {
			code := uint16(o.Code)
			if i < maxEDNSOptions {
				e.Options = append(e.Options, EDNSOption{Code: int(code), Name: ednsOptionName(code), Hex: hexBound(o.Data)})
			} else {
				e.OptionsOmitted++
			}
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
					e.ServerCookie = hexBound(o.Data[8:])
				}
			case 15: // extended DNS error: info code, extra text
				if len(o.Data) >= 2 {
					c := int(binary.BigEndian.Uint16(o.Data))
					e.ExtendedError, e.ExtendedReason = &c, textValue(o.Data[2:])
				}
			}
		}
		return e
	}
	return nil
}

// summary is a one-line description in the manner of Wireshark's Info
// column: "Standard query 0x1a2b A example.com" or "Standard query
// response 0x1a2b No such name A example.com"; qs and rrs are where the
// questions and records lie (see layout).
func (m *message) summary(qs []int, rrs []rrAt) string {
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
	for i, q := range m.layer.Questions {
		if i == maxSection {
			fmt.Fprintf(&b, " ... (%d questions)", len(m.layer.Questions))
			break
		}
		fmt.Fprintf(&b, " %s %s", typeName(uint16(q.Type)), m.nameAt(at(qs, i), q.Name))
	}
	for i := range m.layer.Answers {
		if i == 5 {
			fmt.Fprintf(&b, " ... (%d answers)", len(m.layer.Answers))
			break
		}
		a := &m.layer.Answers[i]
		fmt.Fprintf(&b, " %s %s", typeName(uint16(a.Type)), m.rr(a, false, rrAtIndex(rrs, i)).Data)
	}
	return bound(b.String(), maxSummary)
}

// at is the offset of question i, or -1 when unknown.
func at(qs []int, i int) int {
	if i < len(qs) {
		return qs[i]
	}
	return -1
}

// rrAtIndex is where record i (counted over all three sections) lies, or
// an rrAt with name -1 when unknown.
func rrAtIndex(rrs []rrAt, i int) rrAt {
	if i < len(rrs) {
		return rrs[i]
	}
	return rrAt{name: -1}
}
