package dns

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyLargeResponse is the finding type of the large response detector.
const AnomalyLargeResponse = "large_response"

// The large response detector's thresholds.
var (
	largeResponseBytes = analyzer.Param{Name: "large_response_bytes", Default: 2048, Unit: "bytes",
		Help: "UDP response size counted as large", Min: 1, Max: 65535, Integer: true}
	largeResponseMin = analyzer.Param{Name: "large_response_min", Default: 5, Unit: "responses",
		Help: "large responses to one destination, unless unsolicited", Min: 1, Max: 1e6, Integer: true}
)

// largeResponse flags amplification-sized UDP responses: many to one
// destination (medium), or any with no query seen (high: reflection).
var largeResponse = analyzer.Detector[*event, *observer]{
	Type:   AnomalyLargeResponse,
	Params: []analyzer.Param{largeResponseBytes, largeResponseMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &largeUnit{bytes: th.Int(largeResponseBytes), min: th.Int(largeResponseMin), byDst: map[netip.Addr]*largeResponses{}}
	},
}

type largeUnit struct {
	bytes, min  int
	byDst       map[netip.Addr]*largeResponses // answers, by destination; at most the budget's largeDsts
	unsolicited largeResponses                 // with no query seen
}

// largeResponses are amplification-sized responses: their frames and the
// largest size.
type largeResponses struct {
	ev      result.Evidence
	largest int
}

func (l *largeResponses) add(md meta) {
	l.ev.Add(md.frame)
	l.largest = max(l.largest, md.size)
}

// Observe notes each large UDP response that answered a query, by its
// destination, and each with no query seen.
func (u *largeUnit) Observe(e *event) {
	if e.md.transport != "UDP" || e.md.size < u.bytes {
		return
	}
	switch {
	case e.unsolicited:
		u.unsolicited.add(e.md)
	case e.answered != nil:
		l := u.byDst[e.md.dst.Addr()]
		if l == nil {
			if len(u.byDst) >= e.budget.lim.largeDsts {
				e.budget.largeRefused++
				return
			}
			l = &largeResponses{}
			u.byDst[e.md.dst.Addr()] = l
		}
		l.add(e.md)
	}
}

// Conclude reports each destination past the threshold, in address order,
// then the unsolicited ones.
func (u *largeUnit) Conclude(_ *observer, add func(result.Finding)) {
	dsts := make([]netip.Addr, 0, len(u.byDst))
	for a, l := range u.byDst {
		if l.ev.Total() >= u.min {
			dsts = append(dsts, a)
		}
	}
	slices.SortFunc(dsts, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range dsts {
		l := u.byDst[a]
		add(result.NewFinding(AnomalyLargeResponse, result.Medium,
			fmt.Sprintf("%d UDP responses of %d bytes or more went to %s (largest %d): amplification-sized answers (ANY, DNSSEC, large TXT)", l.ev.Total(), u.bytes, a, l.largest),
			l.ev, map[string]any{"destination": a.String(), "responses": l.ev.Total(), "min_bytes": u.bytes, "largest_bytes": l.largest}))
	}
	if l := &u.unsolicited; l.ev.Total() > 0 {
		add(result.NewFinding(AnomalyLargeResponse, result.High,
			fmt.Sprintf("%d large UDP response(s) (%d bytes or more) with no query seen: the signature of DNS reflection/amplification aimed at their destination", l.ev.Total(), u.bytes),
			l.ev, map[string]any{"unsolicited": l.ev.Total(), "min_bytes": u.bytes, "largest_bytes": l.largest}))
	}
}
