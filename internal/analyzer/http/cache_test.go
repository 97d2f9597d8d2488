package http

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
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

// TestCacheKeyHeaders: a call with other headers or reveal_secrets after a
// cached pass makes a pass of its own and answers as a new pass does.
func TestCacheKeyHeaders(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	ref, _ := json.Marshal(pcaptest.GenFile(t, "http-credentials.pcap"))
	env := pcaptest.Env(0)
	cache := rescache.New(1 << 30)
	env.Cache = cache
	calls := []string{`}`, `,"headers":true}`, `,"headers":true,"reveal_secrets":true}`, `,"reveal_secrets":true,"method":"POST"}`, `,"headers":true,"limit":1}`}
	for i, c := range calls {
		args := []byte(`{"pcap_file":` + string(ref) + c)
		want, err := tool.Call(t.Context(), pcaptest.Env(0), args)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tool.Call(t.Context(), env, args)
		if err != nil {
			t.Fatal(err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Errorf("%s: answer with a cache differs from a new pass:\ncached: %.2000s\nfresh:  %.2000s", args, gb, wb)
		}
		if st, misses := cache.Stats(), int64(min(i+1, 4)); st.Misses != misses {
			t.Errorf("%s: %d misses, want %d (a pass per headers and reveal_secrets)", args, st.Misses, misses)
		}
	}
}
