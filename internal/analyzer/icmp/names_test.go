package icmp

import (
	"fmt"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestTypeCodeNames checks the names against the IANA registries: every
// assigned type of both families has its name, and the codes the issue
// named (type 9 code 16) and the newer ones (RFC 8335, RFC 8883) theirs.
func TestTypeCodeNames(t *testing.T) {
	assigned4 := []int{0, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 253, 254, 255}
	for _, typ := range assigned4 {
		if n := typeName(false, uint8(typ)); n == fmt.Sprintf("Type %d", typ) {
			t.Errorf("ICMPv4 type %d has no name", typ)
		}
	}
	assigned6 := []int{1, 2, 3, 4, 100, 101, 127, 200, 201, 255}
	for typ := 128; typ <= 161; typ++ {
		assigned6 = append(assigned6, typ)
	}
	for _, typ := range assigned6 {
		if n := typeName(true, uint8(typ)); n == fmt.Sprintf("Type %d", typ) {
			t.Errorf("ICMPv6 type %d has no name", typ)
		}
	}
	for _, c := range []struct {
		v6          bool
		typ, code   uint8
		name, cname string
	}{
		{false, 9, 16, "Router Advertisement", "Does not route common traffic"},
		{false, 9, 0, "Router Advertisement", "Normal router advertisement"},
		{false, 3, 4, "Destination Unreachable", "Fragmentation Needed and DF Set"},
		{false, 40, 5, "Photuris", "Need Authorization"},
		{false, 43, 4, "Extended Echo Reply", "Multiple Interfaces Satisfy Query"},
		{false, 8, 0, "Echo Request", ""},
		{false, 3, 16, "Destination Unreachable", "Code 16"},
		{false, 44, 0, "Type 44", ""},
		{true, 1, 8, "Destination Unreachable", "Headers Too Long"},
		{true, 4, 10, "Parameter Problem", "Option Too Big"},
		{true, 138, 255, "Router Renumbering", "Sequence Number Reset"},
		{true, 155, 0x8a, "RPL Control Message", "Consistency Check"},
		{true, 161, 2, "Extended Echo Reply", "No Such Interface"},
		{true, 157, 0, "Duplicate Address Request", "DAR"},
		{true, 162, 0, "Type 162", ""},
	} {
		if n, cn := typeName(c.v6, c.typ), codeName(c.v6, c.typ, c.code); n != c.name || cn != c.cname {
			t.Errorf("v6 %v type %d code %d: %q / %q, want %q / %q", c.v6, c.typ, c.code, n, cn, c.name, c.cname)
		}
	}
}

// TestTypeFilter: a number selects that type in either family, a name
// the type of that name in each family that has it.
func TestTypeFilter(t *testing.T) {
	for _, c := range []struct {
		arg    string
		v4, v6 int
		echo   string
	}{
		{"echo request", 8, 128, "8 (ICMPv4), 128 (ICMPv6)"},
		{"Router_Advertisement", 9, 134, "9 (ICMPv4), 134 (ICMPv6)"},
		{"node information query", -1, 139, "139 (ICMPv6)"},
		{"5", 5, 5, "5"},
	} {
		f, byName, ok := parseType(c.arg)
		if !ok || f.v4 != c.v4 || f.v6 != c.v6 || f.String(byName) != c.echo {
			t.Errorf("parseType(%q) = %+v %q %v, want %d/%d %q", c.arg, f, f.String(byName), ok, c.v4, c.v6, c.echo)
		}
	}
	// Echo requests of both families in one capture.
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	file := writeCapture(t, "both.pcap", []pcaptest.Frame{
		{Time: ts, Data: echo4(t, "192.0.2.1", "192.0.2.2", 8, 1, 1, nil)},
		{Time: ts, Data: icmp6(t, "2001:db8::1", "2001:db8::2", 64, 128, 0, []byte{0, 1, 0, 1})},
		{Time: ts, Data: icmp6(t, "2001:db8::2", "2001:db8::1", 64, 129, 0, []byte{0, 1, 0, 1})},
	})
	out := analyze(t, Input{PcapFile: file, ICMPType: "echo request"})
	if out.PacketsPage.Total != 2 || out.Filters.ICMPType != "8 (ICMPv4), 128 (ICMPv6)" {
		t.Errorf("echo request: %d packets, filter %q", out.PacketsPage.Total, out.Filters.ICMPType)
	}
	// The name of type 9 code 16 in a record.
	file = writeCapture(t, "ra.pcap", []pcaptest.Frame{{Time: ts, Data: icmp4(t, "192.0.2.1", "224.0.0.1", 1, 9, 16, 0x0101, 0x0708, []byte{192, 0, 2, 1, 0, 0, 0, 0})}})
	if p := analyze(t, Input{PcapFile: file}).Packets; len(p) != 1 || p[0].ICMPCodeName != "Does not route common traffic" {
		t.Errorf("router advertisement code 16: %+v", p)
	}
}
