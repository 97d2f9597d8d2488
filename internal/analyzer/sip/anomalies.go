package sip

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Anomaly types.
const (
	AnomalyScanner     = "sip_scanner"
	AnomalyBruteforce  = "registration_bruteforce"
	AnomalyInviteFlood = "invite_flood"
	AnomalyFailedCalls = "failed_calls_spike"
	AnomalyMalformed   = "malformed_sip"
)

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

func (o *observer) anomalies() []Anomaly {
	th := o.cfg.th
	out := []Anomaly{}
	add := func(typ, sev, summary string, ev modkit.Evidence, details map[string]any) {
		out = append(out, Anomaly{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: ev.Frames(), EvidenceFramesTotal: ev.Total(), Details: details})
	}
	srcs := make([]*srcStat, 0, len(o.srcs))
	for _, s := range o.srcs {
		srcs = append(srcs, s)
	}
	slices.SortFunc(srcs, func(a, b *srcStat) int { return a.addr.Compare(b.addr) })

	// Scanners: a scanning tool's User-Agent, or a sweep of extensions or
	// hosts that mostly fails.
	for _, s := range srcs {
		success := 0.0
		if s.requests > 0 {
			success = float64(s.positive) / float64(s.requests)
		}
		sweep := (len(s.exts) >= th.ScannerMinTargets || len(s.hosts) >= th.ScannerMinTargets) && s.requests > 0 && success <= th.ScannerMaxSuccessRate
		if s.scanner == "" && !sweep {
			continue
		}
		details := map[string]any{"source": s.addr.String(), "requests": s.requests, "distinct_extensions": len(s.exts), "distinct_hosts": len(s.hosts),
			"answered": s.positive, "success_rate": round2(success)}
		var why []string
		if s.scanner != "" {
			details["user_agent"], details["scanner"] = s.agent, s.scanner
			why = append(why, fmt.Sprintf("identifies itself as %q, a SIP scanning tool", s.agent))
		}
		if sweep {
			why = append(why, fmt.Sprintf("probed %s extensions and %s hosts with %d OPTIONS/INVITE/REGISTER requests, of which %.0f%% got a 2xx or 18x answer",
				atLeast(len(s.exts)), atLeast(len(s.hosts)), s.requests, 100*success))
		}
		sev, ev := "medium", s.probes
		if s.scanner != "" {
			sev, ev = "high", s.scanEv
		}
		add(AnomalyScanner, sev, fmt.Sprintf("SIP scanning from %s: it %s; reconnaissance for extensions to attack or to call through", s.addr, strings.Join(why, ", and ")), ev, details)
	}

	// Brute force: failed authentications from one source, or against one
	// AOR from several sources.
	for _, a := range sortedAddrs(o.authSrc) {
		s := o.authSrc[a]
		if s.failures < th.BruteforceMinFailures {
			continue
		}
		add(AnomalyBruteforce, "high",
			fmt.Sprintf("%s failed authentication %d times for %d AOR(s) between %s and %s: password guessing (or a client with a wrong password)",
				a, s.failures, len(s.others), s.first.Format(time.TimeOnly), s.last.Format(time.TimeOnly)),
			s.ev, map[string]any{"source": a.String(), "failures": s.failures, "aors": sortedKeys(s.others, maxExamples), "aors_total": len(s.others), "usernames": orEmpty(s.users)})
	}
	aors := make([]string, 0, len(o.authAOR))
	for k := range o.authAOR {
		aors = append(aors, k)
	}
	slices.Sort(aors)
	for _, aor := range aors {
		s := o.authAOR[aor]
		if s.failures < th.BruteforceMinFailures || len(s.others) < 2 {
			continue // one source: reported above
		}
		add(AnomalyBruteforce, "high",
			fmt.Sprintf("%s failed authentication %d times from %d sources: distributed password guessing against one account", aor, s.failures, len(s.others)),
			s.ev, map[string]any{"aor": aor, "failures": s.failures, "sources": sortedKeys(s.others, maxExamples), "sources_total": len(s.others), "usernames": orEmpty(s.users)})
	}

	// INVITE floods.
	for _, s := range srcs {
		if s.flood.Total() == 0 {
			continue
		}
		add(AnomalyInviteFlood, "high",
			fmt.Sprintf("%s sent %d or more new INVITEs within %g s (from %s; %d in all): a call flood that exhausts the server, or toll fraud dialling out",
				s.addr, th.InviteFloodMin, th.InviteFloodWindowSec, s.floodFrom.Format(time.TimeOnly), s.invites),
			s.flood, map[string]any{"source": s.addr.String(), "invites": s.invites, "window_seconds": th.InviteFloodWindowSec, "min_invites": th.InviteFloodMin,
				"invites_in_flood_windows": s.flood.Total()})
	}

	o.failedCallsSpike(add)

	if o.malformed > 0 || o.junk.Total() > 0 {
		reasons := make([]string, 0, len(o.malformWhy))
		for k := range o.malformWhy {
			reasons = append(reasons, k)
		}
		sort.Slice(reasons, func(i, j int) bool {
			a, b := o.malformWhy[reasons[i]], o.malformWhy[reasons[j]]
			return a > b || a == b && reasons[i] < reasons[j]
		})
		ev := o.malformEv
		ev.Merge(o.junk)
		summary := fmt.Sprintf("%d SIP message(s) have structural problems (most often: %s)", o.malformed, reasons[0])
		if o.malformed == 0 {
			summary = fmt.Sprintf("%d byte(s) on SIP connections are not SIP", o.junkBytes)
		} else if o.junk.Total() > 0 {
			summary += fmt.Sprintf(", and %d byte(s) on SIP connections are not SIP", o.junkBytes)
		}
		add(AnomalyMalformed, "low", summary+": broken or hostile implementations, fuzzing, or a capture cut short",
			ev, map[string]any{"messages": o.malformed, "problems": o.malformWhy, "non_sip_bytes": o.junkBytes})
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	return out
}

// failedCallsSpike finds the window of failed_calls_window_seconds with the
// most failed calls, and reports it when it has failed_calls_min of them and
// they are failed_calls_rate of the calls that ended in it.
func (o *observer) failedCallsSpike(add func(string, string, string, modkit.Evidence, map[string]any)) {
	th := o.cfg.th
	type ended struct {
		t      time.Time
		frame  int
		code   int
		failed bool
	}
	var ends []ended
	for _, c := range o.callOrder {
		if c.final.frame != 0 {
			ends = append(ends, ended{c.final.t, c.final.frame, c.final.code, o.state(c) == "failed"})
		}
	}
	sort.SliceStable(ends, func(i, j int) bool { return ends[i].t.Before(ends[j].t) })
	bestFailed, bestStart, bestEnd := 0, -1, 0
	j, failed := 0, 0
	for i := range ends {
		for j < len(ends) && ends[j].t.Sub(ends[i].t) < o.cfg.failedCallsWindow {
			if ends[j].failed {
				failed++
			}
			j++
		}
		// The window [ends[i].t, +W) holds ends[i:j].
		if ends[i].failed && failed >= th.FailedCallsMin && float64(failed)/float64(j-i) >= th.FailedCallsRate && failed > bestFailed {
			bestFailed, bestStart, bestEnd = failed, i, j
		}
		if ends[i].failed {
			failed--
		}
	}
	if bestStart < 0 {
		return
	}
	var ev modkit.Evidence
	codes := map[string]int{}
	for _, e := range ends[bestStart:bestEnd] {
		if e.failed {
			ev.Add(e.frame)
			codes[strconv.Itoa(e.code)]++
		}
	}
	total := bestEnd - bestStart
	rate := float64(bestFailed) / float64(total)
	add(AnomalyFailedCalls, "medium",
		fmt.Sprintf("%d of %d calls ending within %g s from %s failed (%s): a trunk, route or server outage, or calls rejected by policy",
			bestFailed, total, th.FailedCallsWindowSec, ends[bestStart].t.Format(time.TimeOnly), countsText(codes)),
		ev, map[string]any{"failed": bestFailed, "ended": total, "rate": round2(rate), "window_start": ends[bestStart].t.UTC().Format(time.RFC3339Nano),
			"window_seconds": th.FailedCallsWindowSec, "status_codes": codes})
}

func atLeast(n int) string {
	if n >= maxTargets {
		return "at least " + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func sortedAddrs[V any](m map[netip.Addr]V) []netip.Addr {
	out := make([]netip.Addr, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func sortedKeys(m map[string]struct{}, n int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// countsText writes counts as "404 x12, 503 x3", largest first.
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
