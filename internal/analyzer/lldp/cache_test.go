package lldp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "lldp-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"limit":1000}`,
				`{"protocol":"LLDP"}`, `{"protocol":"cdp","limit":2,"offset":1}`,
				`{"device":"cisco"}`, `{"device":"SWITCH"}`, `{"device":"00:1b:54"}`, `{"device":"10.0.20.31"}`,
				`{"device":"rogue","protocol":"CDP","limit":4,"offset":3}`, `{"device":"leaf0b"}`,
				`{"start_time":"2024-06-03T09:01:00Z"}`, `{"end_time":"2010-10-02T03:01:00Z","protocol":"LLDP"}`,
				`{"start_time":"2024-06-03T09:00:30Z","end_time":"2024-06-03T09:01:30Z","device":"sw-access","protocol":"LLDP"}`,
				`{"start_time":"2000-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000}`, `{"offset":100000}`)
		})
	}
}
