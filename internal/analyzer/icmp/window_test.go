package icmp

import "testing"

// TestWindow pushes and expires in the pattern of a long flood: the window
// keeps order across compactions, and its backing array stays near its
// largest length instead of growing with every event pushed.
func TestWindow(t *testing.T) {
	var w window[int]
	next := 0 // the value the front must hold
	for i := range 100000 {
		w.push(i)
		for w.len() > 50 {
			if w.front() != next {
				t.Fatalf("after push %d: front %d, want %d", i, w.front(), next)
			}
			w.popFront()
			next++
		}
	}
	if w.len() != 50 || w.front() != 100000-50 {
		t.Errorf("len %d, front %d", w.len(), w.front())
	}
	if cap(w.items) > 256 {
		t.Errorf("backing array of %d for a window of 50", cap(w.items))
	}
}
