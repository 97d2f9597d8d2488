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
	"encoding/json"
	"fmt"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/rescache"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits. Its tables are bounded by the call's
// state budget (analyzer.Env.MaxStateBytes, see budget.go); a field set
// here bounds its table further, by entries.
type Options struct {
	// MaxTransactions caps live transactions; past it the longest idle
	// tenth is evicted. 0: the state budget alone.
	MaxTransactions int
	// MaxClients caps tracked clients; later clients are counted, not
	// tracked. 0: the state budget alone.
	MaxClients int
	// MaxServers caps tracked servers. 0: the state budget alone.
	MaxServers int
}

// ResponseBudget is the largest JSON a call with default page sizes
// returns: pages shrink until the result fits.
const ResponseBudget = 32 << 10

// Module is the DHCP module.
type Module struct{ opts Options }

// New returns the DHCP module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "dhcp".
func (*Module) Name() string { return "dhcp" }

// Tools returns analyze_dhcp_packets.
func (m *Module) Tools() []analyzer.Tool { return []analyzer.Tool{m.tool()} }

func (m *Module) tool() analyzer.Tool {
	return analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_dhcp_packets",
		Title:       "DHCP analysis",
		Description: "DHCPv4/BOOTP: statistics, servers and what they hand out, findings (rogue servers, starvation, duplicate IPs, NAK storms, declines, chaddr mismatch, unanswered DISCOVERs, malformed), then packets, transactions and clients.",
		OpenWorld:   true,
		Params:      params,
	}, m.analyze, writeReport)
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, env.MaxPackets)
	if err != nil {
		return nil, err
	}
	// The thresholds and the module's limits shape the analysis; the
	// filters and pages only select from it.
	v, err := modkit.RunCached(ctx, env, in.PcapFile, m.cacheKey(cfg), engine.Options{}, func(keep bool) modkit.CachedPass[*passValue] {
		_, p := m.pass(env, in, cfg, keep)
		return p
	})
	if err != nil {
		return nil, err
	}
	out := v.answer(in, cfg)
	fitBudget(out, cfg)
	return out, nil
}

// cacheKey names the tool's pass with cfg in the result cache: its
// thresholds and the module's limits.
func (m *Module) cacheKey(cfg *config) string {
	th, _ := json.Marshal(cfg.th)
	return fmt.Sprintf("analyze_dhcp_packets %s %+v", th, m.opts)
}

// pass is the tool's pass for RunCached (keep: to be cached, every item of
// its lists kept) and its observer.
func (m *Module) pass(env *analyzer.Env, in Input, cfg *config, keep bool) (*observer, modkit.CachedPass[*passValue]) {
	obs := newObserver(cfg, newLimits(env, m.opts))
	if keep {
		obs.kept = &result.Kept[msgKey, keptMsg]{Max: modkit.KeptMax(env, bytesKeptPacket)}
	}
	return obs, modkit.CachedPass[*passValue]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*passValue, bool) {
		v := &passValue{out: obs.output(in, res, modkit.Warnings(res, true)), packets: obs.kept}
		if keep {
			v.keepLists(obs, env)
		}
		return v, v.complete()
	}}
}

// passValue is what a pass leaves for the result cache: the output of the
// call that made it and, when it was made to be cached, every item of the
// packets, transactions and clients lists with what the filters test.
type passValue struct {
	out          *Output
	packets      *result.Kept[msgKey, keptMsg]
	transactions *result.Kept[txListKey, Transaction]
	clients      *result.Kept[clientListKey, Client]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *passValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.KeptSize(v.packets) + modkit.KeptSize(v.transactions) + modkit.KeptSize(v.clients)
}

// keepLists keeps every transaction and client obs tracked, in the order
// the output lists them.
func (v *passValue) keepLists(obs *observer, env *analyzer.Env) {
	v.transactions = result.KeepAll(modkit.KeptMax(env, bytesKeptTransaction), obs.txOrder,
		func(s txSlot) txListKey { return s.tx.listKey() }, func(s txSlot) Transaction { return s.tx.output() })
	v.clients = result.KeepAll(modkit.KeptMax(env, bytesKeptClient), obs.cliOrd, (*client).listKey, (*client).output)
}

// complete reports whether v holds every item of every list: it can
// answer any selection.
func (v *passValue) complete() bool {
	return v.packets.Whole() && v.transactions.Whole() && v.clients.Whole()
}

// answer is the output for in (whose config is cfg) from v: its packets,
// transactions and clients selected from the kept items when v is
// complete, else v's own. v is not changed: a cached value serves later
// calls.
func (v *passValue) answer(in Input, cfg *config) *Output {
	out := *v.out
	out.File, out.Filters = in.PcapFile, cfg.filters
	if !v.complete() {
		return &out
	}
	msgs, n := v.packets.Select(cfg.matches, cfg.offset, cfg.limit)
	out.Packets = make([]Packet, len(msgs))
	for i := range msgs {
		out.Packets[i] = msgs[i].record()
	}
	out.PacketsPage = result.PageOf(n, cfg.offset, cfg.limit, len(out.Packets))
	out.Transactions, n = v.transactions.Select(cfg.txMatches, cfg.txOffset, cfg.txLimit)
	out.TxPage = result.PageOf(n, cfg.txOffset, cfg.txLimit, len(out.Transactions))
	out.Statistics.Transactions = legacyTransactions(out.Transactions)
	out.Clients, n = v.clients.Select(cfg.clientMatches, cfg.cliOffset, cfg.cliLimit)
	out.ClientsPage = result.PageOf(n, cfg.cliOffset, cfg.cliLimit, len(out.Clients))
	return &out
}

// About what one kept item takes, with its key (rescache.SizeOf over the
// test captures: transactions 0.7 to 1.5 KB, clients 0.5 to 1.2 KB): a
// message's frame and bytes (a BOOTP message is at least 300), a
// transaction with its messages, a client with its leases. A pass keeps at
// most the cache's bound of each list.
const (
	bytesKeptPacket      = 700
	bytesKeptTransaction = 1500
	bytesKeptClient      = 1200
)

// fitBudget shrinks the lists whose size the caller left to the default
// until the JSON fits ResponseBudget: the summary and the findings stay
// whole, and each round halves the largest list that may shrink (packets,
// transactions, clients, servers). Every cut is disclosed in the page
// objects (truncated, next_offset) or by servers_total.
func fitBudget(out *Output, cfg *config) {
	type list struct {
		size func() int
		cut  func() bool
	}
	lists := []list{
		{func() int { return jsonSize(out.Packets) }, func() bool { return result.Halve(&out.Packets, &out.PacketsPage, cfg.limitSet) }},
		{func() int { return jsonSize(out.Transactions) }, func() bool {
			if !result.Halve(&out.Transactions, &out.TxPage, cfg.txLimitSet) {
				return false
			}
			out.Statistics.Transactions = legacyTransactions(out.Transactions)
			return true
		}},
		{func() int { return jsonSize(out.Clients) }, func() bool { return result.Halve(&out.Clients, &out.ClientsPage, cfg.cliSet) }},
		{func() int { return jsonSize(out.Servers) }, func() bool {
			if len(out.Servers) <= 1 {
				return false
			}
			out.Servers = out.Servers[:len(out.Servers)/2] // servers_total says how many there are
			return true
		}},
	}
	var sizes []int // measured once, then again for the list cut
	result.FitBudget(out, ResponseBudget, func() bool {
		if sizes == nil {
			for _, l := range lists {
				sizes = append(sizes, l.size())
			}
		}
		order := []int{0, 1, 2, 3}
		slices.SortStableFunc(order, func(a, b int) int { return sizes[b] - sizes[a] })
		for _, i := range order {
			if lists[i].cut() {
				sizes[i] = lists[i].size()
				return true
			}
		}
		return false
	})
}

func jsonSize(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_dhcp_packets with its default arguments.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	cfg, err := newConfig(Input{Thresholds: analyzer.NewThresholds(params)}, env.MaxPackets)
	if err != nil {
		return nil, err
	}
	obs := newObserver(cfg, newLimits(env, m.opts))
	// The brief: the statistics and the anomalies, without the packets,
	// transactions, clients and servers lists.
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		b := modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.run.Conclude(obs),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("dhcp discover to offer", &obs.d2o), modkit.LatenciesOf("dhcp request to ack", &obs.r2a)}}
		b.Warnings = modkit.Named(m.Name(), obs.lim.warnings(len(obs.clients), len(obs.servers), cfg.th.Get(starvationWindowSeconds), cfg.th.Get(nakStormWindowSeconds)))
		return b
	}}, nil
}

var _ modkit.Keeper = (*Module)(nil)

// KeepPass is NewPass made of the tool's own pass at its default
// arguments, which the result cache then keeps for the tool: the brief is
// made from the tool's output.
func (m *Module) KeepPass(env *analyzer.Env) (modkit.Filler, error) {
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, env.MaxPackets)
	if err != nil {
		return nil, err
	}
	obs, p := m.pass(env, *in, cfg, true)
	return modkit.KeepCached(m.cacheKey(cfg), p, func(v *passValue) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: v.out.Statistics, Findings: result.CloneFindings(v.out.Anomalies),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("dhcp discover to offer", &obs.d2o), modkit.LatenciesOf("dhcp request to ack", &obs.r2a)}}
	})
}
