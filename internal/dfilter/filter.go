package dfilter

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/dissect"
)

// Filter is a compiled display filter. Match may be called from one
// goroutine at a time (it reuses a scratch buffer).
type Filter struct {
	src  string
	root pred
	pre  pre
	need need
	buf  [maxValues]value
}

type pred func(f *dissect.Frame) bool

// String returns the filter's text.
func (f *Filter) String() string { return f.src }

// Match reports whether the frame passes the filter. A nil Filter passes
// every frame.
func (f *Filter) Match(fr *dissect.Frame) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.root(fr)
}

// NeedsTCP reports whether the filter reads the TCP analysis (tcp.stream,
// tcp.seq, tcp.ack, tcp.analysis.*).
func (f *Filter) NeedsTCP() bool { return f != nil && f.need&needTCP != 0 }

// NeedsUDP reports whether the filter reads udp.stream.
func (f *Filter) NeedsUDP() bool { return f != nil && f.need&needUDP != 0 }

// NeedsStack reports whether the filter reads the protocol stack.
func (f *Filter) NeedsStack() bool { return f != nil && f.need&needStack != 0 }

// Compile parses a display filter. An empty filter matches every frame.
func Compile(src string) (*Filter, error) {
	if len(src) > MaxFilterBytes {
		return nil, &Error{src, MaxFilterBytes, fmt.Sprintf("filter is longer than %d bytes", MaxFilterBytes)}
	}
	f := &Filter{src: src}
	if strings.TrimSpace(src) == "" {
		return f, nil
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, f: f}
	root, pr, err := p.or(0)
	if err != nil {
		return nil, err
	}
	f.pre = pr
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "expected \"&&\", \"||\" or the end of the filter, found "+t.describe())
	}
	f.root = root
	return f, nil
}

type parser struct {
	src  string
	toks []token
	i    int
	f    *Filter
	// The field test() parsed last, and whether it stood bare.
	field *field
	bare  bool
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, msg string) error { return &Error{p.src, t.pos, msg} }

func (p *parser) or(depth int) (pred, pre, error) {
	l, lp, err := p.and(depth)
	if err != nil {
		return nil, nil, err
	}
	for p.peek().kind == tOr {
		p.next()
		r, rp, err := p.and(depth)
		if err != nil {
			return nil, nil, err
		}
		a, b := l, r
		l = func(f *dissect.Frame) bool { return a(f) || b(f) }
		lp = preOr(lp, rp)
	}
	return l, lp, nil
}

func (p *parser) and(depth int) (pred, pre, error) {
	l, lp, err := p.unary(depth)
	if err != nil {
		return nil, nil, err
	}
	for p.peek().kind == tAnd {
		p.next()
		r, rp, err := p.unary(depth)
		if err != nil {
			return nil, nil, err
		}
		a, b := l, r
		l = func(f *dissect.Frame) bool { return a(f) && b(f) }
		lp = preAnd(lp, rp)
	}
	return l, lp, nil
}

func (p *parser) unary(depth int) (pred, pre, error) {
	if depth > maxDepth {
		return nil, nil, p.errAt(p.peek(), fmt.Sprintf("filter nests deeper than %d levels", maxDepth))
	}
	switch t := p.peek(); t.kind {
	case tNot:
		p.next()
		x, xp, err := p.unary(depth + 1)
		if err != nil {
			return nil, nil, err
		}
		return func(f *dissect.Frame) bool { return !x(f) }, preNot(xp), nil
	case tLParen:
		p.next()
		x, xp, err := p.or(depth + 1)
		if err != nil {
			return nil, nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, nil, p.errAt(c, "expected \")\", found "+c.describe())
		}
		return x, xp, nil
	case tWord:
		x, err := p.test()
		if err != nil {
			return nil, nil, err
		}
		return x, preTest(p.field, p.bare), nil
	default:
		return nil, nil, p.errAt(t, "expected a field name, \"!\" or \"(\", found "+t.describe())
	}
}

// test parses a field and what is tested of it.
func (p *parser) test() (pred, error) {
	ft := p.next()
	fld, ok := fields[strings.ToLower(ft.text)]
	if !ok {
		msg := fmt.Sprintf("unknown field %q", ft.text)
		if c := closest(strings.ToLower(ft.text)); len(c) > 0 {
			msg += "; did you mean " + strings.Join(c, ", ") + "?"
		}
		return nil, p.errAt(ft, msg)
	}
	p.f.need |= fld.need
	p.field, p.bare = fld, false
	buf := &p.f.buf
	get := fld.get
	t := p.peek()
	switch {
	case t.kind == tOp:
		p.next()
		if fld.kind == kNone {
			return nil, p.errAt(ft, fmt.Sprintf("%s is %s: test it alone, without %s", fld.name, fld.kind, t.text))
		}
		lt := p.next()
		l, err := p.literal(fld, lt, t.text != "==" && t.text != "!=")
		if err != nil {
			return nil, err
		}
		return compare(fld, t.text, l, buf), nil
	case t.kind == tWord && (strings.EqualFold(t.text, "contains") || strings.EqualFold(t.text, "matches")):
		p.next()
		if fld.kind != kString && fld.kind != kBytes {
			return nil, p.errAt(t, fmt.Sprintf("%s is %s; %s works on strings and byte strings", fld.name, fld.kind, t.text))
		}
		lt := p.next()
		if strings.EqualFold(t.text, "matches") {
			if lt.kind != tString {
				return nil, p.errAt(lt, "expected a quoted regular expression after matches, found "+lt.describe())
			}
			if len(lt.text) > MaxRegexpBytes {
				return nil, p.errAt(lt, fmt.Sprintf("regular expression longer than %d bytes", MaxRegexpBytes))
			}
			re, err := regexp.Compile(lt.text)
			if err != nil {
				return nil, p.errAt(lt, "bad regular expression: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			return func(f *dissect.Frame) bool {
				for _, v := range get(f, buf[:0]) {
					if re.Match(v.b) {
						return true
					}
				}
				return false
			}, nil
		}
		needle, err := p.bytesLiteral(lt)
		if err != nil {
			return nil, err
		}
		return func(f *dissect.Frame) bool {
			for _, v := range get(f, buf[:0]) {
				if bytes.Contains(v.b, needle) {
					return true
				}
			}
			return false
		}, nil
	case t.kind == tWord && strings.EqualFold(t.text, "in"), t.kind == tNot && p.toks[p.i+1].kind == tWord && strings.EqualFold(p.toks[p.i+1].text, "in"):
		negate := t.kind == tNot
		p.next()
		if negate {
			p.next()
		}
		set, err := p.set(fld)
		if err != nil {
			return nil, err
		}
		in := func(f *dissect.Frame) (any, all bool) {
			vals := get(f, buf[:0])
			all = len(vals) > 0
			for _, v := range vals {
				hit := false
				for i := range set {
					if set[i].has(fld.kind, v) {
						hit = true
						break
					}
				}
				any = any || hit
				all = all && !hit
			}
			return any, all
		}
		if negate {
			return func(f *dissect.Frame) bool { _, none := in(f); return none }, nil
		}
		return func(f *dissect.Frame) bool { any, _ := in(f); return any }, nil
	}
	// A bare field: present.
	p.bare = true
	return func(f *dissect.Frame) bool { return len(get(f, buf[:0])) > 0 }, nil
}

// lit is one literal, or a range lo..hi, or an address prefix.
type lit struct {
	lo, hi value
	rng    bool
	prefix netip.Prefix
	isPfx  bool
}

func (l *lit) has(k kind, v value) bool {
	if l.isPfx {
		return l.prefix.Contains(v.a)
	}
	if l.rng {
		return cmp(k, v, l.lo) >= 0 && cmp(k, v, l.hi) <= 0
	}
	return cmp(k, v, l.lo) == 0
}

func (p *parser) set(fld *field) ([]lit, error) {
	if fld.kind == kNone {
		return nil, p.errAt(p.peek(), fld.name+" is a label; it cannot be tested with in")
	}
	if t := p.next(); t.kind != tLBrace {
		return nil, p.errAt(t, "expected \"{\" after in, found "+t.describe())
	}
	var out []lit
	for {
		t := p.next()
		switch t.kind {
		case tRBrace:
			if len(out) == 0 {
				return nil, p.errAt(t, "empty set")
			}
			return out, nil
		case tComma:
			if len(out) == 0 {
				return nil, p.errAt(t, "expected a value, found \",\"")
			}
			continue
		case tEOF:
			return nil, p.errAt(t, "set is not closed with \"}\"")
		}
		if len(out) >= maxSetItems {
			return nil, p.errAt(t, fmt.Sprintf("more than %d values in a set", maxSetItems))
		}
		if t.kind == tWord {
			if lo, hi, ok := strings.Cut(t.text, ".."); ok {
				l, err := p.literal(fld, token{tWord, lo, t.pos}, true)
				if err != nil {
					return nil, err
				}
				h, err := p.literal(fld, token{tWord, hi, t.pos + len(lo) + 2}, true)
				if err != nil {
					return nil, err
				}
				out = append(out, lit{lo: l.lo, hi: h.lo, rng: true})
				continue
			}
		}
		l, err := p.literal(fld, t, false)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
}

// literal parses a value of fld's kind; ordered says a prefix is not
// allowed (ordering tests compare addresses).
func (p *parser) literal(fld *field, t token, ordered bool) (lit, error) {
	bad := func(what string) (lit, error) {
		return lit{}, p.errAt(t, fmt.Sprintf("%s is %s; %s", fld.name, fld.kind, what))
	}
	if t.kind != tWord && t.kind != tString {
		return bad("expected a value, found " + t.describe())
	}
	s := t.text
	switch fld.kind {
	case kUint:
		n, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return bad(fmt.Sprintf("%q is not a number", s))
		}
		return lit{lo: u(n)}, nil
	case kRel:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 9e9 {
			return bad(fmt.Sprintf("%q is not a number of seconds", s))
		}
		return lit{lo: value{t: int64(math.Round(x * 1e9))}}, nil
	case kTime:
		ts, ok := parseTime(s)
		if !ok {
			return bad(fmt.Sprintf("%q is not a time; write \"2024-05-01 12:00:00\" or \"May  1, 2024 12:00:00\" (UTC)", s))
		}
		return lit{lo: value{t: ts}}, nil
	case kIP, kIP6:
		if strings.Contains(s, "/") && !ordered {
			pf, err := netip.ParsePrefix(s)
			if err != nil {
				return bad(fmt.Sprintf("%q is not an address prefix", s))
			}
			if pf.Addr().Is4() != (fld.kind == kIP) {
				return bad(fmt.Sprintf("%q is of the wrong IP version", s))
			}
			return lit{prefix: pf.Masked(), isPfx: true}, nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return bad(fmt.Sprintf("%q is not an address", s))
		}
		if a.Is4() != (fld.kind == kIP) {
			return bad(fmt.Sprintf("%q is of the wrong IP version", s))
		}
		return lit{lo: value{a: a}}, nil
	case kMAC:
		m, ok := parseHexBytes(s)
		if !ok || len(m) != 6 {
			return bad(fmt.Sprintf("%q is not an Ethernet address (aa:bb:cc:dd:ee:ff)", s))
		}
		return lit{lo: value{b: m}}, nil
	case kString:
		return lit{lo: value{b: []byte(s)}}, nil
	case kBytes:
		b, err := p.bytesLiteral(t)
		if err != nil {
			return lit{}, err
		}
		return lit{lo: value{b: b}}, nil
	}
	return bad("it cannot be compared")
}

// bytesLiteral is a string ("GET") or a byte sequence (47:45:54).
func (p *parser) bytesLiteral(t token) ([]byte, error) {
	switch t.kind {
	case tString:
		return []byte(t.text), nil
	case tWord:
		if b, ok := parseHexBytes(t.text); ok {
			return b, nil
		}
		return nil, p.errAt(t, fmt.Sprintf("%q is neither a quoted string nor bytes such as 47:45:54", t.text))
	}
	return nil, p.errAt(t, "expected a quoted string or bytes, found "+t.describe())
}

// parseHexBytes reads bytes written as hex pairs separated by ':', '-' or
// '.', or a single hex byte.
func parseHexBytes(s string) ([]byte, bool) {
	var out []byte
	i := 0
	for i < len(s) {
		if i+1 >= len(s) || !isHex(s[i]) || !isHex(s[i+1]) {
			return nil, false
		}
		out = append(out, hexVal(s[i])<<4|hexVal(s[i+1]))
		i += 2
		if i < len(s) {
			if c := s[i]; c == ':' || c == '-' || c == '.' {
				i++
				if i == len(s) {
					return nil, false
				}
			} else if !(isHex(c) && len(out)%2 == 1 && strings.Count(s, ".") == 2) {
				return nil, false
			}
		}
	}
	return out, len(out) > 0
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
	"Jan _2, 2006 15:04:05.999999999", "Jan _2, 2006 15:04:05", "Jan _2, 2006 15:04", "Jan _2, 2006",
}

// parseTime reads an absolute time, in UTC unless it says otherwise.
func parseTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// cmp orders two values of kind k.
func cmp(k kind, a, b value) int {
	switch k {
	case kUint:
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	case kRel, kTime:
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	case kIP, kIP6:
		return a.a.Compare(b.a)
	}
	return bytes.Compare(a.b, b.b)
}

// compare builds a relational test. As in Wireshark 4.0, "!=" holds when
// the field is present and no occurrence equals the value; the others
// when one occurrence satisfies them.
func compare(fld *field, op string, l lit, buf *[maxValues]value) pred {
	get, k := fld.get, fld.kind
	var ok func(c int) bool
	switch op {
	case "==":
		if l.isPfx {
			return func(f *dissect.Frame) bool {
				for _, v := range get(f, buf[:0]) {
					if l.prefix.Contains(v.a) {
						return true
					}
				}
				return false
			}
		}
		ok = func(c int) bool { return c == 0 }
	case "!=":
		return func(f *dissect.Frame) bool {
			vals := get(f, buf[:0])
			for _, v := range vals {
				if l.has(k, v) {
					return false
				}
			}
			return len(vals) > 0
		}
	case "<":
		ok = func(c int) bool { return c < 0 }
	case "<=":
		ok = func(c int) bool { return c <= 0 }
	case ">":
		ok = func(c int) bool { return c > 0 }
	case ">=":
		ok = func(c int) bool { return c >= 0 }
	}
	return func(f *dissect.Frame) bool {
		for _, v := range get(f, buf[:0]) {
			if ok(cmp(k, v, l.lo)) {
				return true
			}
		}
		return false
	}
}
