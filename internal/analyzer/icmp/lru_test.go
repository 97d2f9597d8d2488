package icmp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLRU checks the table against a plain model (a map and a slice in
// order of use) over random operations: same entries, same order, the
// entry idle longest evicted first, evictions counted.
func TestLRU(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const max = 50
	l := newLRU[int, int](max)
	model := map[int]int{}
	var order []int // oldest first
	use := func(k int) {
		order = slices.DeleteFunc(order, func(x int) bool { return x == k })
		order = append(order, k)
	}
	evicted := 0
	for i := range 20000 {
		k := r.IntN(120)
		switch op := r.IntN(4); op {
		case 0, 1:
			var gone []int
			l.Put(k, i, func(k int, _ *int) { gone = append(gone, k) })
			if _, ok := model[k]; !ok && len(model) >= max {
				if len(gone) != 1 || gone[0] != order[0] {
					t.Fatalf("op %d: evicted %v, want %d", i, gone, order[0])
				}
				delete(model, order[0])
				order = order[1:]
				evicted++
			}
			model[k] = i
			use(k)
		case 2:
			v := l.Touch(k)
			if want, ok := model[k]; ok != (v != nil) || ok && *v != want {
				t.Fatalf("op %d: Touch(%d) = %v, want %d %v", i, k, v, want, ok)
			}
			if v != nil {
				use(k)
			}
		case 3:
			l.Delete(k)
			delete(model, k)
			order = slices.DeleteFunc(order, func(x int) bool { return x == k })
		}
		if l.Len() != len(model) {
			t.Fatalf("op %d: %d entries, want %d", i, l.Len(), len(model))
		}
	}
	var got []int
	l.All(func(k int, v *int) {
		got = append(got, k)
		if *v != model[k] {
			t.Errorf("%d = %d, want %d", k, *v, model[k])
		}
	})
	if fmt.Sprint(got) != fmt.Sprint(order) || l.evicted != evicted {
		t.Errorf("order %v\nwant  %v; %d evicted, want %d", got, order, l.evicted, evicted)
	}
	if k, _, ok := l.Oldest(); ok && k != order[0] {
		t.Errorf("oldest %d, want %d", k, order[0])
	}
}
