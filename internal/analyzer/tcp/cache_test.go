package tcp

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// cacheCaptures are the generated TCP captures and the repository's (the
// module has no captures of its own for pcaptest.ModuleCaptures to find),
// and, when the shared corpus is there, a few of its larger ones: a port
// scan, many connections of one client, retransmissions, a zero window.
func cacheCaptures(t *testing.T) []string {
	gen, _ := filepath.Glob(pcaptest.GenFile(t, "tcp-*.pcap"))
	repo, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "tcp-*.pcap*"))
	if len(gen) == 0 || len(repo) == 0 {
		t.Fatalf("captures: %d generated, %d in the repository's testdata", len(gen), len(repo))
	}
	files := append(gen, repo...)
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, f := range []string{"tcp-syn-port-scan-chrissanders.pcapng", "http-cab-downloads-multi-conn-zeek.pcap",
			"tcp-retrans-wireshark-sample-arkime.pcap", "tcp-zero-window-dead-chrissanders.pcapng"} {
			files = append(files, filepath.Join(dir, f))
		}
	}
	return files
}

// analysisArgs are sets of a tool's analysis arguments (JSON members),
// each checked with its own cache: a connection filter changes every
// count, so calls with different ones are different analyses. Each
// selects what capture has: the endpoints and times of its first
// connection.
func analysisArgs(t *testing.T, capture string) map[string]string {
	conns := connections(t, ConnectionsInput{Common: Common{PcapFile: capture}, Limit: ptr(1)}).Connections
	if len(conns) == 0 {
		t.Fatalf("%s: no connection", capture)
	}
	c := conns[0]
	server, client := netip.MustParseAddrPort(c.Server), netip.MustParseAddrPort(c.Client)
	return map[string]string{
		"none":        ``,
		"server_ip":   fmt.Sprintf(`"server_ip":%q`, server.Addr()),
		"server_port": fmt.Sprintf(`"server_port":%d`, server.Port()),
		"client_ip":   fmt.Sprintf(`"client_ip":%q`, client.Addr()),
		"time":        fmt.Sprintf(`"start_time":%q,"end_time":%q`, c.StartTime, c.EndTime),
		"combined":    fmt.Sprintf(`"server_ip":%q,"server_port":%d,"client_ip":%q,"start_time":%q`, server.Addr(), server.Port(), client.Addr(), c.StartTime),
		"state":       fmt.Sprintf(`"state":%q`, c.TCPState),
	}
}

// with adds the members args to each call.
func with(args string, calls ...string) []string {
	if args == "" {
		return calls
	}
	out := make([]string, len(calls))
	for i, c := range calls {
		if c == `{}` {
			out[i] = `{` + args + `}`
		} else {
			out[i] = `{` + args + `,` + strings.TrimPrefix(c, `{`)
		}
	}
	return out
}

// TestCache: later pages, orders and selections are answered from the
// first call's pass, the same as a new pass answers them, for each tool and
// each set of analysis arguments.
func TestCache(t *testing.T) {
	tools := map[string]analyzer.Tool{}
	for _, tool := range New(Options{}).Tools() {
		tools[tool.Name] = tool
	}
	for _, f := range cacheCaptures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			args := analysisArgs(t, f)
			// A flagged segment, when there is one, for the anomalies'
			// selections.
			stream, flag := 0, "duplicate_ack"
			if segs := anomalies(t, AnomaliesInput{Common: Common{PcapFile: f}, Limit: ptr(1)}).Segments; len(segs) > 0 {
				stream, flag = segs[0].Stream, segs[0].Flags[0]
			}
			check := func(tool string, sets []string, calls ...string) {
				for _, set := range sets {
					t.Run(tool+"/"+set, func(t *testing.T) {
						pcaptest.CheckCache(t, tools[tool], f, with(args[set], calls...)...)
					})
				}
			}
			check("analyze_tcp_connections", []string{"none", "server_ip", "server_port", "client_ip", "time", "combined", "state"},
				`{}`, `{"offset":1}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"sort_by":"bytes","limit":5}`,
				`{"sort_by":"duration","offset":1,"limit":2}`, `{"sort_by":"packets"}`, `{"sort_by":"retransmissions","detailed":true}`,
				`{"detailed":true,"offset":3}`, `{"limit":1000,"detailed":true}`, `{"offset":100000}`)
			segCalls := []string{`{}`, `{"offset":1}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"analysis_flag":"retransmission"}`,
				fmt.Sprintf(`{"analysis_flag":%q,"limit":5,"offset":1}`, flag), fmt.Sprintf(`{"stream":%d}`, stream),
				fmt.Sprintf(`{"stream":%d,"analysis_flag":%q}`, stream, flag), `{"analysis_flag":"zero_window","stream":0}`,
				`{"stream":100000}`, `{"limit":1000}`, `{"offset":100000}`}
			check("analyze_tcp_anomalies", []string{"none", "server_ip", "client_ip", "time", "combined"}, segCalls...)
			// Other thresholds are another analysis.
			args["thresholds"] = `"thresholds":{"retrans_min_rate":0.01,"retrans_min_packets":5,"scan_min_targets":5}`
			check("analyze_tcp_anomalies", []string{"thresholds"}, segCalls...)
			args["threshold"] = `"threshold":0.5`
			check("analyze_tcp_retransmissions", []string{"none", "server_ip", "time", "combined", "threshold"},
				`{}`, `{"offset":1,"limit":1}`, `{"limit":0}`, `{"segments_offset":2,"segments_limit":3}`,
				`{"segments_limit":0,"limit":1000}`, `{"segments_limit":1000}`, `{"offset":100000,"segments_offset":100000}`)
			// analyze_traffic_flow needs a server.
			args["port"] = args["server_ip"] + "," + args["server_port"]
			args["client"] = args["server_ip"] + "," + args["client_ip"]
			args["time"] = args["server_ip"] + "," + args["time"]
			check("analyze_traffic_flow", []string{"server_ip", "port", "client", "time", "combined"},
				`{}`, `{"offset":1,"limit":1}`, `{"limit":2,"offset":1}`, `{"limit":0}`, `{"limit":1000}`, `{"offset":100000}`)
		})
	}
}

// TestCacheKeys: calls with other analysis arguments on one cache are
// answered by passes of their own, not from another call's value.
func TestCacheKeys(t *testing.T) {
	f := pcaptest.GenFile(t, "tcp-normal.pcap")
	env, cache := pcaptest.Env(0), rescache.New(1<<30)
	env.Cache = cache
	tools := map[string]analyzer.Tool{}
	for _, tool := range New(Options{}).Tools() {
		tools[tool.Name] = tool
	}
	ref, _ := json.Marshal(f)
	for _, c := range []struct{ tool, args string }{
		{"analyze_tcp_connections", `{}`},
		{"analyze_tcp_connections", `{"server_ip":"198.51.100.80"}`},
		{"analyze_tcp_connections", `{"server_ip":"198.51.100.80","server_port":443}`},
		{"analyze_tcp_connections", `{"server_port":5432}`},
		{"analyze_tcp_connections", `{"client_ip":"10.0.1.1"}`},
		{"analyze_tcp_connections", `{"state":"refused"}`},
		{"analyze_tcp_connections", `{"end_time":"2024-06-03T09:00:01Z"}`},
		{"analyze_tcp_connections", `{"start_time":"2024-06-03T09:00:01Z"}`},
		{"analyze_tcp_anomalies", `{}`},
		{"analyze_tcp_anomalies", `{"server_ip":"10.0.0.5"}`},
		{"analyze_tcp_anomalies", `{"thresholds":{"retrans_min_rate":0.01}}`},
		{"analyze_tcp_retransmissions", `{}`},
		{"analyze_tcp_retransmissions", `{"threshold":0.5}`},
		{"analyze_tcp_retransmissions", `{"client_ip":"10.0.1.1"}`},
		{"analyze_traffic_flow", `{"server_ip":"198.51.100.80"}`},
		{"analyze_traffic_flow", `{"server_ip":"10.0.0.5"}`},
		{"analyze_traffic_flow", `{"server_ip":"10.0.0.5","server_port":3306}`},
	} {
		tool := tools[c.tool]
		full := `{"pcap_file":` + string(ref) + `,` + strings.TrimPrefix(c.args, `{`)
		if c.args == `{}` {
			full = `{"pcap_file":` + string(ref) + `}`
		}
		want, err := tool.Call(t.Context(), pcaptest.Env(0), []byte(full))
		if err != nil {
			t.Fatalf("%s %s: %v", c.tool, full, err)
		}
		got, err := tool.Call(t.Context(), env, []byte(full))
		if err != nil {
			t.Fatalf("%s %s with a cache: %v", c.tool, full, err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if string(wb) != string(gb) {
			t.Errorf("%s %s: answered from another call's value:\ncached: %.1000s\nfresh:  %.1000s", c.tool, c.args, gb, wb)
		}
	}
	if st := cache.Stats(); st.Hits != 0 {
		t.Errorf("%d hits; every call has analysis arguments of its own", st.Hits)
	}
}

// TestCacheGivesUp: a list longer than the cache's bound allows is given
// up, the call answered from its own pass, and nothing cached.
func TestCacheGivesUp(t *testing.T) {
	f := pcaptest.GenFile(t, "tcp-retransmissions.pcap")
	env, cache := pcaptest.Env(0), rescache.New(100) // no list may keep an item
	env.Cache = cache
	ref, _ := json.Marshal(f)
	for _, tool := range New(Options{}).Tools() {
		args := `{"pcap_file":` + string(ref) + `,"limit":1}`
		if tool.Name == "analyze_traffic_flow" {
			args = `{"pcap_file":` + string(ref) + `,"server_ip":"198.51.100.80","limit":1}`
		}
		for range 2 {
			want, err := tool.Call(t.Context(), pcaptest.Env(0), []byte(args))
			if err != nil {
				t.Fatalf("%s %s: %v", tool.Name, args, err)
			}
			got, err := tool.Call(t.Context(), env, []byte(args))
			if err != nil {
				t.Fatalf("%s %s with a cache: %v", tool.Name, args, err)
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if string(wb) != string(gb) {
				t.Errorf("%s %s: answer differs from a new pass:\ncached: %.1000s\nfresh:  %.1000s", tool.Name, args, gb, wb)
			}
		}
	}
	if st := cache.Stats(); st.Entries != 0 || st.Hits != 0 || st.Refused != 0 {
		t.Errorf("cache %+v; want nothing kept, nothing put", st)
	}
}
