// Package http analyzes HTTP/1.0 and HTTP/1.1 (RFC 9112) and cleartext
// HTTP/2 (RFC 9113: prior knowledge and Upgrade: h2c), gRPC included.
//
// It is the "http" module. Its tool, analyze_http_transactions, follows every
// TCP connection whose first data seen starts an HTTP/1 message or the HTTP/2
// preface, on any port, over the engine's TCP reassembly. HTTP/1 messages
// are read by the module's own line parser (header order kept, a header
// block bounded to 64 KiB, bodies delimited as RFC 9112 §6 says: Content-
// Length, chunked with trailers, close-delimited, none for HEAD, 1xx, 204
// and 304), paired per connection in order (pipelining, 100 Continue),
// and switched to HTTP/2 or a tunnel on 101 and CONNECT. HTTP/2 frames are
// read with golang.org/x/net/http2's Framer and hpack. Bodies are hashed
// (SHA-256, MD5) as they stream, decoded from gzip or deflate, and sniffed;
// a body is never held whole. Detectors flag scanners, cleartext
// credentials, executable downloads, 5xx bursts, suspicious user agents,
// HTTP on unusual ports, large uploads to rare hosts and malformed messages.
package http

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/rescache"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits.
type Options struct {
	// MaxConns, when positive, caps the connections followed at once
	// below what the call's state budget allows.
	MaxConns int
}

// ResponseBudget is the largest JSON a call with default page sizes returns.
const ResponseBudget = 32 << 10

// Module is the HTTP module.
type Module struct{ opts Options }

// New returns the HTTP module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "http".
func (*Module) Name() string { return "http" }

// Tools returns analyze_http_transactions.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_http_transactions",
		Title:       "HTTP analysis",
		Description: "HTTP/1.x and cleartext HTTP/2 (h2c, gRPC) on any port: requests paired with responses, latency, files transferred with SHA-256/MD5 and sniffed type, aggregates, findings (scanners, cleartext credentials, executable downloads, 5xx spikes, suspicious user agents, non-standard ports, large uploads, malformed), then transactions and files.",
		OpenWorld:   true,
		Params:      detectors.Params(),
	}, m.analyze, writeReport)}
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, m.opts, env)
	if err != nil {
		return nil, err
	}
	v, err := modkit.RunCached(ctx, env, in.PcapFile, cacheKey(cfg, m.opts), engine.Options{}, func(keep bool) modkit.CachedPass[*passValue] {
		_, p := pass(env, in, cfg, keep)
		return p
	})
	if err != nil {
		return nil, err
	}
	out := v.answer(in, cfg)
	fitBudget(out, cfg)
	return out, nil
}

// pass is the tool's pass for RunCached (keep: to be cached, every
// transaction and file kept) and its observer.
func pass(env *analyzer.Env, in Input, cfg *config, keep bool) (*observer, modkit.CachedPass[*passValue]) {
	obs := newObserver(cfg)
	if keep { // each list may take half the cache's bound
		obs.keptTx = &result.Kept[txKey, Transaction]{Max: modkit.KeptMax(env, int(2*bytesKeptTx(cfg)))}
		obs.keptFiles = &result.Kept[txKey, File]{Max: modkit.KeptMax(env, 2*bytesKeptFile)}
	}
	return obs, modkit.CachedPass[*passValue]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*passValue, bool) {
		out := obs.output(in, res)
		if env != nil {
			out.AnalysisTimestamp = result.FormatTime(env.Clock())
		}
		v := &passValue{out: out, tx: obs.keptTx, files: obs.keptFiles}
		return v, v.kept()
	}}
}

// cacheKey names what shapes the analysis for the result cache: the tool,
// the arguments that change what is computed (header lists, and whether
// secrets in them and in the findings are shown), the thresholds and the
// module's limit. The filters and paging only select from the transactions
// and files, so they are left out: one pass answers them all.
func cacheKey(cfg *config, opts Options) string {
	b, _ := json.Marshal(struct {
		Headers, Reveal bool
		MaxConns        int
		Thresholds      analyzer.Thresholds
	}{cfg.headers, cfg.reveal, opts.MaxConns, cfg.th})
	return "analyze_http_transactions " + string(b)
}

// passValue is what a pass leaves for the result cache: the output of the
// call that made it and, when it was made to be cached, every transaction
// and every file with what the filters test of its transaction.
type passValue struct {
	out   *Output
	tx    *result.Kept[txKey, Transaction]
	files *result.Kept[txKey, File]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *passValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.KeptSize(v.tx) + modkit.KeptSize(v.files)
}

// kept reports whether v holds both lists whole.
func (v *passValue) kept() bool {
	return v.tx.Whole() && v.files.Whole()
}

// answer is the output for in (whose config is cfg) from v: its
// transactions and files selected from the kept lists when there are any,
// else v's own. v is not changed: a cached value serves later calls, so
// the warnings fitBudget may add to go to a new array.
func (v *passValue) answer(in Input, cfg *config) *Output {
	out := *v.out
	out.File, out.Filters = in.PcapFile, cfg.filters
	out.Warnings = slices.Clip(out.Warnings)
	if v.kept() {
		var matched int
		out.Transactions, matched = v.tx.Select(cfg.matches, cfg.offset, cfg.limit)
		out.TxPage = result.PageOf(matched, cfg.offset, cfg.limit, len(out.Transactions))
		out.Files, matched = v.files.Select(cfg.matches, cfg.fOffset, cfg.fLimit)
		out.FilesPage = result.PageOf(matched, cfg.fOffset, cfg.fLimit, len(out.Files))
	}
	return &out
}

// bytesKeptFile is about what one kept file takes (its File record, with
// its strings, and its transaction's key): 640 to 880 bytes measured
// (rescache.SizeOf) on the generated captures.
const bytesKeptFile = 900

// bytesKeptTx is about what one kept transaction takes (its Transaction
// record, with its strings, and its key): 920 to 1390 bytes measured on the
// generated captures, up to 2320 with header lists, which real browsers'
// cookies and user agents make longer.
func bytesKeptTx(cfg *config) int64 {
	if cfg.headers {
		return 3500
	}
	return 1400
}

var _ modkit.Passer = (*Module)(nil)

// NewPass runs the module in a pass shared with other modules, with the
// tool's default arguments; its brief is the summary and the findings.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	cfg.limit, cfg.fLimit = 0, 0
	cfg.hashing = hashPrograms // a brief shows no file's hashes but an executable's
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: obs.summary(), Findings: obs.findings(),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("http response", &obs.latencies)}}
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
	obs, p := pass(env, *in, cfg, true)
	return modkit.KeepCached(cacheKey(cfg, m.opts), p, func(v *passValue) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: v.out.Summary, Findings: result.CloneFindings(v.out.Anomalies),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("http response", &obs.latencies)}}
	})
}
