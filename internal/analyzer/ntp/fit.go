package ntp

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/mcpacket/mcpacket/internal/result"
)

// fit cuts the lists of a response over ResponseBudget, the detail first:
// the packets, then the servers, each by half a round; the statistics and
// findings stay. The packets of a caller who set limit are not cut, and
// come on top of the budget.
func fit(out *Output, limitSet bool) {
	budget := ResponseBudget
	if limitSet {
		b, _ := json.Marshal(out.Packets)
		budget += len(b)
	}
	result.FitBudget(out, budget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, limitSet) },
		func() bool { return halve(&out.Servers) },
		func() bool { return cutFindingDetails(out) },
	)
}

// halve cuts a list whose total is beside it to half, down to none.
func halve[T any](items *[]T) bool {
	if len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

// cutFindingDetails drops the address lists of the findings (their
// totals stay), the last thing to go. It gives out new findings with new
// details rather than change them: the findings of a cached pass serve
// later calls.
func cutFindingDetails(out *Output) bool {
	fs := slices.Clone(out.Anomalies)
	cut := false
	for i := range fs {
		cloned := false
		for _, k := range []string{"servers", "clients"} {
			if l, ok := fs[i].Details[k].([]string); ok && len(l) > 1 {
				if !cloned {
					fs[i].Details, cloned = maps.Clone(fs[i].Details), true
				}
				fs[i].Details[k] = l[:1]
				cut = true
			}
		}
	}
	if cut {
		out.Anomalies = fs
	}
	return cut
}
