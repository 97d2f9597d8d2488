package icmp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyFlood is one source sending echo requests to one host at a
// denial-of-service rate.
const AnomalyFlood = "icmp_flood"

var floodMinPackets = analyzer.Param{Name: "flood_min_packets", Default: 200, Unit: "requests",
	Help: "echo requests from one source to one destination within one second", Min: 1, Max: 1000000, Integer: true}

var icmpFlood = analyzer.Detector[*event, *observer]{
	Type:   AnomalyFlood,
	Params: []analyzer.Param{floodMinPackets},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &floodDetector{min: th.Int(floodMinPackets), pairs: map[*pairStat]*flood{}}
	},
}

type floodDetector struct {
	min   int
	pairs map[*pairStat]*flood // the observer's tracked pairs, so at most maxTracked
}

// flood counts a host pair's echo requests per second of capture time.
type flood struct {
	sec         int64 // the second being counted (Unix)
	count, peak int   // requests in that second; most in any second
	ev          result.Evidence
}

// Observe counts an echo request in its pair's current second.
func (d *floodDetector) Observe(e *event) {
	if e.pair == nil || !isEchoRequest(e.msg.v6, e.msg.typ) {
		return
	}
	f := d.pairs[e.pair]
	if f == nil {
		f = &flood{}
		d.pairs[e.pair] = f
	}
	if sec := e.p.Timestamp.Unix(); sec != f.sec {
		f.sec, f.count = sec, 0
	}
	f.count++
	f.peak = max(f.peak, f.count)
	if f.count >= d.min {
		f.ev.Add(e.p.Number)
	}
}

// Conclude reports each flooding pair, in the order the pairs appeared.
func (d *floodDetector) Conclude(o *observer, add func(result.Finding)) {
	for _, ps := range o.pairOrder {
		if f := d.pairs[ps]; f != nil && f.peak >= d.min {
			add(result.NewFinding(AnomalyFlood, result.High,
				fmt.Sprintf("ICMP flood: %s sent %d echo requests to %s within one second", ps.key.src, f.peak, ps.key.dst),
				f.ev, map[string]any{"source": ps.key.src.String(), "destination": ps.key.dst.String(), "peak_per_second": f.peak, "requests": ps.sent}))
		}
	}
}
