package icmp

// lru is a map of at most max entries kept in order of last use, so that
// the entry idle longest goes first when a new key needs room. Entries
// live in one slice threaded by a doubly linked list (indices, not
// pointers: no allocation per entry once the slice has grown, and nothing
// for the garbage collector to trace). Put, Get, Touch, Delete and the
// eviction are O(1).
type lru[K comparable, V any] struct {
	index   map[K]int32
	nodes   []lruNode[K, V]
	free    int32 // first free node, or -1
	oldest  int32 // least recently used, or -1
	newest  int32 // most recently used, or -1
	max     int
	evicted int // entries evicted to make room
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next int32 // toward oldest, toward newest; -1 at the ends
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{index: map[K]int32{}, free: -1, oldest: -1, newest: -1, max: max}
}

// Len returns how many entries the table holds.
func (l *lru[K, V]) Len() int { return len(l.index) }

// Get returns k's value, or nil; it does not count as a use.
func (l *lru[K, V]) Get(k K) *V {
	if i, ok := l.index[k]; ok {
		return &l.nodes[i].val
	}
	return nil
}

// Touch marks k as used now and returns its value, or nil.
func (l *lru[K, V]) Touch(k K) *V {
	i, ok := l.index[k]
	if !ok {
		return nil
	}
	l.unlink(i)
	l.linkNewest(i)
	return &l.nodes[i].val
}

// Put sets k's value and marks it used now. A new key past max evicts the
// entry idle longest first, after handing it to onEvict when that is set.
func (l *lru[K, V]) Put(k K, v V, onEvict func(K, *V)) *V {
	if i, ok := l.index[k]; ok {
		l.nodes[i].val = v
		l.unlink(i)
		l.linkNewest(i)
		return &l.nodes[i].val
	}
	if len(l.index) >= l.max && l.oldest >= 0 {
		o := l.oldest
		if onEvict != nil {
			onEvict(l.nodes[o].key, &l.nodes[o].val)
		}
		l.evicted++
		l.remove(o)
	}
	var i int32
	if l.free >= 0 {
		i = l.free
		l.free = l.nodes[i].next
		l.nodes[i] = lruNode[K, V]{key: k, val: v}
	} else {
		i = int32(len(l.nodes))
		l.nodes = append(l.nodes, lruNode[K, V]{key: k, val: v})
	}
	l.index[k] = i
	l.linkNewest(i)
	return &l.nodes[i].val
}

// IndexOf returns the node index of k, or -1: stable while k stays in
// the table, for callers that thread their own lists through entries.
func (l *lru[K, V]) IndexOf(k K) int32 {
	if i, ok := l.index[k]; ok {
		return i
	}
	return -1
}

// At returns the value of the entry at node index i (see IndexOf).
func (l *lru[K, V]) At(i int32) *V { return &l.nodes[i].val }

// Delete removes k, if present.
func (l *lru[K, V]) Delete(k K) {
	if i, ok := l.index[k]; ok {
		l.remove(i)
	}
}

// Oldest returns the entry idle longest, or ok false when empty.
func (l *lru[K, V]) Oldest() (k K, v *V, ok bool) {
	if l.oldest < 0 {
		return k, nil, false
	}
	n := &l.nodes[l.oldest]
	return n.key, &n.val, true
}

// All calls f for every entry, from the one idle longest to the newest.
func (l *lru[K, V]) All(f func(K, *V)) {
	for i := l.oldest; i >= 0; i = l.nodes[i].next {
		f(l.nodes[i].key, &l.nodes[i].val)
	}
}

func (l *lru[K, V]) remove(i int32) {
	l.unlink(i)
	delete(l.index, l.nodes[i].key)
	l.nodes[i] = lruNode[K, V]{next: l.free}
	l.free = i
}

func (l *lru[K, V]) unlink(i int32) {
	n := &l.nodes[i]
	if n.prev >= 0 {
		l.nodes[n.prev].next = n.next
	} else {
		l.oldest = n.next
	}
	if n.next >= 0 {
		l.nodes[n.next].prev = n.prev
	} else {
		l.newest = n.prev
	}
	n.prev, n.next = -1, -1
}

func (l *lru[K, V]) linkNewest(i int32) {
	n := &l.nodes[i]
	n.prev, n.next = l.newest, -1
	if l.newest >= 0 {
		l.nodes[l.newest].next = i
	} else {
		l.oldest = i
	}
	l.newest = i
}
