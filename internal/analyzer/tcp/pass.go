package tcp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

var _ modkit.Passer = (*Module)(nil)

// NewPass returns the module's part of a pass shared with other modules:
// what analyze_tcp_anomalies runs with its default arguments (no filters,
// the thresholds at their defaults).
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	p, _, err := m.sharedPass(env, nil)
	return p, err
}

var _ modkit.Keeper = (*Module)(nil)

// KeepPass is NewPass whose observer, once concluded, is the pass the four
// tools share at the default thresholds (the brief only reads its tables).
func (m *Module) KeepPass(env *analyzer.Env) (modkit.Filler, error) {
	p, obs, err := m.sharedPass(env, nil)
	if err != nil {
		return nil, err
	}
	return &modkit.KeptPass{Obs: p.Obs, Conclude: func(res *engine.Result) (modkit.Brief, []modkit.Fill) {
		return p.Conclude(res), []modkit.Fill{{Key: m.passKey(defaultThresholds()), Value: &tcpPass{obs: obs, res: res}}}
	}}, nil
}

// sharedPass is NewPass, with every connection put into sink (when not nil) as a
// Row when the pass ends, and its observer.
func (m *Module) sharedPass(env *analyzer.Env, sink modkit.Sink) (*modkit.SimplePass, *observer, error) {
	f, err := newConnFilter(Common{})
	if err != nil {
		return nil, nil, err
	}
	obs := newObserver(limitsFor(env, m.opts.MaxConnections), env.MaxPackets, defaultThresholds())
	// The brief: analyze_tcp_anomalies' statistics and findings, without
	// its patterns, analysis counts and flagged segments.
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(*engine.Result) modkit.Brief {
		r := newResults(obs, f)
		if sink != nil {
			var row Row
			for _, v := range r.views {
				row = v.row()
				sink.Put("tcp", &row)
			}
		}
		b := modkit.Brief{Module: m.Name(), Summary: r.anomalyStatistics(), Findings: obs.run.Conclude(r),
			Latencies: []modkit.Latencies{r.handshakeLatencies()}}
		if sink != nil {
			b.Warnings = obs.recordWarnings()
		}
		return b
	}}, obs, nil
}

// recordWarnings are the bounds that cost the table "tcp" rows or parts of
// rows (modkit.Brief.Warnings).
func (o *observer) recordWarnings() []string {
	var w []string
	if n := o.t.untracked; n > 0 {
		w = append(w, fmt.Sprintf("tcp: the tcp table reached its bound of %d connections (state budget): %d segments of later connections, %d of them SYNs without ACK (about one per connection attempt), are in no tcp row",
			o.t.max, n, o.t.untrackedSyns))
	}
	if n := o.t.budget.refused; n > 0 {
		w = append(w, fmt.Sprintf("tcp: %d unacknowledged segments past the state budget were not remembered: the analysis counts of connections with over 10,000 unacknowledged segments may differ from Wireshark's", n))
	}
	return w
}
