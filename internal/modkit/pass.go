package modkit

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Brief is what a module tells of a capture when it runs beside others in
// one pass: its summary and its findings, without its detail lists.
type Brief struct {
	Module   string           `json:"module"`
	Summary  any              `json:"summary"`
	Findings []result.Finding `json:"findings"`
	// Hosts is what the module learnt of hosts beyond their traffic (a
	// name a device announced, a role it plays); the overview adds it to
	// its host table.
	Hosts []HostFact `json:"-"`
	// Latencies are the response times the module measured, each with
	// the sample behind its summary (plot_traffic's latency chart).
	Latencies []Latencies `json:"-"`
	// Warnings are the bounds that cost the module rows of its tables
	// (Recorder.RecordPass) or findings (a state budget its detectors or
	// tables reached), each naming the module or table and how much:
	// export_records lists them with the capture's warnings.
	Warnings []string `json:"-"`
}

// Named is ws, each prefixed with the module's name (Brief.Warnings).
func Named(module string, ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = module + ": " + w
	}
	return out
}

// Latencies is one kind of response time a module measures (DNS query to
// response, TCP handshake, ...): the module's own summary and the sample
// of timed values its quantiles come from, in time order.
type Latencies struct {
	Name    string // "dns response", "tcp handshake rtt", ...
	Summary *result.Latency
	Samples []result.Sample // milliseconds, at the time of the response
}

// LatenciesOf is the Latencies of a reservoir filled with AddAt.
func LatenciesOf(name string, r *result.Reservoir) Latencies {
	return Latencies{Name: name, Summary: r.Latency(), Samples: r.Samples()}
}

// HostFact is one thing a module knows of a host, by IP address, by MAC
// address, or both.
type HostFact struct {
	Addr   netip.Addr       // the zero Addr when only the MAC is known
	MAC    net.HardwareAddr // nil when only the address is known
	Name   string           // a name from the packets (escaped with result.Text), or empty
	Source string           // the protocol the name comes from: "lldp", "cdp", ...
	Role   string           // e.g. "dhcpv6 server", or empty
}

// Pass is one module's analysis of one capture in a pass shared with other
// modules.
type Pass interface {
	// Observers are the observers the engine must run for this module.
	Observers() []engine.Observer
	// Brief concludes the analysis after the pass: the module's summary
	// and findings.
	Brief(res *engine.Result) Brief
}

// Passer is a module that can run in a shared pass, with its tool's default
// arguments.
type Passer interface {
	analyzer.Module
	NewPass(env *analyzer.Env) (Pass, error)
}

// Keeper is a Passer whose part of a shared pass can also make what its
// tools keep in the result cache: the overview asks for KeepPass instead of
// NewPass when its own pass is to be cached, so that a tool of the module
// called after the overview is answered from the overview's pass.
type Keeper interface {
	Passer
	// KeepPass is NewPass (the same brief, but for Warnings, which only
	// an export reads, and an export has no cache) whose pass, once
	// concluded, holds the values the module's tools would cache had they
	// run with their default arguments.
	KeepPass(env *analyzer.Env) (Filler, error)
}

// Fill is a value a tool keeps in the result cache, made by a pass shared
// with other modules: Key is the key the tool's RunCached names it by.
type Fill struct {
	Key   string
	Value any
}

// Filler is a Pass that, once its Brief is made, holds values its module's
// tools keep in the result cache.
type Filler interface {
	Pass
	// TakeFills hands the values over once (later calls return none),
	// so that nothing else holds them once the cache lets them go.
	TakeFills() []Fill
}

// KeptPass is a Filler of a module's observers and the function that
// concludes its brief and the values for the cache (none when it could
// not make a whole one).
type KeptPass struct {
	Obs      []engine.Observer
	Conclude func(res *engine.Result) (Brief, []Fill)
	fills    []Fill
}

// Observers returns p.Obs.
func (p *KeptPass) Observers() []engine.Observer { return p.Obs }

// Brief calls p.Conclude and holds its fills.
func (p *KeptPass) Brief(res *engine.Result) Brief {
	b, fills := p.Conclude(res)
	p.fills = fills
	return b
}

// TakeFills returns the fills of Brief, once.
func (p *KeptPass) TakeFills() []Fill {
	f := p.fills
	p.fills = nil
	return f
}

// SharedPasses are the passes of pms in one shared pass: NewPass, or, when
// keep is set (the shared pass is to be cached), KeepPass of the Keepers,
// each seeing the cache's bound divided among them, so that what they keep
// together during the pass stays within it.
func SharedPasses(pms []Passer, env *analyzer.Env, keep bool) ([]Pass, error) {
	var keepers int64
	for _, pm := range pms {
		if _, ok := pm.(Keeper); ok && keep && env.Cache != nil {
			keepers++
		}
	}
	kenv := env
	if keepers > 0 {
		e := *env
		e.Cache = sharedCache{env.Cache, keepers}
		kenv = &e
	}
	out := make([]Pass, len(pms))
	for i, pm := range pms {
		var err error
		if k, ok := pm.(Keeper); ok && keepers > 0 {
			out[i], err = k.KeepPass(kenv)
		} else {
			out[i], err = pm.NewPass(env)
		}
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", pm.Name(), err)
		}
	}
	return out, nil
}

// sharedCache is a cache as one of n passes filling it at once sees it.
type sharedCache struct {
	analyzer.Cache
	n int64
}

// Bound is the cache's bound divided among the passes.
func (c sharedCache) Bound() int64 { return c.Cache.Bound() / c.n }

// TakeFills collects the fills of the passes that are Fillers, once.
func TakeFills(passes []Pass) []Fill {
	var out []Fill
	for _, p := range passes {
		if f, ok := p.(Filler); ok {
			out = append(out, f.TakeFills()...)
		}
	}
	return out
}

// RunPasses makes one engine pass over ref running the observers of every
// pass, and returns each pass's brief in order. Passes share no state, so
// the engine runs them concurrently; the observers of one pass see each
// frame in turn, on one goroutine.
func RunPasses(ctx context.Context, env *analyzer.Env, ref string, passes ...Pass) (*engine.Result, []Brief, error) {
	return RunPassesWith(ctx, env, ref, engine.Options{}, passes...)
}

// RunPassesWith is RunPasses with engine options (a Tee, say); the passes
// run concurrently whatever opts.Concurrent says.
func RunPassesWith(ctx context.Context, env *analyzer.Env, ref string, opts engine.Options, passes ...Pass) (*engine.Result, []Brief, error) {
	opts.Concurrent = true
	res, err := Run(ctx, env, ref, opts, PassObservers(passes)...)
	if err != nil {
		return nil, nil, err
	}
	return res, Briefs(env, passes, res), nil
}

// Briefs concludes every pass of a shared pass over res and returns their
// briefs in order. Passes share no state, so they conclude at once, on up
// to as many goroutines as the pass observed on (env.Workers): concluding
// (sorting, scoring, the detectors' verdicts) took about 6% of the
// overview's time on the 1M bench capture, all of it after the pass. A
// panic of a pass's Brief is a panic of Briefs, on the caller's goroutine.
func Briefs(env *analyzer.Env, passes []Pass, res *engine.Result) []Brief {
	briefs := make([]Brief, len(passes))
	var (
		next     atomic.Int64
		panicked atomic.Pointer[any] // the first panic
		wg       sync.WaitGroup
	)
	conclude := func() {
		defer func() {
			if r := recover(); r != nil {
				panicked.CompareAndSwap(nil, &r)
			}
		}()
		for i := int(next.Add(1) - 1); i < len(passes); i = int(next.Add(1) - 1) {
			briefs[i] = passes[i].Brief(res)
		}
	}
	for range min(engine.Workers(env.Workers), len(passes)) - 1 {
		wg.Go(conclude)
	}
	conclude() // with one worker, every pass in order, on this goroutine
	wg.Wait()
	if r := panicked.Load(); r != nil {
		panic(*r)
	}
	return briefs
}

// PassObservers are the observers of a pass shared by passes: each pass's
// own, as one unit (engine.Serial) when it has several; the engine runs the
// units concurrently (engine.Options.Concurrent).
func PassObservers(passes []Pass) []engine.Observer {
	var obs []engine.Observer
	for _, p := range passes {
		switch o := p.Observers(); len(o) {
		case 0:
		case 1:
			obs = append(obs, o[0])
		default:
			obs = append(obs, engine.Serial(o...))
		}
	}
	return obs
}

// Passes returns a shared-pass analysis for every module of reg that can
// run in one.
func Passes(reg *analyzer.Registry, env *analyzer.Env) ([]Pass, error) {
	var out []Pass
	for _, m := range reg.Modules() {
		if p, ok := m.(Passer); ok {
			pass, err := p.NewPass(env)
			if err != nil {
				return nil, err
			}
			out = append(out, pass)
		}
	}
	return slices.Clip(out), nil
}

// SimplePass is a Pass of a module's observers and the function that
// concludes its brief, for modules whose pass is their observer.
type SimplePass struct {
	Obs      []engine.Observer
	Conclude func(res *engine.Result) Brief
}

// Observers returns p.Obs.
func (p *SimplePass) Observers() []engine.Observer { return p.Obs }

// Brief calls p.Conclude.
func (p *SimplePass) Brief(res *engine.Result) Brief { return p.Conclude(res) }
