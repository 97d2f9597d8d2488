package dhcp

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMultipleServers: more than one server answering clients directly in
// one broadcast domain.
const AnomalyMultipleServers = "multiple_dhcp_servers"

var multipleServers = analyzer.Detector[*event, *observer]{
	Type: AnomalyMultipleServers,
	New:  func(analyzer.Thresholds) analyzer.Unit[*event, *observer] { return &multipleServersUnit{} },
}

// domainKey is a broadcast domain: a capture interface and VLAN stack.
type domainKey struct {
	iface int
	nvlan uint8
	vlans [2]uint16
}

type domainServer struct {
	replies    int
	firstFrame int
}

// Bounds of the findings: how many broadcast domains get a finding, and
// how many servers each lists (the busiest).
const (
	maxDomainFindings = 5
	maxDomainServers  = 10
)

// multipleServersUnit counts, per broadcast domain, the OFFERs and ACKs
// each tracked server sent directly (not through a relay). The domain and
// server pairs it holds are bounded by limits.domainKeys.
type multipleServersUnit struct {
	domains map[domainKey]map[netip.Addr]*domainServer
	pairs   int
}

func (u *multipleServersUnit) Observe(e *event) {
	m := e.m
	if e.server == nil || (m.msgType != MsgOffer && m.msgType != MsgAck) || (m.giaddr.IsValid() && !m.giaddr.IsUnspecified()) {
		return
	}
	dk := domainKey{iface: e.p.Interface}
	for i, v := range e.p.VLANs {
		if i < len(dk.vlans) {
			dk.vlans[i] = v
			dk.nvlan++
		}
	}
	if u.domains == nil {
		u.domains = map[domainKey]map[netip.Addr]*domainServer{}
	}
	d := u.domains[dk]
	ds := d[e.server.id]
	if ds == nil {
		if u.pairs >= e.lim.domainKeys {
			e.lim.domainsUntracked++
			return
		}
		if d == nil {
			d = map[netip.Addr]*domainServer{}
			u.domains[dk] = d
		}
		ds = &domainServer{firstFrame: e.p.Number}
		d[e.server.id] = ds
		u.pairs++
	}
	ds.replies++
}

func (u *multipleServersUnit) Conclude(o *observer, add func(result.Finding)) {
	var multi []domainKey
	for _, dk := range sortedDomains(u.domains) {
		if len(u.domains[dk]) >= 2 {
			multi = append(multi, dk)
		}
	}
	for i, dk := range multi {
		if i == maxDomainFindings {
			break
		}
		d := u.domains[dk]
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
		for i, e := range es {
			differs := !slices.Equal(e.routers, ref.routers) || !slices.Equal(e.dns, ref.dns)
			if differs {
				rogues = append(rogues, e.id.String())
			}
			if i >= maxDomainServers {
				continue
			}
			servers = append(servers, map[string]any{
				"server_id": e.id.String(), "replies": e.ds.replies, "first_packet": e.ds.firstFrame,
				"routers": orEmpty(e.routers), "dns_servers": orEmpty(e.dns), "possible_rogue": differs,
			})
			frames = append(frames, e.ds.firstFrame)
		}
		slices.Sort(frames)
		sev, summary := result.Medium, fmt.Sprintf("%d DHCP servers answer clients directly in one broadcast domain (%s); they hand out the same router and DNS servers, which suggests redundant servers, but check that all are authorised", len(es), domainName(dk))
		nRogues := len(rogues)
		if nRogues > maxDomainServers {
			rogues = rogues[:maxDomainServers]
		}
		if nRogues > 0 {
			sev = result.High
			names := strings.Join(rogues, ", ")
			if nRogues > len(rogues) {
				names += fmt.Sprintf(" and %d more", nRogues-len(rogues))
			}
			summary = fmt.Sprintf("%d DHCP servers answer clients directly in one broadcast domain (%s); %s hand(s) out a different router or DNS servers than %s, the busiest: possible rogue DHCP server", len(es), domainName(dk), names, ref.id)
		}
		details := map[string]any{"broadcast_domain": domainDetails(dk), "servers": servers, "possible_rogue_servers": orEmpty(rogues)}
		if nRogues > len(rogues) {
			details["possible_rogue_servers_total"] = nRogues
		}
		if len(es) > maxDomainServers {
			details["servers_total"] = len(es) // servers lists the busiest maxDomainServers
		}
		if len(multi) > maxDomainFindings {
			details["domains_with_multiple_servers"] = len(multi) // one finding each for the first maxDomainFindings
		}
		add(finding(AnomalyMultipleServers, sev, summary, frames, len(frames), details))
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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
