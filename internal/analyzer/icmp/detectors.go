package icmp

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one per finding type, each in its
// file detect_<type>.go: their findings come out in this order within a
// severity, and their thresholds in this order in the input and output.
var detectors = analyzer.Detectors[*event, *observer]{
	pingSweep,
	icmpFlood,
	icmpTunneling,
	icmpRedirect,
	unreachableStorm,
	fragmentationNeededBlackhole,
	malformedMessage,
}

// maxFindings is how many findings of one type a result lists one by one
// (a sweep per source, a flood per host pair, ...); the rest are folded
// into one finding of the same type, so a hostile capture cannot make the
// anomalies list grow without bound.
const maxFindings = 5

// candidate is a finding not yet listed, with what ranks it among those of
// its type: the larger rank first, then the smaller order.
type candidate struct {
	rank  float64
	order int64
	ev    result.Evidence
	make  func(ev result.Evidence) result.Finding
}

// topFindings keeps the maxFindings most significant candidates of one
// type, folding the others into a count and their merged evidence.
type topFindings struct {
	keep   []candidate
	rest   int
	restEv result.Evidence
}

// offer adds c, folding the least significant past maxFindings.
func (t *topFindings) offer(c candidate) {
	t.keep = append(t.keep, c)
	slices.SortStableFunc(t.keep, func(a, b candidate) int {
		if a.rank != b.rank {
			return cmp.Compare(b.rank, a.rank)
		}
		return cmp.Compare(a.order, b.order)
	})
	if len(t.keep) > maxFindings {
		t.rest++
		t.restEv.Merge(t.keep[maxFindings].ev)
		t.keep = t.keep[:maxFindings]
	}
}

// conclude adds the kept findings, most significant first, then one that
// stands for the rest (made by rest from their count and evidence).
func (t *topFindings) conclude(add func(result.Finding), rest func(n int, ev result.Evidence) result.Finding) {
	for _, c := range t.keep {
		add(c.make(c.ev))
	}
	if t.rest > 0 {
		add(rest(t.rest, t.restEv))
	}
}

// commas writes n with thousands separators: 1234567 -> "1,234,567".
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
