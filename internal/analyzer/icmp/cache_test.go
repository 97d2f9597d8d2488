package icmp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "icmp-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`,
				`{"icmp_type":"echo request"}`, `{"icmp_type":"echo reply","limit":5,"offset":1}`, `{"icmp_type":"3"}`,
				`{"src_ip":"10.0.0.1"}`, `{"dst_ip":"10.0.0.1","icmp_type":"time exceeded"}`,
				`{"start_time":"2020-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000}`, `{"offset":100000}`)
		})
	}
}
