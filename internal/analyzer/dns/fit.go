package dns

import (
	"fmt"
	"slices"

	"github.com/mcpacket/mcpacket/internal/result"
)

// fitBudget shrinks what the caller did not size until the JSON fits
// ResponseBudget, spending it on the summary and the findings first: the
// default-sized pages of messages and transactions are halved first, then
// the servers, the top lists and the first names, then the records listed
// per message, and last the findings of a type that has many.
func fitBudget(out *Output, cfg *config) {
	var cutFindings map[string]int // findings left out, by type
	warnings := len(out.Warnings)
	result.FitBudget(out, ResponseBudget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, cfg.limitSet) },
		func() bool { return result.Halve(&out.Transactions, &out.TxPage, cfg.txSet) },
		func() bool { return halve(&out.Servers) },
		func() bool {
			cut := false
			for _, l := range []*result.TopList{&out.Top.Names, &out.Top.RegisteredDomains, &out.Top.Clients, &out.Top.Servers, &out.Top.QTypes} {
				cut = halve(&l.Items) || cut
			}
			return cut
		},
		func() bool { return halve(&out.Statistics.UniqueDomains) },
		func() bool {
			if cfg.limitSet {
				return false
			}
			most := 0
			for _, p := range out.Packets {
				most = max(most, len(p.Answers), len(p.Authorities), len(p.Additionals))
			}
			cut := false
			for i := range out.Packets {
				cut = cutRecords(&out.Packets[i], most/2) || cut
			}
			return cut
		},
		func() bool {
			if cutFindings == nil {
				cutFindings = map[string]int{}
			}
			if !cutAnomalies(out, cutFindings) {
				return false
			}
			out.Warnings = out.Warnings[:warnings]
			types := make([]string, 0, len(cutFindings))
			for t := range cutFindings {
				types = append(types, t)
			}
			slices.Sort(types)
			for _, t := range types {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s more %s findings (and the examples of the rest) left out to keep the response under %d KiB",
					num(cutFindings[t]), t, ResponseBudget>>10))
			}
			return true
		})
}

// halve cuts a list that a count beside it totals to half its length.
func halve[T any](items *[]T) bool {
	if len(*items) <= 1 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

// cutAnomalies shortens the findings: first each one's examples, then
// the findings of the type that has the most, halved (the first kept),
// counting what it left out in cut.
func cutAnomalies(out *Output, cut map[string]int) bool {
	examples := false
	for _, f := range out.Anomalies {
		if ex, ok := f.Details["examples"].([]string); ok && len(ex) > 1 {
			f.Details["examples"] = ex[:1]
			examples = true
		}
	}
	if examples {
		return true
	}
	count := map[string]int{}
	top := ""
	for _, f := range out.Anomalies {
		count[f.Type]++
		if count[f.Type] > count[top] {
			top = f.Type
		}
	}
	if count[top] <= 1 {
		return false
	}
	keep, seen := count[top]/2, 0
	kept := out.Anomalies[:0]
	for _, f := range out.Anomalies {
		if f.Type == top {
			if seen++; seen > keep {
				continue
			}
		}
		kept = append(kept, f)
	}
	cut[top] += count[top] - keep
	out.Anomalies = kept
	return true
}
