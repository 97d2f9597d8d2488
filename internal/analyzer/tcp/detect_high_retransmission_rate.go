package tcp

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyRetrans is the finding of connections, or a capture, that
// retransmit a large share of their segments.
const AnomalyRetrans = "high_retransmission_rate"

// Thresholds of high_retransmission_rate.
var (
	retransMinRate = analyzer.Param{Name: "retrans_min_rate", Default: 0.05, Unit: "share",
		Help: "share of a connection's segments (or of all) that are retransmissions", Min: 0.001, Max: 1}
	retransMinPackets = analyzer.Param{Name: "retrans_min_packets", Default: 50, Unit: "segments",
		Help: "segments a connection needs before its rate counts", Min: 1, Max: 1e9, Integer: true}
)

var highRetransmissionRate = analyzer.Detector[event, *results]{
	Type:   AnomalyRetrans,
	Params: []analyzer.Param{retransMinRate, retransMinPackets},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minRate, minPackets := th.Get(retransMinRate), th.Int(retransMinPackets)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			retransmissionRate(r, minRate, minPackets, add)
		})
	},
}

// retransmissionRate flags connections of at least minPackets segments,
// and the capture, that retransmit at least minRate of their segments.
// Spurious retransmissions (of data already acknowledged) are not loss and
// do not count; they are reported beside.
func retransmissionRate(r *results, minRate float64, minPackets int, add func(result.Finding)) {
	type worst struct {
		v    *view
		rate float64
	}
	var bad []worst
	total, retrans, spurious := 0, 0, 0
	for _, v := range r.views {
		p, n := v.packets(), v.lossRetrans()
		total += p
		retrans += n
		spurious += v.retrans() - n
		if p >= minPackets && ratio(n, p) >= minRate {
			bad = append(bad, worst{v, ratio(n, p)})
		}
	}
	overall := ratio(retrans, total)
	if len(bad) == 0 && (total < minPackets || overall < minRate) {
		return
	}
	slices.SortStableFunc(bad, func(a, b worst) int { return cmp.Compare(b.rate, a.rate) })
	var ev result.Evidence
	streams := map[int]bool{}
	list := []map[string]any{}
	for i, w := range bad {
		streams[int(w.v.c.stream)] = true
		if i < 10 {
			list = append(list, map[string]any{"connection": w.v.label(), "stream": w.v.c.stream, "retransmissions": w.v.lossRetrans(),
				"packets": w.v.packets(), "rate": round3(w.rate)})
		}
	}
	// Evidence: the flagged connections' retransmissions, or with none
	// flagged (the capture as a whole is), every matching connection's.
	for _, e := range r.segments(func(e *event) bool {
		return e.flags&(aRetransmission|aFastRetransmission) != 0 && (len(bad) == 0 || streams[int(e.stream)])
	}) {
		ev.Add(int(e.frame))
	}
	summary := fmt.Sprintf("%d of %d segments (%s) are retransmissions overall", retrans, total, result.Percent(retrans, total))
	if spurious > 0 {
		summary += fmt.Sprintf(" (%d spurious not counted)", spurious)
	}
	if len(bad) > 0 {
		summary = fmt.Sprintf("%d connection(s) retransmit at least %s%% of their segments (worst %s: %d of %d, %s); %s", len(bad), strconv.FormatFloat(100*minRate, 'g', 4, 64), bad[0].v.label(),
			bad[0].v.lossRetrans(), bad[0].v.packets(), result.Percent(bad[0].v.lossRetrans(), bad[0].v.packets()), summary)
	}
	add(result.NewFinding(AnomalyRetrans, result.Medium, summary+": packet loss, congestion or a bad link on the path", ev,
		map[string]any{"overall_rate": round3(overall), "retransmissions": retrans, "spurious_retransmissions": spurious, "packets": total, "connections": list, "connections_over_threshold": len(bad)}))
}
