// Package lldp analyzes the link-layer discovery protocols: LLDP (IEEE
// 802.1AB, with its 802.1, 802.3 and LLDP-MED extensions) and Cisco's CDP.
//
// It is the "lldp" module. Its tool, analyze_network_devices, lists the
// devices that announce themselves on the wire: chassis or device id,
// system name and description, port id and description, native or port
// VLAN, capabilities (supported and enabled), management addresses,
// platform and software version (CDP), power over Ethernet and LLDP-MED
// data, TTL and when they were seen; a neighbour table of the device
// ports the capture's links attach to; and detectors for discovery
// spoofing and malformed frames. The frames are link-layer: the observer
// asks the engine for their EtherTypes (engine.Interest: 0x88cc, and
// 0x2000 behind LLC/SNAP) and decodes Packet.NetworkPayload with
// gopacket's layers.
package lldp

import (
	"context"
	"encoding/json"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// ResponseBudget is the largest JSON a call with default page sizes
// returns.
const ResponseBudget = 32 << 10

// Options are the module's limits; it has none yet.
type Options struct{}

// Module is the LLDP/CDP module.
type Module struct{ opts Options }

// New returns the LLDP/CDP module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "lldp".
func (*Module) Name() string { return "lldp" }

// Tools returns analyze_network_devices.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_network_devices",
		Title:       "LLDP and CDP device discovery",
		Description: "LLDP and CDP: the devices announcing themselves (chassis/device id, system name and description, ports, VLANs, capabilities, management addresses, platform, PoE/MED), the device ports the capture's links attach to, findings (discovery spoofing, malformed frames), then frames.",
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

// bytesKept is about what one kept frame takes (its Packet record, with
// its strings, and its key); a pass keeps at most the cache's bound of
// them.
const bytesKept = 1200

// fit cuts the lists of a response over ResponseBudget: the frames, then
// the neighbours, then the devices, each by half a round.
func fit(out *Output, limitSet bool) {
	budget := ResponseBudget
	if limitSet {
		b, _ := json.Marshal(out.Packets)
		budget += len(b)
	}
	result.FitBudget(out, budget,
		func() bool { return result.Halve(&out.Packets, &out.PacketsPage, limitSet) },
		func() bool { return halve(&out.Neighbors) },
		func() bool { return halve(&out.Devices) },
	)
}

func halve[T any](items *[]T) bool {
	if len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// analyze_network_devices with its default arguments, without the frames.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	_, cfg, err := m.defaults(env)
	if err != nil {
		return nil, err
	}
	cfg.limit = 0
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		b := modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.findings(), Hosts: obs.hostFacts()}
		b.Warnings = modkit.Named(m.Name(), append(obs.limitWarnings(), obs.detWarnings...)) // after findings: the detectors add theirs
		return b
	}}, nil
}

// cacheKey names the tool's pass in the result cache: its thresholds.
func cacheKey(cfg *config) string {
	th, _ := json.Marshal(cfg.th)
	return "analyze_network_devices " + string(th)
}

// observe makes the tool's pass for modkit.RunListed or KeepListed: an
// observer that adds every packet to kept when kept is not nil, and the
// function that concludes the output. made, when not nil, is set to the
// observer.
func observe(env *analyzer.Env, in Input, cfg *config, made **observer) func(kept *result.Kept[frameKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
	return func(kept *result.Kept[frameKey, Packet]) ([]engine.Observer, func(*engine.Result) *Output) {
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
