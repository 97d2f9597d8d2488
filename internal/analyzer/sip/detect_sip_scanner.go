package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyScanner is the finding of a SIP scanner.
const AnomalyScanner = "sip_scanner"

// Thresholds of sip_scanner.
var (
	scannerMinTargets = analyzer.Param{Name: "scanner_min_targets", Default: 20, Unit: "targets", Min: 2, Max: maxTargets, Integer: true,
		Help: "distinct extensions or hosts one source sends new OPTIONS, INVITE or REGISTER requests to"}
	scannerMaxSuccessRate = analyzer.Param{Name: "scanner_max_success_rate", Default: 0.2, Unit: "share", Min: 0, Max: 1,
		Help: "largest share of the source's new OPTIONS, INVITE and REGISTER requests that get a 2xx or 18x answer"}
)

// sipScanner finds SIP scanning: a source whose User-Agent names a
// scanning tool (high), or that sends new OPTIONS, INVITE or REGISTER
// requests to many extensions or hosts and mostly gets no answer
// (medium).
var sipScanner = analyzer.Detector[*event, *observer]{
	Type:   AnomalyScanner,
	Params: []analyzer.Param{scannerMinTargets, scannerMaxSuccessRate},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &scanner{minTargets: th.Int(scannerMinTargets), maxSuccess: th.Get(scannerMaxSuccessRate),
			srcs: map[netip.Addr]*prober{}, scannerOf: map[string]string{}}
	},
}

type scanner struct {
	minTargets int
	maxSuccess float64
	lim        *limits
	srcs       map[netip.Addr]*prober
	targets    int               // extensions and hosts remembered, all sources together
	capped     int               // sources not followed: more than lim.scanSources
	targetsCap bool              // targets not remembered: more than lim.scanTargets
	scannerOf  map[string]string // user agent -> scanner name, "" for none
	agentsCap  bool              // user agents not remembered: more than lim.agentNames
}

// prober is what the scanner detector knows of one source.
type prober struct {
	requests int                 // new OPTIONS, INVITE and REGISTER requests
	positive int                 // answered 2xx or 18x
	exts     map[uint64]struct{} // extensions, hashed
	hosts    map[uint64]struct{} // hosts, hashed
	probes   result.Evidence
	scanner  string // a scanner's name found in its User-Agent
	agent    string
	scanEv   result.Evidence
}

// Observe follows each source's requests: its User-Agent, and who its new
// OPTIONS, INVITE and REGISTER requests went to (extension: the user part
// of the request-URI, or of To for a REGISTER; host: the destination);
// and the positive answers it gets.
func (u *scanner) Observe(e *event) {
	m, md := e.m, &e.md
	u.lim = e.lim
	switch {
	case m == nil:
	case m.request:
		if ua := clip(m.get(hdrUserAgent)); len(ua) > 0 {
			u.noteAgent(ua, md)
		}
		if md.retrans {
			return
		}
		switch {
		case bytes.Equal(m.method, mINVITE), bytes.Equal(m.method, mOPTIONS):
			if e.initial {
				u.noteProbe(md, m.uri)
			}
		case bytes.Equal(m.method, mREGISTER):
			to, _ := nameAddr(m.get(hdrTo))
			u.noteProbe(md, to)
		}
	case e.positive:
		if s := u.srcs[md.dst.Addr()]; s != nil {
			s.positive++
		}
	}
}

// source returns the state of a source, or nil when too many sources are
// followed.
func (u *scanner) source(a netip.Addr) *prober {
	s := u.srcs[a]
	if s == nil {
		if len(u.srcs) >= u.lim.scanSources {
			u.capped++
			return nil
		}
		s = &prober{}
		u.srcs[a] = s
	}
	return s
}

// noteAgent notes a request whose User-Agent names a scanning tool.
func (u *scanner) noteAgent(ua []byte, md *meta) {
	name, ok := u.scannerOf[string(ua)]
	if !ok {
		name = scannerAgent(string(ua))
		if len(u.scannerOf) < u.lim.agentNames {
			u.scannerOf[string(ua)] = name
		} else {
			u.agentsCap = true // classified again each time: slower, not wrong
		}
	}
	if name == "" {
		return
	}
	if s := u.source(md.src.Addr()); s != nil {
		if s.scanner == "" {
			s.scanner, s.agent = name, text(ua, 100)
		}
		s.scanEv.Add(md.frame)
	}
}

// noteProbe notes a new OPTIONS, INVITE or REGISTER: who sent it, to which
// extension (user part of uri) and host.
func (u *scanner) noteProbe(md *meta, uri []byte) {
	s := u.source(md.src.Addr())
	if s == nil {
		return
	}
	s.requests++
	s.probes.Add(md.frame)
	if s.exts == nil {
		s.exts, s.hosts = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	if x := clip(uriUser(uri)); len(x) > 0 && len(s.exts) < maxTargets {
		u.remember(s.exts, hashOf(x))
	}
	if len(s.hosts) < maxTargets {
		u.remember(s.hosts, addrHash(md.dst.Addr()))
	}
}

// remember adds a target to a source's set, within lim.scanTargets for all
// sources together.
func (u *scanner) remember(set map[uint64]struct{}, h uint64) {
	if _, ok := set[h]; ok {
		return
	}
	if u.targets >= u.lim.scanTargets {
		u.targetsCap = true
		return
	}
	u.targets++
	set[h] = struct{}{}
}

// Conclude reports each source that named a scanning tool or swept
// scanner_min_targets extensions or hosts with few answers.
func (u *scanner) Conclude(o *observer, add func(result.Finding)) {
	if u.capped > 0 {
		o.noteCapped("scanner sources", fmt.Sprintf("the sip_scanner detector followed %d sources and not %d request(s) of further ones", len(u.srcs), u.capped))
	}
	if u.targetsCap {
		o.noteCapped("scanner targets", fmt.Sprintf("the sip_scanner detector stopped remembering new extensions and hosts at %d for all sources together: distinct_extensions and distinct_hosts are lower bounds", u.targets))
	}
	for _, a := range sortedAddrs(u.srcs) {
		s := u.srcs[a]
		success := 0.0
		if s.requests > 0 {
			success = float64(s.positive) / float64(s.requests)
		}
		sweep := (len(s.exts) >= u.minTargets || len(s.hosts) >= u.minTargets) && s.requests > 0 && success <= u.maxSuccess
		if s.scanner == "" && !sweep {
			continue
		}
		details := map[string]any{"source": a.String(), "requests": s.requests, "distinct_extensions": len(s.exts), "distinct_hosts": len(s.hosts),
			"answered": s.positive, "success_rate": round2(success)}
		var why []string
		if s.scanner != "" {
			details["user_agent"], details["scanner"] = s.agent, s.scanner
			why = append(why, fmt.Sprintf("identifies itself as %q, a SIP scanning tool", s.agent))
		}
		if sweep {
			why = append(why, fmt.Sprintf("probed %s extensions and %s hosts with %d OPTIONS/INVITE/REGISTER requests, of which %d (%s) got a 2xx or 18x answer",
				atLeast(len(s.exts)), atLeast(len(s.hosts)), s.requests, s.positive, result.Percent(s.positive, s.requests)))
		}
		sev, ev := result.Medium, s.probes
		if s.scanner != "" {
			sev, ev = result.High, s.scanEv
		}
		add(result.NewFinding(AnomalyScanner, sev, fmt.Sprintf("SIP scanning from %s: it %s; reconnaissance for extensions to attack or to call through", a, strings.Join(why, ", and ")), ev, details))
	}
}

// atLeast writes a count of targets, which stops at maxTargets.
func atLeast(n int) string {
	if n >= maxTargets {
		return "at least " + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
