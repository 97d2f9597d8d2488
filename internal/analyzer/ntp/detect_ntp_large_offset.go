package ntp

import (
	"fmt"
	"math"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyLargeOffset is a client whose clock is far from its server's:
// its offset (RFC 5905 §8, from the four timestamps of an exchange) is
// beyond offset_max_seconds in offset_min_exchanges exchanges that agree
// with each other (same sign, the largest at most twice the smallest).
// The agreement test keeps out clients that put a random transmit
// timestamp in their requests (chrony, SNTP data minimization): their
// "offsets" are random.
const AnomalyLargeOffset = "ntp_large_offset"

var (
	offsetMax          = analyzer.Param{Name: "offset_max_seconds", Default: 10, Unit: "seconds", Help: "a client's clock offset against its server counted as large", Min: 0.001, Max: 1e9}
	offsetMinExchanges = analyzer.Param{Name: "offset_min_exchanges", Default: 2, Unit: "exchanges", Help: "exchanges of one client with a large offset", Min: 1, Max: 1e6, Integer: true}
)

var largeOffset = analyzer.Detector[*event, *observer]{
	Type:   AnomalyLargeOffset,
	Params: []analyzer.Param{offsetMax, offsetMinExchanges},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &offsetDetector{max: th.Get(offsetMax), min: th.Int(offsetMinExchanges), clients: map[netip.Addr]*offsetClient{}}
	},
}

type offsetDetector struct {
	max     float64
	min     int
	clients map[netip.Addr]*offsetClient // clients with a large offset, at most lim.clients
	refused int
}

type offsetClient struct {
	order       int
	exchanges   int     // large-offset exchanges
	lo, hi      float64 // the smallest and largest |offset| seen, seconds
	pos, neg    int     // exchanges ahead of and behind the server
	worst       float64 // the offset of largest magnitude
	worstServer netip.Addr
	servers     hostSet
	ev          result.Evidence
}

// Observe notes an exchange with a large offset.
func (d *offsetDetector) Observe(e *event) {
	ex := e.ex
	if ex == nil || !ex.timed || math.Abs(ex.offset) < d.max {
		return
	}
	c := d.clients[ex.client]
	if c == nil {
		if len(d.clients) >= e.lim.clients {
			d.refused++
			return
		}
		c = &offsetClient{order: len(d.clients), lo: math.Inf(1)}
		d.clients[ex.client] = c
	}
	a := math.Abs(ex.offset)
	c.exchanges++
	c.lo, c.hi = min(c.lo, a), max(c.hi, a)
	if ex.offset > 0 {
		c.pos++
	} else {
		c.neg++
	}
	if a >= math.Abs(c.worst) {
		c.worst, c.worstServer = ex.offset, ex.server
	}
	c.servers.add(ex.server)
	c.ev.Add(e.p.Number)
}

// Conclude reports each client with offset_min_exchanges large offsets
// that agree.
func (d *offsetDetector) Conclude(o *observer, add func(result.Finding)) {
	var cs []result.Candidate
	for a, c := range d.clients {
		if c.exchanges < d.min || c.pos > 0 && c.neg > 0 || c.hi > 2*c.lo {
			continue
		}
		cs = append(cs, result.Candidate{Rank: c.hi, Order: c.order, Evidence: c.ev, Make: func(result.Evidence) result.Finding {
			// The offset is the server's time minus the client's: a positive
			// offset means the client is behind.
			dir := "ahead of"
			if c.worst > 0 {
				dir = "behind"
			}
			return result.NewFinding(AnomalyLargeOffset, result.Medium,
				fmt.Sprintf("client %s's clock is %s %s by up to %.3f s in %d exchange(s): it is not synchronized, or is being fed wrong time",
					result.Addr(a), dir, result.Addr(c.worstServer), math.Abs(c.worst), c.exchanges),
				c.ev, map[string]any{"client": result.Addr(a), "exchanges": c.exchanges, "max_offset_seconds": round3(c.worst),
					"min_abs_offset_seconds": round3(c.lo), "server": result.Addr(c.worstServer), "servers": c.servers.list()})
		}})
	}
	result.AddTop(cs, maxFindings, add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyLargeOffset, result.Medium, fmt.Sprintf("%d more client(s) with a large clock offset", n), ev, map[string]any{"clients": n})
	})
	if d.refused > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("%s: clients past the first %d were not tracked (state budget, --max-state-bytes); %d of their exchanges were not examined", AnomalyLargeOffset, len(d.clients), d.refused))
	}
}
