// Package dfilter compiles a practical subset of Wireshark's display-filter
// language (wireshark-filter(4)) and evaluates it per frame without
// allocating.
//
// Supported: field tests against literals with == != < <= > >= (and eq ne
// lt le gt ge), contains, matches (Go regexp syntax), in {a, b, lo..hi} and
// not in; bare field and protocol tests; && || ! (and or not) with
// parentheses; CIDR (ip.addr == 10.0.0.0/8), MAC, IPv4, IPv6, number,
// time and string literals. As in Wireshark 4.0, a test of a field a frame
// has several of (ip.addr) holds when one occurrence holds, except != and
// not in, which hold when every occurrence differs (and the field is
// present).
package dfilter

import (
	"fmt"
	"strings"
)

// Limits on what a filter may be.
const (
	MaxFilterBytes = 4096 // filter text
	MaxRegexpBytes = 1024 // one matches pattern
	maxDepth       = 64   // nesting of parentheses and not
	maxSetItems    = 1024
)

// Error is a filter that does not compile: Pos is the byte offset (0-based)
// of the problem in the filter.
type Error struct {
	Filter string
	Pos    int
	Msg    string
}

func (e *Error) Error() string {
	near := ""
	if e.Pos < len(e.Filter) {
		rest := e.Filter[e.Pos:]
		if len(rest) > 24 {
			rest = rest[:24] + "..."
		}
		near = fmt.Sprintf(" near %q", rest)
	} else {
		near = " at the end"
	}
	return fmt.Sprintf("filter: column %d%s: %s", e.Pos+1, near, e.Msg)
}

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // field name, unquoted literal or keyword
	tString         // "quoted"
	tOp             // == != < <= > >=
	tAnd
	tOr
	tNot
	tLParen
	tRParen
	tLBrace
	tRBrace
	tComma
)

type token struct {
	kind tokKind
	text string // word, op, or unquoted string
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// wordByte reports the bytes of a field name or unquoted literal.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:/-", c) >= 0
}

func lex(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(':
			out = append(out, token{tLParen, "(", i})
		case c == ')':
			out = append(out, token{tRParen, ")", i})
		case c == '{':
			out = append(out, token{tLBrace, "{", i})
		case c == '}':
			out = append(out, token{tRBrace, "}", i})
		case c == ',':
			out = append(out, token{tComma, ",", i})
		case c == '&':
			if i+1 < len(src) && src[i+1] == '&' {
				out = append(out, token{tAnd, "&&", i})
				i += 2
				continue
			}
			return nil, &Error{src, i, `expected "&&"`}
		case c == '|':
			if i+1 < len(src) && src[i+1] == '|' {
				out = append(out, token{tOr, "||", i})
				i += 2
				continue
			}
			return nil, &Error{src, i, `expected "||"`}
		case c == '=' || c == '!' || c == '<' || c == '>':
			if i+1 < len(src) && src[i+1] == '=' {
				op := src[i : i+2]
				if op == "=" {
					op = "=="
				}
				out = append(out, token{tOp, op, i})
				i += 2
				continue
			}
			switch c {
			case '!':
				out = append(out, token{tNot, "!", i})
			case '<', '>':
				out = append(out, token{tOp, string(c), i})
			default:
				return nil, &Error{src, i, `expected "==" (a single "=" is not an operator)`}
			}
		case c == '"':
			s, n, err := unquote(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, s, i})
			i = n
			continue
		case wordByte(c):
			j := i
			for j < len(src) && wordByte(src[j]) {
				j++
			}
			w := src[i:j]
			switch strings.ToLower(w) {
			case "and":
				out = append(out, token{tAnd, w, i})
			case "or":
				out = append(out, token{tOr, w, i})
			case "not":
				out = append(out, token{tNot, w, i})
			case "eq":
				out = append(out, token{tOp, "==", i})
			case "ne":
				out = append(out, token{tOp, "!=", i})
			case "lt":
				out = append(out, token{tOp, "<", i})
			case "le":
				out = append(out, token{tOp, "<=", i})
			case "gt":
				out = append(out, token{tOp, ">", i})
			case "ge":
				out = append(out, token{tOp, ">=", i})
			default:
				out = append(out, token{tWord, w, i})
			}
			i = j
			continue
		default:
			return nil, &Error{src, i, fmt.Sprintf("unexpected character %q", rune(c))}
		}
		i++
	}
	return append(out, token{tEOF, "", len(src)}), nil
}

// unquote reads the string literal starting at src[i] (a '"'), with C
// escapes (\" \\ \n \t \r \xNN \NNN), and returns it and the offset after it.
func unquote(src string, i int) (string, int, error) {
	var b strings.Builder
	start := i
	i++
	for i < len(src) {
		c := src[i]
		switch c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(src) {
				return "", 0, &Error{src, i, "unfinished escape in string"}
			}
			i++
			switch e := src[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x':
				if i+2 >= len(src) || !isHex(src[i+1]) || !isHex(src[i+2]) {
					return "", 0, &Error{src, i - 1, `\x needs two hex digits`}
				}
				b.WriteByte(hexVal(src[i+1])<<4 | hexVal(src[i+2]))
				i += 2
			default:
				if e >= '0' && e <= '7' {
					if i+2 >= len(src) || src[i+1] < '0' || src[i+1] > '7' || src[i+2] < '0' || src[i+2] > '7' {
						return "", 0, &Error{src, i - 1, `octal escape needs three digits (\NNN)`}
					}
					b.WriteByte((e-'0')<<6 | (src[i+1]-'0')<<3 | (src[i+2] - '0'))
					i += 2
				} else {
					b.WriteByte(e)
				}
			}
		default:
			b.WriteByte(c)
		}
		i++
	}
	return "", 0, &Error{src, start, "string is not closed with a double quote"}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
