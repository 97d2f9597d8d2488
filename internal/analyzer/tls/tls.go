// Package tls analyzes TLS over TCP and QUIC without keys: what the
// handshakes say in the clear.
//
// It is the "tls" module. Its tool, analyze_tls_sessions, finds TLS on any
// TCP port from the content (streams reassembled, records split over
// segments and several handshake messages per record handled) and QUIC on
// any UDP port (long header packets parsed, Initial packets decrypted with
// the version's initial secrets, CRYPTO frames put back in order), and
// DTLS hellos that fit in one datagram. Per
// session it reports the server name, ALPN, versions, cipher suites, key
// share groups, resumption, HelloRetryRequest, alerts, handshake timing,
// encrypted bytes each way, the certificate chain (TLS <= 1.2, decoded
// with crypto/x509 and judged at the capture's time), and the JA3, JA3S
// (as Wireshark computes them) and JA4 fingerprints. Detectors flag
// deprecated versions, weak cipher suites, expired, self-signed and
// mismatched certificates, TLS on unusual ports, missing SNI, handshake
// failures and malformed TLS.
package tls

import (
	"context"
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits.
type Options struct {
	// MaxSessions, when positive, caps the sessions kept below what the
	// call's state budget allows; later sessions are counted only.
	MaxSessions int
}

// ResponseBudget is the largest JSON a call with default page sizes returns.
const ResponseBudget = 32 << 10

// Module is the TLS module.
type Module struct{ opts Options }

// New returns the TLS module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "tls".
func (*Module) Name() string { return "tls" }

// Tools returns analyze_tls_sessions.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_tls_sessions",
		Title:       "TLS and QUIC analysis",
		Description: "TLS over TCP (any port) and QUIC, no keys needed: per session SNI, ALPN, versions, ciphers, certificates, JA3/JA3S/JA4, alerts, timing; top names and fingerprints; findings (old versions, weak ciphers, bad certificates, odd ports, missing SNI, failed handshakes, malformed); sessions and certificates paged.",
		OpenWorld:   true,
		Params:      detectors.Params(),
	}, m.analyze, writeReport)}
}

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	cfg, err := newConfig(in, m.opts, env)
	if err != nil {
		return nil, err
	}
	// What the observer keeps depends only on the tables' bounds: every
	// filter, page, presentation and threshold applies to its tables when
	// the answer is built, so one pass answers them all.
	p, err := modkit.RunCached(ctx, env, in.PcapFile, cacheKey(cfg), engine.Options{}, func(bool) modkit.CachedPass[*tlsPass] {
		_, p := pass(env, cfg)
		return p
	})
	if err != nil {
		return nil, err
	}
	out := p.obs.output(cfg, in, p.res, modkit.Warnings(p.res, true))
	out.AnalysisTimestamp = p.at
	fitBudget(out, cfg)
	return out, nil
}

// tlsPass is a pass the result cache keeps: the observer's tables, the
// engine's result and when the pass ran.
type tlsPass struct {
	obs *observer
	res *engine.Result
	at  string
}

// CacheSize estimates what p holds: its sessions and certificates at the
// bytes per entry the state budget counts, and a little for the rest.
func (p *tlsPass) CacheSize() int64 {
	return int64(len(p.obs.sessions))*bytesSession + int64(len(p.obs.certs))*bytesCert + 64<<10
}

var _ modkit.Passer = (*Module)(nil)

// cacheKey names the pass with cfg in the result cache: the tables'
// bounds.
func cacheKey(cfg *config) string { return fmt.Sprintf("analyze_tls_sessions bounds %+v", cfg.lim) }

// pass is the tool's pass for RunCached and its observer.
func pass(env *analyzer.Env, cfg *config) (*observer, modkit.CachedPass[*tlsPass]) {
	obs := newObserver(cfg)
	return obs, modkit.CachedPass[*tlsPass]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*tlsPass, bool) {
		return &tlsPass{obs: obs, res: res, at: result.FormatTime(env.Clock())}, true
	}}
}

var _ modkit.Keeper = (*Module)(nil)

// KeepPass is NewPass whose observer, once concluded, is the pass the tool
// keeps in the result cache (the brief only reads its tables).
func (m *Module) KeepPass(env *analyzer.Env) (modkit.Filler, error) {
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	obs, p := pass(env, cfg)
	return modkit.KeepCached(cacheKey(cfg), p, func(*tlsPass) modkit.Brief {
		sm := obs.summary()
		return modkit.Brief{Module: m.Name(), Summary: &sm, Findings: obs.findings(cfg.th)}
	})
}

// NewPass runs the module in a pass shared with other modules, with
// analyze_tls_sessions' default arguments; its brief is the summary and
// the findings.
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	in := m.Tools()[0].NewInput().(*Input)
	cfg, err := newConfig(*in, m.opts, env)
	if err != nil {
		return nil, err
	}
	obs := newObserver(cfg)
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		sm := obs.summary()
		return modkit.Brief{Module: m.Name(), Summary: &sm, Findings: obs.findings(cfg.th)}
	}}, nil
}
