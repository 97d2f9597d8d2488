package tcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// what analyze_tcp_anomalies runs with its default arguments (no filters,
// the thresholds at their defaults).
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	f, err := newConnFilter(Common{})
	if err != nil {
		return nil, err
	}
	return &pass{name: m.Name(), f: f, obs: newObserver(limitsFor(env, m.opts.MaxConnections), env.MaxPackets, defaultThresholds())}, nil
}

// pass is the module's analysis in a shared pass.
type pass struct {
	name string
	f    *connFilter
	obs  *observer
}

// Observers returns the module's observer.
func (p *pass) Observers() []engine.Observer { return []engine.Observer{p.obs} }

// Brief returns analyze_tcp_anomalies' statistics and findings, without
// its patterns, analysis counts and flagged segments.
func (p *pass) Brief(*engine.Result) modkit.Brief {
	r := newResults(p.obs, p.f)
	return modkit.Brief{Module: p.name, Summary: r.anomalyStatistics(), Findings: p.obs.run.Conclude(r)}
}
