// Package dhcpv6 analyzes DHCPv6 (RFC 8415): every message type, relay
// messages decoded recursively, options by name (DUIDs, IA_NA, IA_TA and
// IA_PD with their addresses, prefixes and lifetimes, status codes, DNS
// servers, domain list, FQDN, vendor options, rapid commit, SOL_MAX_RT,
// ...), transactions by transaction id with outcome and latency, clients
// by DUID with what they hold, and servers with what they hand out.
//
// It is the "dhcpv6" module. Its tool, analyze_dhcpv6_packets, decodes
// each message with gopacket's layers.DHCPv6 (UDP ports 546 and 547) and
// decodes the options inside options that gopacket leaves as bytes. Its
// detectors report several servers (rogue), unanswered SOLICITs,
// starvation, NoAddrsAvail storms and malformed messages.
package dhcpv6

import (
	"context"
	"encoding/json"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// ResponseBudget is the largest JSON a call with default page sizes
// returns: spent on the summary and the findings first, then on the first
// items of each list.
const ResponseBudget = 32 << 10

// Options are the module's limits; it has none yet, and takes them in the
// form every module does.
type Options struct{}

// Module is the DHCPv6 module.
type Module struct{ opts Options }

// New returns the DHCPv6 module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "dhcpv6".
func (*Module) Name() string { return "dhcpv6" }

// Tools returns analyze_dhcpv6_packets.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_dhcpv6_packets",
		Title:       "DHCPv6 analysis",
		Description: "DHCPv6: statistics, servers and what they hand out, clients by DUID with addresses and prefixes, transactions with outcome and latency, findings (multiple/rogue servers, starvation, NoAddrsAvail storm, unanswered SOLICIT, malformed), then messages with options by name.",
		OpenWorld:   true,
		Params:      detectors.Params(),
	}, m.analyze, writeReport)}
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, env)
	if err != nil {
		return nil, err
	}
	// The filters select only the packets list (the rest covers the whole
	// capture): the result cache keeps that list whole and pages it anew.
	v, err := modkit.RunListed(ctx, env, in.PcapFile, cacheKey(cfg), bytesKept, observe(env, in, cfg, nil))
	if err != nil {
		return nil, err
	}
	out := *v.Out // v is shared with later calls: the answer is a copy
	out.File, out.Filters = in.PcapFile, cfg.filters
	if items, pg, ok := v.Page(cfg.matches, cfg.offset, cfg.limit); ok {
		out.Packets, out.PacketsPage = items, pg
	}
	fit(&out, cfg.limitSet)
	return &out, nil
}

// bytesKept is about what one kept message takes (its Packet record, with
// its options and strings, and its key); a pass keeps at most the cache's
// bound of them.
const bytesKept = 1600

// fit cuts the lists of a response over ResponseBudget, the detail first:
// the packets, then the transactions, clients and servers, each by half a
// round;
// the statistics and findings stay. The packets of a caller who set limit
// are not cut, and come on top of the budget.
func fit(out *Output, limitSet bool) {
	budget := ResponseBudget
	if limitSet {
		b, _ := json.Marshal(out.Packets)
		budget += len(b)
	}
	result.FitBudget(out, budget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, limitSet) },
		func() bool { return result.HalveList(&out.Transactions) },
		func() bool { return result.HalveList(&out.Clients) },
		func() bool { return result.HalveList(&out.Servers) },
	)
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_dhcpv6_packets with its default arguments, without the packet list.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	_, cfg, err := m.defaults(env)
	if err != nil {
		return nil, err
	}
	cfg.limit = 0 // a brief lists no packets
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		b := modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.run.Conclude(obs), Hosts: obs.hostFacts()}
		b.Warnings = modkit.Named(m.Name(), obs.stateWarnings()) // after Conclude: the detectors add theirs
		return b
	}}, nil
}

// cacheKey names the tool's pass in the result cache: its thresholds.
func cacheKey(cfg *config) string {
	th, _ := json.Marshal(cfg.th)
	return "analyze_dhcpv6_packets " + string(th)
}

// observe makes the tool's pass for modkit.RunListed or KeepListed: an
// observer that adds every packet to kept when kept is not nil, and the
// function that concludes the output. made, when not nil, is set to the
// observer.
func observe(env *analyzer.Env, in Input, cfg *config, made **observer) func(kept *result.Kept[msgKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
	return func(kept *result.Kept[msgKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
		obs := newObserver(cfg)
		obs.kept = kept
		if made != nil {
			*made = obs
		}
		return []engine.Observer{obs}, func(res *engine.Result) *Output {
			out := obs.output(in, res, modkit.Warnings(res, true))
			out.AnalysisTimestamp = result.FormatTime(env.Clock())
			return out
		}
	}
}

// defaults are the tool's default arguments and their configuration: what
// a shared pass runs.
func (m *Module) defaults(env *analyzer.Env) (*Input, *config, error) {
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, env)
	return in, cfg, err
}

var _ modkit.Keeper = (*Module)(nil)

// KeepPass is NewPass made of the tool's own pass at its default
// arguments, which the result cache then keeps for the tool: the brief is
// made from the tool's output.
func (m *Module) KeepPass(env *analyzer.Env) (modkit.Filler, error) {
	in, cfg, err := m.defaults(env)
	if err != nil {
		return nil, err
	}
	var obs *observer
	return modkit.KeepListed(env, cacheKey(cfg), bytesKept, observe(env, *in, cfg, &obs), func(out *Output) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: out.Statistics, Findings: result.CloneFindings(out.Anomalies), Hosts: obs.hostFacts()}
	})
}
