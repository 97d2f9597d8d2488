package result

import (
	"cmp"
	"slices"
)

// Candidate is a finding not yet listed, with what ranks it among the
// findings of its type: the larger Rank first, then the smaller Order.
type Candidate struct {
	Rank     float64
	Order    int
	Evidence Evidence
	Make     func(ev Evidence) Finding
}

// EmitTop adds the max most significant candidates (each made from its
// evidence), then, when there were more, one finding made by rest from
// their number and merged evidence: a hostile capture cannot make a
// module's list of findings of one type grow without bound.
func EmitTop(cands []Candidate, max int, add func(Finding), rest func(n int, ev Evidence) Finding) {
	slices.SortStableFunc(cands, func(a, b Candidate) int {
		if a.Rank != b.Rank {
			return cmp.Compare(b.Rank, a.Rank)
		}
		return cmp.Compare(a.Order, b.Order)
	})
	var restEv Evidence
	for i, c := range cands {
		if i < max {
			add(c.Make(c.Evidence))
			continue
		}
		restEv.Merge(c.Evidence)
	}
	if n := len(cands) - max; n > 0 {
		add(rest(n, restEv))
	}
}
