package result

import "time"

// Instant is a packet time in 16 bytes rather than time.Time's 24, for
// records a module keeps for every transaction or call of a capture. It
// holds time.Time's own seconds since January 1 of year 1 (wrapping as
// time.Time's do) and nanoseconds, so every time converts back exactly (in
// UTC, as packet times are, without a monotonic reading), and the zero
// Instant is the zero time.
type Instant struct {
	sec  int64
	nsec int32
}

// unixToInternal is the seconds from January 1 of year 1 to the Unix
// epoch, as the time package counts them.
const unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60

// InstantOf returns t as an Instant.
func InstantOf(t time.Time) Instant { return Instant{t.Unix() + unixToInternal, int32(t.Nanosecond())} }

// Time returns the time s holds, in UTC.
func (s Instant) Time() time.Time { return time.Unix(s.sec-unixToInternal, int64(s.nsec)).UTC() }

// IsZero reports whether s is the zero time.
func (s Instant) IsZero() bool { return s == Instant{} }
