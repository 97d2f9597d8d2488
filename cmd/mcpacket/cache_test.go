package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// TestCacheBound calls every tool on several captures with a small result
// cache: it never holds more than its bound (values over it are not kept,
// older ones make room), and every answer is the one a server without a
// cache gives.
func TestCacheBound(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	const bound = 64 << 10
	cache := rescache.New(bound)
	env := pcaptest.Env(0)
	env.Cache = cache
	var captures []string
	for _, p := range []string{"dns-*.pcap", "icmp-*.pcap", "dhcp-*.pcap", "sip-*.pcap", "tcp-*.pcap"} {
		files, _ := filepath.Glob(pcaptest.GenFile(t, p))
		captures = append(captures, files[:min(3, len(files))]...)
	}
	if len(captures) < 10 {
		t.Fatalf("%d generated captures", len(captures))
	}
	calls := 0
	for _, m := range reg.Modules() {
		for _, tool := range m.Tools() {
			if tool.NeedsOutputDir || tool.NeedsUploads || tool.Name == "list_captures" {
				continue
			}
			for _, c := range captures {
				for _, args := range []string{`}`, `,"offset":3}`} {
					ref, _ := json.Marshal(c)
					in := []byte(`{"pcap_file":` + string(ref) + args)
					if tool.Name == "follow_stream" || tool.Name == "get_packets" {
						in = []byte(`{"pcap_file":` + string(ref) + `,"frames":"1-5"}`)
					}
					want, werr := tool.Call(t.Context(), pcaptest.Env(0), in)
					got, gerr := tool.Call(t.Context(), env, in)
					if (werr == nil) != (gerr == nil) {
						t.Fatalf("%s %s: error %v with a cache, %v without", tool.Name, in, gerr, werr)
					}
					if werr != nil {
						continue
					}
					calls++
					wb, _ := json.Marshal(want)
					gb, _ := json.Marshal(got)
					if !bytes.Equal(wb, gb) {
						t.Errorf("%s %s: answer with a small cache differs from a new pass", tool.Name, in)
					}
					if st := cache.Stats(); st.Bytes > bound {
						t.Fatalf("after %s %s the cache holds %d bytes, over its bound of %d", tool.Name, in, st.Bytes, bound)
					}
				}
			}
		}
	}
	st := cache.Stats()
	t.Logf("%d calls: %+v", calls, st)
	if st.Hits == 0 || st.Evictions == 0 || st.Refused == 0 {
		t.Errorf("cache stats %+v: want hits, evictions (older values making room) and refusals (values over the bound)", st)
	}
}

// TestOverviewCache: every page, sort and filter of the overview's lists
// (and another time profile) is answered from its first pass, as a new
// pass answers it.
func TestOverviewCache(t *testing.T) {
	_, tool := overviewTool(t)
	for _, name := range []string{"dns-normal.pcap", "tcp-port-scan.pcap", "sip-normal.pcap", "dhcp-normal-lan.pcap", "http-normal.pcap"} {
		f := pcaptest.GenFile(t, name)
		t.Run(name, func(t *testing.T) {
			pcaptest.CheckCache(t, tool, f, `{}`, `{"flows_offset":3,"flows_limit":4}`, `{"findings_limit":2,"findings_offset":1}`,
				`{"protocols_offset":2,"protocols_limit":5}`, `{"buckets":7,"protocol_series":true}`, `{"conversation_type":"tcp","conversations_sort":"frames","conversations_limit":3,"conversations_offset":1}`,
				`{"hosts_limit":2,"hosts_offset":1}`, `{"protocol":"udp","flows_sort":"packets"}`, `{"protocol":"tcp","state":"SF","flows_sort":"duration"}`,
				`{"service":"dns","address":"10.0.0.53"}`, `{"port":53,"flows_sort":"start"}`, `{"service":"none"}`,
				`{"start_time":"2020-01-01T00:00:00Z","end_time":"2030-01-01T00:00:00Z","flows_limit":100}`, `{"flows_offset":100000}`)
		})
	}
}
