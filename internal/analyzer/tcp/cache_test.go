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

// filterArgs are sets of connection filters (JSON members) that select
// what capture has: the endpoints and times of its first connection.
func filterArgs(t *testing.T, capture string) map[string]string {
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

// with adds the members of each of sets to each call.
func with(args map[string]string, sets []string, calls ...string) []string {
	var out []string
	for _, set := range sets {
		for _, c := range calls {
			switch a := args[set]; {
			case a == "":
				out = append(out, c)
			case c == `{}`:
				out = append(out, `{`+a+`}`)
			default:
				out = append(out, `{`+a+`,`+strings.TrimPrefix(c, `{`))
			}
		}
	}
	return out
}

// TestCache: later pages, orders, selections and other connection filters
// are answered from the first call's pass, the same as a new pass answers
// them, for each tool.
func TestCache(t *testing.T) {
	tools := map[string]analyzer.Tool{}
	for _, tool := range New(Options{}).Tools() {
		tools[tool.Name] = tool
	}
	for _, f := range cacheCaptures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			args := filterArgs(t, f)
			// A flagged segment, when there is one, for the anomalies'
			// selections.
			stream, flag := 0, "duplicate_ack"
			if segs := anomalies(t, AnomaliesInput{Common: Common{PcapFile: f}, Limit: ptr(1)}).Segments; len(segs) > 0 {
				stream, flag = segs[0].Stream, segs[0].Flags[0]
			}
			check := func(tool string, calls []string) {
				t.Run(tool, func(t *testing.T) { pcaptest.CheckCache(t, tools[tool], f, calls...) })
			}
			check("analyze_tcp_connections", with(args, []string{"none", "server_ip", "server_port", "client_ip", "time", "combined", "state"},
				`{}`, `{"offset":1}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"sort_by":"bytes","limit":5}`,
				`{"sort_by":"duration","offset":1,"limit":2}`, `{"sort_by":"packets"}`, `{"sort_by":"retransmissions","detailed":true}`,
				`{"detailed":true,"offset":3}`, `{"limit":1000,"detailed":true}`, `{"offset":100000}`))
			segCalls := []string{`{}`, `{"offset":1}`, `{"limit":3,"offset":2}`, `{"limit":0}`, `{"analysis_flag":"retransmission"}`,
				fmt.Sprintf(`{"analysis_flag":%q,"limit":5,"offset":1}`, flag), fmt.Sprintf(`{"stream":%d}`, stream),
				fmt.Sprintf(`{"stream":%d,"analysis_flag":%q}`, stream, flag), `{"analysis_flag":"zero_window","stream":0}`,
				`{"stream":100000}`, `{"limit":1000}`, `{"offset":100000}`}
			check("analyze_tcp_anomalies", with(args, []string{"none", "server_ip", "client_ip", "time", "combined"}, segCalls...))
			// Other thresholds are another analysis, with a pass of its own.
			args["thresholds"] = `"thresholds":{"retrans_min_rate":0.01,"retrans_min_packets":5,"scan_min_targets":5}`
			check("analyze_tcp_anomalies", with(args, []string{"thresholds"}, segCalls...))
			args["threshold"] = `"threshold":0.5`
			check("analyze_tcp_retransmissions", with(args, []string{"none", "server_ip", "time", "combined", "threshold"},
				`{}`, `{"offset":1,"limit":1}`, `{"limit":0}`, `{"segments_offset":2,"segments_limit":3}`,
				`{"segments_limit":0,"limit":1000}`, `{"segments_limit":1000}`, `{"offset":100000,"segments_offset":100000}`))
			// analyze_traffic_flow needs a server.
			args["port"] = args["server_ip"] + "," + args["server_port"]
			args["client"] = args["server_ip"] + "," + args["client_ip"]
			args["time"] = args["server_ip"] + "," + args["time"]
			check("analyze_traffic_flow", with(args, []string{"server_ip", "port", "client", "time", "combined"},
				`{}`, `{"offset":1,"limit":1}`, `{"limit":2,"offset":1}`, `{"limit":0}`, `{"limit":1000}`, `{"offset":100000}`))
		})
	}
}

// TestCacheShared: the four tools share one pass (at the default
// thresholds); other thresholds are a pass of their own.
func TestCacheShared(t *testing.T) {
	f := pcaptest.GenFile(t, "tcp-normal.pcap")
	env, cache := pcaptest.Env(0), rescache.New(1<<30)
	env.Cache = cache
	tools := map[string]analyzer.Tool{}
	for _, tool := range New(Options{}).Tools() {
		tools[tool.Name] = tool
	}
	ref, _ := json.Marshal(f)
	for i, c := range []struct {
		tool, args string
		misses     int64
	}{
		{"analyze_tcp_connections", `}`, 1},
		{"analyze_tcp_anomalies", `,"server_ip":"10.0.0.5"}`, 1},
		{"analyze_tcp_retransmissions", `,"threshold":0.5}`, 1},
		{"analyze_traffic_flow", `,"server_ip":"198.51.100.80"}`, 1},
		{"analyze_tcp_anomalies", `,"thresholds":{"retrans_min_rate":0.01}}`, 2},
		{"analyze_tcp_anomalies", `,"thresholds":{"retrans_min_rate":0.01},"stream":1}`, 2},
	} {
		full := []byte(`{"pcap_file":` + string(ref) + c.args)
		want, err := tools[c.tool].Call(t.Context(), pcaptest.Env(0), full)
		if err != nil {
			t.Fatalf("%s %s: %v", c.tool, full, err)
		}
		got, err := tools[c.tool].Call(t.Context(), env, full)
		if err != nil {
			t.Fatalf("%s %s with a cache: %v", c.tool, full, err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if string(wb) != string(gb) {
			t.Errorf("%s %s: answer from the cache differs from a new pass", c.tool, full)
		}
		if st := cache.Stats(); st.Misses != c.misses || st.Hits != int64(i+1)-c.misses {
			t.Errorf("after %s %s: %d misses, %d hits; want %d misses", c.tool, full, st.Misses, st.Hits, c.misses)
		}
	}
}
