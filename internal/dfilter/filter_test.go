package dfilter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dfilter"
)

// Bad filters are errors that name the column and what was expected.
func TestCompileErrors(t *testing.T) {
	for _, c := range []struct {
		filter string
		col    int
		want   string
	}{
		{"ip.adr == 1.2.3.4", 1, "did you mean ip.addr"},
		{"tcp.prot == 80", 1, "did you mean tcp.port"},
		{"tcp.port == ", 13, "expected a value"},
		{"tcp.port = 80", 10, `expected "=="`},
		{"tcp.port == eighty", 13, `"eighty" is not a number`},
		{"ip.addr == 300.1.1.1", 12, "not an address"},
		{"ip.addr == ::1", 12, "wrong IP version"},
		{"ipv6.addr == 10.0.0.0/8", 14, "wrong IP version"},
		{"(tcp or udp", 12, `expected ")"`},
		{"tcp and", 8, "expected a field name"},
		{"tcp.port in {1, 2", 18, `not closed with "}"`},
		{"tcp.port in {}", 14, "empty set"},
		{`frame matches "(["`, 15, "bad regular expression"},
		{"tcp.port contains 80", 10, "works on strings"},
		{"tcp.analysis.retransmission == 1", 1, "test it alone"},
		{"eth.addr == 01:02:03", 13, "not an Ethernet address"},
		{`frame contains "abc`, 16, "not closed"},
		{"tcp.port == 80 80", 16, `expected "&&"`},
		{"frame.time > \"yesterday\"", 14, "not a time"},
		{"tcp & udp", 5, `expected "&&"`},
		{"tcp.port == 80 @", 16, "unexpected character"},
	} {
		_, err := dfilter.Compile(c.filter)
		var fe *dfilter.Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: got %v, want a *dfilter.Error", c.filter, err)
			continue
		}
		if fe.Pos+1 != c.col || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got column %d %q, want column %d and %q", c.filter, fe.Pos+1, err, c.col, c.want)
		}
	}
}

func TestCompileLimits(t *testing.T) {
	if _, err := dfilter.Compile(strings.Repeat("(", 100) + "tcp" + strings.Repeat(")", 100)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("deep nesting: %v", err)
	}
	if _, err := dfilter.Compile(strings.Repeat("tcp or ", 1000) + "udp"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long filter: %v", err)
	}
	f, err := dfilter.Compile("  ")
	if err != nil || !f.Match(nil) {
		t.Errorf("empty filter: %v", err)
	}
}
