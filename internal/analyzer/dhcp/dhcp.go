// Package dhcp analyzes BOOTP/DHCPv4 traffic (RFC 951, RFC 2131, RFC 2132).
//
// It is the "dhcp" module. Its tool, analyze_dhcp_packets, is a drop-in for
// mcpcap's tool of that name, with its defects fixed (options with several
// values are lists, packet_number is the frame number, timestamps are RFC
// 3339 UTC), and adds what a network engineer or security analyst needs on
// top: every option decoded by name, transactions (transaction id + client
// MAC) with outcome and latencies, clients with their leases, servers with
// the configuration they hand out, and anomaly detectors (rogue or multiple
// servers, starvation, duplicate assignments, NAK storms, declines, chaddr
// spoofing, unanswered DISCOVERs, malformed messages).
//
// DHCP messages are found on UDP ports 67 and 68, and on any other UDP port
// when the payload is unmistakably DHCP. Memory is bounded: transactions,
// clients and servers are tracked up to Options limits, the packets list is
// materialized only for the requested page, and evidence lists are capped.
package dhcp

import (
	"context"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits.
type Options struct {
	// MaxTransactions caps tracked transactions (default 200,000); later
	// messages of new transactions are counted, not tracked.
	MaxTransactions int
	// MaxClients caps tracked clients and lease holders (default 200,000).
	MaxClients int
	// MaxServers caps tracked servers (default 10,000).
	MaxServers int
}

// Default limits.
const (
	DefaultMaxTransactions = 200000
	DefaultMaxClients      = 200000
	DefaultMaxServers      = 10000
	// ResponseBudget is the largest JSON a call with default page sizes
	// returns: pages shrink until the result fits.
	ResponseBudget = 64 << 10
)

// Module is the DHCP module.
type Module struct{ opts Options }

// New returns the DHCP module.
func New(opts Options) *Module {
	if opts.MaxTransactions <= 0 {
		opts.MaxTransactions = DefaultMaxTransactions
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = DefaultMaxClients
	}
	if opts.MaxServers <= 0 {
		opts.MaxServers = DefaultMaxServers
	}
	return &Module{opts: opts}
}

// Name returns "dhcp".
func (*Module) Name() string { return "dhcp" }

// Tools returns analyze_dhcp_packets.
func (m *Module) Tools() []analyzer.Tool { return []analyzer.Tool{m.tool()} }

func (m *Module) tool() analyzer.Tool {
	return analyzer.NewTool(analyzer.Tool{
		Name:  "analyze_dhcp_packets",
		Title: "DHCP analysis",
		Description: "Analyze BOOTP/DHCPv4 in a capture (pcap_file: local path or http(s) URL). Returns statistics over the whole " +
			"capture (clients, servers, message types, transaction outcomes, DISCOVER->OFFER and REQUEST->ACK latency), anomalies " +
			"with evidence frame numbers (multiple_dhcp_servers / possible rogue, dhcp_starvation, duplicate_ip_assignment, nak_storm, " +
			"address_conflict_decline, chaddr_mismatch, unanswered_discover, malformed_dhcp), servers with the configuration they hand " +
			"out, and paged detail lists: packets (every option decoded by name), transactions (xid + client MAC: messages, outcome, " +
			"offered/assigned address, latencies, retransmissions) and clients (hostname, vendor class, option-55 fingerprint, leases). " +
			"Filter with client_mac, transaction_id, message_type, server_id, start_time, end_time; page with limit/offset, " +
			"transactions_limit/offset, clients_limit/offset. Read anomalies and statistics first, then page into the details.",
		OpenWorld: true,
		Params:    params,
	}, m.analyze, writeReport)
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, m.opts, env.MaxPackets)
	if err != nil {
		return nil, err
	}
	obs := newObserver(cfg)
	res, err := modkit.Run(ctx, env, in.PcapFile, engine.Options{}, obs)
	if err != nil {
		return nil, err
	}
	out := obs.output(in, res, modkit.Warnings(res, true))
	fitBudget(out, cfg)
	return out, nil
}

// fitBudget shrinks the pages whose size the caller left to the default
// until the JSON fits ResponseBudget. Every cut is disclosed in the page
// objects (truncated, next_offset).
func fitBudget(out *Output, cfg *config) {
	result.FitBudget(out, ResponseBudget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, cfg.limitSet) },
		func() bool {
			if !result.Halve(&out.Transactions, &out.TxPage, cfg.txLimitSet) {
				return false
			}
			out.Statistics.Transactions = legacyTransactions(out.Transactions)
			return true
		},
		func() bool { return result.Halve(&out.Clients, &out.ClientsPage, cfg.cliSet) })
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_dhcp_packets with its default arguments.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	cfg, err := newConfig(Input{Thresholds: analyzer.NewThresholds(params)}, m.opts, env.MaxPackets)
	if err != nil {
		return nil, err
	}
	return &pass{name: m.Name(), obs: newObserver(cfg)}, nil
}

type pass struct {
	name string
	obs  *observer
}

func (p *pass) Observers() []engine.Observer { return []engine.Observer{p.obs} }

// Brief returns the statistics and the anomalies, without the packets,
// transactions, clients and servers lists.
func (p *pass) Brief(*engine.Result) modkit.Brief {
	return modkit.Brief{Module: p.name, Summary: p.obs.statistics(), Findings: p.obs.run.Conclude(p.obs)}
}
