package sip

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyBruteforce is the finding of password guessing.
const AnomalyBruteforce = "registration_bruteforce"

// bruteforceMinFailures is the threshold of registration_bruteforce.
var bruteforceMinFailures = analyzer.Param{Name: "bruteforce_min_failures", Default: 10, Unit: "failures", Min: 1, Max: 1000000, Integer: true,
	Help: "failed authentications (403, or 401/407 to a request with credentials) for one AOR or from one source"}

// registrationBruteforce finds password guessing: failed authentications
// (of REGISTERs, and of INVITEs that carried credentials) from one source,
// or against one AOR from several sources.
var registrationBruteforce = analyzer.Detector[*event, *observer]{
	Type:   AnomalyBruteforce,
	Params: []analyzer.Param{bruteforceMinFailures},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &bruteforce{minFailures: th.Int(bruteforceMinFailures), bySrc: map[netip.Addr]*authStat{}, byAOR: map[string]*authStat{}}
	},
}

type bruteforce struct {
	minFailures int
	bySrc       map[netip.Addr]*authStat
	byAOR       map[string]*authStat
	others      int  // AORs and sources counted, all keys together
	keysCap     int  // failures of sources or AORs not followed: more than lim.authKeys each
	othersCap   bool // AORs or sources not counted: more than lim.authOthers
}

// authStat is what the brute-force detector knows of one AOR or source.
type authStat struct {
	failures int
	ev       result.Evidence
	users    []string            // distinct usernames tried (first maxExamples)
	others   map[uint64]struct{} // for a source: AORs tried; for an AOR: sources (hashed)
	examples []string            // the first of them in order (maxExamples)
	first    time.Time
	last     time.Time
}

// Observe counts a failed authentication for its source and its AOR.
func (u *bruteforce) Observe(e *event) {
	if !e.authFailure {
		return
	}
	note := func(s *authStat, other string) {
		s.failures++
		s.ev.Add(e.md.frame)
		if s.first.IsZero() {
			s.first = e.md.t
		}
		s.last = e.md.t
		if e.user != "" && len(s.users) < maxExamples && !slices.Contains(s.users, e.user) {
			s.users = append(s.users, e.user)
		}
		h := hashOf([]byte(other))
		if _, ok := s.others[h]; ok || len(s.others) >= maxTargets {
			return
		}
		if u.others >= e.lim.authOthers {
			u.othersCap = true
			return
		}
		u.others++
		s.others[h] = struct{}{}
		// The examples are the first in order, as sorting them all would
		// give.
		if i, _ := slices.BinarySearch(s.examples, other); i < maxExamples {
			s.examples = slices.Insert(s.examples, i, other)
			s.examples = s.examples[:min(len(s.examples), maxExamples)]
		}
	}
	if s := u.bySrc[e.authSrc]; s != nil || len(u.bySrc) < e.lim.authKeys {
		if s == nil {
			s = &authStat{others: map[uint64]struct{}{}}
			u.bySrc[e.authSrc] = s
		}
		note(s, e.aor)
	} else {
		u.keysCap++
	}
	if e.aor == "" {
		return
	}
	if s := u.byAOR[e.aor]; s != nil || len(u.byAOR) < e.lim.authKeys {
		if s == nil {
			s = &authStat{others: map[uint64]struct{}{}}
			u.byAOR[e.aor] = s
		}
		note(s, e.authSrc.String())
	} else {
		u.keysCap++
	}
}

// Conclude reports each source, then each AOR tried from several sources,
// with bruteforce_min_failures failures.
func (u *bruteforce) Conclude(o *observer, add func(result.Finding)) {
	if u.keysCap > 0 {
		o.noteCapped("auth keys", fmt.Sprintf("the registration_bruteforce detector followed %d sources and %d AORs, and not %d failure(s) of further ones", len(u.bySrc), len(u.byAOR), u.keysCap))
	}
	if u.othersCap {
		o.noteCapped("auth others", fmt.Sprintf("the registration_bruteforce detector stopped counting new AORs per source and sources per AOR at %d: aors_total and sources_total are lower bounds", u.others))
	}
	for _, a := range sortedAddrs(u.bySrc) {
		s := u.bySrc[a]
		if s.failures < u.minFailures {
			continue
		}
		add(result.NewFinding(AnomalyBruteforce, result.High,
			fmt.Sprintf("%s failed authentication %d times for %d AOR(s) between %s and %s: password guessing (or a client with a wrong password)",
				a, s.failures, len(s.others), s.first.Format(time.TimeOnly), s.last.Format(time.TimeOnly)),
			s.ev, map[string]any{"source": a.String(), "failures": s.failures, "aors": orEmpty(s.examples), "aors_total": len(s.others), "usernames": orEmpty(s.users)}))
	}
	aors := make([]string, 0, len(u.byAOR))
	for k := range u.byAOR {
		aors = append(aors, k)
	}
	slices.Sort(aors)
	for _, aor := range aors {
		s := u.byAOR[aor]
		if s.failures < u.minFailures || len(s.others) < 2 {
			continue // one source: reported above
		}
		add(result.NewFinding(AnomalyBruteforce, result.High,
			fmt.Sprintf("%s failed authentication %d times from %d sources: distributed password guessing against one account", aor, s.failures, len(s.others)),
			s.ev, map[string]any{"aor": aor, "failures": s.failures, "sources": orEmpty(s.examples), "sources_total": len(s.others), "usernames": orEmpty(s.users)}))
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
