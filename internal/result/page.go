package result

import (
	"encoding/json"
	"fmt"
	"slices"
)

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

// Paging reads a list's paging arguments, named offsetName and limitName
// for the messages: an absent limit (nil) means def, a default page the
// response budget may shorten; 0 means no items, only the page object and
// the summary; set reports whether the caller chose the size, which the
// budget then leaves alone.
func Paging(offsetName, limitName string, offset int, limit *int, def, max int) (off, lim int, set bool, err error) {
	if offset < 0 {
		return 0, 0, false, fmt.Errorf("%s %d is negative; use 0 for the first page", offsetName, offset)
	}
	if limit == nil {
		return offset, def, false, nil
	}
	switch n := *limit; {
	case n < 0:
		return 0, 0, false, fmt.Errorf("%s %d is negative; use 0 (no items, the summary only) to %d", limitName, n, max)
	case n > max:
		return 0, 0, false, fmt.Errorf("%s %d is above the maximum of %d; page with %s instead", limitName, n, max, offsetName)
	}
	return offset, *limit, true, nil
}

// HalveList cuts a list that has no page object (its total is given beside
// it) to half its length, down to none, for a response over its byte
// budget; it reports false when the list is already empty.
func HalveList[T any](items *[]T) bool {
	if len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

// Kept is a detail list kept whole for later calls (analyzer.Cache): every
// item with the key its filters test, in order, so that any page of any
// filter can be cut from it without another pass. It holds at most Max
// items; past that it gives up the list (Cut), since a partial list could
// not answer every page. Items are stored in fixed-size chunks, so that
// keeping many never copies them to grow.
type Kept[K, R any] struct {
	Max    int
	Cut    bool
	n      int
	chunks [][]keptItem[K, R]
}

type keptItem[K, R any] struct {
	key K
	rec R
}

const keptChunk = 4096

// Add keeps rec with key, unless the list was given up; past Max it gives
// the list up and frees it.
func (k *Kept[K, R]) Add(key K, rec R) {
	if k.Cut {
		return
	}
	if k.n >= k.Max {
		k.Cut, k.chunks, k.n = true, nil, 0
		return
	}
	if k.n%keptChunk == 0 {
		k.chunks = append(k.chunks, make([]keptItem[K, R], 0, keptChunk))
	}
	last := &k.chunks[len(k.chunks)-1]
	*last = append(*last, keptItem[K, R]{key, rec})
	k.n++
}

// Whole reports whether k holds its whole list: it was kept (k is not nil)
// and not given up.
func (k *Kept[K, R]) Whole() bool { return k != nil && !k.Cut }

// KeepAll keeps every item of items, in order, with its key and record, in
// a list of at most max items; past that it gives up at once, making no
// more records.
func KeepAll[T, K, R any](max int, items []T, key func(T) K, rec func(T) R) *Kept[K, R] {
	k := &Kept[K, R]{Max: max}
	for _, it := range items {
		if k.Add(key(it), rec(it)); k.Cut {
			break
		}
	}
	return k
}

// Len returns the number of items kept.
func (k *Kept[K, R]) Len() int { return k.n }

// Select returns the items whose key match accepts, from offset, at most
// limit of them, with how many matched in all: the page and total a pass
// that filtered and paged as it went would have made.
func (k *Kept[K, R]) Select(match func(K) bool, offset, limit int) (page []R, matched int) {
	page = []R{}
	for _, c := range k.chunks {
		for i := range c {
			it := &c[i]
			if !match(it.key) {
				continue
			}
			if matched >= offset && matched < offset+limit {
				page = append(page, it.rec)
			}
			matched++
		}
	}
	return page, matched
}

// Sample calls f with up to n items spread evenly over the list, for an
// estimate of what the whole holds (see Size in package rescache).
func (k *Kept[K, R]) Sample(n int, f func(key K, rec R)) {
	if k.n == 0 || n <= 0 {
		return
	}
	step := max(k.n/n, 1)
	for i := 0; i < k.n; i += step {
		it := &k.chunks[i/keptChunk][i%keptChunk]
		f(it.key, it.rec)
	}
}
