package ntp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyKissOfDeath is a server telling clients to go away or slow down:
// a stratum-0 response whose reference id is the kiss code DENY, RSTR or
// RATE (RFC 5905 §7.4). Legitimate from an overloaded or restricted
// server; spoofed, it is an attack that stops a client's time sync.
const AnomalyKissOfDeath = "ntp_kiss_of_death"

var kodMin = analyzer.Param{Name: "kod_min_messages", Default: 1, Unit: "messages", Help: "kiss-o'-death responses from one server", Min: 1, Max: 1e9, Integer: true}

var kissOfDeath = analyzer.Detector[*event, *observer]{
	Type:   AnomalyKissOfDeath,
	Params: []analyzer.Param{kodMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &kodDetector{min: th.Int(kodMin)}
	},
}

type kodDetector struct {
	min     int
	servers servers
}

// Observe notes a kiss-o'-death.
func (d *kodDetector) Observe(e *event) {
	m := e.m
	if e.malformed != nil || !m.hasHeader || m.mode != ModeServer && m.mode != ModeSymmetricPassive || m.hdr.Stratum != 0 {
		return
	}
	text, _ := refID(0, uint32(m.hdr.ReferenceID))
	if !isKiss(string(text)) {
		return
	}
	d.servers.note(e.src.Addr(), e.dst.Addr(), string(text), e.p.Number, e.lim.detServers)
}

// Conclude reports each server that sent kod_min_messages kisses.
func (d *kodDetector) Conclude(o *observer, add func(result.Finding)) {
	d.servers.conclude(o, AnomalyKissOfDeath, d.min, add, func(a netip.Addr, ps *perServer) result.Finding {
		return result.NewFinding(AnomalyKissOfDeath, result.Medium,
			fmt.Sprintf("server %s sent %d kiss-o'-death response(s) (%s) to %d client(s): it denies or rate-limits them, and they stop or slow their time sync", result.Addr(a), ps.n, counts(ps.why), ps.clients.n),
			ps.ev, map[string]any{"server": result.Addr(a), "messages": ps.n, "codes": ps.why, "clients": ps.clients.list(), "clients_total": ps.clients.n})
	}, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyKissOfDeath, result.Medium, fmt.Sprintf("%d more server(s) sent kiss-o'-death responses", n), ev, map[string]any{"servers": n})
	})
}
