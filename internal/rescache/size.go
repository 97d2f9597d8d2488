package rescache

import (
	"math/bits"
	"reflect"
	"unsafe"
)

// SizeOf estimates the bytes v holds: the value itself and everything it
// reaches through pointers, slices (to their capacity), strings, maps and
// interfaces, each block counted once. Map buckets are counted at their
// entries' size with a quarter more for the table; channels and functions
// count as a word.
func SizeOf(v any) int64 {
	if v == nil {
		return 0
	}
	w := walker{seen: map[uintptr]bool{}}
	rv := reflect.ValueOf(v)
	return int64(rv.Type().Size()) + w.deep(rv)
}

type walker struct{ seen map[uintptr]bool }

// first reports whether the block at p is seen for the first time.
func (w *walker) first(p uintptr) bool {
	if p == 0 || w.seen[p] {
		return false
	}
	w.seen[p] = true
	return true
}

// deep returns the bytes v reaches beyond its own inline size.
func (w *walker) deep(v reflect.Value) int64 {
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 || !w.first(uintptr(unsafe.Pointer(unsafe.StringData(v.String())))) {
			return 0
		}
		return alloc(int64(v.Len()))
	case reflect.Pointer:
		if v.IsNil() || !w.first(v.Pointer()) {
			return 0
		}
		e := v.Elem()
		return alloc(int64(e.Type().Size())) + w.deep(e)
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		n := w.deep(e)
		if e.Kind() != reflect.Pointer {
			n += alloc(int64(e.Type().Size())) // boxed
		}
		return n
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 || !w.first(v.Pointer()) {
			return 0
		}
		et := v.Type().Elem()
		n := alloc(int64(v.Cap()) * int64(et.Size()))
		if hasPointers(et) {
			for i := range v.Len() {
				n += w.deep(v.Index(i))
			}
		}
		return n
	case reflect.Array:
		var n int64
		if hasPointers(v.Type().Elem()) {
			for i := range v.Len() {
				n += w.deep(v.Index(i))
			}
		}
		return n
	case reflect.Struct:
		var n int64
		for i := range v.NumField() {
			if f := v.Field(i); hasPointers(f.Type()) {
				n += w.deep(f)
			}
		}
		return n
	case reflect.Map:
		if v.IsNil() || !w.first(v.Pointer()) {
			return 0
		}
		// A swiss table: groups of 8 slots (key, value and a control
		// byte each), at most 7/8 full, at least one group.
		kt, et := v.Type().Key(), v.Type().Elem()
		slots := int64(8)
		for slots*7/8 < int64(v.Len()) {
			slots *= 2
		}
		n := alloc(48) + alloc(slots*int64(kt.Size()+et.Size()+1))
		if hasPointers(kt) || hasPointers(et) {
			it := v.MapRange()
			for it.Next() {
				n += w.deep(it.Key()) + w.deep(it.Value())
			}
		}
		return n
	}
	return 0
}

// alloc is the heap block that holds n bytes: the allocator's size
// classes, about (16-byte steps to 256 bytes, an eighth above), pages for
// large blocks.
func alloc(n int64) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 8:
		return 8
	case n <= 256:
		return (n + 15) &^ 15
	case n <= 32<<10:
		step := int64(1) << (63 - bits.LeadingZeros64(uint64(n)) - 3)
		return (n + step - 1) / step * step
	}
	return (n + 8191) &^ 8191
}

// hasPointers reports whether a value of t can reach memory beyond itself.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
