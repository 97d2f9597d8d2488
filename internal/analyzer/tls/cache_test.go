package tls

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// TestCache: later pages of sessions and certificates are answered from
// the first call's pass, the same as a new pass answers them, for each
// set of filters (the filters are part of the cache key: they choose what
// the top lists and fingerprints count).
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	files, _ := filepath.Glob(pcaptest.GenFile(t, "tls-*.pcap"))
	filters := []string{``, `"list_ciphers":true`, `"sni":"EXAMPLE.com"`, `"version":"tls1.3"`, `"version":"none"`,
		`"client_ip":"192.168.1.21","server_ip":"203.0.113.10"`, `"ja3":"76b429c83f1e1105096051f1574f17d9"`,
		`"ja3":"96681175a9547081bf3d417f1a572091","list_ciphers":true`, `"ja4":"t13d0307h2_28fa9b2900ea_f3dc17d3ddb6"`,
		`"start_time":"2024-06-03T09:00:00.1Z","end_time":"2024-06-03T09:00:00.2Z"`}
	pages := []string{``, `"limit":1`, `"limit":1,"offset":1`, `"limit":2,"offset":1,"certificates_limit":1,"certificates_offset":1`,
		`"certificates_offset":1`, `"limit":0,"certificates_limit":0`, `"offset":100,"certificates_offset":100`}
	for _, f := range files {
		for _, flt := range filters {
			t.Run(filepath.Base(f)+"/"+flt, func(t *testing.T) {
				calls := make([]string, len(pages))
				for i, p := range pages {
					calls[i] = "{" + strings.Trim(flt+","+p, ",") + "}"
				}
				pcaptest.CheckCache(t, tool, f, calls...)
			})
		}
	}
}

// TestCacheKeyFilters: a call with other filters or list_ciphers after a
// cached pass makes a pass of its own and answers as a new pass does.
func TestCacheKeyFilters(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	ref, _ := json.Marshal(pcaptest.GenFile(t, "tls-normal.pcap"))
	env := pcaptest.Env(0)
	cache := rescache.New(1 << 30)
	env.Cache = cache
	calls := []string{`}`, `,"version":"TLS 1.3"}`, `,"client_ip":"192.168.1.22"}`, `,"list_ciphers":true}`, `,"version":"TLS 1.3"}`}
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
			t.Errorf("%s: %d misses, want %d (a pass per set of filters)", args, st.Misses, misses)
		}
	}
}
