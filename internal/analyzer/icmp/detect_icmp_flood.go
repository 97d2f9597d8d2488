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
		return &floodDetector{min: th.Int(floodMinPackets), ev: map[int]*result.Evidence{}}
	},
}

type floodDetector struct {
	min   int
	pairs []flood                  // by the index of the observer's tracked pairs, so at most maxTracked
	ev    map[int]*result.Evidence // by pair index, for the pairs that reached min
}

// flood counts a host pair's echo requests per second of capture time.
type flood struct {
	sec         int64 // the second being counted (Unix)
	count, peak int32 // requests in that second; most in any second
}

// Observe counts an echo request in its pair's current second.
func (d *floodDetector) Observe(e *event) {
	if e.pair == nil || !isEchoRequest(e.msg.v6, e.msg.typ) {
		return
	}
	for len(d.pairs) <= e.pair.n {
		d.pairs = append(d.pairs, flood{})
	}
	f := &d.pairs[e.pair.n]
	if sec := e.p.Timestamp.Unix(); sec != f.sec {
		f.sec, f.count = sec, 0
	}
	f.count++
	f.peak = max(f.peak, f.count)
	if int(f.count) >= d.min {
		addEvidence(d.ev, e.pair.n, e.p.Number)
	}
}

// Conclude reports the flooding pairs, the highest rate first (then in the
// order the pairs appeared).
func (d *floodDetector) Conclude(o *observer, add func(result.Finding)) {
	var top topFindings
	for i := range d.pairs {
		if f, ps := &d.pairs[i], o.pairOrder[i]; int(f.peak) >= d.min {
			peak := int(f.peak)
			top.offer(candidate{rank: float64(peak), order: int64(i), ev: *d.ev[i], make: func(ev result.Evidence) result.Finding {
				return result.NewFinding(AnomalyFlood, result.High,
					fmt.Sprintf("ICMP flood: %s sent %d echo requests to %s within one second", ps.key.src, peak, ps.key.dst),
					ev, map[string]any{"source": ps.key.src.String(), "destination": ps.key.dst.String(), "peak_per_second": peak, "requests": ps.sent})
			}})
		}
	}
	top.conclude(add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyFlood, result.High,
			fmt.Sprintf("%s more host pairs flooded (%d or more echo requests within one second; not listed one by one)", commas(n), d.min),
			ev, map[string]any{"pairs_not_listed": n})
	})
}
