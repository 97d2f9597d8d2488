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

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
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
	obs := newObserver(cfg)
	res, err := modkit.Run(ctx, env, in.PcapFile, engine.Options{}, obs)
	if err != nil {
		return nil, err
	}
	out := obs.output(in, res)
	if env != nil {
		out.AnalysisTimestamp = result.FormatTime(env.Clock())
	}
	fitBudget(out, cfg)
	return out, nil
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
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		return modkit.Brief{Module: m.Name(), Summary: obs.summary(), Findings: obs.findings(),
			Latencies: []modkit.Latencies{modkit.LatenciesOf("http response", &obs.latencies)}}
	}}, nil
}
