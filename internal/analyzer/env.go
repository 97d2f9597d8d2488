package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Env is what a tool call gets from the front end that runs it: how to open
// a capture, the server-wide limits, and where to report progress.
type Env struct {
	// Open opens a capture reference (a path or an http(s) URL) under the
	// server's access policy.
	Open func(ctx context.Context, ref string) (*Source, error)
	// MaxPackets, when > 0, caps how many packets of its protocol a module
	// analyzes in detail (--max-packets); counts still cover the capture.
	MaxPackets int
	// MaxDecompressedBytes, when > 0, caps what a gzip-compressed capture
	// may expand to (--max-decompressed-bytes).
	MaxDecompressedBytes int64
	// Roots are the directories captures may be read from; nil when any
	// readable file may be.
	Roots []string
	// List, when set, lists the captures under the server's capture
	// directories (or its working directory) below subdir.
	List func(ctx context.Context, subdir string) (files []CaptureFile, truncated bool, err error)
	// Progress, when set, receives progress: done out of total (total <= 0
	// when unknown), with a short message.
	Progress func(done, total float64, message string)
	// Now, when set, is the wall clock for the few outputs that report when
	// an analysis ran (mcpcap's analysis_timestamp); analyses themselves use
	// packet time only. Tests set it for reproducible output.
	Now func() time.Time
}

// Clock returns the time the analysis runs, from e.Now or the system clock.
func (e *Env) Clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// CaptureFile is a capture a server can open.
type CaptureFile struct {
	Path     string    // absolute path, to pass as pcap_file
	Size     int64     // bytes
	Modified time.Time // modification time
	Format   string    // pcap, pcapng, pcap.gz or pcapng.gz
}

// Source is an opened capture byte stream.
type Source struct {
	io.ReadCloser
	Name   string // the reference as given
	Size   int64  // bytes, or -1 when unknown
	Remote bool   // fetched over http(s)
}

// OpenCapture opens ref with e.Open, with a clear error when the front end
// gave no opener.
func (e *Env) OpenCapture(ctx context.Context, ref string) (*Source, error) {
	if e.Open == nil {
		return nil, fmt.Errorf("capture %q: this server cannot open captures", ref)
	}
	return e.Open(ctx, ref)
}

// ReportProgress forwards progress to e.Progress when it is set.
func (e *Env) ReportProgress(done, total float64, message string) {
	if e.Progress != nil {
		e.Progress(done, total, message)
	}
}

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

// Page discloses how a detail list was cut: Total items matched, of which
// Returned are in this response, starting at Offset.
type Page struct {
	Total     int  `json:"total" jsonschema:"items that matched the filters, before paging"`
	Offset    int  `json:"offset" jsonschema:"index of the first returned item"`
	Limit     int  `json:"limit" jsonschema:"page size used"`
	Returned  int  `json:"returned" jsonschema:"items in this response"`
	Truncated bool `json:"truncated" jsonschema:"true when more items follow: call again with offset=next_offset"`
	// NextOffset is the offset of the next page, when there is one.
	NextOffset *int `json:"next_offset,omitempty" jsonschema:"offset to pass for the next page; absent on the last page"`
}

// PageArgs normalizes paging arguments: limit 0 means def, and a limit above
// max is an error, as is a negative offset or limit.
func PageArgs(offset, limit, def, max int) (int, int, error) {
	if offset < 0 {
		return 0, 0, fmt.Errorf("offset %d is negative; use 0 for the first page", offset)
	}
	switch {
	case limit < 0:
		return 0, 0, fmt.Errorf("limit %d is negative; use 1 to %d", limit, max)
	case limit == 0:
		limit = def
	case limit > max:
		return 0, 0, fmt.Errorf("limit %d is above the maximum of %d; page with offset instead", limit, max)
	}
	return offset, limit, nil
}

// Paginate returns the page of items starting at offset with at most limit
// items, and the Page that describes it. A nil result slice is never
// returned, so JSON output shows [] rather than null.
func Paginate[T any](items []T, offset, limit int) ([]T, Page) {
	total := len(items)
	if offset > total {
		offset = total
	}
	end := min(offset+limit, total)
	out := items[offset:end:end]
	if out == nil {
		out = []T{}
	}
	return out, PageOf(total, offset, limit, len(out))
}

// PageOf describes a page of returned items that starts at offset, out of
// total, for a list cut to fit (a byte budget) after Paginate.
func PageOf(total, offset, limit, returned int) Page {
	pg := Page{Total: total, Offset: min(offset, total), Limit: limit, Returned: returned}
	if end := pg.Offset + returned; end < total {
		pg.Truncated = true
		pg.NextOffset = &end
	}
	return pg
}

// Halve cuts a list to half its length for a response over its byte
// budget, and updates the page that describes it. It reports false, and
// cuts nothing, when the caller fixed the list's size (its limit argument)
// or the list has one item or none.
func Halve[T any](items *[]T, pg *Page, fixed bool) bool {
	if fixed || len(*items) <= 1 {
		return false
	}
	n := len(*items) / 2
	*items = (*items)[:n]
	*pg = PageOf(pg.Total, pg.Offset, pg.Limit, n)
	return true
}

// FitBudget shrinks out until its JSON takes at most budget bytes: each
// round, the first of cuts that cuts anything (see Halve) halves its list.
// It stops when out fits or no list can shrink.
func FitBudget(out any, budget int, cuts ...func() bool) {
	for range 32 {
		if b, err := json.Marshal(out); err != nil || len(b) <= budget {
			return
		}
		if !slices.ContainsFunc(cuts, func(cut func() bool) bool { return cut() }) {
			return
		}
	}
}

// TopList is a bounded top-N list with its totals.
type TopList struct {
	Items    []TopItem `json:"items" jsonschema:"most frequent first (first 10)"`
	Distinct int       `json:"distinct" jsonschema:"distinct keys counted"`
	Total    int       `json:"total" jsonschema:"occurrences counted"`
	Capped   bool      `json:"capped,omitempty" jsonschema:"true when more distinct keys existed than the counter keeps; counts of the rest are in total"`
}

// TopItem is one entry of a top list.
type TopItem struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// NewTopList makes the top list of the distinct keys counted (items, in
// any order), total occurrences and whether the counter stopped taking new
// keys: the 10 most frequent, ties in key order.
func NewTopList(items []TopItem, total int, capped bool) TopList {
	slices.SortFunc(items, func(a, b TopItem) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return TopList{Items: items[:min(len(items), 10)], Distinct: len(items), Total: total, Capped: capped}
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

// Override sets *dst to v when the caller gave v (it is not zero): a
// threshold argument over its default.
func Override[T int | float64](v T, dst *T) {
	if v != 0 {
		*dst = v
	}
}
