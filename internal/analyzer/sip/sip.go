// Package sip analyzes SIP signalling (RFC 3261) and the session
// descriptions it carries (SDP, RFC 8866).
//
// It is the "sip" module. Its tool, analyze_sip_packets, is a drop-in for
// mcpcap's tool of that name with its defects fixed (compact header forms,
// SIP over TCP reassembled with several messages per segment and messages
// split across segments, Content-Length honoured, frame numbers as
// Wireshark numbers them, UTC timestamps, bounded output) and adds what a
// VoIP engineer or analyst needs: SIP over WebSocket (RFC 7118), any
// method, parsed SDP (connection address, media, codecs, direction), calls
// by Call-ID with post-dial delay, setup time, answer or failure code,
// duration and media endpoints, registrations with their challenges and
// results, and detectors for scanners, registration brute force, INVITE
// floods, spikes of failed calls and malformed messages.
//
// Messages are found in UDP datagrams and TCP connections on any port,
// whenever the payload starts with a SIP request or status line (the test
// Wireshark's SIP heuristics apply); TCP connections are reassembled with
// the engine's Reassembler. It sits on the engine like every protocol
// module: one pass, bounded state.
package sip

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

// Options are the module's limits. The state budget of each call
// (analyzer.Env MaxStateBytes) bounds every table further (budget.go).
type Options struct {
	// MaxCalls caps the calls tracked (default 100,000); messages of later
	// calls are still counted.
	MaxCalls int
	// MaxRegistrations caps the registrations tracked (default 50,000).
	MaxRegistrations int
}

// Defaults of Options.
const (
	DefaultMaxCalls         = 100000
	DefaultMaxRegistrations = 50000
)

// ResponseBudget is the largest JSON a call with default page sizes returns.
const ResponseBudget = 32 << 10

// Module is the SIP module.
type Module struct{ opts Options }

// New returns the SIP module.
func New(opts Options) *Module {
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = DefaultMaxCalls
	}
	if opts.MaxRegistrations <= 0 {
		opts.MaxRegistrations = DefaultMaxRegistrations
	}
	return &Module{opts: opts}
}

// Name returns "sip".
func (*Module) Name() string { return "sip" }

// Tools returns analyze_sip_packets.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_sip_packets",
		Title:       "SIP analysis",
		Description: "SIP over UDP/TCP/WebSocket: statistics, calls (outcome, delays, media, re-INVITEs), registrations, findings (scanners, registration brute force, INVITE flood, failed-call spike, malformed), then messages.",
		OpenWorld:   true,
		Params:      detectors.Params(),
	}, m.analyze, writeReport)}
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, m.opts, env)
	if err != nil {
		return nil, err
	}
	// The thresholds and the module's limits shape the analysis; the
	// filters and pages only select from it.
	v, err := modkit.RunCached(ctx, env, in.PcapFile, m.cacheKey(cfg), engine.Options{}, func(keep bool) modkit.CachedPass[*passValue] {
		return m.pass(env, in, cfg, keep)
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
	return fmt.Sprintf("analyze_sip_packets %s %+v", th, m.opts)
}

// pass is the tool's pass for RunCached (keep: to be cached, every item of
// its lists kept).
func (m *Module) pass(env *analyzer.Env, in Input, cfg *config, keep bool) modkit.CachedPass[*passValue] {
	obs := newObserver(cfg)
	if keep {
		obs.kept = &result.Kept[msgKey, keptMsg]{Max: modkit.KeptMax(env, bytesKeptPacket)}
	}
	return modkit.CachedPass[*passValue]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*passValue, bool) {
		out := obs.output(in, res, modkit.Warnings(res, true))
		out.AnalysisTimestamp = result.FormatTime(env.Clock())
		v := &passValue{out: out, packets: obs.kept}
		if keep {
			v.keepLists(obs, env)
		}
		return v, v.complete()
	}}
}

// passValue is what a pass leaves for the result cache: the output of the
// call that made it and, when it was made to be cached, every item of the
// packets, calls and registrations lists with what the filters test.
type passValue struct {
	out           *Output
	packets       *result.Kept[msgKey, keptMsg]
	calls         *result.Kept[listKey, Call]
	registrations *result.Kept[listKey, Registration]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *passValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.KeptSize(v.packets) + modkit.KeptSize(v.calls) + modkit.KeptSize(v.registrations)
}

// keepLists keeps every call and registration obs tracked, in the order
// the output lists them.
func (v *passValue) keepLists(obs *observer, env *analyzer.Env) {
	v.calls = result.KeepAll(modkit.KeptMax(env, bytesKeptCall), obs.callOrder, (*call).listKey, obs.callOutput)
	v.registrations = result.KeepAll(modkit.KeptMax(env, bytesKeptRegistration), obs.regOrder, (*registration).listKey, regOutput)
}

// complete reports whether v holds every item of every list: it can
// answer any selection.
func (v *passValue) complete() bool {
	return v.packets.Whole() && v.calls.Whole() && v.registrations.Whole()
}

// answer is the output for in (whose config is cfg) from v: its packets,
// calls and registrations selected from the kept items when v is complete,
// else v's own. v is not changed: a cached value serves later calls, and
// its warnings are clipped so that fitBudget's append copies them.
func (v *passValue) answer(in Input, cfg *config) *Output {
	out := *v.out
	out.File, out.Filters = in.PcapFile, cfg.filters
	out.Warnings = slices.Clip(out.Warnings)
	if !v.complete() {
		return &out
	}
	msgs, n := v.packets.Select(cfg.matches, cfg.offset, cfg.limit)
	out.Packets = make([]Packet, len(msgs))
	for i := range msgs {
		out.Packets[i] = msgs[i].record()
	}
	out.PacketsPage = result.PageOf(n, cfg.offset, cfg.limit, len(out.Packets))
	out.Calls, n = v.calls.Select(cfg.listMatches, cfg.callOffset, cfg.callLimit)
	out.CallsPage = result.PageOf(n, cfg.callOffset, cfg.callLimit, len(out.Calls))
	out.Registrations, n = v.registrations.Select(cfg.listMatches, cfg.regOffset, cfg.regLimit)
	out.RegistrationsPage = result.PageOf(n, cfg.regOffset, cfg.regLimit, len(out.Registrations))
	return &out
}

// About what one kept item takes, with its key (rescache.SizeOf over the
// test captures: calls 1.0 to 2.7 KB, registrations 0.6 to 0.9 KB): a
// message's bytes and what the pass knew of it (a SIP message is a few
// hundred bytes to a kilobyte or so), a call with its transactions and
// media, a registration. A pass keeps at most the cache's bound of each
// list.
const (
	bytesKeptPacket       = 1500
	bytesKeptCall         = 2500
	bytesKeptRegistration = 1000
)

// fitBudget shrinks the response until its JSON fits ResponseBudget. The
// budget goes to the summary and the findings first: default-sized pages
// (messages, registrations, calls) are halved in turn, down to none if need
// be (their page objects say how many there were). With every page
// default-sized, the summary's lists of Call-IDs and user agents and the
// top lists are halved next (their totals stay), and only then, as a last
// resort, the least severe findings, which a warning counts; a page size
// the caller chose is honoured instead, whatever the size.
func fitBudget(out *Output, cfg *config) {
	pages := []func() bool{
		func() bool { return halve(&out.Packets, &out.PacketsPage, cfg.limitSet) },
		func() bool { return halve(&out.Registrations, &out.RegistrationsPage, cfg.regSet) },
		func() bool { return halve(&out.Calls, &out.CallsPage, cfg.callSet) },
	}
	turn := 0
	inTurn := func() bool { // the next page in turn that can be cut
		for range pages {
			cut := pages[turn%len(pages)]
			turn++
			if cut() {
				return true
			}
		}
		return false
	}
	if cfg.limitSet || cfg.callSet || cfg.regSet {
		fit(out, []func() bool{inTurn})
		return
	}
	st := &out.Statistics
	dropped := 0
	fit(out, []func() bool{
		inTurn,
		func() bool { return halveList(&st.CallIDs) },
		func() bool { return halveList(&st.UserAgents) },
		func() bool {
			return halveList(&out.Top.UserAgents.Items) || halveList(&out.Top.Sources.Items) || halveList(&out.Top.Destinations.Items)
		},
		func() bool {
			if len(out.Anomalies) == 0 {
				return false
			}
			out.Anomalies = out.Anomalies[:len(out.Anomalies)-1]
			if dropped++; dropped == 1 {
				out.Warnings = append(out.Warnings, "")
			}
			out.Warnings[len(out.Warnings)-1] = fmt.Sprintf("%d finding(s), the least severe, not listed to keep the response within %d KiB", dropped, ResponseBudget>>10)
			return true
		},
	})
}

// fit applies the first cut that cuts anything until out fits
// ResponseBudget or nothing more can be cut.
func fit(out *Output, cuts []func() bool) {
	for {
		b, err := json.Marshal(out)
		if err != nil || len(b) <= ResponseBudget || !slices.ContainsFunc(cuts, func(cut func() bool) bool { return cut() }) {
			return
		}
	}
}

// halve cuts a default-sized page to half its items (one item to none),
// and updates its page object; a page whose size the caller chose is not
// cut.
func halve[T any](items *[]T, pg *result.Page, fixed bool) bool {
	if fixed || len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	*pg = result.PageOf(pg.Total, pg.Offset, pg.Limit, len(*items))
	return true
}

// halveList cuts a summary list whose total is given beside it.
func halveList[T any](items *[]T) bool {
	if len(*items) == 0 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}

// NewPass returns the module's analysis for a pass shared with other
// modules: analyze_sip_packets's observer with its default arguments, which
// builds no detail list.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	cfg.limit = 0 // no message records
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		b := modkit.Brief{Module: m.Name(), Summary: obs.statistics(), Findings: obs.findings()}
		b.Warnings = modkit.Named(m.Name(), obs.budgetWarnings())
		return b
	}}, nil
}

var _ modkit.Passer = (*Module)(nil)

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
	return modkit.KeepCached(m.cacheKey(cfg), m.pass(env, *in, cfg, true), func(v *passValue) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: v.out.Statistics, Findings: result.CloneFindings(v.out.Anomalies)}
	})
}
