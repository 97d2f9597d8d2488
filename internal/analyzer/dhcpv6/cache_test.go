package dhcpv6

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "dhcpv6-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"limit":1000}`,
				`{"msg_type":"SOLICIT"}`, `{"msg_type":"REPLY","limit":2,"offset":1}`, `{"msg_type":"advertise"}`, `{"msg_type":"12"}`,
				`{"duid":"000100012e000000001b21000601"}`, `{"duid":"00:03:00:01:00:01:02:03:04:05"}`,
				`{"duid":"000100012e00000002bad0000666","msg_type":"ADVERTISE","limit":2,"offset":2}`,
				`{"address":"fe80::21b:21ff:fe00:601"}`, `{"address":"2001:db8:0:1::b"}`, `{"address":"fc00:502:411:1::31"}`, `{"address":"ff02::1:2","msg_type":"SOLICIT"}`,
				`{"start_time":"2024-06-03T09:00:05Z"}`, `{"end_time":"2024-06-03T09:00:03Z","msg_type":"SOLICIT"}`,
				`{"start_time":"2012-11-26T00:00:00Z","end_time":"2012-11-27T00:00:00Z","duid":"00030001000102030405"}`,
				`{"msg_type":"REPLY","duid":"000100012e0000003c22fb600001","address":"2001:db8:0:1::101","start_time":"2024-06-03T09:00:00Z"}`,
				`{"start_time":"2000-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000}`, `{"offset":100000}`)
		})
	}
}
