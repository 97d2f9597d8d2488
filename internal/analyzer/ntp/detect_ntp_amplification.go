package ntp

import (
	"fmt"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyAmplification is NTP reflection: servers sending a host far more
// bytes of mode 6 (control) or mode 7 (private, above all monlist)
// responses than it sent requests, as when an attacker spoofs the
// victim's address in small queries.
const AnomalyAmplification = "ntp_amplification"

var (
	ampMinBytes = analyzer.Param{Name: "amp_min_bytes", Default: 20000, Unit: "bytes", Help: "bytes of mode 6/7 responses one destination receives", Min: 1, Max: 1e12, Integer: true}
	ampMinRatio = analyzer.Param{Name: "amp_min_ratio", Default: 10, Unit: "times", Help: "response bytes over the bytes of mode 6/7 requests the destination sent itself", Min: 1, Max: 1e6}
)

var amplification = analyzer.Detector[*event, *observer]{
	Type:   AnomalyAmplification,
	Params: []analyzer.Param{ampMinBytes, ampMinRatio},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &ampDetector{minBytes: th.Get(ampMinBytes), minRatio: th.Get(ampMinRatio), hosts: map[netip.Addr]*ampHost{}}
	},
}

type ampDetector struct {
	minBytes, minRatio float64
	hosts              map[netip.Addr]*ampHost // at most lim.victims
	refused            int
}

// ampHost is what one address sent and received in modes 6 and 7.
type ampHost struct {
	order                int
	reqBytes, respBytes  int
	respPackets, monlist int
	servers              hostSet
	ev                   result.Evidence
}

func (d *ampDetector) host(a netip.Addr, bound int) *ampHost {
	h := d.hosts[a]
	if h == nil {
		if len(d.hosts) >= bound {
			d.refused++
			return nil
		}
		h = &ampHost{order: len(d.hosts)}
		d.hosts[a] = h
	}
	return h
}

// Observe counts mode 6 and 7 requests by their sender and responses by
// their destination.
func (d *ampDetector) Observe(e *event) {
	m := e.m
	if m.size == 0 || m.mode != ModeControl && m.mode != ModePrivate || e.malformed != nil && e.malformed != errControlCount && e.malformed != errPrivateItems {
		return
	}
	switch {
	case m.isRequest():
		if h := d.host(e.src.Addr(), e.lim.victims); h != nil {
			h.reqBytes += m.size
		}
	case m.isResponse():
		h := d.host(e.dst.Addr(), e.lim.victims)
		if h == nil {
			return
		}
		h.respBytes += m.size
		h.respPackets++
		if m.mode == ModePrivate && isMonlist(m.priv.reqcode) {
			h.monlist++
		}
		h.servers.add(e.src.Addr())
		h.ev.Add(e.p.Number)
	}
}

// Conclude reports each destination that received at least amp_min_bytes
// of responses, amp_min_ratio times what it asked for.
func (d *ampDetector) Conclude(o *observer, add func(result.Finding)) {
	var cs []result.Candidate
	for a, h := range d.hosts {
		if float64(h.respBytes) < d.minBytes || float64(h.respBytes) < d.minRatio*float64(h.reqBytes) {
			continue
		}
		cs = append(cs, result.Candidate{Rank: float64(h.respBytes), Order: h.order, Evidence: h.ev, Make: func(result.Evidence) result.Finding {
			details := map[string]any{
				"victim": result.Addr(a), "response_bytes": h.respBytes, "response_packets": h.respPackets, "request_bytes": h.reqBytes,
				"monlist_responses": h.monlist, "servers": h.servers.list(), "servers_total": h.servers.n, "amplification": nil,
			}
			factor := "it sent no requests"
			if h.reqBytes > 0 {
				r := round3(float64(h.respBytes) / float64(h.reqBytes))
				details["amplification"] = r
				factor = fmt.Sprintf("%.1f times the %d bytes of requests it sent", r, h.reqBytes)
			}
			return result.NewFinding(AnomalyAmplification, result.High,
				fmt.Sprintf("%s received %d bytes of NTP mode 6/7 responses (%d monlist) from %d server(s), %s: NTP reflection/amplification",
					result.Addr(a), h.respBytes, h.monlist, h.servers.n, factor), h.ev, details)
		}})
	}
	result.AddTop(cs, maxFindings, add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyAmplification, result.High, fmt.Sprintf("%d more destination(s) received amplified NTP mode 6/7 responses", n), ev, map[string]any{"victims": n})
	})
	if d.refused > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("%s: addresses past the first %d were not tracked (state budget, --max-state-bytes); %d of their mode 6/7 messages were not counted", AnomalyAmplification, len(d.hosts), d.refused))
	}
}
