package dns

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/mcpacket/mcpacket/internal/result"
)

// Names and character strings from a message are packet text: they are
// shown in presentation form (RFC 1035 §5.1) with UTF-8 kept. Bytes that
// are valid, printable UTF-8 are shown as they are (the LLMNR name 小佛專機
// reads as such); a backslash, a double quote, and a dot inside a label are
// escaped with a backslash; bytes that are not valid UTF-8, the space, and
// the bytes of control and format characters (C0, DEL, C1, bidirectional
// overrides, zero-width marks, U+FFFD) are escaped as \DDD. A name is at
// most 255 bytes on the wire, so its presentation form is at most about
// 1 KB; character strings are cut to maxData bytes.

// maxData bounds the presentation form of a record's data and of one
// character string shown on its own (TXT, CAA, NAPTR, SVCB, extended DNS
// error text); a cut says how long the data was.
const maxData = 512

// maxSummary bounds a message's one-line summary.
const maxSummary = 512

// maxHexBytes is how many bytes of opaque data are shown in hex.
const maxHexBytes = 64

// unsafeRune reports the characters escaped in packet text: controls and
// format characters that could hide or reorder text, and the replacement
// character (a sign of bytes already lost).
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) ||
		r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}

// appendDDD appends c as \DDD.
func appendDDD(dst []byte, c byte) []byte {
	return append(dst, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
}

// appendEscaped appends b in presentation form: printable UTF-8 kept, the
// bytes in special (and the backslash) escaped with a backslash, the rest
// as \DDD; the space too unless space is set (inside a quoted string).
func appendEscaped(dst, b []byte, special string, space bool) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ' && space:
				dst = append(dst, c)
			case c <= ' ' || c == 0x7f:
				dst = appendDDD(dst, c)
			case c == '\\' || (special != "" && containsByte(special, c)):
				dst = append(dst, '\\', c)
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unsafeRune(r) {
			for _, x := range b[i : i+size] {
				dst = appendDDD(dst, x)
			}
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// appendLabel appends one wire label in presentation form.
func appendLabel(dst, label []byte) []byte { return appendEscaped(dst, label, `."`, false) }

// appendDotted appends a name as gopacket decodes it (labels joined by
// dots; a dot inside a label cannot be told from a separator) in
// presentation form; the root is ".".
func appendDotted(dst, name []byte) []byte {
	if len(name) == 0 {
		return append(dst, '.')
	}
	return appendEscaped(dst, name, `"`, false)
}

// presentName renders a name as gopacket decodes it (see appendDotted).
func presentName(name []byte) string {
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || c == '\\' || c == '"' {
			return string(appendDotted(nil, name))
		}
	}
	if len(name) == 0 {
		return "."
	}
	return string(name)
}

// presentKey renders a counting key (see appendKey) for output; a key
// that needs no escape is returned as it is, without a copy.
func presentKey(key string) string {
	if key == "." {
		return key
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == '"' {
			return string(appendDotted(nil, []byte(key)))
		}
	}
	return key
}

// appendKey appends the counting key of a decoded name: its bytes with
// ASCII letters in lower case (DNS compares names so, RFC 4343); the root
// is ".". Keys are at most 255 bytes.
func appendKey(dst, name []byte) []byte {
	if len(name) == 0 {
		return append(dst, '.')
	}
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendWireName appends the name at off in raw, read label by label from
// the wire (following compression pointers), in presentation form: unlike
// the decoded name, a dot inside a label is escaped. It returns the offset
// just past the name where it starts, and false when the name cannot be
// read.
func appendWireName(dst, raw []byte, off int) ([]byte, int, bool) {
	start, end, total := len(dst), -1, 0
	for hops := 0; ; {
		if off < 0 || off >= len(raw) {
			return dst[:start], 0, false
		}
		l := int(raw[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			if len(dst) == start {
				dst = append(dst, '.')
			}
			return dst, end, true
		case l&0xc0 == 0xc0:
			if off+2 > len(raw) || hops >= 128 {
				return dst[:start], 0, false
			}
			if end < 0 {
				end = off + 2
			}
			off = int(binary.BigEndian.Uint16(raw[off:]) & 0x3fff)
			hops++
		case l&0xc0 != 0:
			return dst[:start], 0, false
		default:
			total += l + 1
			if off+1+l > len(raw) || total > 255 {
				return dst[:start], 0, false
			}
			if len(dst) > start {
				dst = append(dst, '.')
			}
			dst = appendLabel(dst, raw[off+1:off+1+l])
			off += 1 + l
		}
	}
}

// skipName returns the offset just past the name at off, or false.
func skipName(raw []byte, off int) (int, bool) {
	for off < len(raw) {
		l := int(raw[off])
		switch {
		case l == 0:
			return off + 1, true
		case l&0xc0 == 0xc0:
			if off+2 > len(raw) {
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

// rrAt is where one resource record lies in its message.
type rrAt struct{ name, rdata, rdlen int }

// layout finds where each question and resource record of the message
// starts, so that their names can be read from the wire. It stops at the
// first thing it cannot read; the decoded sections list records in the
// same order.
func (m *message) layout() (qs []int, rrs []rrAt) {
	raw := m.raw
	if len(raw) < headerLen {
		return nil, nil
	}
	off := headerLen
	for range m.count(0) {
		end, ok := skipName(raw, off)
		if !ok || end+4 > len(raw) {
			return qs, nil
		}
		qs = append(qs, off)
		off = end + 4
	}
	for range m.count(1) + m.count(2) + m.count(3) {
		end, ok := skipName(raw, off)
		if !ok || end+10 > len(raw) {
			return qs, rrs
		}
		n := int(binary.BigEndian.Uint16(raw[end+8:]))
		if end+10+n > len(raw) {
			return qs, rrs
		}
		rrs = append(rrs, rrAt{name: off, rdata: end + 10, rdlen: n})
		off = end + 10 + n
	}
	return qs, rrs
}

// nameAt renders the name at off of the message from the wire, or the
// decoded name when off is negative or the wire cannot be read.
func (m *message) nameAt(off int, decoded []byte) string {
	if off >= 0 {
		if b, _, ok := appendWireName(nil, m.raw, off); ok {
			return string(b)
		}
	}
	return presentName(decoded)
}

// appendQuoted appends a character string (RFC 1035 §3.3) in presentation
// form, in double quotes.
func appendQuoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s, `"`, true)
	return append(dst, '"')
}

// quoteTexts renders the character strings of a TXT or HINFO record,
// quoted and separated by spaces, cut to maxData bytes.
func quoteTexts(txts [][]byte) string {
	var b []byte
	for i, t := range txts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendQuoted(b, t)
	}
	return bound(string(b), maxData)
}

// textValue renders one character string without quotes (an rdata field),
// cut to maxData bytes.
func textValue(s []byte) string {
	return bound(string(appendEscaped(nil, s, "", true)), maxData)
}

// bound cuts s, already safe text, to at most max bytes (result.Text: on a
// character boundary, saying how long it was).
func bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return result.Text(s, max)
}

// hexBound is the hex form of b, its first maxHexBytes bytes when longer,
// saying how long it was.
func hexBound(b []byte) string {
	if len(b) <= maxHexBytes {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:maxHexBytes]) + "...(" + strconv.Itoa(len(b)) + " bytes)"
}
