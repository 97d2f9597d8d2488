package dns

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters of both lists are answered
// from the first call's pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range pcaptest.ModuleCaptures(t, "dns-*.pcap") {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"offset":20}`, `{"limit":3,"offset":2,"transactions_offset":5}`, `{"limit":0,"transactions_limit":0}`,
				`{"domain":"example.com"}`, `{"domain":"MAIL.example.com.","limit":5,"offset":1}`, `{"qtype":"AAAA"}`, `{"qtype":"1","transactions_limit":7}`,
				`{"rcode":"NXDOMAIN"}`, `{"rcode":"NOERROR","client_ip":"10.0.1.1"}`, `{"server_ip":"10.0.0.53","domain":"www"}`,
				`{"client_ip":"10.0.1.0","qtype":"AAAA","transactions_offset":1,"transactions_limit":2}`,
				`{"start_time":"2020-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000,"transactions_limit":1000}`, `{"offset":100000,"transactions_offset":100000}`)
		})
	}
}
