// Package dns analyzes DNS, multicast DNS and LLMNR traffic (RFC 1035 and
// its successors, RFC 6762, RFC 4795).
//
// It is the "dns" module. Its tool, analyze_dns_packets, is a drop-in for
// mcpcap's tool of that name with its defects fixed (response codes and
// opcodes, type and class names, every section, EDNS0, DNS over TCP, mDNS and
// LLMNR labelled) and adds what a network engineer or analyst needs: queries
// matched to responses with response times, unanswered and retransmitted
// queries, per-server statistics, bounded top lists, and detectors for
// tunneling, DGA activity, NXDOMAIN floods, slow or silent servers, DNS on
// unusual ports, amplification-sized responses and malformed messages.
//
// Messages are found on UDP and TCP ports 53, 5353 and 5355 (TCP streams are
// reassembled and split on the RFC 1035 length prefix), quoted inside ICMP
// errors, and on other UDP ports when the payload is unmistakably DNS.
package dns

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

// Options are the module's limits.
type Options struct {
	// MaxTransactions, when positive, caps the transactions held for
	// matching responses to queries below what the call's state budget
	// allows (--max-state-bytes; see the README's Limits); past it the
	// oldest are evicted, their outcome counted.
	MaxTransactions int
}

// ResponseBudget is the largest JSON a call with default page sizes returns.
const ResponseBudget = 32 << 10

// Module is the DNS module.
type Module struct{ opts Options }

// New returns the DNS module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "dns".
func (*Module) Name() string { return "dns" }

// Tools returns analyze_dns_packets.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_dns_packets",
		Title:       "DNS analysis",
		Description: "DNS, mDNS and LLMNR over UDP/TCP: statistics, per-server latency and rcodes, top domains, findings (tunneling, DGA, NXDOMAIN rate, slow or unanswering servers, non-standard port, large responses, malformed), then messages and transactions.",
		OpenWorld:   true,
		Params:      detectors.Params(),
	}, m.analyze, writeReport)}
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, m.opts, env)
	if err != nil {
		return nil, err
	}
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
// thresholds and the module's bound.
func (m *Module) cacheKey(cfg *config) string {
	th, _ := json.Marshal(cfg.th)
	return fmt.Sprintf("analyze_dns_packets %s max-transactions %d", th, m.opts.MaxTransactions)
}

// pass is the tool's pass for RunCached (keep: to be cached, every message
// and transaction kept) and its observer.
func (m *Module) pass(env *analyzer.Env, in Input, cfg *config, keep bool) (*observer, modkit.CachedPass[*passValue]) {
	obs := newObserver(cfg)
	if keep {
		cfg.keyAll = true
		obs.kept, obs.keptNames = &result.Kept[pktKey, keptMsg]{Max: modkit.KeptMax(env, bytesKept)}, map[string][]byte{}
	}
	return obs, modkit.CachedPass[*passValue]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*passValue, bool) {
		out := obs.output(in, res, modkit.Warnings(res, true))
		out.AnalysisTimestamp = result.FormatTime(env.Clock())
		v := &passValue{out: out}
		if !keep || obs.kept.Cut {
			return v, false
		}
		v.packets, v.txs = obs.kept, result.KeepAll(modkit.KeptMax(env, bytesKept), obs.transactions(), selOf, obs.txOutput)
		return v, v.txs.Whole()
	}}
}

// passValue is what a pass leaves for the result cache: the output of the
// call that made it and, when it was made to be cached, every message and
// every transaction with what the filters test of them.
type passValue struct {
	out     *Output
	packets *result.Kept[pktKey, keptMsg]
	txs     *result.Kept[txSel, Transaction]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *passValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.KeptSize(v.packets) + modkit.KeptSize(v.txs)
}

// answer is the output for in (whose config is cfg) from v, its lists
// selected from the kept ones when there are any. v is not changed (a
// cached value serves later calls): what fitting the response edits in
// place (findings, warnings) is copied.
func (v *passValue) answer(in Input, cfg *config) *Output {
	out := *v.out
	out.File, out.Filters = in.PcapFile, cfg.filters
	out.Anomalies, out.Warnings = result.CloneFindings(out.Anomalies), slices.Clone(out.Warnings)
	if v.packets != nil {
		msgs, n := v.packets.Select(cfg.matches, cfg.offset, cfg.limit)
		out.Packets = make([]Packet, len(msgs))
		for i, k := range msgs {
			out.Packets[i] = k.record()
		}
		out.PacketsPage = result.PageOf(n, cfg.offset, cfg.limit, len(out.Packets))
		out.Transactions, n = v.txs.Select(cfg.txMatches, cfg.txOffset, cfg.txLimit)
		out.TxPage = result.PageOf(n, cfg.txOffset, cfg.txLimit, len(out.Transactions))
	}
	return &out
}

// bytesKept is about what one kept message or transaction takes, with its
// records and key; a pass keeps at most the cache's bound of them.
const bytesKept = 1024

var _ modkit.Passer = (*Module)(nil)

// NewPass runs the module in a pass shared with other modules, with
// analyze_dns_packets' default arguments: every detector at its default
// thresholds, no filters. Its brief is the statistics and the findings;
// it builds no list of messages or transactions.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	cfg.limit = 0 // no page of messages
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.findings(),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("dns response", &obs.allLat)}}
	}}, nil
}

var _ modkit.Keeper = (*Module)(nil)

// KeepPass is NewPass made of the tool's own pass at its default
// arguments, which the result cache then keeps for the tool: the brief is
// made from the tool's output.
func (m *Module) KeepPass(env *analyzer.Env) (modkit.Filler, error) {
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	obs, p := m.pass(env, *in, cfg, true)
	return modkit.KeepCached(m.cacheKey(cfg), p, func(v *passValue) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: v.out.Statistics, Findings: result.CloneFindings(v.out.Anomalies),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("dns response", &obs.allLat)}}
	})
}
