package sip

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyFailedCalls is the finding of a spike of failed calls.
const AnomalyFailedCalls = "failed_calls_spike"

// Thresholds of failed_calls_spike, and the call timeout that classifies
// calls.
var (
	failedCallsMin = analyzer.Param{Name: "failed_calls_min", Default: 10, Unit: "calls", Min: 1, Max: 1000000, Integer: true,
		Help: "failed calls (final 4xx-6xx other than auth challenges, busy, decline and cancel) within one window"}
	failedCallsRate = analyzer.Param{Name: "failed_calls_rate", Default: 0.5, Unit: "share", Min: 0, Max: 1,
		Help: "smallest share of the calls ending in the window that failed"}
	failedCallsWindow = analyzer.Param{Name: "failed_calls_window_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "the window the failed calls end within"}
	// unansweredCallTimeout is no detector's threshold: it classifies
	// calls that have no final response (statistics, calls list). This
	// detector is the one that reads call states, so it is declared here,
	// once, and comes last among the thresholds, where the output has
	// always listed it. Its detector column says "calls".
	unansweredCallTimeout = analyzer.Param{Name: "unanswered_call_timeout_seconds", Detector: "calls", Default: 32, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "an INVITE without a final response counts as unanswered after this long (Timer B), else as in progress"}
)

// failedCallsSpike finds the window of failed_calls_window_seconds with
// the most failed calls, and reports it when it has failed_calls_min of
// them and they are failed_calls_rate of the calls that ended in it.
var failedCallsSpike = analyzer.Detector[*event, *observer]{
	Type:   AnomalyFailedCalls,
	Params: []analyzer.Param{failedCallsMin, failedCallsRate, failedCallsWindow, unansweredCallTimeout},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		min, rate, window := th.Int(failedCallsMin), th.Get(failedCallsRate), th.Get(failedCallsWindow)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			spikeOfFailedCalls(o, min, rate, window, add)
		})
	},
}

func spikeOfFailedCalls(o *observer, minFailed int, minRate, windowSec float64, add func(result.Finding)) {
	type ended struct {
		t      time.Time
		frame  int
		code   int
		failed bool
	}
	var ends []ended
	for _, c := range o.callOrder {
		if c.final.frame != 0 {
			ends = append(ends, ended{c.final.t.Time(), int(c.final.frame), int(c.final.code), o.state(c) == "failed"})
		}
	}
	sort.SliceStable(ends, func(i, j int) bool { return ends[i].t.Before(ends[j].t) })
	window := seconds(windowSec)
	bestFailed, bestStart, bestEnd := 0, -1, 0
	j, failed := 0, 0
	for i := range ends {
		for j < len(ends) && ends[j].t.Sub(ends[i].t) < window {
			if ends[j].failed {
				failed++
			}
			j++
		}
		// The window [ends[i].t, +W) holds ends[i:j].
		if ends[i].failed && failed >= minFailed && float64(failed)/float64(j-i) >= minRate && failed > bestFailed {
			bestFailed, bestStart, bestEnd = failed, i, j
		}
		if ends[i].failed {
			failed--
		}
	}
	if bestStart < 0 {
		return
	}
	var ev result.Evidence
	codes := map[string]int{}
	for _, e := range ends[bestStart:bestEnd] {
		if e.failed {
			ev.Add(e.frame)
			codes[strconv.Itoa(e.code)]++
		}
	}
	total := bestEnd - bestStart
	rate := float64(bestFailed) / float64(total)
	add(result.NewFinding(AnomalyFailedCalls, result.Medium,
		fmt.Sprintf("%d of %d calls ending within %g s from %s failed (%s): a trunk, route or server outage, or calls rejected by policy",
			bestFailed, total, windowSec, ends[bestStart].t.Format(time.TimeOnly), countsText(codes)),
		ev, map[string]any{"failed": bestFailed, "ended": total, "rate": round2(rate), "window_start": ends[bestStart].t.UTC().Format(time.RFC3339Nano),
			"window_seconds": windowSec, "status_codes": codes}))
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
