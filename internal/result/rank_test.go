package result

import (
	"fmt"
	"testing"
)

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
