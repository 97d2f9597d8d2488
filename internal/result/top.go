package result

import (
	"slices"
	"strings"
)

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

// Counter counts occurrences of keys, keeping at most Max distinct keys:
// once full, new keys are counted in the total only and the counter says
// it was capped. It also remembers the first keys in order of appearance,
// up to Ordered of them. The zero value is not ready: use NewCounter.
type Counter[K comparable] struct {
	counts  map[K]int
	total   int
	max     int
	capped  bool
	order   []K
	ordered int
}

// NewCounter returns a counter of at most max distinct keys that keeps the
// first ordered keys in order of appearance.
func NewCounter[K comparable](max, ordered int) *Counter[K] {
	return &Counter[K]{counts: map[K]int{}, max: max, ordered: ordered}
}

// Add counts one occurrence of k.
func (c *Counter[K]) Add(k K) {
	c.total++
	if n := len(c.counts); n < c.max {
		// Room for k: one map update whether it is new or not.
		c.counts[k]++
		if len(c.counts) > n && len(c.order) < c.ordered {
			c.order = append(c.order, k)
		}
		return
	}
	if _, ok := c.counts[k]; ok {
		c.counts[k]++
		return
	}
	c.capped = true
}

// Count returns how often k was counted (0 for a key past the cap).
func (c *Counter[K]) Count(k K) int {
	return c.counts[k]
}

// Total returns every occurrence counted, capped keys included.
func (c *Counter[K]) Total() int { return c.total }

// Distinct returns the distinct keys kept.
func (c *Counter[K]) Distinct() int { return len(c.counts) }

// Capped reports whether a key was turned away.
func (c *Counter[K]) Capped() bool { return c.capped }

// Order returns the first keys in order of appearance.
func (c *Counter[K]) Order() []K { return c.order }

// All calls f for every key kept and its count, in no order.
func (c *Counter[K]) All(f func(k K, n int)) {
	for k, n := range c.counts {
		f(k, n)
	}
}

// Top returns the top list of the counter, each key rendered by name.
func (c *Counter[K]) Top(name func(K) string) TopList {
	items := make([]TopItem, 0, len(c.counts))
	for k, n := range c.counts {
		items = append(items, TopItem{Key: name(k), Count: n})
	}
	return NewTopList(items, c.total, c.capped)
}
