package ntp

import (
	"encoding/json"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "ntp-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"limit":1000}`, `{"offset":100,"limit":50}`,
				`{"mode":"client"}`, `{"mode":"server","limit":5,"offset":1}`, `{"mode":"7"}`, `{"mode":"control"}`, `{"mode":"symmetric active"}`, `{"mode":"0"}`,
				`{"ip":"10.0.0.123"}`, `{"ip":"198.51.100.10","mode":"private"}`, `{"ip":"::1","limit":4,"offset":8}`, `{"ip":"192.168.43.118","mode":"server"}`,
				`{"start_time":"2024-06-03T09:00:03Z"}`, `{"end_time":"2024-06-03T09:00:01Z","mode":"client"}`,
				`{"start_time":"2017-06-19T14:30:00Z","end_time":"2017-06-19T15:00:00Z","ip":"192.168.100.1"}`,
				`{"start_time":"2000-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000}`, `{"offset":100000}`)
		})
	}
}

// TestCutFindingDetailsCopies: cutting the findings' address lists leaves
// the findings it was given as they were, since a cached pass's findings
// serve later calls.
func TestCutFindingDetailsCopies(t *testing.T) {
	shared := []result.Finding{
		{Type: AnomalyKissOfDeath, Details: map[string]any{"server": "10.0.1.1", "clients": []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}}},
		{Type: AnomalyAmplification, Details: map[string]any{"servers": []string{"10.0.1.1", "10.0.1.2"}, "clients": []string{"10.0.0.1", "10.0.0.2"}}},
	}
	before, _ := json.Marshal(shared)
	out := &Output{Anomalies: shared}
	if !cutFindingDetails(out) {
		t.Fatal("cutFindingDetails cut nothing")
	}
	if after, _ := json.Marshal(shared); string(after) != string(before) {
		t.Errorf("the findings given were changed:\nbefore %s\nafter  %s", before, after)
	}
	for _, f := range out.Anomalies {
		for _, k := range []string{"servers", "clients"} {
			if l, ok := f.Details[k].([]string); ok && len(l) != 1 {
				t.Errorf("%s %s: %d items left, want 1", f.Type, k, len(l))
			}
		}
	}
}
