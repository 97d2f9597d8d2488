package icmp

import (
	"fmt"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// TestSweepFromFirstProbe: a ping sweep's evidence starts at its first
// probe, not at the probe that crossed the threshold, and its details give
// its start and end. The sweeper pinged a few hosts two minutes before (out
// of the window: not part of the sweep), and another host pings during it.
func TestSweepFromFirstProbe(t *testing.T) {
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	var frames []pcaptest.Frame
	add := func(d time.Duration, data []byte) {
		frames = append(frames, pcaptest.Frame{Time: ts.Add(d), Data: data})
	}
	for i := range 3 {
		add(time.Duration(i)*time.Second, echo4(t, "10.0.0.5", fmt.Sprintf("10.0.9.%d", i+1), 8, 1, uint16(i), nil))
	}
	first := len(frames) + 1
	for i := range 30 {
		add(2*time.Minute+time.Duration(i)*200*time.Millisecond, echo4(t, "10.0.0.5", fmt.Sprintf("10.0.1.%d", i+1), 8, 2, uint16(i), nil))
		add(2*time.Minute+time.Duration(i)*200*time.Millisecond+time.Millisecond, echo4(t, "10.0.0.7", "10.0.9.1", 8, 3, uint16(i), nil))
	}
	out := analyze(t, Input{PcapFile: writeCapture(t, "sweep.pcap", frames)})
	var sweep *result.Finding
	for i := range out.Anomalies {
		if out.Anomalies[i].Type == AnomalyPingSweep {
			sweep = &out.Anomalies[i]
		}
	}
	if sweep == nil {
		t.Fatalf("no ping_sweep in %+v", out.Anomalies)
	}
	want := []int{}
	for i := range result.MaxEvidence {
		want = append(want, first+2*i)
	}
	if fmt.Sprint(sweep.EvidenceFrames) != fmt.Sprint(want) || sweep.EvidenceFramesTotal != 30 {
		t.Errorf("evidence %v (%d), want %v (30): the sweep's probes from its first", sweep.EvidenceFrames, sweep.EvidenceFramesTotal, want)
	}
	d := sweep.Details
	if d["start_time"] != "2024-06-03T09:02:00.000000000Z" || d["end_time"] != "2024-06-03T09:02:05.800000000Z" || d["peak_targets"] != 30 || d["source"] != "10.0.0.5" {
		t.Errorf("details %v", d)
	}
	if want := "10.0.0.5 sent echo requests to 30 distinct hosts within 60 s, from 2024-06-03T09:02:00.000000000Z: a ping sweep (host discovery)"; sweep.Summary != want {
		t.Errorf("summary %q\nwant %q", sweep.Summary, want)
	}
}

// TestSweepEpisodes: a source that sweeps twice, idle in between, makes
// two sweeps; past maxFindings sweeps the rest are folded into one.
func TestSweepEpisodes(t *testing.T) {
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	var frames []pcaptest.Frame
	for ep := range maxFindings + 3 {
		for i := range 20 + ep {
			frames = append(frames, pcaptest.Frame{Time: ts.Add(time.Duration(ep)*5*time.Minute + time.Duration(i)*time.Second),
				Data: echo4(t, "10.0.0.5", fmt.Sprintf("10.%d.1.%d", ep, i+1), 8, 2, uint16(i), nil)})
		}
	}
	out := analyze(t, Input{PcapFile: writeCapture(t, "sweeps.pcap", frames)})
	var peaks []any
	for _, a := range out.Anomalies {
		if a.Type == AnomalyPingSweep {
			peaks = append(peaks, a.Details["peak_targets"])
			if n := a.Details["sweeps_not_listed"]; n != nil && (n != 3 || a.EvidenceFramesTotal != 20+21+22) {
				t.Errorf("the rest: %q %v %d", a.Summary, a.Details, a.EvidenceFramesTotal)
			}
		}
	}
	if fmt.Sprint(peaks) != "[27 26 25 24 23 <nil>]" {
		t.Errorf("sweeps by peak: %v", peaks)
	}
}
