package sip

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters are answered from the first
// call's pass, the same as a new pass answers them, for the packets, calls
// and registrations lists alike.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, f := range testCaptures(t) {
		t.Run(f, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`,
				`{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"offset":100000}`,
				`{"calls_limit":2,"calls_offset":1}`, `{"calls_offset":20}`, `{"calls_limit":0}`,
				`{"registrations_limit":3,"registrations_offset":2}`, `{"registrations_offset":40}`, `{"registrations_limit":0,"limit":0}`,
				`{"calls_offset":100000,"registrations_offset":100000}`,
				`{"method":"INVITE"}`, `{"method":"register","limit":2,"offset":1}`, `{"method":"ACK"}`, `{"method":"OPTIONS"}`,
				`{"status_code":"200"}`, `{"status_code":"4xx","calls_limit":3}`, `{"status_code":"401"}`, `{"status_code":"5xx"}`,
				`{"status_code":"1xx","method":"INVITE"}`, `{"status_code":"403","registrations_limit":2}`,
				`{"call_id":"call01-9b2e@10.0.1.1"}`, `{"call_id":"reg001-4f1c"}`, `{"call_id":"12013223@200.57.7.195","method":"INVITE"}`,
				`{"call_id":"105090259-446faf7a@192.168.1.2"}`, `{"call_id":"578222729-4665d775@578222732-4665d772"}`,
				`{"ip":"10.0.0.10"}`, `{"ip":"192.168.1.2","limit":5,"offset":3}`, `{"src_ip":"10.0.1.2"}`, `{"dst_ip":"212.242.33.35"}`,
				`{"src_ip":"203.0.113.66","dst_ip":"10.0.0.10","status_code":"4xx"}`, `{"src_ip":"200.57.7.195","dst_ip":"200.57.7.204"}`,
				`{"start_time":"2024-06-03T09:00:00.5Z","end_time":"2024-06-03T09:01:30Z"}`,
				`{"start_time":"2000-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","limit":1000,"calls_limit":1000,"registrations_limit":1000}`,
				`{"start_time":"2005-07-04T09:40:00Z","ip":"192.168.1.2","method":"INVITE"}`,
				`{"end_time":"2005-01-14T17:58:10Z"}`)
		})
	}
}
