package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
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

// TestCacheConcurrent: calls answered at once from the same cached passes
// (the race detector watches in make test) give what new passes give.
func TestCacheConcurrent(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	env := pcaptest.Env(0)
	env.Cache = rescache.New(1 << 30)
	type call struct {
		tool analyzer.Tool
		in   []byte
		want []byte
	}
	var calls []call
	for _, c := range []struct{ tool, capture, args string }{
		{"analyze_dns_packets", "dns-normal.pcap", `,"offset":%d,"transactions_offset":%d}`},
		{"analyze_icmp_packets", "icmp-normal.pcap", `,"offset":%d,"limit":%d}`},
		{"analyze_dhcp_packets", "dhcp-normal-lan.pcap", `,"offset":%d,"clients_offset":%d}`},
		{"analyze_sip_packets", "sip-normal.pcap", `,"offset":%d,"calls_offset":%d}`},
		{"analyze_http_transactions", "http-normal.pcap", `,"offset":%d,"files_offset":%d}`},
		{"analyze_tcp_connections", "tcp-port-scan.pcap", `,"offset":%d,"limit":%d}`},
		{"analyze_tcp_anomalies", "tcp-port-scan.pcap", `,"offset":%d,"limit":%d}`},
		{"analyze_overview", "dns-normal.pcap", `,"flows_offset":%d,"hosts_offset":%d}`},
	} {
		tool, ok := reg.Tool(c.tool)
		if !ok {
			t.Fatalf("%s not registered", c.tool)
		}
		ref, _ := json.Marshal(pcaptest.GenFile(t, c.capture))
		for i := range 4 {
			in := []byte(`{"pcap_file":` + string(ref) + fmt.Sprintf(c.args, i*3, i+1))
			want, err := tool.Call(t.Context(), pcaptest.Env(0), in)
			if err != nil {
				t.Fatalf("%s %s: %v", c.tool, in, err)
			}
			wb, _ := json.Marshal(want)
			if _, err := tool.Call(t.Context(), env, in); err != nil { // fills the cache
				t.Fatal(err)
			}
			calls = append(calls, call{tool, in, wb})
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range calls {
				c := calls[(i+g*7)%len(calls)]
				got, err := c.tool.Call(t.Context(), env, c.in)
				if err != nil {
					t.Error(err)
					return
				}
				if gb, _ := json.Marshal(got); !bytes.Equal(gb, c.want) {
					t.Errorf("%s %s: a cached answer given at once with others differs from a new pass", c.tool.Name, c.in)
				}
			}
		})
	}
	wg.Wait()
}

// TestOverviewFillsCaches: after analyze_overview with a result cache, the
// tools of every module the overview ran as a modkit.Keeper answer their
// first calls (default arguments, another page) from the overview's pass,
// with no pass of their own, as a new pass answers them.
func TestOverviewFillsCaches(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	var keepers []string
	for _, m := range reg.Modules() {
		if _, ok := m.(modkit.Keeper); ok {
			keepers = append(keepers, m.Name())
		}
	}
	if want := []string{"arp", "dhcp", "dhcpv6", "dns", "http", "icmp", "lldp", "ntp", "sip", "tcp", "tls"}; !slices.Equal(keepers, want) {
		t.Errorf("modules the overview fills the caches of: %v, want %v", keepers, want)
	}
	_, overview := overviewTool(t)
	// The briefs of the Keepers' passes are those of their NewPass: the
	// overview of every generated capture is the same with a cache.
	all, _ := filepath.Glob(pcaptest.GenFile(t, "*.pcap"))
	for _, f := range all {
		ref, _ := json.Marshal(f)
		in := []byte(`{"pcap_file":` + string(ref) + `,"findings_limit":100}`)
		env := pcaptest.Env(0)
		env.Cache = rescache.New(1 << 30)
		want, werr := overview.Call(t.Context(), pcaptest.Env(0), in)
		got, gerr := overview.Call(t.Context(), env, in)
		if werr != nil || gerr != nil {
			t.Fatalf("%s: %v with a cache, %v without", f, gerr, werr)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Errorf("%s: the overview with a cache differs from one without:\nwith:    %.1500s\nwithout: %.1500s", filepath.Base(f), gb, wb)
		}
	}
	if len(all) < 50 {
		t.Fatalf("%d generated captures", len(all))
	}
	for _, name := range []string{"tcp-port-scan.pcap", "icmp-normal.pcap", "dns-normal.pcap", "arp-spoofing.pcap", "ntp-normal.pcap", "dhcpv6-normal.pcap", "lldp-normal.pcap", "dhcp-normal-lan.pcap", "sip-normal.pcap", "http-normal.pcap", "http-credentials.pcap", "tls-go-normal.pcap", "tls-handshake-failure.pcap"} {
		t.Run(name, func(t *testing.T) {
			f := pcaptest.GenFile(t, name)
			env := pcaptest.Env(0)
			cache := rescache.New(1 << 30)
			env.Cache = cache
			ref, _ := json.Marshal(f)
			if _, err := overview.Call(t.Context(), env, []byte(`{"pcap_file":`+string(ref)+`}`)); err != nil {
				t.Fatal(err)
			}
			misses := cache.Stats().Misses
			for _, m := range reg.Modules() {
				if _, ok := m.(modkit.Keeper); !ok {
					continue
				}
				for _, tool := range m.Tools() {
					for _, args := range []string{`}`, `,"offset":2}`} {
						in := []byte(`{"pcap_file":` + string(ref) + args)
						if tool.Name == "analyze_traffic_flow" {
							in = []byte(`{"pcap_file":` + string(ref) + `,"server_ip":"10.0.0.1"` + args)
						}
						want, werr := tool.Call(t.Context(), pcaptest.Env(0), in)
						got, gerr := tool.Call(t.Context(), env, in)
						if werr != nil || gerr != nil {
							t.Fatalf("%s %s: error %v after the overview, %v without a cache", tool.Name, in, gerr, werr)
						}
						wb, _ := json.Marshal(want)
						gb, _ := json.Marshal(got)
						if !bytes.Equal(wb, gb) {
							t.Errorf("%s %s: answer after the overview differs from a new pass:\nafter: %.1500s\nnew:   %.1500s", tool.Name, in, gb, wb)
						}
						if st := cache.Stats(); st.Misses != misses {
							t.Errorf("%s %s: a pass of its own after the overview (%d misses, %d before)", tool.Name, in, st.Misses, misses)
							misses = st.Misses
						}
					}
				}
			}
		})
	}
}
