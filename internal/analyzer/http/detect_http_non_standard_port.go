package http

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyNonStandardPort is the finding type of the port detector.
const AnomalyNonStandardPort = "http_non_standard_port"

var nonStdMin = analyzer.Param{Name: "non_standard_port_min", Default: 1, Unit: "transactions",
	Help: "transactions with one server on a port other than 80, 8080, 8000, 8008, 8088, 3128, 8888", Min: 1, Max: 1e9, Integer: true}

// nonStandardPort reports servers speaking HTTP on unusual ports, as
// backdoors, tunnels and C2 often do; internal services do too, so it is
// low.
var nonStandardPort = analyzer.Detector[*event, *observer]{
	Type:   AnomalyNonStandardPort,
	Params: []analyzer.Param{nonStdMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &portUnit{min: th.Int(nonStdMin), servers: map[netip.AddrPort]*portSeen{}}
	},
}

type portSeen struct {
	ev      result.Evidence
	proto   string
	example string
}

type portUnit struct {
	min     int
	servers map[netip.AddrPort]*portSeen
}

func (u *portUnit) Observe(e *event) {
	t := e.t
	if t == nil || nonStandardPortOK(t.server.Port()) {
		return
	}
	s := u.servers[t.server]
	if s == nil {
		if len(u.servers) >= 1000 {
			return
		}
		s = &portSeen{proto: t.rec.Protocol, example: t.rec.Method + " " + t.rec.URI}
		u.servers[t.server] = s
	}
	s.ev.Add(max(t.rec.RequestFrame, t.rec.ResponseFrame))
}

func (u *portUnit) Conclude(_ *observer, add func(result.Finding)) {
	for _, k := range slices.SortedFunc(maps.Keys(u.servers), netip.AddrPort.Compare) {
		s := u.servers[k]
		if s.ev.Total() < u.min {
			continue
		}
		add(result.NewFinding(AnomalyNonStandardPort, result.Low,
			fmt.Sprintf("%d %s transaction(s) with %s on TCP port %d", s.ev.Total(), s.proto, k.Addr(), k.Port()),
			s.ev, map[string]any{"server": k.String(), "port": k.Port(), "transactions": s.ev.Total(), "example": s.example}))
	}
}
