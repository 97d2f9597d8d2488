package icmp

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Anomaly types.
const (
	AnomalyPingSweep   = "ping_sweep"
	AnomalyFlood       = "icmp_flood"
	AnomalyTunneling   = "icmp_tunneling_suspected"
	AnomalyRedirect    = "icmp_redirect"
	AnomalyUnreachable = "unreachable_storm"
	AnomalyBlackhole   = "fragmentation_needed_blackhole"
	AnomalyMalformed   = "malformed_icmp"
)

func (o *observer) anomalies() []Anomaly {
	th := o.cfg.th
	out := []Anomaly{}
	add := func(typ, sev, summary string, ev modkit.Evidence, details map[string]any) {
		out = append(out, Anomaly{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: ev.Frames(), EvidenceFramesTotal: ev.Total(), Details: details})
	}
	srcs := make([]netip.Addr, 0, len(o.sweeps))
	for a := range o.sweeps {
		srcs = append(srcs, a)
	}
	slices.SortFunc(srcs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range srcs {
		s := o.sweeps[a]
		if s.peak >= th.SweepMinTargets {
			add(AnomalyPingSweep, "medium",
				fmt.Sprintf("%s sent echo requests to %d distinct hosts within %.0f s: a ping sweep (host discovery)", a, s.peak, th.SweepWindowSeconds),
				s.ev, map[string]any{"source": a.String(), "peak_targets": s.peak, "window_seconds": th.SweepWindowSeconds})
		}
	}
	for _, ps := range o.pairOrder {
		if ps.floodPeak >= th.FloodMinPackets {
			add(AnomalyFlood, "high",
				fmt.Sprintf("ICMP flood: %s sent %d echo requests to %s within one second", ps.key.src, ps.floodPeak, ps.key.dst),
				ps.flood, map[string]any{"source": ps.key.src.String(), "destination": ps.key.dst.String(), "peak_per_second": ps.floodPeak, "requests": ps.sent})
		}
		if ps.tunnel.Total() >= th.TunnelMinPackets {
			add(AnomalyTunneling, "high",
				fmt.Sprintf("%d echo messages between %s and %s carry large (%d+ bytes) or random-looking payloads: possible ICMP tunnel (ptunnel, icmpsh) or covert channel", ps.tunnel.Total(), ps.key.src, ps.key.dst, th.TunnelMinPayload),
				ps.tunnel, map[string]any{"source": ps.key.src.String(), "destination": ps.key.dst.String(), "suspicious_payloads": ps.tunnel.Total()})
		}
	}
	if o.redirects.Total() > 0 {
		add(AnomalyRedirect, "medium",
			fmt.Sprintf("%d ICMP redirect(s): a router, or an attacker, told hosts to send traffic through another gateway", o.redirects.Total()),
			o.redirects, map[string]any{"redirects": o.redirects.Total(), "gateways": o.redirTo})
	}
	if o.unPeak >= th.UnreachableStormMin {
		add(AnomalyUnreachable, "medium",
			fmt.Sprintf("%d destination unreachable messages within %.0f s: a scan answered by closed ports, a routing failure, or a reflection attack", o.unPeak, th.UnreachableStormWindow),
			o.unEv, map[string]any{"peak": o.unPeak, "window_seconds": th.UnreachableStormWindow, "unreachable_hosts": len(o.unreach.set)})
	}
	keys := make([]pairKey, 0, len(o.fragNeed))
	for k, e := range o.fragNeed {
		if e.Total() >= th.BlackholeMin {
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
		e := o.fragNeed[k]
		add(AnomalyBlackhole, "medium",
			fmt.Sprintf("%d fragmentation-needed / packet-too-big messages about %s -> %s: the sender keeps sending packets too big for the path, so path MTU discovery is not taking effect (the ICMP is filtered before the sender, or ignored)", e.Total(), k.src, k.dst),
			*e, map[string]any{"source": k.src.String(), "destination": k.dst.String(), "messages": e.Total()})
	}
	if o.malformed > 0 {
		add(AnomalyMalformed, "low", fmt.Sprintf("%d malformed ICMP message(s); the first: %s", o.malformed, o.malformedWhy), o.malformedEv, map[string]any{"messages": o.malformed})
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	return out
}
