package tcp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyHalfOpen is the finding of a server port left with many half-open
// connections: SYN-ACKs that were never acknowledged.
const AnomalyHalfOpen = "half_open_connections"

// Thresholds of half_open_connections.
var halfOpenMin = analyzer.Param{Name: "half_open_min", Default: 10, Unit: "connections",
	Help: "connections to one server port left half open (SYN-ACK never acknowledged)", Min: 1, Max: 1e6, Integer: true}

var halfOpenConnections = analyzer.Detector[event, *results]{
	Type:   AnomalyHalfOpen,
	Params: []analyzer.Param{halfOpenMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[event, *results] {
		minHalfOpen := th.Int(halfOpenMin)
		return analyzer.Concluder[event, *results](func(r *results, add func(result.Finding)) {
			halfOpenServers(r, minHalfOpen, add)
		})
	},
}

// halfOpenServers finds servers with at least minHalfOpen connections whose
// SYN-ACK was never acknowledged.
func halfOpenServers(r *results, minHalfOpen int, add func(result.Finding)) {
	n := 0
	for _, s := range r.attempts() {
		if s.halfOpen < minHalfOpen {
			continue
		}
		if n++; n > maxPerType {
			continue
		}
		add(result.NewFinding(AnomalyHalfOpen, result.Medium,
			fmt.Sprintf("%s answered %d SYNs with SYN-ACKs that were never acknowledged: half-open connections (spoofed SYNs, a SYN flood, or a client-side path problem)", s.server, s.halfOpen),
			s.halfEv, map[string]any{"server": s.server.String(), "half_open": s.halfOpen, "attempts": s.attempts, "clients": len(s.clients)}))
	}
}
