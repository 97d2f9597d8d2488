// Package rescache is the server's cache of analysis results
// (analyzer.Cache): values kept by key up to a bound in bytes, the least
// recently used dropped first to make room. It is safe for concurrent use.
//
// A value's size is what its owner says it is; SizeOf estimates it for Go
// values by walking them (strings, slices, maps and pointers included), so
// that the bound holds for what is really kept.
package rescache

import (
	"container/list"
	"sync"
)

// Cache is a byte-bounded LRU cache. The zero value is not usable; call New.
type Cache struct {
	mu    sync.Mutex
	bound int64
	used  int64
	order *list.List // front: most recently used
	items map[string]*list.Element

	hits, misses, evictions, refused int64
}

type entry struct {
	key  string
	v    any
	size int64
}

// New returns a cache that holds at most bound bytes.
func New(bound int64) *Cache {
	return &Cache{bound: max(bound, 0), order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the value under key and marks it used.
func (c *Cache) Get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	c.order.MoveToFront(el)
	return el.Value.(*entry).v, true
}

// Put keeps v under key (replacing what was there), dropping the least
// recently used values until it fits. A value over the whole bound is not
// kept, and Put reports false.
func (c *Cache) Put(key string, v any, size int64) bool {
	size = max(size, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if size > c.bound {
		c.refused++
		return false
	}
	for c.used+size > c.bound {
		c.remove(c.order.Back())
		c.evictions++
	}
	c.items[key] = c.order.PushFront(&entry{key: key, v: v, size: size})
	c.used += size
	return true
}

func (c *Cache) remove(el *list.Element) {
	e := c.order.Remove(el).(*entry)
	delete(c.items, e.key)
	c.used -= e.size
}

// Bound returns the most the cache holds, in bytes.
func (c *Cache) Bound() int64 { return c.bound }

// Stats are a cache's counters.
type Stats struct {
	Entries                          int
	Bytes, Bound                     int64
	Hits, Misses, Evictions, Refused int64
}

// Stats returns the cache's counters now.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: len(c.items), Bytes: c.used, Bound: c.bound, Hits: c.hits, Misses: c.misses, Evictions: c.evictions, Refused: c.refused}
}
