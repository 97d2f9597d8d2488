package arp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "arp-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"limit":1000}`,
				`{"opcode":"request"}`, `{"opcode":"reply","limit":5,"offset":1}`, `{"opcode":"2"}`, `{"opcode":"reverse request"}`,
				`{"mac":"3c:22:fb:20:00:03"}`, `{"mac":"02:ba:d0:00:00:66","opcode":"reply","limit":4,"offset":4}`,
				`{"mac":"00:01:02:03:04:05"}`, `{"mac":"7e:8e:20:d8:23:a7"}`,
				`{"ip":"10.0.2.1"}`, `{"ip":"10.0.2.101","mac":"3c:22:fb:20:00:01"}`, `{"ip":"10.204.1.5"}`, `{"ip":"192.168.123.1","opcode":"request"}`,
				`{"start_time":"2024-06-03T09:00:05Z"}`, `{"end_time":"2024-06-03T09:00:01Z","opcode":"request"}`,
				`{"start_time":"2012-11-11T01:00:21Z","end_time":"2012-11-11T01:00:26Z","ip":"10.10.10.1"}`,
				`{"start_time":"2020-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000}`, `{"offset":100000}`)
		})
	}
}
