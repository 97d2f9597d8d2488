package tls

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestCache: later pages of sessions and certificates, other filters,
// list_ciphers and other thresholds are answered from the first call's
// pass, the same as a new pass answers them.
func TestCache(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	files, _ := filepath.Glob(pcaptest.GenFile(t, "tls-*.pcap"))
	if len(files) == 0 {
		t.Fatal("no generated tls-*.pcap")
	}
	filters := []string{``, `"list_ciphers":true`, `"sni":"EXAMPLE.com"`, `"version":"tls1.3"`, `"version":"none"`,
		`"client_ip":"192.168.1.21","server_ip":"203.0.113.10"`, `"ja3":"76b429c83f1e1105096051f1574f17d9"`,
		`"ja3":"96681175a9547081bf3d417f1a572091","list_ciphers":true`, `"ja4":"t13d0307h2_28fa9b2900ea_f3dc17d3ddb6"`,
		`"start_time":"2024-06-03T09:00:00.1Z","end_time":"2024-06-03T09:00:00.2Z"`, `"thresholds":{"handshake_failures_min":3}`}
	pages := []string{``, `"limit":1`, `"limit":1,"offset":1`, `"limit":2,"offset":1,"certificates_limit":1,"certificates_offset":1`,
		`"certificates_offset":1`, `"limit":0,"certificates_limit":0`, `"offset":100,"certificates_offset":100`}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var calls []string
			for _, flt := range filters {
				for _, p := range pages {
					calls = append(calls, "{"+strings.Trim(flt+","+p, ",")+"}")
				}
			}
			pcaptest.CheckCache(t, tool, f, calls...)
		})
	}
}
