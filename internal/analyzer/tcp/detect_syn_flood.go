package tcp

import (
	"fmt"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalySynFlood is the finding of a server port flooded with SYNs that
// mostly never complete the handshake.
const AnomalySynFlood = "syn_flood"

// Thresholds of syn_flood.
var (
	synFloodMinSyns = analyzer.Param{Name: "syn_flood_min_syns", Default: 100, Unit: "attempts",
		Help: "connection attempts to one server port within one second", Min: 1, Max: 1e6, Integer: true}
	synFloodMaxCompletion = analyzer.Param{Name: "syn_flood_max_completion", Default: 0.2, Unit: "share",
		Help: "share of the server port's attempts that may complete the handshake", Min: 0, Max: 1}
)

var synFlood = analyzer.Detector[event, *results]{
	Type:   AnomalySynFlood,
	Params: []analyzer.Param{synFloodMinSyns, synFloodMaxCompletion},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minSyns, maxCompletion := th.Int(synFloodMinSyns), th.Get(synFloodMaxCompletion)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			synFloods(r, minSyns, maxCompletion, add)
		})
	},
}

// synFloods finds servers that received at least minSyns connection
// attempts within one second, at most maxCompletion of whose attempts
// completed the handshake.
func synFloods(r *results, minSyns int, maxCompletion float64, add func(result.Finding)) {
	n := 0
	for _, s := range r.attempts() {
		slices.Sort(s.syns)
		peak, j := 0, 0
		for i := range s.syns {
			for s.syns[i]-s.syns[j] >= 1e9 {
				j++
			}
			peak = max(peak, i-j+1)
		}
		if peak < minSyns || ratio(s.completed, s.attempts) > maxCompletion {
			continue
		}
		if n++; n > maxPerType {
			continue
		}
		add(result.NewFinding(AnomalySynFlood, result.High,
			fmt.Sprintf("SYN flood on %s: up to %d connection attempts per second from %d sources; %d of %d completed the handshake", s.server, peak, len(s.clients), s.completed, s.attempts),
			s.synEv, map[string]any{"server": s.server.String(), "peak_per_second": peak, "attempts": s.attempts, "completed": s.completed,
				"half_open": s.halfOpen, "sources": len(s.clients)}))
	}
}
