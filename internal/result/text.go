package result

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// TimeLayout is the output contract's timestamp format: RFC 3339, UTC, always
// nine fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime formats t per the output contract; the zero time gives "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ParseTime parses a time filter argument: RFC 3339 with or without a
// fractional part, or a Unix epoch in seconds ("1700000000.25").
func ParseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	var sec float64
	if _, err := fmt.Sscanf(s, "%g", &sec); err == nil && !strings.ContainsAny(s, ":-T ") {
		whole := int64(sec)
		return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time; use RFC 3339 such as 2024-05-01T12:00:00Z, or Unix seconds", field, s)
}

// ParseTimeRange parses the start_time and end_time arguments (see
// ParseTime) and checks that the range is not reversed.
func ParseTimeRange(start, end string) (time.Time, time.Time, error) {
	s, err := ParseTime("start_time", start)
	if err != nil {
		return s, s, err
	}
	e, err := ParseTime("end_time", end)
	if err != nil {
		return s, e, err
	}
	if !s.IsZero() && !e.IsZero() && e.Before(s) {
		return s, e, fmt.Errorf("end_time %s is before start_time %s", end, start)
	}
	return s, e, nil
}

// TimeRange is a parsed start_time/end_time filter; the zero value lets
// every time through.
type TimeRange struct{ Start, End time.Time }

// NewTimeRange parses the start_time and end_time arguments.
func NewTimeRange(start, end string) (TimeRange, error) {
	s, e, err := ParseTimeRange(start, end)
	return TimeRange{s, e}, err
}

// Contains reports whether t is within the range, ends included.
func (r TimeRange) Contains(t time.Time) bool {
	return (r.Start.IsZero() || !t.Before(r.Start)) && (r.End.IsZero() || !t.After(r.End))
}

// ParseIP parses an IP address argument named field: the zero Addr when
// empty, IPv4-mapped IPv6 addresses as IPv4.
func ParseIP(field, s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%s %q is not an IP address", field, s)
	}
	return a.Unmap(), nil
}

// Percent renders n of total as a share for a summary line: "2%", "<1%"
// for a small non-zero share, never "0%" for a non-zero n.
func Percent(n, total int) string {
	if total <= 0 {
		return "0%"
	}
	p := 100 * float64(n) / float64(total)
	switch {
	case n > 0 && p < 1:
		return "<1%"
	case n < total && p > 99:
		return ">99%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

// Addr formats an address per the output contract (docs/naming.md): RFC
// 5952 text, an IPv4-mapped IPv6 address as the IPv4 address it maps, and
// "" for the zero Addr.
func Addr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.Unmap().String()
}

// AddrPort formats an address and port as one string, for the keys that
// mcpcap already spells that way ("192.0.2.1:53", "[2001:db8::1]:53");
// new keys carry the address and the port in two fields instead.
func AddrPort(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
