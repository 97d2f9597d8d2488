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
	"encoding/json"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/rescache"
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
	v, _, err := modkit.RunCached(ctx, env, in.PcapFile, cacheKey(cfg, m.opts), engine.Options{}, func(keep bool) modkit.CachedPass[*passValue] {
		obs := newObserver(cfg)
		return modkit.CachedPass[*passValue]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*passValue, bool) {
			out := obs.output(in, res, modkit.Warnings(res, true))
			out.AnalysisTimestamp = result.FormatTime(env.Clock())
			v := &passValue{out: out}
			if keep {
				v.kept = v.keep(obs, env.Cache.Bound())
			}
			return v, v.kept
		}}
	})
	if err != nil {
		return nil, err
	}
	out := v.answer(in, cfg)
	fitBudget(out, cfg)
	return out, nil
}

// cacheKey names what shapes the analysis for the result cache: the tool,
// list_ciphers (it changes the session objects), the thresholds, the
// module's limit and the filters. The filters are in it because they
// choose the sessions the top lists and fingerprints count, not only the
// sessions and certificates listed; only the paging arguments are left
// out, so one pass answers every page of its filters.
func cacheKey(cfg *config, opts Options) string {
	b, _ := json.Marshal(struct {
		ListCiphers            bool
		SNI, JA3, JA4, Version string
		ServerIP, ClientIP     netip.Addr
		Start, End             time.Time
		MaxSessions            int
		Thresholds             analyzer.Thresholds
	}{cfg.listCiphers, cfg.sni, cfg.ja3, cfg.ja4, cfg.version, cfg.serverIP, cfg.clientIP, cfg.when.Start.UTC(), cfg.when.End.UTC(), opts.MaxSessions, cfg.th})
	return "analyze_tls_sessions " + string(b)
}

// passValue is what a pass leaves for the result cache: the output of the
// call that made it and, when it was made to be cached (kept), every
// session and certificate of its filters, presented.
type passValue struct {
	out      *Output
	kept     bool
	sessions []Session
	certs    []Certificate
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *passValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.SliceSize(v.sessions) + modkit.SliceSize(v.certs)
}

// keep presents every matching session and certificate of obs into v,
// unless either list would take more than half of bound (by the
// bytes-per-item estimates); it reports whether it kept them.
func (v *passValue) keep(obs *observer, bound int64) bool {
	matched, certs := obs.selection()
	if int64(len(matched)) > bound/2/bytesKeptSession(obs.cfg) || int64(len(certs)) > bound/2/bytesKeptCert {
		return false
	}
	v.sessions, _ = obs.presentSessions(matched, 0, len(matched))
	v.certs, _ = obs.presentCerts(certs, 0, len(certs))
	return true
}

// answer is the output for in (whose config is cfg) from v: its pages of
// sessions and certificates cut anew from the kept lists when there are
// any, else v's own. v is not changed: a cached value serves later calls.
func (v *passValue) answer(in Input, cfg *config) *Output {
	out := *v.out
	out.File, out.Filters = in.PcapFile, cfg.filters
	if v.kept {
		out.Sessions, out.SessionsPage = pageOf(v.sessions, cfg.offset, cfg.limit)
		out.Certificates, out.CertificatesPage = pageOf(v.certs, cfg.certOffset, cfg.certLimit)
	}
	return &out
}

// pageOf is the page of a kept list from offset, at most limit, in a
// slice of its own.
func pageOf[T any](items []T, offset, limit int) ([]T, result.Page) {
	page, pg := result.Paginate(items, offset, limit)
	return slices.Clone(page), pg
}

// bytesKeptSession is about what one kept session takes (its Session
// record with its strings and lists): 960 to 1180 bytes measured
// (rescache.SizeOf) on the generated captures, up to 2110 with
// list_ciphers, which browsers' longer cipher and extension lists exceed.
func bytesKeptSession(cfg *config) int64 {
	if cfg.listCiphers {
		return 2500
	}
	return 1300
}

// bytesKeptCert is about what one kept certificate takes: 580 to 620 bytes
// measured on the generated captures, whose certificates have few names; a
// public site's has up to 60 SANs and longer subjects.
const bytesKeptCert = 2000

var _ modkit.Passer = (*Module)(nil)

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
		return modkit.Brief{Module: m.Name(), Summary: &sm, Findings: obs.findings()}
	}}, nil
}
