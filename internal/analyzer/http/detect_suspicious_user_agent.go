package http

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalySuspiciousAgent is the finding type of the user agent detector.
const AnomalySuspiciousAgent = "suspicious_user_agent"

// The user agent detector's thresholds.
var rareMinRequests = analyzer.Param{Name: "rare_agent_min_requests", Default: 1000, Unit: "requests",
	Help: "requests a capture needs before a user agent seen once is called rare", Min: 10, Max: 1e9, Integer: true}

// scriptAgents are user agent prefixes of scripting libraries and tools
// that malware and droppers use (lower case). curl and Wget are left out:
// administrators use them every day; they show in top.user_agents.
var scriptAgents = []string{"python-requests", "python-urllib", "python/", "go-http-client", "libwww-perl", "lwp::simple",
	"windowspowershell", "powershell", "java/", "winhttp", "microsoft bits", "certutil", "aiohttp", "httpclient", "ruby", "php/"}

// suspiciousAgent reports requests with no user agent, from scripting
// libraries, or with a user agent seen once in a large capture.
var suspiciousAgent = analyzer.Detector[*event, *observer]{
	Type:   AnomalySuspiciousAgent,
	Params: []analyzer.Param{rareMinRequests},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &agentUnit{rareMin: th.Int(rareMinRequests), byAgent: map[string]*agentSeen{}}
	},
}

type agentSeen struct {
	why     string
	ev      result.Evidence
	clients map[string]struct{}
	example string
}

type agentUnit struct {
	rareMin int
	byAgent map[string]*agentSeen // flagged agents ("" for none)
	once    map[string]int        // frame of agents seen once, for the rare test
	counts  map[string]int
	refused int
}

func (u *agentUnit) Observe(e *event) {
	t := e.t
	if t == nil || t.rec.Method == "" || t.rec.Protocol == "HTTP/2" {
		return
	}
	ua := t.rec.UserAgent
	why := ""
	switch l := strings.ToLower(ua); {
	case ua == "":
		why = "no User-Agent"
	case slices.ContainsFunc(scriptAgents, func(p string) bool { return strings.HasPrefix(l, p) }):
		why = "scripting library or tool"
	}
	if why == "" {
		if u.counts == nil {
			u.counts, u.once = map[string]int{}, map[string]int{}
		}
		if len(u.counts) < e.o.cfg.lim.keys {
			u.counts[ua]++
			if u.counts[ua] == 1 {
				u.once[ua] = t.rec.RequestFrame
			}
		}
		return
	}
	u.add(e, ua, why)
}

func (u *agentUnit) add(e *event, ua, why string) {
	t := e.t
	s := u.byAgent[ua]
	if s == nil {
		if len(u.byAgent) >= 1000 {
			u.refused++
			return
		}
		s = &agentSeen{why: why, clients: map[string]struct{}{}, example: t.rec.Method + " " + t.rec.Host + t.rec.URI}
		u.byAgent[ua] = s
	}
	s.ev.Add(t.rec.RequestFrame)
	if len(s.clients) < 100 {
		s.clients[t.client.Addr().String()] = struct{}{}
	}
}

func (u *agentUnit) Conclude(o *observer, add func(result.Finding)) {
	var rare []string
	if o.sum.Requests >= u.rareMin {
		for ua, n := range u.counts {
			if n == 1 {
				rare = append(rare, ua)
			}
		}
	}
	slices.Sort(rare)
	for _, ua := range rare {
		if len(u.byAgent) >= 1000 {
			break
		}
		s := &agentSeen{why: "seen once in a capture of " + fmt.Sprint(o.sum.Requests) + " requests"}
		s.ev.Add(u.once[ua])
		u.byAgent[ua] = s
	}
	for _, ua := range slices.Sorted(maps.Keys(u.byAgent)) {
		s := u.byAgent[ua]
		clients := slices.Sorted(maps.Keys(s.clients))
		name := ua
		if name == "" {
			name = "(none)"
		}
		add(result.NewFinding(AnomalySuspiciousAgent, result.Low,
			fmt.Sprintf("%d request(s) with user agent %q: %s", s.ev.Total(), name, s.why),
			s.ev, map[string]any{"user_agent": ua, "reason": s.why, "clients": clients, "example": s.example}))
	}
}
