package tcp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func tool(t testing.TB, name string) analyzer.Tool {
	t.Helper()
	for _, tl := range New(Options{}).Tools() {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %s", name)
	return analyzer.Tool{}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", tool(t, "analyze_tcp_anomalies").Params)
}

// TestThresholdTools checks which tools take the detectors' thresholds:
// analyze_tcp_anomalies only, as before.
func TestThresholdTools(t *testing.T) {
	for _, tl := range New(Options{}).Tools() {
		if want := tl.Name == "analyze_tcp_anomalies"; (len(tl.Params) > 0) != want {
			t.Errorf("%s has %d threshold(s)", tl.Name, len(tl.Params))
		}
	}
	if got, want := detectors.Types(), []string{AnomalyPortScan, AnomalySynFlood, AnomalyHandshakeFail, AnomalyHalfOpen, AnomalyRetrans, AnomalyRstStorm, AnomalyZeroWindow}; !slices.Equal(got, want) {
		t.Errorf("detectors %v, want %v", got, want)
	}
}

// TestThresholdArgs sets thresholds as the front ends do: the bounds come
// from the declarations, and a value the caller sets reaches its detector.
func TestThresholdArgs(t *testing.T) {
	tl := tool(t, "analyze_tcp_anomalies")
	for _, c := range []struct{ args, want string }{
		{`{"pcap_file":"x","scan_min_failed_rate":2}`, "scan_min_failed_rate must be 0 to 1; got 2"},
		{`{"pcap_file":"x","scan_min_targets":2.5}`, "scan_min_targets must be a whole number from 1 to 1000000; got 2.5"},
		{`{"pcap_file":"x","half_open_min":0}`, "half_open_min must be a whole number from 1 to 1000000; got 0"},
		{`{"pcap_file":"x","rst_storm_window_seconds":-1}`, "rst_storm_window_seconds must be 0.001 to 86400; got -1"},
		{`{"pcap_file":"x","zero_window_min_seconds":"long"}`, "zero_window_min_seconds must be 0 to 86400"},
	} {
		if _, err := tl.Decode([]byte(c.args)); err == nil || err.Error() != c.want {
			t.Errorf("Decode(%s) = %v, want %q", c.args, err, c.want)
		}
	}
	if err := tool(t, "analyze_tcp_connections").SetArg(tool(t, "analyze_tcp_connections").NewInput(), "half_open_min", "3"); err == nil {
		t.Errorf("analyze_tcp_connections takes half_open_min; it never did")
	}

	file := pcaptest.GenFile(t, "tcp-half-open.pcap")
	in := tl.NewInput().(*AnomaliesInput)
	in.PcapFile = file
	if err := tl.SetArg(in, "half_open_min", "16"); err != nil {
		t.Fatal(err)
	}
	if err := tl.SetArg(in, "handshake_fail_min_rate", "0.25"); err != nil {
		t.Fatal(err)
	}
	out := anomalies(t, *in)
	if got := types(out.Anomalies); !slices.Equal(got, []string{AnomalyHandshakeFail}) {
		t.Errorf("half_open_min=16 (15 half open): anomalies %v, want only %s", got, AnomalyHandshakeFail)
	}
	b, _ := json.Marshal(out.Thresholds)
	if !strings.Contains(string(b), `"handshake_fail_min":5,"handshake_fail_min_rate":0.25,"half_open_min":16}`) {
		t.Errorf("thresholds %s", b)
	}
}
