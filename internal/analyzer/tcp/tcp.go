// Package tcp analyzes TCP connections (RFC 9293) the way Wireshark does.
//
// It is the "tcp" module. Its four tools, analyze_tcp_connections,
// analyze_tcp_anomalies, analyze_tcp_retransmissions and
// analyze_traffic_flow, are drop-ins for mcpcap's tools of those names with
// their defects fixed: SYN and SYN-ACK are counted apart, a handshake is
// complete only with the client's final ACK, a new SYN with a new initial
// sequence number on a used address pair starts a new connection, the
// client is the side that sent the SYN, and nothing is cut without saying
// so. Connections are Wireshark's conversations (one per value of
// tcp.stream, with the same numbering), and every segment gets Wireshark's
// sequence analysis (tcp.analysis.*: retransmissions, fast and spurious
// retransmissions, out-of-order, lost segments, duplicate ACKs, zero
// windows, window full, keep-alives), so counts agree with tshark frame by
// frame. On top of that the module times handshakes, follows each
// connection to its close or reset, and runs detectors for port scans, SYN
// floods, high retransmission rates, reset storms, zero-window stalls,
// failing handshakes and half-open connections.
//
// One pass over the capture serves any of the tools; memory is bounded by
// the call's state budget (analyzer.Env.StateItems), which bounds the
// connections tracked, the flagged segments listed and the unacknowledged
// segments remembered.
package tcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Options are the module's limits.
type Options struct {
	// MaxConnections, when set, lowers the number of connections tracked
	// below what the call's state budget allows (--max-state-bytes; see
	// the README's Limits); segments of later connections are counted but
	// not analysed.
	MaxConnections int
}

// ResponseBudget is the largest JSON a call with default page sizes
// returns: summary and findings first, then as many list items as fit.
const ResponseBudget = 32 << 10

// Module is the TCP module.
type Module struct{ opts Options }

// New returns the TCP module.
func New(opts Options) *Module {
	return &Module{opts: opts}
}

// Name returns "tcp".
func (*Module) Name() string { return "tcp" }

// Tools returns the four tools, with mcpcap's names.
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{
		analyzer.NewTool(analyzer.Tool{
			Name:        "analyze_tcp_connections",
			Title:       "TCP connections",
			Description: "TCP connections as Wireshark's tcp.stream, client to server: handshake and RTT, state, resets, packets and bytes each way, analysis counts; sortable; detailed=true adds options and timing.",
			OpenWorld:   true,
		}, m.connections, writeConnections),
		analyzer.NewTool(analyzer.Tool{
			Name:        "analyze_tcp_anomalies",
			Title:       "TCP anomalies",
			Description: "TCP findings (port scan, SYN flood, retransmission rate, RST storm, zero-window stall, handshake failures, half-open), tcp.analysis flag counts, and the flagged segments.",
			OpenWorld:   true,
			Params:      detectors.Params(),
		}, m.anomalies, writeAnomalies),
		analyzer.NewTool(analyzer.Tool{
			Name:        "analyze_tcp_retransmissions",
			Title:       "TCP retransmissions",
			Description: "TCP retransmissions as Wireshark flags them (fast and spurious apart): the rate against threshold, connections ranked, the segments.",
			OpenWorld:   true,
		}, m.retransmissions, writeRetransmissions),
		analyzer.NewTool(analyzer.Tool{
			Name:        "analyze_traffic_flow",
			Title:       "TCP traffic flow of a server",
			Description: "One server's TCP traffic (server_ip): packets, bytes, flags and analysis flags each way, asymmetry, resets, connections by state and port, its clients.",
			OpenWorld:   true,
		}, m.flow, writeFlow),
	}
}

// pass runs the engine once over the capture, with the detectors at the
// thresholds th, unless the result cache holds such a pass already (see
// modkit.RunCached). The four tools share it: each concludes from the
// observer's tables (every connection, whatever the filters) without
// changing them, so one pass answers any tool, filter and page.
func (m *Module) pass(ctx context.Context, env *analyzer.Env, ref string, th analyzer.Thresholds) (*tcpPass, error) {
	p, err := modkit.RunCached(ctx, env, ref, m.passKey(th), engine.Options{}, func(bool) modkit.CachedPass[*tcpPass] {
		obs := newObserver(limitsFor(env, m.opts.MaxConnections), env.MaxPackets, th)
		return modkit.CachedPass[*tcpPass]{Observers: []engine.Observer{obs}, Conclude: func(res *engine.Result) (*tcpPass, bool) {
			return &tcpPass{obs: obs, res: res}, true
		}}
	})
	return p, err
}

// passKey names a pass with the thresholds th in the result cache.
func (m *Module) passKey(th analyzer.Thresholds) string {
	thj, _ := json.Marshal(th)
	return fmt.Sprintf("tcp thresholds %s max-connections %d", thj, m.opts.MaxConnections)
}

// tcpPass is a pass the result cache keeps: its observer's tables and the
// engine's result, with the findings of the connection filters calls have
// asked for (the detectors are most of what answering a later page costs).
type tcpPass struct {
	obs *observer
	res *engine.Result

	mu       sync.Mutex
	findings map[connSelection][]result.Finding // at most maxMemo
}

// connSelection is what the findings depend on of a call's connection
// filter.
type connSelection struct {
	serverIP, clientIP netip.Addr
	serverPort         uint16
	start, end         int64
	state              string
}

const maxMemo = 64

// conclude returns the findings over r, the connections f selects, from
// the findings of an earlier call with the same filter when there was one;
// the caller gets a copy it may cut.
func (p *tcpPass) conclude(f *connFilter, r *results) []result.Finding {
	k := connSelection{serverIP: f.serverIP, clientIP: f.clientIP, serverPort: f.serverPort, start: f.start, end: f.end, state: f.state}
	p.mu.Lock()
	fs, ok := p.findings[k]
	p.mu.Unlock()
	if !ok {
		fs = p.obs.run.Conclude(r)
		p.mu.Lock()
		if p.findings == nil || len(p.findings) >= maxMemo {
			p.findings = map[connSelection][]result.Finding{}
		}
		p.findings[k] = fs
		p.mu.Unlock()
	}
	return result.CloneFindings(fs)
}

// CacheSize estimates what p holds from its tables' sizes (the bytes per
// entry the state budget counts).
func (p *tcpPass) CacheSize() int64 {
	return int64(len(p.obs.t.conns))*bytesConn + int64(cap(p.obs.events))*bytesEvent + 64<<10
}

func (m *Module) connections(ctx context.Context, env *analyzer.Env, in ConnectionsInput) (*ConnectionsOutput, error) {
	f, err := newConnFilter(in.Common)
	if err != nil {
		return nil, err
	}
	if err := f.setState(in.State); err != nil {
		return nil, err
	}
	sortBy, err := parseSort(in.SortBy)
	if err != nil {
		return nil, err
	}
	f.echo.SortBy = sortBy
	def := DefaultLimit
	if in.Detailed {
		def = DefaultDetailedLimit
	}
	offset, limit, fixed, err := result.Paging("offset", "limit", in.Offset, in.Limit, def, MaxLimit)
	if err != nil {
		return nil, err
	}
	p, err := m.pass(ctx, env, in.PcapFile, defaultThresholds())
	if err != nil {
		return nil, err
	}
	obs, res := p.obs, p.res
	r := newResults(obs, f)
	out := &ConnectionsOutput{File: in.PcapFile, AnalysisTimestamp: result.FormatTime(env.Clock()), TotalPackets: res.Packets,
		TCPPacketsFound: r.packets(), Filter: f.echo, Summary: r.summary(), Warnings: r.warnings(modkit.Warnings(res, true))}
	if len(r.views) == 0 {
		out.Message = "No TCP connections found"
		if f.active() {
			out.Message = "No TCP connections match the filters"
		}
	}
	views, pg := result.Paginate(sortViews(r.views, sortBy), offset, limit)
	out.Connections = make([]Connection, len(views))
	for i, v := range views {
		out.Connections[i] = v.record(in.Detailed)
	}
	out.Page = pg
	out.Issues = issues(p.conclude(f, r))
	result.FitBudget(out, ResponseBudget, func() bool { return result.Halve(&out.Connections, &out.Page, fixed) })
	return out, nil
}

func (m *Module) anomalies(ctx context.Context, env *analyzer.Env, in AnomaliesInput) (*AnomaliesOutput, error) {
	f, err := newConnFilter(in.Common)
	if err != nil {
		return nil, err
	}
	var flag aflag
	if s := strings.ToLower(strings.TrimSpace(in.AnalysisFlag)); s != "" {
		var ok bool
		if flag, ok = parseFlag(s); !ok {
			return nil, fmt.Errorf("analysis_flag %q is not a Wireshark TCP analysis flag; use one of %s", s, strings.Join(flagNames[:], ", "))
		}
		if flag == aRetransmission {
			flag = anyRetransmission // as tcp.analysis.retransmission matches
		}
	}
	offset, limit, fixed, err := result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	p, err := m.pass(ctx, env, in.PcapFile, in.Thresholds)
	if err != nil {
		return nil, err
	}
	obs, res := p.obs, p.res
	r := newResults(obs, f)
	out := &AnomaliesOutput{File: in.PcapFile, AnalysisTimestamp: result.FormatTime(env.Clock()), Filter: f.echo,
		Statistics: r.anomalyStatistics(), Anomalies: p.conclude(f, r), Thresholds: thresholdsOutput(in.Thresholds), Warnings: r.warnings(modkit.Warnings(res, true))}
	out.Patterns, out.Summary = r.patterns(&out.Statistics, in.Thresholds)
	var counts [numFlags]int
	for _, v := range r.views {
		for d := range v.c.f {
			for i, n := range v.c.f[d].st.flagCounts() {
				counts[i] += n
			}
		}
	}
	out.AnalysisCounts = analysisCounts(&counts, true)
	evs := r.segments(func(e *event) bool {
		return (flag == 0 || e.flags&flag != 0) && (in.Stream == nil || int(e.stream) == *in.Stream)
	})
	out.Segments, out.SegmentsPage = pageFlagged(r, evs, offset, limit)
	result.FitBudget(out, ResponseBudget, func() bool { return result.Halve(&out.Segments, &out.SegmentsPage, fixed) })
	return out, nil
}

func (m *Module) retransmissions(ctx context.Context, env *analyzer.Env, in RetransmissionsInput) (*RetransmissionsOutput, error) {
	f, err := newConnFilter(in.Common)
	if err != nil {
		return nil, err
	}
	threshold := in.Threshold
	switch {
	case threshold < 0 || threshold > 1:
		return nil, fmt.Errorf("threshold %v is a rate and must be between 0 and 1", threshold)
	case threshold == 0:
		threshold = 0.02
	}
	offset, limit, fixed, err := result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	segOffset, segLimit, segFixed, err := result.Paging("segments_offset", "segments_limit", in.SegmentsOffset, in.SegmentsLimit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	p, err := m.pass(ctx, env, in.PcapFile, defaultThresholds())
	if err != nil {
		return nil, err
	}
	obs, res := p.obs, p.res
	r := newResults(obs, f)
	out := r.retransmissionsOutput(in.PcapFile, threshold, offset, limit, segOffset, segLimit)
	out.AnalysisTimestamp = result.FormatTime(env.Clock())
	out.Warnings = r.warnings(modkit.Warnings(res, true))
	result.FitBudget(out, ResponseBudget,
		func() bool { return result.Halve(&out.Segments, &out.SegmentsPage, segFixed) },
		func() bool { return result.Halve(&out.ByConnection, &out.ByConnectionPage, fixed) })
	return out, nil
}

func (m *Module) flow(ctx context.Context, env *analyzer.Env, in FlowInput) (*FlowOutput, error) {
	if strings.TrimSpace(in.ServerIP) == "" {
		return nil, fmt.Errorf("server_ip is required: the address of the server whose traffic to describe (analyze_tcp_connections lists the servers)")
	}
	f, err := newConnFilter(Common{PcapFile: in.PcapFile, ServerIP: in.ServerIP, ServerPort: in.ServerPort, ClientIP: in.ClientIP, StartTime: in.StartTime, EndTime: in.EndTime})
	if err != nil {
		return nil, err
	}
	offset, limit, fixed, err := result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	p, err := m.pass(ctx, env, in.PcapFile, defaultThresholds())
	if err != nil {
		return nil, err
	}
	obs, res := p.obs, p.res
	r := newResults(obs, f)
	out := r.flowOutput(in, offset, limit)
	out.AnalysisTimestamp = result.FormatTime(env.Clock())
	out.Warnings = r.warnings(modkit.Warnings(res, true))
	result.FitBudget(out, ResponseBudget, func() bool { return result.Halve(&out.Clients, &out.ClientsPage, fixed) })
	return out, nil
}

// active reports whether any connection filter is set.
func (f *connFilter) active() bool {
	return f.serverIP.IsValid() || f.serverPort != 0 || f.clientIP.IsValid() || f.start != 0 || f.end != 0 || f.state != ""
}
