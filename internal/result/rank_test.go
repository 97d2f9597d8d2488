package result

import (
	"fmt"
	"testing"
)

// TestEmitTop: the most significant candidates first (rank, then order),
// at most max of them, the rest folded into one with their evidence.
func TestEmitTop(t *testing.T) {
	var cands []Candidate
	for i, rank := range []float64{1, 5, 3, 5, 2} {
		ev := Evidence{}
		ev.Add(10 + i)
		cands = append(cands, Candidate{Rank: rank, Order: i, Evidence: ev, Make: func(ev Evidence) Finding {
			return NewFinding("x", Low, fmt.Sprint(i), ev, nil)
		}})
	}
	var got []string
	EmitTop(cands, 3, func(f Finding) { got = append(got, f.Summary+fmt.Sprint(f.EvidenceFrames)) }, func(n int, ev Evidence) Finding {
		return NewFinding("x", Low, fmt.Sprintf("%d more", n), ev, nil)
	})
	if want := "[1[11] 3[13] 2[12] 2 more[10 14]]"; fmt.Sprint(got) != want {
		t.Errorf("EmitTop = %v, want %s", got, want)
	}
}

func TestHalveListAndHexCut(t *testing.T) {
	l := []int{1, 2, 3, 4, 5}
	var lens []int
	for HalveList(&l) {
		lens = append(lens, len(l))
	}
	if fmt.Sprint(lens) != "[2 1 0]" {
		t.Errorf("HalveList lengths %v", lens)
	}
	if got := HexCut([]byte{0xde, 0xad, 0xbe, 0xef}, 2); got != "dead…" {
		t.Errorf("HexCut = %q", got)
	}
	if got := HexCut([]byte{1, 2}, 2); got != "0102" {
		t.Errorf("HexCut = %q", got)
	}
}
