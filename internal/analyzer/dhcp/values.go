package dhcp

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mcpacket/mcpacket/internal/result"
)

// ParameterRequestList is option 55: the options a client asks for, in its
// order (the order is what Fingerbank-style fingerprints use).
type ParameterRequestList struct {
	Codes []int    `json:"codes" jsonschema:"requested option codes, in the client's order"`
	Names []string `json:"names" jsonschema:"names of the requested options"`
}

// ClientIdentifier is option 61 (RFC 2132 §9.14, RFC 4361).
type ClientIdentifier struct {
	Type     int    `json:"type" jsonschema:"identifier type: a hardware type (1 = Ethernet), 0 for free text, 255 for IAID + DUID"`
	TypeName string `json:"type_name"`
	ID       string `json:"id" jsonschema:"the identifier: a MAC for type 1, text or hex otherwise"`
	IAID     *int64 `json:"iaid,omitempty" jsonschema:"RFC 4361 identity association id (type 255)"`
	DUID     string `json:"duid,omitempty" jsonschema:"RFC 4361 DUID, hex (type 255)"`
	DUIDType int    `json:"duid_type,omitempty" jsonschema:"DUID type (RFC 8415 §11): 1 LLT, 2 EN, 3 LL, 4 UUID"`
	DUIDLink string `json:"duid_link_address,omitempty" jsonschema:"link-layer address inside a DUID-LLT or DUID-LL"`
}

// ClientFQDN is option 81 (RFC 4702).
type ClientFQDN struct {
	Flags    int    `json:"flags" jsonschema:"flags byte"`
	Server   bool   `json:"server_updates_a" jsonschema:"S: the server should update the A record"`
	Override bool   `json:"server_override" jsonschema:"O: the server overrode the client's S choice"`
	Encoded  bool   `json:"wire_encoded" jsonschema:"E: the name is in DNS wire format"`
	NoUpdate bool   `json:"no_server_update" jsonschema:"N: the server should not update DNS"`
	Name     string `json:"name" jsonschema:"the fully qualified (or partial) domain name"`
}

// Route is one static route (options 33, 121, 249).
type Route struct {
	Destination string `json:"destination" jsonschema:"destination network (CIDR for options 121/249, host for 33)"`
	Router      string `json:"router" jsonschema:"next hop"`
}

// VendorEnterprise is one enterprise block of options 124/125 (RFC 3925).
type VendorEnterprise struct {
	Enterprise uint32     `json:"enterprise" jsonschema:"IANA private enterprise number"`
	Data       []string   `json:"data,omitempty" jsonschema:"vendor class data (option 124), text or hex"`
	SubOptions []SubValue `json:"sub_options,omitempty" jsonschema:"vendor sub-options (option 125)"`
}

// SubValue is a vendor sub-option: its bytes in hex, and as text beside
// them when they are printable text.
type SubValue struct {
	Code int    `json:"code"`
	Hex  string `json:"hex"`
	Text string `json:"text,omitempty" jsonschema:"the value as text, when it is printable UTF-8 (untrusted data from the packet)"`
}

// Overload is option 52.
type Overload struct {
	Value int  `json:"value"`
	File  bool `json:"file" jsonschema:"the file field holds options"`
	Sname bool `json:"sname" jsonschema:"the sname field holds options"`
}

// RelayAgentInfo is option 82 (RFC 3046 and later sub-options). Values are
// text when printable, else hex; addresses are dotted quads.
type RelayAgentInfo map[string]string

// optionProblem checks that an option's bytes fit its format, without
// allocating for the fixed-size formats; it returns "" when they do.
func optionProblem(code uint8, v []byte) string {
	info, known := optionInfo(code)
	if !known {
		return ""
	}
	ok := true
	switch info.Kind {
	case kHex, kString, kFlag:
		return ""
	case kIP, kU32, kI32:
		ok = len(v) == 4
	case kIPs:
		ok = len(v) > 0 && len(v)%4 == 0
	case kIPPairs:
		ok = len(v) > 0 && len(v)%8 == 0
	case kU8, kBool:
		ok = len(v) == 1
	case kU16:
		ok = len(v) == 2
	case kU16s:
		ok = len(v) > 0 && len(v)%2 == 0
	default:
		switch code {
		case optMessageType, optOverload:
			ok = len(v) == 1
		case optParamRequest, optUserClass:
			return ""
		case optClientID:
			ok = len(v) >= 2
		default:
			_, problem := decodeValue(code, v)
			return problem
		}
	}
	if ok {
		return ""
	}
	_, problem := decodeValue(code, v)
	return problem
}

// decodeValue turns an option's bytes into its typed value; problem is
// non-empty when the bytes do not fit the option's format (the value is then
// hex).
func decodeValue(code uint8, v []byte) (val any, problem string) {
	info, known := optionInfo(code)
	if !known {
		return hexBound(v), ""
	}
	bad := func(format string, args ...any) (any, string) {
		return hexBound(v), fmt.Sprintf("option %d (%s): ", code, info.Name) + fmt.Sprintf(format, args...)
	}
	switch info.Kind {
	case kHex:
		return hexBound(v), ""
	case kIP:
		if len(v) != 4 {
			return bad("length %d, want 4", len(v))
		}
		return netip.AddrFrom4([4]byte(v)).String(), ""
	case kIPs:
		if len(v) == 0 || len(v)%4 != 0 {
			return bad("length %d is not a positive multiple of 4", len(v))
		}
		return ipList(v), ""
	case kIPPairs:
		if len(v) == 0 || len(v)%8 != 0 {
			return bad("length %d is not a positive multiple of 8", len(v))
		}
		var rs []Route
		for i := 0; i+8 <= len(v); i += 8 {
			rs = append(rs, Route{netip.AddrFrom4([4]byte(v[i:])).String(), netip.AddrFrom4([4]byte(v[i+4:])).String()})
		}
		return rs, ""
	case kU8:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		return int(v[0]), ""
	case kBool:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		return v[0] != 0, ""
	case kU16:
		if len(v) != 2 {
			return bad("length %d, want 2", len(v))
		}
		return int(binary.BigEndian.Uint16(v)), ""
	case kU16s:
		if len(v) == 0 || len(v)%2 != 0 {
			return bad("length %d is not a positive multiple of 2", len(v))
		}
		var out []int
		for i := 0; i+2 <= len(v); i += 2 {
			out = append(out, int(binary.BigEndian.Uint16(v[i:])))
		}
		return out, ""
	case kU32:
		if len(v) != 4 {
			return bad("length %d, want 4", len(v))
		}
		return int64(binary.BigEndian.Uint32(v)), ""
	case kI32:
		if len(v) != 4 {
			return bad("length %d, want 4", len(v))
		}
		return int64(int32(binary.BigEndian.Uint32(v))), ""
	case kString:
		return text(v), ""
	case kFlag:
		return true, ""
	case kDomains:
		names, err := domainList(v)
		if err != "" {
			return bad("%s", err)
		}
		return names, ""
	}
	switch code {
	case optMessageType:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		return MsgType(v[0]).String(), ""
	case optOverload:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		return Overload{Value: int(v[0]), File: v[0]&1 != 0, Sname: v[0]&2 != 0}, ""
	case optParamRequest:
		return paramRequestList(v), ""
	case optClientID:
		if len(v) < 2 {
			return bad("length %d, want at least 2", len(v))
		}
		return clientIdentifier(v), ""
	case optUserClass:
		return userClass(v), ""
	case optClientFQDN:
		if len(v) < 3 {
			return bad("length %d, want at least 3", len(v))
		}
		f, err := clientFQDN(v)
		if err != "" {
			return bad("%s", err)
		}
		return f, ""
	case optRelayAgent:
		r, err := relayAgentInfo(v)
		if err != "" {
			return bad("%s", err)
		}
		return r, ""
	case optClasslessRoutes, optMSClasslessRoutes:
		rs, err := classlessRoutes(v)
		if err != "" {
			return bad("%s", err)
		}
		return rs, ""
	case optSIPServers:
		if len(v) < 1 {
			return bad("empty")
		}
		switch v[0] {
		case 0:
			names, err := domainList(v[1:])
			if err != "" {
				return bad("%s", err)
			}
			return names, ""
		case 1:
			if len(v) == 1 || (len(v)-1)%4 != 0 {
				return bad("address list length %d is not a positive multiple of 4", len(v)-1)
			}
			return ipList(v[1:]), ""
		}
		return bad("unknown encoding %d", v[0])
	case optVIVendorClass, optVIVendorSpecific:
		vs, err := vendorEnterprises(code, v)
		if err != "" {
			return bad("%s", err)
		}
		return vs, ""
	}
	return hexBound(v), ""
}

func ipList(v []byte) []string {
	out := make([]string, 0, len(v)/4)
	for i := 0; i+4 <= len(v); i += 4 {
		out = append(out, netip.AddrFrom4([4]byte(v[i:])).String())
	}
	return out
}

// Bounds of one value shown from a packet: text is cut by result.Text at
// result.MaxText bytes; hex and hardware addresses show at most maxShownBytes
// bytes; lists hold at most maxOptionItems items (the packet record's
// options_cut says how many there were).
const (
	maxShownBytes  = result.MaxText
	maxOptionItems = 64
)

// text renders an option string: trailing NUL padding dropped, then made
// safe and bounded by result.TextBytes (valid UTF-8 kept, control and
// format characters and invalid bytes escaped, cut at result.MaxText
// bytes saying how long it was).
func text(v []byte) string {
	for len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return result.TextBytes(v, result.MaxText)
}

// printableText reports whether v is non-empty UTF-8 text without control
// or format characters (nor U+FFFD, which stands for bytes already lost).
func printableText(v []byte) bool {
	if len(v) == 0 || !utf8.Valid(v) {
		return false
	}
	for _, r := range string(v) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// textOrHex renders bytes as text when they are printable text, else as
// hex; both bounded.
func textOrHex(v []byte) string {
	if printableText(v) {
		return result.TextBytes(v, result.MaxText)
	}
	return hexBound(v)
}

// hexBound is v in hex, at most maxShownBytes bytes of it, saying how long
// v was when it is cut: "00ff...(cut: 4096 bytes)".
func hexBound(v []byte) string {
	if len(v) <= maxShownBytes {
		return hex.EncodeToString(v)
	}
	return hex.EncodeToString(v[:maxShownBytes]) + cutNote(len(v))
}

// hwBound is formatHW, bounded as hexBound.
func hwBound(v []byte) string {
	if len(v) <= maxShownBytes {
		return formatHW(v)
	}
	return formatHW(v[:maxShownBytes]) + cutNote(len(v))
}

func cutNote(n int) string { return "...(cut: " + strconv.Itoa(n) + " bytes)" }

func paramRequestList(v []byte) ParameterRequestList {
	p := ParameterRequestList{Codes: make([]int, len(v)), Names: make([]string, len(v))}
	for i, c := range v {
		p.Codes[i], p.Names[i] = int(c), optionName(c)
	}
	return p
}

// fingerprint is option 55 as Fingerbank writes it: the codes, comma-separated.
func fingerprint(v []byte) string {
	var b strings.Builder
	for i, c := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(c)))
	}
	return b.String()
}

func clientIdentifier(v []byte) ClientIdentifier {
	c := ClientIdentifier{Type: int(v[0])}
	id := v[1:]
	switch {
	case v[0] == 0:
		c.TypeName, c.ID = "text", textOrHex(id)
	case v[0] == 255 && len(id) >= 4:
		iaid := int64(binary.BigEndian.Uint32(id))
		c.TypeName, c.IAID, c.DUID, c.ID = "IAID+DUID", &iaid, hexBound(id[4:]), hexBound(id)
		if duid := id[4:]; len(duid) >= 2 {
			c.DUIDType = int(binary.BigEndian.Uint16(duid))
			switch {
			case c.DUIDType == 1 && len(duid) > 8: // type, hardware type, time, address
				c.DUIDLink = hwBound(duid[8:])
			case c.DUIDType == 3 && len(duid) > 4: // type, hardware type, address
				c.DUIDLink = hwBound(duid[4:])
			}
		}
	default:
		c.TypeName, c.ID = hardwareTypeName(v[0]), hwBound(id)
	}
	return c
}

// userClass decodes option 77. RFC 3004 makes it a list of length-prefixed
// classes; many clients send one plain string instead, which is what the
// bytes are taken as when they do not parse as the list.
func userClass(v []byte) []string {
	var out []string
	for i := 0; i < len(v); {
		n := int(v[i])
		if n == 0 || i+1+n > len(v) {
			return []string{text(v)}
		}
		out = append(out, textOrHex(v[i+1:i+1+n]))
		i += 1 + n
	}
	return out
}

func clientFQDN(v []byte) (ClientFQDN, string) {
	f := ClientFQDN{Flags: int(v[0]), Server: v[0]&1 != 0, Override: v[0]&2 != 0, Encoded: v[0]&4 != 0, NoUpdate: v[0]&8 != 0}
	if f.Encoded {
		name, _, err := readName(v[3:], 0, false)
		if err != "" {
			return f, "name: " + err
		}
		f.Name = name
	} else {
		f.Name = text(v[3:])
	}
	return f, ""
}

func relayAgentInfo(v []byte) (RelayAgentInfo, string) {
	r := RelayAgentInfo{}
	for i := 0; i < len(v); {
		if i+2 > len(v) || i+2+int(v[i+1]) > len(v) {
			return r, fmt.Sprintf("sub-option at offset %d runs past the end", i)
		}
		code, data := v[i], v[i+2:i+2+int(v[i+1])]
		name, ok := relayAgentSubOptions[code]
		if !ok {
			name = "sub_option_" + strconv.Itoa(int(code))
		}
		switch {
		case (code == 5 || code == 11) && len(data) == 4:
			r[name] = netip.AddrFrom4([4]byte(data)).String()
		case code == 1 || code == 2 || code == 6:
			r[name] = textOrHex(data)
		default:
			r[name] = hexBound(data)
		}
		i += 2 + len(data)
	}
	return r, ""
}

// classlessRoutes decodes RFC 3442 routes: a prefix width, the significant
// octets of the destination, and the router.
func classlessRoutes(v []byte) ([]Route, string) {
	var rs []Route
	for i := 0; i < len(v); {
		width := int(v[i])
		if width > 32 {
			return rs, fmt.Sprintf("prefix width %d at offset %d exceeds 32", width, i)
		}
		sig := (width + 7) / 8
		if i+1+sig+4 > len(v) {
			return rs, fmt.Sprintf("route at offset %d runs past the end", i)
		}
		var dst [4]byte
		copy(dst[:], v[i+1:i+1+sig])
		router := netip.AddrFrom4([4]byte(v[i+1+sig:]))
		rs = append(rs, Route{Destination: netip.PrefixFrom(netip.AddrFrom4(dst), width).String(), Router: router.String()})
		i += 1 + sig + 4
	}
	return rs, ""
}

func vendorEnterprises(code uint8, v []byte) ([]VendorEnterprise, string) {
	var out []VendorEnterprise
	for i := 0; i < len(v); {
		if i+5 > len(v) {
			return out, fmt.Sprintf("enterprise block at offset %d is cut short", i)
		}
		e := VendorEnterprise{Enterprise: binary.BigEndian.Uint32(v[i:])}
		n := int(v[i+4])
		if i+5+n > len(v) {
			return out, fmt.Sprintf("enterprise %d data runs past the end", e.Enterprise)
		}
		data := v[i+5 : i+5+n]
		for j := 0; j < len(data); {
			if code == optVIVendorClass {
				l := int(data[j])
				if j+1+l > len(data) {
					return out, fmt.Sprintf("enterprise %d class data runs past its block", e.Enterprise)
				}
				e.Data = append(e.Data, textOrHex(data[j+1:j+1+l]))
				j += 1 + l
				continue
			}
			if j+2 > len(data) || j+2+int(data[j+1]) > len(data) {
				return out, fmt.Sprintf("enterprise %d sub-option runs past its block", e.Enterprise)
			}
			sv := data[j+2 : j+2+int(data[j+1])]
			e.SubOptions = append(e.SubOptions, subValue(int(data[j]), sv))
			j += 2 + int(data[j+1])
		}
		out = append(out, e)
		i += 5 + n
	}
	return out, ""
}

// subValue shows a vendor sub-option's bytes in hex, and as text beside
// them when they are printable text.
func subValue(code int, v []byte) SubValue {
	sv := SubValue{Code: code, Hex: hexBound(v)}
	if printableText(v) {
		sv.Text = result.TextBytes(v, result.MaxText)
	}
	return sv
}

// domainList decodes a sequence of RFC 1035 names, with compression
// pointers relative to the start of v (RFC 3397 §2).
func domainList(v []byte) ([]string, string) {
	var out []string
	for off := 0; off < len(v); {
		name, next, err := readName(v, off, true)
		if err != "" {
			return out, err
		}
		out = append(out, name)
		off = next
	}
	return out, ""
}

// readName reads one name at off; next is the offset after it (after the
// first pointer, if any).
func readName(v []byte, off int, pointers bool) (name string, next int, problem string) {
	var b strings.Builder
	next = -1
	for jumps := 0; ; {
		if off >= len(v) {
			if !pointers && b.Len() > 0 {
				// RFC 4702 §2.3.1: a partial name has no root label.
				return result.Text(b.String(), result.MaxText), off, ""
			}
			return "", 0, fmt.Sprintf("name at offset %d runs past the end", off)
		}
		l := int(v[off])
		switch {
		case l == 0:
			if next < 0 {
				next = off + 1
			}
			if b.Len() == 0 {
				return ".", next, ""
			}
			return result.Text(b.String(), result.MaxText), next, ""
		case l&0xc0 == 0xc0 && pointers:
			if off+1 >= len(v) {
				return "", 0, "compression pointer cut short"
			}
			if jumps++; jumps > 32 {
				return "", 0, "compression pointer loop"
			}
			if next < 0 {
				next = off + 2
			}
			off = (l&0x3f)<<8 | int(v[off+1])
		case l&0xc0 != 0:
			return "", 0, fmt.Sprintf("bad label type 0x%02x", l&0xc0)
		default:
			if off+1+l > len(v) {
				return "", 0, fmt.Sprintf("label at offset %d runs past the end", off)
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(text(v[off+1 : off+1+l]))
			off += 1 + l
		}
	}
}
