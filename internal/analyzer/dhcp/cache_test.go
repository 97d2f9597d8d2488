package dhcp

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them, for the packets,
// transactions and clients lists alike.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range dhcpCaptures(t) {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`,
				`{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"offset":100000}`,
				`{"transactions_limit":2,"transactions_offset":1}`, `{"transactions_offset":20}`, `{"transactions_limit":0}`,
				`{"clients_limit":3,"clients_offset":2}`, `{"clients_offset":40}`, `{"clients_limit":0,"limit":0}`,
				`{"transactions_offset":100000,"clients_offset":100000}`,
				`{"message_type":"DISCOVER"}`, `{"message_type":"ACK","limit":2,"offset":1}`, `{"message_type":"NAK"}`,
				`{"message_type":"OFFER","transactions_limit":3}`, `{"message_type":"BOOTP"}`, `{"message_type":"INFORM"}`,
				`{"client_mac":"3c:22:fb:10:00:01"}`, `{"client_mac":"90:b1:1c:99:49:29","limit":1,"offset":1}`,
				`{"client_mac":"02:00:00:00:00:02"}`,
				`{"transaction_id":"0x00001000"}`, `{"transaction_id":"0x12345678","message_type":"OFFER"}`, `{"transaction_id":"28672"}`,
				`{"server_id":"10.0.0.1"}`, `{"server_id":"10.0.0.66","clients_limit":2}`, `{"server_id":"192.168.1.1"}`, `{"server_id":"128.2.6.152"}`,
				`{"server_id":"10.0.0.2","message_type":"ACK"}`,
				`{"start_time":"2024-06-03T09:00:01Z","end_time":"2024-06-03T09:00:03Z"}`,
				`{"start_time":"2000-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000,"transactions_limit":1000,"clients_limit":1000}`,
				`{"start_time":"2024-06-03T09:00:02Z","client_mac":"3c:22:fb:10:00:02","server_id":"10.0.0.1"}`,
				`{"end_time":"2013-06-02T19:14:05Z"}`)
		})
	}
}
