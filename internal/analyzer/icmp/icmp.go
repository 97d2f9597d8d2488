// Package icmp analyzes ICMP (RFC 792) and ICMPv6 (RFC 4443) traffic,
// neighbor discovery (RFC 4861) and multicast listener discovery (RFC 2710,
// RFC 3810) included.
//
// It is the "icmp" module. Its tool, analyze_icmp_packets, is a drop-in for
// mcpcap's tool of that name with its defects fixed (ICMPv6 handled, echo
// pairs keyed by hosts and identifier with round-trip times, unreachable
// destinations read from the quoted datagram) and adds per host pair
// loss and RTT, the decoded datagram of every error, traceroute paths, and
// detectors for sweeps, floods, tunnels, redirects, unreachable storms, path
// MTU black holes and malformed messages.
package icmp

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

// Module is the ICMP module.
type Module struct{ opts Options }

// New returns the ICMP module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "icmp".
func (*Module) Name() string { return "icmp" }

// Tools returns analyze_icmp_packets.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_icmp_packets",
		Title:       "ICMP and ICMPv6 analysis",
		Description: "ICMP and ICMPv6: statistics, echo loss and RTT per host pair, traceroute paths, findings (ping sweep, flood, tunneling, redirects, unreachable storm, PMTU blackhole, malformed), then packets with their quoted datagrams.",
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
	v, err := modkit.RunListed(ctx, env, in.PcapFile, cacheKey(in), bytesKept, observe(env, in, cfg))
	if err != nil {
		return nil, err
	}
	out := *v.Out // v is shared with later calls: the answer is a copy
	out.File, out.Filters = in.PcapFile, cfg.filters
	if msgs, pg, ok := v.Page(cfg.matches, cfg.offset, cfg.limit); ok {
		out.Packets, out.PacketsPage = make([]Packet, len(msgs)), pg
		for i, in := range msgs {
			out.Packets[i] = in.record()
		}
	}
	fit(&out, cfg.limitSet)
	return &out, nil
}

// bytesKept is about what one kept message takes (its msgInfo, with its
// bytes, and its key); a pass keeps at most the cache's bound of them.
const bytesKept = 600

// fit cuts the lists of a response over ResponseBudget, the detail first:
// the packets, then the traceroutes, then the host pairs, each by half a
// round; the statistics and findings stay. The packets of a caller who set
// limit are not cut, and come on top of the budget.
func fit(out *Output, limitSet bool) {
	budget := ResponseBudget
	if limitSet {
		b, _ := json.Marshal(out.Packets)
		budget += len(b)
	}
	result.FitBudget(out, budget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, limitSet) },
		func() bool { return halve(&out.Traceroutes) },
		func() bool { return halve(&out.HostPairs) },
		func() bool { return !limitSet && len(out.Packets) == 1 && cutLast(&out.Packets, &out.PacketsPage) },
	)
}

// halve cuts a list that has no page object (its total is beside it) to
// half, down to none.
func halve[T any](items *[]T) bool {
	if len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

// cutLast empties a one-item page.
func cutLast[T any](items *[]T, pg *result.Page) bool {
	*items = (*items)[:0]
	*pg = result.PageOf(pg.Total, pg.Offset, pg.Limit, 0)
	return true
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_icmp_packets with its default arguments, without the packet list.
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
func cacheKey(in Input) string {
	th, _ := json.Marshal(in.Thresholds)
	return "analyze_icmp_packets " + string(th)
}

// observe makes the tool's pass for modkit.RunListed or KeepListed: an
// observer that adds every packet to kept when kept is not nil, and the
// function that concludes the output.
func observe(env *analyzer.Env, in Input, cfg *config) func(kept *result.Kept[msgKey, msgInfo]) ([]engine.Observer, func(*engine.Result) *Output) {
	return func(kept *result.Kept[msgKey, msgInfo]) ([]engine.Observer, func(*engine.Result) *Output) {
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
	return modkit.KeepListed(env, cacheKey(*in), bytesKept, observe(env, *in, cfg), func(out *Output) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: out.Statistics, Findings: result.CloneFindings(out.Anomalies)}
	})
}
