// Package arp analyzes ARP (RFC 826) and RARP (RFC 903): requests,
// replies, gratuitous ARP and RFC 5227 probes and announcements, the IPv4
// address to MAC bindings over time and the MAC to addresses view.
//
// It is the "arp" module. Its tool, analyze_arp_packets, decodes each
// message with gopacket's layers.ARP (the engine hands the module every
// ARP frame by EtherType, whatever the link layer: Ethernet, VLAN tags,
// LLC/SNAP, Linux cooked) and reports spoofing (traffic diverted after an
// unsolicited claim, flapping bindings, servers' addresses claimed),
// scans, gratuitous floods, address conflicts, unanswered requests and
// malformed messages.
package arp

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

// Module is the ARP module.
type Module struct{ opts Options }

// New returns the ARP module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "arp".
func (*Module) Name() string { return "arp" }

// Tools returns analyze_arp_packets.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_arp_packets",
		Title:       "ARP analysis",
		Description: "ARP and RARP: statistics, IP-to-MAC bindings over time, MAC-to-IPs view, findings (spoofing with the attacker's MAC, scan, gratuitous flood, IP conflict, unanswered, malformed), then packets.",
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
	v, err := modkit.RunListed(ctx, env, in.PcapFile, cacheKey(cfg), bytesKept, observe(env, in, cfg))
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
// its strings, and its key); a pass keeps at most the cache's bound of them.
const bytesKept = 700

// fit cuts the lists of a response over ResponseBudget, the detail first:
// the packets, then the hosts, then the bindings, each by half a round;
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
		func() bool { return result.HalveList(&out.Hosts) },
		func() bool { return result.HalveList(&out.Bindings) },
	)
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_arp_packets with its default arguments, without the packet list.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	_, cfg, err := m.defaults(env)
	if err != nil {
		return nil, err
	}
	cfg.limit = 0 // a brief lists no packets
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		b := modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.run.Conclude(obs)}
		b.Warnings = modkit.Named(m.Name(), obs.stateWarnings()) // after Conclude: the detectors add theirs
		return b
	}}, nil
}

// cacheKey names the tool's pass in the result cache: its thresholds.
func cacheKey(cfg *config) string {
	th, _ := json.Marshal(cfg.th)
	return "analyze_arp_packets " + string(th)
}

// observe makes the tool's pass for modkit.RunListed or KeepListed: an
// observer that adds every packet to kept when kept is not nil, and the
// function that concludes the output.
func observe(env *analyzer.Env, in Input, cfg *config) func(kept *result.Kept[msgKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
	return func(kept *result.Kept[msgKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
		obs := newObserver(cfg)
		obs.kept = kept
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
	return modkit.KeepListed(env, cacheKey(cfg), bytesKept, observe(env, *in, cfg), func(out *Output) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: out.Statistics, Findings: result.CloneFindings(out.Anomalies)}
	})
}
