package result

// Window is a first-in first-out queue for sliding time windows: push at
// the back, expire from the front, each in amortised constant time. Its
// backing array stays near the window's largest length, however many
// events pass through it. The zero value is empty and ready.
type Window[T any] struct {
	items []T
	head  int
}

// Push adds v at the back.
func (w *Window[T]) Push(v T) { w.items = append(w.items, v) }

// Len returns how many items the window holds.
func (w *Window[T]) Len() int { return len(w.items) - w.head }

// Front returns the oldest item; the window must not be empty.
func (w *Window[T]) Front() T { return w.items[w.head] }

// PopFront removes the oldest item; the window must not be empty.
func (w *Window[T]) PopFront() {
	var zero T
	w.items[w.head] = zero
	w.head++
	if w.head > len(w.items)/2 { // compact once half the slice is spent
		w.items = w.items[:copy(w.items, w.items[w.head:])]
		w.head = 0
	}
}

// All returns the items from oldest to newest; the slice is the window's
// own and valid until the next Push or PopFront.
func (w *Window[T]) All() []T { return w.items[w.head:] }

// Reset empties the window, keeping its backing array.
func (w *Window[T]) Reset() {
	clear(w.items)
	w.items, w.head = w.items[:0], 0
}
