package result

import (
	"fmt"
	"testing"
)

// TestAddTop checks that the most significant candidates are listed in
// rank order (ties in order), and the rest folded into one finding with
// their count and merged evidence.
func TestAddTop(t *testing.T) {
	var cs []Candidate
	for i, rank := range []float64{3, 9, 1, 9, 5, 2} {
		var ev Evidence
		ev.Add(100 + i)
		cs = append(cs, Candidate{Rank: rank, Order: i, Evidence: ev, Make: func(Evidence) Finding {
			return NewFinding("t", Low, fmt.Sprint(i), ev, nil)
		}})
	}
	var got []string
	AddTop(cs, 3, func(f Finding) { got = append(got, f.Summary+fmt.Sprint(f.EvidenceFrames)) }, func(n int, ev Evidence) Finding {
		return NewFinding("t", Low, fmt.Sprintf("%d more", n), ev, nil)
	})
	if want := "[1[101] 3[103] 4[104] 3 more[100 102 105]]"; fmt.Sprint(got) != want {
		t.Errorf("AddTop = %v, want %s", got, want)
	}
	got = nil // cs is sorted now: its first two are 1 and 3; with room for both, nothing is folded
	AddTop(cs[:2], 3, func(f Finding) { got = append(got, f.Summary) }, nil)
	if fmt.Sprint(got) != "[1 3]" {
		t.Errorf("AddTop of 2 = %v", got)
	}
}
