package ntp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnsynchronized is a server answering clients while it has no
// time to give: leap indicator 3 (alarm), stratum 16, or stratum 0
// without a kiss-o'-death code (INIT, STEP, or nothing). Its clients must
// discard the answers (RFC 5905 §8), so they get no time from it.
const AnomalyUnsynchronized = "ntp_unsynchronized_server"

var unsyncMin = analyzer.Param{Name: "unsync_min_responses", Default: 1, Unit: "responses", Help: "responses from one server while unsynchronized", Min: 1, Max: 1e9, Integer: true}

var unsynchronized = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnsynchronized,
	Params: []analyzer.Param{unsyncMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &unsyncDetector{min: th.Int(unsyncMin)}
	},
}

type unsyncDetector struct {
	min     int
	servers servers
}

// Observe notes a server response from an unsynchronized server.
func (d *unsyncDetector) Observe(e *event) {
	m := e.m
	if e.malformed != nil || !m.hasHeader || m.mode != ModeServer {
		return
	}
	why := ""
	switch st := m.hdr.Stratum; {
	case st == 0:
		text, _ := refID(0, uint32(m.hdr.ReferenceID))
		if isKiss(string(text)) {
			return // ntp_kiss_of_death's
		}
		why = "stratum 0"
		if len(text) > 0 {
			why += " (" + result.TextBytes(text, 8) + ")"
		}
	case st >= 16:
		why = fmt.Sprintf("stratum %d", st)
	case m.leap == 3:
		why = "leap indicator 3 (unsynchronized)"
	default:
		return
	}
	d.servers.note(e.src.Addr(), e.dst.Addr(), why, e.p.Number, e.lim.detServers)
}

// Conclude reports each server that answered unsync_min_responses times
// while unsynchronized.
func (d *unsyncDetector) Conclude(o *observer, add func(result.Finding)) {
	d.servers.conclude(o, AnomalyUnsynchronized, d.min, add, func(a netip.Addr, ps *perServer) result.Finding {
		return result.NewFinding(AnomalyUnsynchronized, result.Medium,
			fmt.Sprintf("server %s answered %d request(s) from %d client(s) while unsynchronized (%s): the clients get no usable time from it", result.Addr(a), ps.n, ps.clients.n, counts(ps.why)),
			ps.ev, map[string]any{"server": result.Addr(a), "responses": ps.n, "reasons": ps.why, "clients": ps.clients.list(), "clients_total": ps.clients.n})
	}, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyUnsynchronized, result.Medium, fmt.Sprintf("%d more unsynchronized server(s) answered clients", n), ev, map[string]any{"servers": n})
	})
}
