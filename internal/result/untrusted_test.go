package result

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"小佛專機", "小佛專機"},
		{"a\x1b[31mred\x07", `a\x1b[31mred\x07`},
		{"line\nbreak\ttab", `line\x0abreak\x09tab`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"bidi\u202eevil", `bidi\u{202e}evil`},
		{"zero\u200bwidth", `zero\u{200b}width`},
		{"c1\u0085", `c1\x85`},
	} {
		if got := Text(tc.in, 0); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("ab", 300)
	got := Text(long, 10)
	if got != "ababababab...(cut: 600 bytes)" {
		t.Errorf("cut: %q", got)
	}
	// A cut never splits a UTF-8 sequence.
	if got := Text(strings.Repeat("é", 10), 5); !utf8.ValidString(got) || !strings.HasPrefix(got, "éé...") {
		t.Errorf("cut inside a rune: %q", got)
	}
}

// FuzzText checks the properties: the output is valid UTF-8 with no control
// or format character, Text is idempotent on clean input, and the kept part
// is bounded.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00\x1b\x7f", "\xff", "小佛\u202e", strings.Repeat("x", 300)} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max%512 + 1
		if max <= 0 {
			max = -max + 1
		}
		got := Text(s, max)
		if want := refText(s, max); got != want {
			t.Fatalf("Text(%q, %d) = %q, rune by rune %q", s, max, got, want)
		}
		if got, want := TextBytes([]byte(s), max), string(refAppend(nil, []byte(s), max)); got != want {
			t.Fatalf("TextBytes(%q, %d) = %q, rune by rune %q", s, max, got, want)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if unsafeRune(r) {
				t.Fatalf("Text(%q) = %q keeps %U", s, got, r)
			}
		}
		body, _, _ := strings.Cut(got, "...(cut: ")
		if len(body) > 4*max+8 {
			t.Fatalf("Text(%q, %d) kept %d bytes", s, max, len(body))
		}
		if Text(got, len(got)) != got && !strings.Contains(got, `\`) {
			t.Fatalf("not idempotent on %q", got)
		}
	})
}

func TestCounterAndReservoir(t *testing.T) {
	c := NewCounter[string](2, 1)
	for _, k := range []string{"a", "b", "a", "c"} {
		c.Add(k)
	}
	if c.Count("a") != 2 || c.Count("c") != 0 || c.Total() != 4 || !c.Capped() || c.Distinct() != 2 || len(c.Order()) != 1 {
		t.Errorf("counter: a %d c %d total %d capped %v distinct %d order %v", c.Count("a"), c.Count("c"), c.Total(), c.Capped(), c.Distinct(), c.Order())
	}
	var r Reservoir // Cap 0: exact count, mean, min and max only
	for _, v := range []float64{3, 1, 2} {
		r.Add(v)
	}
	if l := r.Latency(); l.Count != 3 || l.Min != 1 || l.Max != 3 || r.Mean() != 2 {
		t.Errorf("reservoir: %+v mean %v", l, r.Mean())
	}
}

// refText is Text decoding every rune, without the ASCII fast path: the
// oracle FuzzText holds Text and AppendText to.
func refText(s string, max int) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
		}
	}
	if clean && len(s) <= max {
		return s
	}
	return string(refAppend(nil, []byte(s), max))
}

func refAppend(dst, b []byte, max int) []byte {
	n := 0
	for n < len(b) {
		r, size := utf8.DecodeRune(b[n:])
		if n+size > max {
			break
		}
		switch {
		case r == utf8.RuneError && size == 1:
			dst = fmt.Appendf(dst, `\x%02x`, b[n])
		case unsafeRune(r) && r < 0x100:
			dst = fmt.Appendf(dst, `\x%02x`, r)
		case unsafeRune(r):
			dst = fmt.Appendf(dst, `\u{%x}`, r)
		default:
			dst = append(dst, b[n:n+size]...)
		}
		n += size
	}
	if n < len(b) {
		dst = fmt.Appendf(dst, "...(cut: %d bytes)", len(b))
	}
	return dst
}
