package dhcpv6

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMultipleServers is more than one server (by DUID) answering
// clients: redundant servers, or a rogue one. It is high when they hand
// out different DNS servers (what a rogue server would change).
const AnomalyMultipleServers = "multiple_dhcpv6_servers"

var multipleServers = analyzer.Detector[*event, *observer]{
	Type: AnomalyMultipleServers,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			var answering []*server
			for _, s := range o.serverOrder {
				if s.advertises+s.replies > 0 {
					answering = append(answering, s)
				}
			}
			if len(answering) < 2 {
				return
			}
			var frames []int
			var list []map[string]any
			dns := map[string]bool{}
			for _, s := range answering {
				frames = append(frames, s.firstFrame)
				d := slices.Clone(s.dns)
				slices.Sort(d)
				dns[strings.Join(d, ",")] = true
				list = append(list, map[string]any{"duid": s.duid.Hex, "addresses": s.ips, "advertises": s.advertises, "replies": s.replies, "dns_servers": s.dns})
			}
			slices.Sort(frames)
			var ev result.Evidence
			for _, f := range frames {
				ev.Add(f)
			}
			sev, why := result.Medium, "they hand out the same DNS servers, which suggests redundant servers, but check that all are authorised"
			if len(dns) > 1 {
				sev, why = result.High, "they hand out different DNS servers: one may be rogue"
			}
			add(result.NewFinding(AnomalyMultipleServers, sev, fmt.Sprintf("%d DHCPv6 servers answer clients; %s", len(answering), why),
				ev, map[string]any{"servers": list[:min(len(list), maxServersListed)], "servers_total": len(answering)}))
		})
	},
}
