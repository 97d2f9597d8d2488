package icmp

import (
	"fmt"
	"sort"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyBlackhole is a flow that keeps drawing fragmentation-needed or
// packet-too-big messages: path MTU discovery is not taking effect.
const AnomalyBlackhole = "fragmentation_needed_blackhole"

var blackholeMin = analyzer.Param{Name: "blackhole_min", Default: 3, Unit: "messages",
	Help: "fragmentation-needed / packet-too-big messages about one flow", Min: 1, Max: 1000000, Integer: true}

var fragmentationNeededBlackhole = analyzer.Detector[*event, *observer]{
	Type:   AnomalyBlackhole,
	Params: []analyzer.Param{blackholeMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &blackholeDetector{min: th.Int(blackholeMin), flows: map[pairKey]*result.Evidence{}}
	},
}

type blackholeDetector struct {
	min     int
	flows   map[pairKey]*result.Evidence // messages per quoted source and destination, at most lim.flows
	refused int                          // messages about flows past the bound
}

// Observe counts a fragmentation-needed / packet-too-big message against
// the flow it quotes.
func (d *blackholeDetector) Observe(e *event) {
	if !e.quoted || !isFragNeeded(e.msg.v6, e.msg.typ, e.msg.code) {
		return
	}
	k := pairKey{e.quote.Src, e.quote.Dst}
	ev := d.flows[k]
	if ev == nil {
		if len(d.flows) >= e.lim.flows {
			d.refused++
			return
		}
		ev = &result.Evidence{}
		d.flows[k] = ev
	}
	ev.Add(e.p.Number)
}

// Conclude reports the flows with enough messages, the most messages
// first (then in address order).
func (d *blackholeDetector) Conclude(o *observer, add func(result.Finding)) {
	if d.refused > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("fragmentation_needed_blackhole: %s fragmentation-needed / packet-too-big messages about flows past the first %s were not counted per flow (state budget, --max-state-bytes)",
			commas(d.refused), commas(len(d.flows))))
	}
	keys := make([]pairKey, 0, len(d.flows))
	for k, ev := range d.flows {
		if ev.Total() >= d.min {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].src != keys[j].src {
			return keys[i].src.Less(keys[j].src)
		}
		return keys[i].dst.Less(keys[j].dst)
	})
	var top topFindings
	for i, k := range keys {
		ev := d.flows[k]
		top.offer(candidate{rank: float64(ev.Total()), order: int64(i), ev: *ev, make: func(ev result.Evidence) result.Finding {
			return result.NewFinding(AnomalyBlackhole, result.Medium,
				fmt.Sprintf("%d fragmentation-needed / packet-too-big messages about %s -> %s: the sender keeps sending packets too big for the path, so path MTU discovery is not taking effect (the ICMP is filtered before the sender, or ignored)", ev.Total(), k.src, k.dst),
				ev, map[string]any{"source": k.src.String(), "destination": k.dst.String(), "messages": ev.Total()})
		}})
	}
	top.conclude(add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyBlackhole, result.Medium,
			fmt.Sprintf("%s more flows drew %d or more fragmentation-needed / packet-too-big messages each (%s messages; not listed one by one)", commas(n), d.min, commas(ev.Total())),
			ev, map[string]any{"flows_not_listed": n, "messages": ev.Total()})
	})
}
