package http

import (
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages and other filters of transactions and files are
// answered from the first call's pass, the same as a new pass answers
// them, with header lists and without.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	files, _ := filepath.Glob(pcaptest.GenFile(t, "http-*.pcap"))
	files = append(files, pcaptest.Testdata(t, "http-download.pcap.gz"), pcaptest.Testdata(t, "tcp-http-rst.pcap"))
	calls := []string{`{}`, `{"offset":20}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"files_limit":2,"files_offset":1}`,
		`{"files_limit":0,"limit":5}`, `{"offset":1,"files_offset":3,"limit":1,"files_limit":1}`,
		`{"host":"WWW.example"}`, `{"host":"shop.example.com","limit":4,"offset":8}`, `{"uri":"/backup-1"}`, `{"uri":"download.php"}`,
		`{"method":"post"}`, `{"method":"GET","files_limit":1}`, `{"status":"404","limit":10,"offset":25}`, `{"status":"5xx"}`, `{"status":"304"}`,
		`{"client_ip":"10.0.0.22"}`, `{"server_ip":"203.0.113.80","client_ip":"10.0.0.21"}`, `{"server_ip":"127.0.0.1"}`,
		`{"content_type":"JSON"}`, `{"content_type":"x-www-form-urlencoded","method":"POST"}`,
		`{"start_time":"2024-06-03T09:00:01Z","end_time":"2024-06-03T09:00:01.5Z"}`, `{"start_time":"2024-06-03T09:00:02Z","status":"5xx","limit":2}`,
		`{"end_time":"2020-01-01T00:00:00Z"}`, `{"offset":100000,"files_offset":100000}`}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, calls...)
		})
		t.Run(filepath.Base(f)+"/headers", func(t *testing.T) {
			withHeaders := make([]string, len(calls))
			for i, c := range calls {
				withHeaders[i] = `{"headers":true,"reveal_secrets":true,` + c[1:]
				if c == `{}` {
					withHeaders[i] = `{"headers":true,"reveal_secrets":true}`
				}
			}
			pcaptest.CheckCache(t, tool, f, withHeaders...)
		})
	}
}
