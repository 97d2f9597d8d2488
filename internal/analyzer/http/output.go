package http

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// summary is the capture's summary.
func (o *observer) summary() Summary {
	s := o.sum
	s.LatencyMs = o.latencies.Latency()
	return s
}

// findings concludes the detectors, most severe first.
func (o *observer) findings() []result.Finding {
	fs := o.run.Conclude(o)
	if fs == nil {
		fs = []result.Finding{}
	}
	return fs
}

func (o *observer) output(in Input, res *engine.Result) *Output {
	out := &Output{
		File:               in.PcapFile,
		TotalPacketsInFile: res.Packets,
		Warnings:           modkit.Warnings(res, true),
		Summary:            o.summary(),
		Anomalies:          o.findings(),
		Transactions:       o.page,
		Files:              o.files,
		Filters:            o.cfg.filters,
		Thresholds:         o.cfg.th,
	}
	if out.Transactions == nil {
		out.Transactions = []Transaction{}
	}
	if out.Files == nil {
		out.Files = []File{}
	}
	out.TxPage = result.PageOf(o.matched, o.cfg.offset, o.cfg.limit, len(out.Transactions))
	out.FilesPage = result.PageOf(o.fMatched, o.cfg.fOffset, o.cfg.fLimit, len(out.Files))
	if o.found == 0 {
		out.Message = "no HTTP/1.x or cleartext HTTP/2 found in this capture (HTTPS is encrypted; see the TLS module)"
	}
	id := func(s string) string { return s }
	out.Top = Top{
		Hosts: o.hosts.Top(id), URIs: o.uris.Top(id), Methods: o.methods.Top(id), Statuses: o.statuses.Top(id),
		UserAgents: o.agents.Top(id), Servers: o.servers.Top(id), ContentTypes: o.ctypes.Top(id), GRPCMethods: o.grpcMethods.Top(id),
		ClientsPerHost: o.clientsPerHost(10),
	}
	if o.capped > 0 {
		out.Warnings = append(out.Warnings, strings.ReplaceAll("N connection(s) not followed: the connection table was full (state budget)", "N", itoa(o.capped)))
	}
	if o.reasm != nil && o.reasm.Evicted() > 0 {
		out.Warnings = append(out.Warnings, itoa(o.reasm.Evicted())+" idle connection(s) closed early to keep within the connection budget; their messages in progress were cut")
	}
	if o.pairsDropped > 0 {
		out.Warnings = append(out.Warnings, itoa(o.pairsDropped)+" (host, client) pair(s) not counted in clients_per_host: the pair budget was spent")
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// clientsPerHost lists the hosts with the most distinct clients.
func (o *observer) clientsPerHost(n int) []HostClients {
	out := make([]HostClients, 0, len(o.hostClients))
	for h, m := range o.hostClients {
		out = append(out, HostClients{Host: h, Clients: len(m)})
	}
	slices.SortFunc(out, func(a, b HostClients) int {
		if a.Clients != b.Clients {
			return b.Clients - a.Clients
		}
		return strings.Compare(a.Host, b.Host)
	})
	return out[:min(n, len(out))]
}

// fitBudget shrinks what the caller did not size until the JSON fits
// ResponseBudget: the default-sized pages first, then the top lists, then
// each transaction's headers.
func fitBudget(out *Output, cfg *config) {
	result.FitBudget(out, ResponseBudget,
		func() bool { return result.Halve(&out.Transactions, &out.TxPage, cfg.limitSet) },
		func() bool { return result.Halve(&out.Files, &out.FilesPage, cfg.fSet) },
		func() bool {
			cut := false
			for _, l := range []*result.TopList{&out.Top.Hosts, &out.Top.URIs, &out.Top.UserAgents, &out.Top.Servers, &out.Top.ContentTypes, &out.Top.GRPCMethods, &out.Top.Statuses, &out.Top.Methods} {
				if len(l.Items) > 1 {
					l.Items = l.Items[:len(l.Items)/2]
					cut = true
				}
			}
			if len(out.Top.ClientsPerHost) > 1 {
				out.Top.ClientsPerHost = out.Top.ClientsPerHost[:len(out.Top.ClientsPerHost)/2]
				cut = true
			}
			return cut
		},
		func() bool {
			if len(out.Anomalies) <= 1 {
				return false
			}
			n := len(out.Anomalies) / 2
			out.Warnings = append(out.Warnings, itoa(len(out.Anomalies)-n)+" findings left out to keep the response under 32 KiB; the most severe are kept")
			out.Anomalies = out.Anomalies[:n]
			return true
		})
}
