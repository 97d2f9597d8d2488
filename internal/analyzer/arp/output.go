package arp

import (
	"fmt"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

func timeOf(nanos int64) string { return result.FormatTime(time.Unix(0, nanos).UTC()) }

// statistics cover the whole capture, whatever the filters and paging.
func (o *observer) statistics() Statistics {
	st := Statistics{OpcodeCounts: map[string]int{}, Requests: o.requests, Replies: o.replies, Gratuitous: o.gratuitous, Probes: o.probes,
		Announcements: o.announc, Unsolicited: o.unsolicitedN, EthMismatch: o.mismatch, Malformed: o.malformed,
		UniqueIPs: len(o.bindings), UniqueMACs: len(o.hosts), BindingChanges: o.changes}
	for op, n := range o.opCounts {
		st.OpcodeCounts[opName(op)] = n
	}
	for _, t := range o.targets {
		if !t.answered {
			st.Unanswered += t.requests
		}
	}
	return st
}

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{File: in.PcapFile, TotalPackets: res.Packets, ARPPacketsFound: o.found, ARPPacketsAnalyzed: o.analyzed,
		Filters: c.filters, Thresholds: c.th}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "ARP")
	}
	if o.found == 0 {
		out.Message = "No ARP packets found"
	}
	out.Statistics = o.statistics()
	out.Anomalies = o.run.Conclude(o)
	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	bs := slices.Clone(o.bindingOrder)
	slices.SortStableFunc(bs, func(a, b *binding) int { return b.changes - a.changes })
	out.Bindings, out.BindingsTotal = []Binding{}, len(bs)
	for _, b := range bs[:min(len(bs), maxListed)] {
		out.Bindings = append(out.Bindings, Binding{IP: b.ip.String(), MAC: b.mac.String(), MACs: macStrings(b.macs), FirstSeen: timeOf(b.first),
			LastSeen: timeOf(b.last), FirstFrame: b.firstFrame, LastFrame: b.lastFrame, Frames: b.frames, Changes: b.changes})
	}
	hs := slices.Clone(o.hostOrder)
	slices.SortStableFunc(hs, func(a, b *host) int { return b.ipsTotal - a.ipsTotal })
	out.Hosts, out.HostsTotal = []Host{}, len(hs)
	for _, h := range hs[:min(len(hs), maxListed)] {
		ips := make([]string, len(h.ips))
		for i, a := range h.ips {
			ips[i] = a.String()
		}
		out.Hosts = append(out.Hosts, Host{MAC: h.mac.String(), IPs: ips, IPsTotal: h.ipsTotal, Frames: h.frames, FirstSeen: timeOf(h.first), LastSeen: timeOf(h.last)})
	}
	out.Warnings = append(warnings, o.stateWarnings()...)
	return out
}

// stateWarnings says which tables reached their bound under the state
// budget, and what is partial for it.
func (o *observer) stateWarnings() []string {
	var w []string
	budget := "(state budget, --max-state-bytes)"
	for _, c := range []struct {
		n    int
		what string
	}{
		{o.bindingRefused, fmt.Sprintf("claims of addresses past the first %d were not tracked %s: bindings, unique_ips, ip_conflict and arp_spoofing leave them out", len(o.bindings), budget)},
		{o.hostRefused, fmt.Sprintf("messages of MACs past the first %d were not tracked %s: hosts and unique_macs leave them out", len(o.hosts), budget)},
		{o.targetsRefused, fmt.Sprintf("messages about addresses past the first %d asked for were not tracked %s: unanswered_requests, unsolicited_replies, unanswered_arp and ip_conflict's probes are partial", len(o.targets), budget)},
		{o.routesRefused, fmt.Sprintf("IPv4 frames of (source MAC, destination) pairs past the first %d were not followed %s: arp_spoofing may miss a diversion", len(o.routes), budget)},
		{o.claimsRefused, fmt.Sprintf("unsolicited ARP claims past the first %d (sender, receiver) pairs were not kept %s: arp_spoofing may miss a diversion", len(o.claims), budget)},
		{o.serversRefused, fmt.Sprintf("DNS and DHCP servers past the first %d were not noted %s: arp_spoofing may take a claimed server for an ordinary host", len(o.servers), budget)},
	} {
		if c.n > 0 {
			w = append(w, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return append(w, o.detWarnings...)
}
