package result

import (
	"testing"
	"time"
)

// TestInstantRoundTrip: every packet time, the zero time, the epoch and
// times past int64 nanoseconds' range, comes back unchanged.
func TestInstantRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Unix(0, 0).UTC(),
		time.Unix(1768467600, 123456789).UTC(),
		time.Unix(-1, 999999999).UTC(),
		time.Date(2300, 1, 2, 3, 4, 5, 6, time.UTC),
		time.Date(1600, 1, 2, 3, 4, 5, 6, time.UTC),
	} {
		got := InstantOf(tm).Time()
		if !got.Equal(tm) || got.IsZero() != tm.IsZero() || got.Format(time.RFC3339Nano) != tm.Format(time.RFC3339Nano) {
			t.Errorf("%v came back as %v", tm, got)
		}
		if InstantOf(tm).IsZero() != tm.IsZero() {
			t.Errorf("%v: IsZero %v", tm, InstantOf(tm).IsZero())
		}
	}
	if !(Instant{}).Time().IsZero() {
		t.Error("the zero Instant is not the zero time")
	}
}
