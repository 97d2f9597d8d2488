// Package overview tells what is in a capture in one call, the way an
// analyst starts: Wireshark's statistics (protocol hierarchy, conversations,
// endpoints, I/O graph), Zeek's conn.log, a host list like NetworkMiner's,
// and every module's findings ranked, with the calls to make next.
//
// It is the "overview" module; its one tool is analyze_overview. It reads the
// capture once: the engine runs its own observers beside the shared-pass
// observers of every module it is given (modkit.Passer), and each module's
// brief supplies its findings. Its tables agree with tshark's
// "-z io,phs", "-z conv,<type>" and "-z endpoints,<type>" and with the
// Community ID that Wireshark and Zeek compute (README.md says where and
// why they differ); flows follow Zeek's conn_state and history (package
// flow). Every table is bounded (Options), and the answer fits 32 KiB by
// default.
package overview

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/rescache"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits and the modules it runs.
type Options struct {
	// Modules are the modules whose shared-pass analysis runs in the same
	// pass; their findings are ranked together.
	Modules []modkit.Passer
	// MaxFlows caps the flow table (default 250,000); later flows are
	// counted in the warnings, not listed.
	MaxFlows int
	// MaxConversations caps each conversation table (default 250,000).
	MaxConversations int
	// MaxHosts caps the addresses whose names are kept (default 50,000).
	MaxHosts int
}

// Defaults of Options.
const (
	DefaultMaxFlows         = 250000
	DefaultMaxConversations = 250000
	DefaultMaxHosts         = 50000
)

// ResponseBudget is the largest JSON a call with default list sizes
// returns.
const ResponseBudget = 32 << 10

// Module is the overview module.
type Module struct{ opts Options }

// New returns the overview module.
func New(opts Options) *Module {
	if opts.MaxFlows <= 0 {
		opts.MaxFlows = DefaultMaxFlows
	}
	if opts.MaxConversations <= 0 {
		opts.MaxConversations = DefaultMaxConversations
	}
	if opts.MaxHosts <= 0 {
		opts.MaxHosts = DefaultMaxHosts
	}
	opts.Modules = slices.Clone(opts.Modules)
	return &Module{opts: opts}
}

// Passers returns the modules that can run in a shared pass, in order: what
// New's Options.Modules takes.
func Passers(mods ...analyzer.Module) []modkit.Passer {
	var out []modkit.Passer
	for _, m := range mods {
		if p, ok := m.(modkit.Passer); ok {
			out = append(out, p)
		}
	}
	return out
}

// Name returns "overview".
func (*Module) Name() string { return "overview" }

// Prompts returns none.
func (*Module) Prompts() []analyzer.Prompt { return nil }

// Tools returns analyze_overview.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_overview",
		Title:       "Capture overview",
		Description: "Start here. One pass: capture facts, every module's findings ranked (each with the call that details it), suggested next calls, protocol hierarchy, time profile, conversations, hosts, and flows as Zeek's conn.log with Community ID.",
		OpenWorld:   true,
	}, m.analyze, writeReport)}
}

// args are a call's checked arguments.
type args struct {
	in                 Input
	findOff, findLim   int
	protoOff, protoLim int
	convOff, convLim   int
	hostOff, hostLim   int
	flowOff, flowLim   int
	buckets            int
	convTypes          []convType
	flows              flowFilter
	limitSet           [5]bool // findings, protocols, conversations, hosts, flows
}

func parseArgs(in Input) (*args, error) {
	a := &args{in: in}
	var err error
	pages := []struct {
		name           string
		off, lim       int
		def, max       int
		outOff, outLim *int
	}{
		{"findings", in.FindingsOffset, in.FindingsLimit, 10, 500, &a.findOff, &a.findLim},
		{"protocols", in.ProtocolsOffset, in.ProtocolsLimit, 60, maxNodes, &a.protoOff, &a.protoLim},
		{"conversations", in.ConversationsOffset, in.ConversationsLimit, 5, 1000, &a.convOff, &a.convLim},
		{"hosts", in.HostsOffset, in.HostsLimit, 10, 1000, &a.hostOff, &a.hostLim},
		{"flows", in.FlowsOffset, in.FlowsLimit, 10, 1000, &a.flowOff, &a.flowLim},
	}
	for i, p := range pages {
		*p.outOff, *p.outLim, err = result.PageArgs(p.off, p.lim, p.def, p.max)
		if err != nil {
			return nil, fmt.Errorf("%s_%s", p.name, err)
		}
		a.limitSet[i] = p.lim > 0
	}
	switch {
	case in.Buckets == 0:
		a.buckets = 60
	case in.Buckets < 1 || in.Buckets > 1000:
		return nil, fmt.Errorf("buckets must be a whole number from 1 to 1000; got %d", in.Buckets)
	default:
		a.buckets = in.Buckets
	}
	switch t := strings.ToLower(strings.TrimSpace(in.ConversationType)); t {
	case "", "all":
		a.convTypes = []convType{convEth, convIPv4, convIPv6, convTCP, convUDP}
	default:
		i := slices.Index(convTypeNames[:], t)
		if i < 0 {
			return nil, fmt.Errorf("conversation_type %q is not one of eth, ipv4, ipv6, tcp, udp", in.ConversationType)
		}
		a.convTypes = []convType{convType(i)}
	}
	switch strings.ToLower(in.ConversationsSort) {
	case "", "bytes", "frames", "duration":
	default:
		return nil, fmt.Errorf("conversations_sort %q is not one of bytes, frames, duration", in.ConversationsSort)
	}
	if a.flows, err = newFlowFilter(in); err != nil {
		return nil, err
	}
	return a, nil
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	a, err := parseArgs(in)
	if err != nil {
		return nil, err
	}
	// Every argument selects from the pass (the lists' pages, sorts and
	// filters, the time profile's buckets); the modules and table bounds
	// shape it.
	names := make([]string, len(m.opts.Modules))
	for i, pm := range m.opts.Modules {
		names[i] = pm.Name()
	}
	key := fmt.Sprintf("analyze_overview modules %v flows %d conversations %d hosts %d", names, m.opts.MaxFlows, m.opts.MaxConversations, m.opts.MaxHosts)
	var own *ownPass
	defer func() {
		if own != nil {
			own.stop() // a pass that failed leaves its async worker running otherwise
		}
	}()
	v, err := modkit.RunCached(ctx, env, in.PcapFile, key, engine.Options{Concurrent: true}, func(keep bool) modkit.CachedPass[*passValue] {
		own = newOwnPass(env, m.opts)
		// A pass to be cached also makes what the modules' tools cache,
		// so that they answer from it.
		mods, err := modkit.SharedPasses(m.opts.Modules, env, keep)
		if err != nil {
			return modkit.CachedPass[*passValue]{Err: err}
		}
		passes := append([]modkit.Pass{own}, mods...)
		ran := m.opts.Modules
		return modkit.CachedPass[*passValue]{Observers: modkit.PassObservers(passes), Conclude: func(res *engine.Result) (*passValue, bool) {
			own.stop() // (the engine flushed it; no fact is left)
			briefs := modkit.Briefs(env, passes, res)
			return &passValue{obs: own.obs, res: res, ran: ran, briefs: briefs[1:], fills: modkit.TakeFills(passes)}, true
		}}
	})
	if err != nil {
		return nil, err
	}
	out := build(a, v.obs, v.res, v.ran, v.briefs, m.opts)
	out.File = in.PcapFile
	fitBudget(out, a)
	return out, nil
}

// passValue is what the pass leaves for the result cache: the overview's
// tables and every module's brief, from which build makes the answer to
// any arguments (it reads them and changes nothing).
type passValue struct {
	obs    *observer
	res    *engine.Result
	ran    []modkit.Passer
	briefs []modkit.Brief
	fills  []modkit.Fill // what the modules' tools cache, until RunCached takes it
}

// TakeFills hands RunCached what the modules' tools cache, once.
func (v *passValue) TakeFills() []modkit.Fill {
	f := v.fills
	v.fills = nil
	return f
}

// CacheSize estimates what v holds, for the cache's bound: its chunked
// tables by their records' sizes (walking every record, as rescache.SizeOf
// would, costs a good part of the pass), the rest by walking it.
func (v *passValue) CacheSize() int64 {
	o := v.obs
	chunk := func(n int, t reflect.Type) int64 { return int64((n+chunkSize-1)/chunkSize*chunkSize) * int64(t.Size()) }
	n := chunk(o.flows.recs.len(), reflect.TypeFor[flowRec]()) + int64(o.flows.recs.len())*tcpStateBytes +
		chunk(o.pairs.len(), reflect.TypeFor[pairRec]()) + rescache.SizeOf(o.pairIdx)
	for _, t := range o.convs {
		n += chunk(t.convs.len(), reflect.TypeFor[conv]()) + chunk(t.keys.len(), reflect.TypeFor[convKey]()) +
			chunk(t.sides.len(), reflect.TypeFor[[2]side]()) + rescache.SizeOf(t.index)
	}
	return n + rescache.SizeOf(o.names) + rescache.SizeOf(o.tree) + rescache.SizeOf(o.tp) + rescache.SizeOf(v.briefs)
}

// tcpStateBytes is about what a TCP flow's state (flow.Conn's) takes
// beside its record.
const tcpStateBytes = 64

// ownPass runs the overview's observer in the shared pass, its tables
// updated in a goroutine of their own (async) unless the pass has a single
// worker (analyzer.Env.Workers), which then does it all.
type ownPass struct {
	obs   *observer
	async *async // nil for one worker
}

func newOwnPass(env *analyzer.Env, opts Options) *ownPass {
	own := &ownPass{obs: newObserver(opts)}
	workers := 0
	if env != nil {
		workers = env.Workers
	}
	if engine.Workers(workers) > 1 {
		own.async = newAsync(own.obs)
	}
	return own
}

func (p *ownPass) Observers() []engine.Observer {
	if p.async == nil {
		return []engine.Observer{p.obs}
	}
	return []engine.Observer{p.async}
}

// stop ends the async worker, if any, once every fact is applied; safe to
// call more than once.
func (p *ownPass) stop() {
	if p.async != nil {
		p.async.stop()
	}
}

func (p *ownPass) Brief(*engine.Result) modkit.Brief {
	return modkit.Brief{Module: "overview", Findings: []result.Finding{}}
}

// fitBudget shrinks the lists the caller did not size until the JSON fits
// ResponseBudget: flows first, then hosts, conversations, protocols and
// findings; each cut is disclosed in its page.
func fitBudget(out *Output, a *args) {
	cuts := []func() bool{
		func() bool { return result.Halve(&out.Flows, &out.FlowsPage, a.limitSet[4]) },
		func() bool { return result.Halve(&out.Hosts, &out.HostsPage, a.limitSet[3]) },
		func() bool {
			cut := false
			for i := range out.Conversations {
				c := &out.Conversations[i]
				if result.Halve(&c.Items, &c.Page, a.limitSet[2]) {
					cut = true
				}
			}
			return cut
		},
		func() bool { return result.Halve(&out.Protocols, &out.ProtocolsPage, a.limitSet[1]) },
		func() bool { return result.Halve(&out.Findings, &out.FindingsPage, a.limitSet[0]) },
	}
	result.FitBudget(out, ResponseBudget, cuts...)
}
