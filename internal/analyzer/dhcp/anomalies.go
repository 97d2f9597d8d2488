package dhcp

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Anomaly types.
const (
	AnomalyMultipleServers    = "multiple_dhcp_servers"
	AnomalyStarvation         = "dhcp_starvation"
	AnomalyDuplicateIP        = "duplicate_ip_assignment"
	AnomalyNakStorm           = "nak_storm"
	AnomalyDecline            = "address_conflict_decline"
	AnomalyChaddrMismatch     = "chaddr_mismatch"
	AnomalyUnansweredDiscover = "unanswered_discover"
	AnomalyMalformed          = "malformed_dhcp"
)

// anomalies runs the end-of-capture detectors and returns their findings,
// most severe first.
func (o *observer) anomalies() []Anomaly {
	var out []Anomaly
	add := func(typ, sev, summary string, frames []int, total int, details map[string]any) {
		if frames == nil {
			frames = []int{}
		}
		if len(frames) > modkit.MaxEvidence {
			frames = frames[:modkit.MaxEvidence]
		}
		out = append(out, Anomaly{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: frames, EvidenceFramesTotal: max(total, len(frames)), Details: details})
	}
	th := o.cfg.th

	// More than one server answering clients directly in one broadcast domain.
	for _, dk := range sortedDomains(o.domains) {
		d := o.domains[dk]
		if len(d) < 2 {
			continue
		}
		type entry struct {
			id      netip.Addr
			ds      *domainServer
			routers []string
			dns     []string
		}
		var es []entry
		for id, ds := range d {
			e := entry{id: id, ds: ds}
			if s := o.servers[id]; s != nil && len(s.configs) > 0 {
				main := s.configs[0]
				for _, c := range s.configs {
					if c.packets > main.packets {
						main = c
					}
				}
				e.routers, e.dns = main.routers, main.dns
			}
			es = append(es, e)
		}
		sort.Slice(es, func(i, j int) bool {
			if es[i].ds.replies != es[j].ds.replies {
				return es[i].ds.replies > es[j].ds.replies
			}
			return es[i].id.Less(es[j].id)
		})
		ref := es[0]
		var servers []map[string]any
		var frames []int
		var rogues []string
		for _, e := range es {
			differs := !slices.Equal(e.routers, ref.routers) || !slices.Equal(e.dns, ref.dns)
			if differs {
				rogues = append(rogues, e.id.String())
			}
			servers = append(servers, map[string]any{
				"server_id": e.id.String(), "replies": e.ds.replies, "first_packet": e.ds.firstFrame,
				"routers": orEmpty(e.routers), "dns_servers": orEmpty(e.dns), "possible_rogue": differs,
			})
			frames = append(frames, e.ds.firstFrame)
		}
		slices.Sort(frames)
		sev, summary := "medium", fmt.Sprintf("%d DHCP servers answer clients directly in one broadcast domain (%s); they hand out the same router and DNS servers, which suggests redundant servers, but check that all are authorised", len(es), domainName(dk))
		if len(rogues) > 0 {
			sev = "high"
			summary = fmt.Sprintf("%d DHCP servers answer clients directly in one broadcast domain (%s); %s hand(s) out a different router or DNS servers than %s, the busiest: possible rogue DHCP server", len(es), domainName(dk), strings.Join(rogues, ", "), ref.id)
		}
		add(AnomalyMultipleServers, sev, summary, frames, len(frames), map[string]any{"broadcast_domain": domainDetails(dk), "servers": servers, "possible_rogue_servers": orEmpty(rogues)})
	}

	// Starvation: a burst of DISCOVERs from many MACs that mostly never
	// complete a lease.
	if o.burstPeak >= th.StarvationMinClients {
		completed := 0
		for k := range o.burstMACs {
			if c := o.clients[k]; c != nil && c.acks > 0 {
				completed++
			}
		}
		ratio := float64(completed) / float64(max(len(o.burstMACs), 1))
		if ratio <= th.StarvationMaxCompletion {
			add(AnomalyStarvation, "high",
				fmt.Sprintf("DHCP starvation: up to %d distinct client MACs sent DISCOVERs within %.0f s (%d MACs in the burst), and only %d of them (%.0f%%) completed a lease; spoofed MACs are exhausting the address pool",
					o.burstPeak, th.StarvationWindowSeconds, len(o.burstMACs), completed, 100*ratio),
				o.burstFrames.Frames(), o.burstFrames.Total(), map[string]any{
					"peak_distinct_macs": o.burstPeak, "burst_macs": len(o.burstMACs), "completed_leases": completed,
					"completion_ratio": round3(ratio), "burst_start": analyzer.FormatTime(o.burstStart), "burst_end": analyzer.FormatTime(o.burstEnd),
					"window_seconds": th.StarvationWindowSeconds,
				})
		}
	}

	// Duplicate assignments.
	if o.dupN > 0 {
		var frames []int
		var cases []map[string]any
		for _, d := range o.duplicates {
			frames = append(frames, d.frame1, d.frame2)
			cases = append(cases, map[string]any{"address": d.addr.String(), "first_client": d.first.String(), "first_ack_packet": d.frame1,
				"second_client": d.second.String(), "second_ack_packet": d.frame2, "at": analyzer.FormatTime(d.at)})
		}
		add(AnomalyDuplicateIP, "high",
			fmt.Sprintf("%d address(es) ACKed to a second client while another client's lease on it was still active (first: %s to %s and %s)",
				o.dupN, o.duplicates[0].addr, o.duplicates[0].first, o.duplicates[0].second),
			frames, 2*o.dupN, map[string]any{"count": o.dupN, "cases": cases})
	}

	// NAK storm.
	if o.nakPeak >= th.NakStormMin {
		add(AnomalyNakStorm, "medium",
			fmt.Sprintf("NAK storm: %d NAKs within %.0f s (%d in the capture); clients are being refused addresses they ask for (wrong subnet, stale leases, or a misconfigured or rogue server)", o.nakPeak, th.NakStormWindowSeconds, o.nakTotal),
			o.nakFrames.Frames(), o.nakFrames.Total(), map[string]any{"peak_naks": o.nakPeak, "total_naks": o.nakTotal, "peak_start": analyzer.FormatTime(o.nakPeakStart), "peak_end": analyzer.FormatTime(o.nakPeakEnd), "window_seconds": th.NakStormWindowSeconds})
	}

	// DECLINEs: clients found their offered address already in use.
	if o.declinesN >= th.DeclineMin {
		byAddr := map[string][]string{}
		var frames []int
		for _, d := range o.declines {
			frames = append(frames, d.frame)
			a := addrString(d.addr)
			if a == "" {
				a = "unknown"
			}
			byAddr[a] = append(byAddr[a], d.hw.String())
		}
		var addrs []map[string]any
		for _, a := range sortedKeys(byAddr) {
			addrs = append(addrs, map[string]any{"address": a, "declined_by": byAddr[a]})
		}
		add(AnomalyDecline, "medium",
			fmt.Sprintf("%d DECLINE(s): clients found the address they were given already in use on the network (a static address inside the pool, or two servers sharing a pool)", o.declinesN),
			frames, o.declinesN, map[string]any{"declines": o.declinesN, "addresses": addrs})
	}

	// chaddr differs from the link-layer source of a client's own message.
	if o.mismatch.Total() > 0 {
		add(AnomalyChaddrMismatch, "medium",
			fmt.Sprintf("%d client message(s) sent directly (no relay) carry a client hardware address (chaddr) that differs from their Ethernet source: spoofed chaddr (starvation tools do this) or a bridging device rewriting frames", o.mismatch.Total()),
			o.mismatch.Frames(), o.mismatch.Total(), map[string]any{"count": o.mismatch.Total(), "samples": o.mismatchSamples})
	}

	// Clients that kept sending DISCOVER and never got an OFFER or an ACK.
	var unanswered []*client
	span := time.Duration(th.UnansweredDiscoverSeconds * float64(time.Second))
	for _, c := range o.cliOrd {
		if c.offers == 0 && c.acks == 0 && c.discovers >= th.UnansweredDiscoverMin &&
			(c.lastDiscover.Sub(c.firstDiscover) >= span || c.discovers >= unansweredDiscoverBurst) {
			unanswered = append(unanswered, c)
		}
	}
	if len(unanswered) > 0 {
		var frames []int
		var list []map[string]any
		total := 0
		for i, c := range unanswered {
			total += c.discovers
			if i < modkit.MaxEvidence {
				frames = append(frames, c.discoverFrames...)
				list = append(list, map[string]any{"client_mac": c.hw.String(), "discovers": c.discovers, "first_packet": c.firstFrame,
					"first_discover": analyzer.FormatTime(c.firstDiscover), "last_discover": analyzer.FormatTime(c.lastDiscover)})
			}
		}
		slices.Sort(frames)
		sev := "medium"
		if len(unanswered) >= 10 || total >= 100 {
			sev = "high"
		}
		add(AnomalyUnansweredDiscover, sev,
			fmt.Sprintf("%d client(s) sent %d DISCOVERs in all and never received an OFFER or ACK (each at least %d DISCOVERs over %.0f s, or %d or more): no DHCP server is reachable for them, the server is out of addresses or ignores them, or a relay is missing",
				len(unanswered), total, th.UnansweredDiscoverMin, th.UnansweredDiscoverSeconds, unansweredDiscoverBurst),
			frames, total, map[string]any{"clients": list, "clients_total": len(unanswered), "discovers_total": total})
	}

	// Malformed messages.
	if o.malformed > 0 {
		var reasons []map[string]any
		for _, r := range o.reasons {
			reasons = append(reasons, map[string]any{"reason": strings.TrimSpace(r.reason), "count": r.count})
		}
		add(AnomalyMalformed, "low",
			fmt.Sprintf("%d malformed BOOTP/DHCP message(s); the first: %s", o.malformed, o.firstReason),
			o.malformedFrames.Frames(), o.malformed, map[string]any{"count": o.malformed, "reasons": reasons})
	}

	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	if out == nil {
		out = []Anomaly{}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func round3(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedDomains(m map[domainKey]map[netip.Addr]*domainServer) []domainKey {
	keys := make([]domainKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.iface != b.iface {
			return a.iface < b.iface
		}
		if a.nvlan != b.nvlan {
			return a.nvlan < b.nvlan
		}
		return a.vlans[0] < b.vlans[0] || (a.vlans[0] == b.vlans[0] && a.vlans[1] < b.vlans[1])
	})
	return keys
}

func domainName(dk domainKey) string {
	s := fmt.Sprintf("interface %d", dk.iface)
	if dk.nvlan > 0 {
		s += fmt.Sprintf(", VLAN %v", dk.vlans[:dk.nvlan])
	}
	return s
}

func domainDetails(dk domainKey) map[string]any {
	vl := []int{}
	for _, v := range dk.vlans[:dk.nvlan] {
		vl = append(vl, int(v))
	}
	return map[string]any{"interface": dk.iface, "vlans": vl}
}
