package dhcpv6

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

func timeOf(nanos int64) string { return result.FormatTime(time.Unix(0, nanos).UTC()) }

// statistics cover the whole capture, whatever the filters and paging.
func (o *observer) statistics() Statistics {
	st := Statistics{MessageTypes: map[string]int{}, Relayed: o.relayed, StatusCodes: o.statusCounts, Transactions: len(o.txns),
		Clients: len(o.clients), Servers: len(o.servers), AddressesAssigned: len(o.assigned), PrefixesDelegated: len(o.delegated),
		LatencyMs: o.latency.Latency(), Malformed: o.malformed}
	for t, n := range o.typeCounts {
		if n > 0 {
			st.MessageTypes[typeName(uint8(t))] = n
		}
	}
	for _, t := range o.txnOrder {
		if t.replied {
			st.Completed++
		}
		if t.solicit && !t.answered {
			st.UnansweredSolicits++
		}
	}
	return st
}

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{File: in.PcapFile, TotalPackets: res.Packets, DHCPv6PacketsFound: o.found, DHCPv6PacketsAnalyzed: o.analyzed,
		Filters: c.filters, Thresholds: c.th}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "DHCPv6")
	}
	if o.found == 0 {
		out.Message = "No DHCPv6 packets found"
	}
	out.Statistics = o.statistics()
	out.Anomalies = o.run.Conclude(o)
	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	out.Servers, out.ServersTotal = []Server{}, len(o.serverOrder)
	for _, s := range o.serverOrder[:min(len(o.serverOrder), maxServersListed)] {
		out.Servers = append(out.Servers, Server{DUID: *s.duid, Addresses: orEmpty(s.ips), Advertises: s.advertises, Replies: s.replies,
			AddressesAssigned: s.assigned, Leases: orEmpty(s.leases), DNSServers: s.dns, DomainList: s.domains, NoAddrsAvail: s.noAd, FirstFrame: s.firstFrame})
	}
	out.Clients, out.ClientsTotal = []Client{}, len(o.clientOrder)
	for _, cl := range o.clientOrder[:min(len(o.clientOrder), maxClientsListed)] {
		out.Clients = append(out.Clients, Client{DUID: *cl.duid, FirstSeen: timeOf(cl.first), LastSeen: timeOf(cl.last), Messages: cl.messages,
			Transactions: cl.transactions, Addresses: orEmpty(cl.addrs), Prefixes: orEmpty(cl.prefixes), FQDN: cl.fqdn})
	}
	out.Transactions, out.TransactionsTotal = []Transaction{}, len(o.txnOrder)
	for _, t := range o.txnOrder[:min(len(o.txnOrder), maxTxnsListed)] {
		tr := Transaction{TransactionID: xidString(t.xid), ClientDUID: hex.EncodeToString([]byte(t.client)), ServerDUID: hex.EncodeToString([]byte(t.server)),
			FirstFrame: t.firstFrame, FirstSeen: timeOf(t.firstNs), LatencyMs: t.latency, Addresses: t.leases, Outcome: "unanswered"}
		for _, ty := range t.types {
			tr.Messages = append(tr.Messages, typeName(ty))
		}
		switch {
		case t.status != "":
			tr.Outcome = t.status
		case t.replied:
			tr.Outcome = "replied"
		case t.answered:
			tr.Outcome = "advertised"
		}
		out.Transactions = append(out.Transactions, tr)
	}
	out.Warnings = append(warnings, o.stateWarnings()...)
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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
		{o.txnRefused, fmt.Sprintf("messages of transactions past the first %d were not tracked %s: transactions, latency_ms and unanswered_solicit leave them out", len(o.txns), budget)},
		{o.clientRefused, fmt.Sprintf("messages of clients past the first %d were not tracked %s: clients leaves them out", len(o.clients), budget)},
		{o.serverRefused, fmt.Sprintf("messages of servers past the first %d were not tracked %s: servers and multiple_dhcpv6_servers leave them out", len(o.servers), budget)},
		{o.leasesRefused, fmt.Sprintf("leases past the first %d distinct were not counted %s: addresses_assigned and prefixes_delegated are lower bounds", len(o.assigned)+len(o.delegated), budget)},
	} {
		if c.n > 0 {
			w = append(w, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return append(w, o.detWarnings...)
}

// hostFacts tells the overview which addresses answered as DHCPv6
// servers.
func (o *observer) hostFacts() []modkit.HostFact {
	var out []modkit.HostFact
	for _, s := range o.serverOrder {
		for _, ip := range s.ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				out = append(out, modkit.HostFact{Addr: a, Role: "dhcpv6 server"})
			}
		}
	}
	return out
}
