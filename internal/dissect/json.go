package dissect

// Wireshark 4.0's JSON dissector parses a body with a grammar of tvbparse
// rules (RFC 4627's: a text is an object or an array) and hands what it
// cannot parse to data-text-lines, so a body declared JSON is json alone
// only when the grammar takes every byte of it. JSONWhole answers that as
// the dissector does, quirks included:
//   - tvbparse skips white space (space, tab, CR, LF) after every element
//     of a sequence, so it may stand between a minus sign and its digits,
//     between the digits of an integer after the first ("[1 2]" is one
//     number), after a string's backslash, and after the texts;
//   - several texts may follow one another ("[1][2]");
//   - a string takes any byte but '"' and '\', escapes as RFC 4627 gives;
//   - NaN is a value;
//   - a rule nested in 100 or more rules fails (tvbparse's recursion
//     bound), which caps nesting at 19 to 25 levels depending on what the
//     innermost value is.
// The rules are mirrored one by one below, each with the number of rules
// around it, so that the bound falls where tvbparse's does.

// jsonMaxDepth is the number of enclosing rules at which a rule fails.
const jsonMaxDepth = 100

// JSONWhole reports whether Wireshark 4.0's JSON dissector parses all of
// b (else it shows the rest as data-text-lines).
func JSONWhole(b []byte) bool {
	p := jsonParser{b: b}
	i := 0
	for {
		j := p.ws(i)
		// JSON-text = object / array (a oneof with no rule around it)
		n, ok := p.object(j, 1)
		if !ok {
			n, ok = p.array(j, 1)
		}
		if !ok {
			break
		}
		i = n
	}
	return i == len(b)
}

type jsonParser struct{ b []byte }

func (p *jsonParser) ws(i int) int {
	for i < len(p.b) {
		switch p.b[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		break
	}
	return i
}

// char takes the byte c at i and the white space after it (a sequence's
// element).
func (p *jsonParser) char(i int, c byte) (int, bool) {
	if i < len(p.b) && p.b[i] == c {
		return p.ws(i + 1), true
	}
	return i, false
}

// Each rule below takes the position and the number of rules around it
// (d), and returns the position after it; a sequence's elements are at
// d+1 and each is followed by white space.

// object = '{' [ member *( ',' member ) ] '}'
func (p *jsonParser) object(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := p.char(i, '{')
	if !ok {
		return i, false
	}
	if d+1 >= jsonMaxDepth { // the optional members
		return i, false
	}
	if j, ok := p.list(i, d+2, p.member); ok {
		i = j
	}
	return p.char(p.ws(i), '}')
}

// array = '[' [ value *( ',' value ) ] ']'
func (p *jsonParser) array(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := p.char(i, '[')
	if !ok {
		return i, false
	}
	if d+1 >= jsonMaxDepth {
		return i, false
	}
	if j, ok := p.list(i, d+2, p.value); ok {
		i = j
	}
	return p.char(p.ws(i), ']')
}

// list is the sequence elem *( ',' elem ) at depth d.
func (p *jsonParser) list(i, d int, elem func(i, d int) (int, bool)) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := elem(i, d+1)
	if !ok {
		return i, false
	}
	i = p.ws(i)
	if d+1 >= jsonMaxDepth { // the repetition
		return i, false
	}
	for d+2 < jsonMaxDepth { // each ',' elem
		j, ok := p.char(i, ',')
		if !ok {
			break
		}
		if j, ok = elem(j, d+3); !ok {
			break
		}
		i = p.ws(j)
	}
	return p.ws(i), true
}

// member = string ':' value
func (p *jsonParser) member(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := p.string(i, d+1)
	if !ok {
		return i, false
	}
	if i, ok = p.char(p.ws(i), ':'); !ok {
		return i, false
	}
	if i, ok = p.value(i, d+1); !ok {
		return i, false
	}
	return p.ws(i), true
}

// value = false / null / true / NaN / object / array / number / string
func (p *jsonParser) value(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	for _, lit := range [...]string{"false", "null", "true", "NaN"} {
		if len(p.b)-i >= len(lit) && string(p.b[i:i+len(lit)]) == lit {
			return i + len(lit), true
		}
	}
	for _, r := range [...]func(i, d int) (int, bool){p.object, p.array, p.number, p.string} {
		if j, ok := r(i, d+1); ok {
			return j, true
		}
	}
	return i, false
}

// number = [ '-' ] int [ '.' 1*DIGIT ] [ ( 'e' / 'E' ) [ '-' / '+' ] 1*DIGIT ]
// int = '0' / ( digit1-9 *DIGIT )
func (p *jsonParser) number(i, d int) (int, bool) {
	if d >= jsonMaxDepth || d+1 >= jsonMaxDepth { // the sequence, its optional sign
		return i, false
	}
	if i < len(p.b) && p.b[i] == '-' {
		i++
	}
	i = p.ws(i)
	// int, a oneof at d+1
	switch {
	case i < len(p.b) && p.b[i] == '0':
		i++
	case i < len(p.b) && p.b[i] >= '1' && p.b[i] <= '9' && d+2 < jsonMaxDepth:
		// the sequence digit1-9 [ *DIGIT ], at d+2; its optional at d+3
		if d+3 >= jsonMaxDepth {
			return i, false
		}
		i = p.ws(i + 1)
		i = p.ws(p.digits(i))
	default:
		return i, false
	}
	i = p.ws(i)
	// [ frac ]: the optional at d+1, its sequence at d+2
	if d+2 < jsonMaxDepth && i < len(p.b) && p.b[i] == '.' {
		if j := p.ws(i + 1); p.digits(j) > j {
			i = p.ws(p.digits(j))
		}
	}
	i = p.ws(i)
	// [ exp ]: the optional at d+1, its sequence at d+2, the sign's
	// optional at d+3
	if d+3 < jsonMaxDepth && i < len(p.b) && (p.b[i] == 'e' || p.b[i] == 'E') {
		j := p.ws(i + 1)
		if j < len(p.b) && (p.b[j] == '-' || p.b[j] == '+') {
			j++
		}
		j = p.ws(j)
		if k := p.digits(j); k > j {
			i = p.ws(k)
		}
	}
	return p.ws(i), true
}

func (p *jsonParser) digits(i int) int {
	for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
		i++
	}
	return i
}

// string = '"' *( not '"' or '\' / '\' ( one of "\/bfnrt / 'u' 4HEXDIG ) ) '"'
func (p *jsonParser) string(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := p.char(i, '"')
	if !ok {
		return i, false
	}
	if d+1 >= jsonMaxDepth { // the repetition
		return i, false
	}
	for d+2 < jsonMaxDepth { // each run of bytes or escape: a oneof at d+2
		start := i
		for i < len(p.b) && p.b[i] != '"' && p.b[i] != '\\' {
			i++
		}
		if i > start {
			continue
		}
		j, ok := p.escape(i, d+3)
		if !ok {
			break
		}
		i = j
	}
	return p.char(p.ws(i), '"')
}

// escape = '\' ( one of "\/bfnrt / 'u' 4HEXDIG ), a sequence at d.
func (p *jsonParser) escape(i, d int) (int, bool) {
	if d >= jsonMaxDepth {
		return i, false
	}
	i, ok := p.char(i, '\\')
	if !ok || d+1 >= jsonMaxDepth { // the oneof
		return i, false
	}
	switch {
	case i < len(p.b) && (p.b[i] == '"' || p.b[i] == '\\' || p.b[i] == '/' || p.b[i] == 'b' ||
		p.b[i] == 'f' || p.b[i] == 'n' || p.b[i] == 'r' || p.b[i] == 't'):
		i++
	case i < len(p.b) && p.b[i] == 'u' && d+2 < jsonMaxDepth:
		i = p.ws(i + 1)
		for k := 0; k < 4; k++ {
			if i+k >= len(p.b) || !isHex(p.b[i+k]) {
				return i, false
			}
		}
		i = p.ws(i + 4)
	default:
		return i, false
	}
	return p.ws(i), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
