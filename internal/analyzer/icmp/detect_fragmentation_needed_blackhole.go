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
	min   int
	flows map[pairKey]*result.Evidence // messages per quoted source and destination, at most maxTracked
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
		if len(d.flows) >= maxTracked {
			return
		}
		ev = &result.Evidence{}
		d.flows[k] = ev
	}
	ev.Add(e.p.Number)
}

// Conclude reports each flow with enough messages, in address order.
func (d *blackholeDetector) Conclude(_ *observer, add func(result.Finding)) {
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
	for _, k := range keys {
		ev := d.flows[k]
		add(result.NewFinding(AnomalyBlackhole, result.Medium,
			fmt.Sprintf("%d fragmentation-needed / packet-too-big messages about %s -> %s: the sender keeps sending packets too big for the path, so path MTU discovery is not taking effect (the ICMP is filtered before the sender, or ignored)", ev.Total(), k.src, k.dst),
			*ev, map[string]any{"source": k.src.String(), "destination": k.dst.String(), "messages": ev.Total()}))
	}
}
