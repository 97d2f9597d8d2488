package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// loadCall is one tool call of the load test's mix.
type loadCall struct {
	tool string
	args map[string]any
}

// loadMix mixes every tool with normal, malformed and missing captures.
func loadMix(root string) []loadCall {
	gen := func(name string) string { return filepath.Join(root, "testdata", "gen", name) }
	td := func(name string) string { return filepath.Join(root, "testdata", name) }
	return []loadCall{
		{"analyze_capinfos", map[string]any{"pcap_file": filepath.Join(root, "examples", "dhcp.pcap")}},
		{"analyze_capinfos", map[string]any{"pcap_file": td("pcapng-multi-interface.pcapng")}},
		{"analyze_capinfos", map[string]any{"pcap_file": td("malformed-pcap-version.pcap")}},
		{"analyze_capinfos", map[string]any{"pcap_file": td("no-such-file.pcap")}},
		{"list_captures", map[string]any{"subdir": "testdata", "limit": 5}},
		{"analyze_dhcp_packets", map[string]any{"pcap_file": gen("dhcp-rogue-server.pcap")}},
		{"analyze_dhcp_packets", map[string]any{"pcap_file": gen("dhcp-malformed.pcap"), "limit": 5}},
		{"analyze_dns_packets", map[string]any{"pcap_file": gen("dns-tunnel.pcap"), "limit": 5}},
		{"analyze_dns_packets", map[string]any{"pcap_file": gen("dns-malformed.pcap")}},
		{"analyze_icmp_packets", map[string]any{"pcap_file": gen("icmp-normal.pcap")}},
		{"analyze_icmp_packets", map[string]any{"pcap_file": gen("icmp-malformed.pcap"), "limit": 3}},
		{"analyze_sip_packets", map[string]any{"pcap_file": gen("sip-normal.pcap"), "limit": 5}},
		{"analyze_sip_packets", map[string]any{"pcap_file": gen("sip-malformed.pcap")}},
		{"analyze_tcp_connections", map[string]any{"pcap_file": gen("tcp-normal.pcap"), "detailed": true}},
		{"analyze_tcp_anomalies", map[string]any{"pcap_file": gen("tcp-port-scan.pcap")}},
		{"analyze_tcp_retransmissions", map[string]any{"pcap_file": gen("tcp-retransmissions.pcap")}},
		{"analyze_traffic_flow", map[string]any{"pcap_file": gen("tcp-normal.pcap"), "server_ip": "198.51.100.80"}},
		{"analyze_tcp_connections", map[string]any{"pcap_file": td("tcp-truncated-header.pcap")}},
		{"analyze_tcp_anomalies", map[string]any{"pcap_file": td("malformed-huge-caplen.pcap")}},
		{"analyze_dns_packets", map[string]any{"pcap_file": "/etc/passwd"}},
	}
}

// outcome is a call's result with what legitimately differs between calls
// (the analysis timestamp) removed.
func outcome(res *mcp.CallToolResult) string {
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	if res.IsError {
		return "error: " + text.String()
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text.String()), &m); err != nil {
		return "unparsable: " + text.String()
	}
	delete(m, "analysis_timestamp")
	b, _ := json.Marshal(m)
	return string(b)
}

// TestLoad drives one HTTP server with 32 concurrent clients making 2,000
// calls that mix every tool with normal, malformed and missing captures.
// Every call must succeed at the protocol level and return exactly what
// the same call returns to a single client. It logs latency percentiles
// and the server's peak RSS (bench/load.sh prints them).
func TestLoad(t *testing.T) {
	bin, _ := setup(t)
	root := pcaptest.Root(t)
	url, pid := startHTTPPid(t, bin, "--queue-timeout", "5m", "--log-level", "warn")
	mix := loadMix(root)
	connect := func() *mcp.ClientSession {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "load", Version: "0"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	call := func(cs *mcp.ClientSession, c loadCall) (*mcp.CallToolResult, error) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		return cs.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
	}

	// What one client gets.
	single := connect()
	want := make([]string, len(mix))
	errorsExpected := 0
	for i, c := range mix {
		res, err := call(single, c)
		if err != nil {
			t.Fatalf("%s %v: %v", c.tool, c.args, err)
		}
		want[i] = outcome(res)
		if res.IsError {
			errorsExpected++
		}
	}
	single.Close()
	if errorsExpected < 3 || errorsExpected > 6 {
		t.Fatalf("%d of the mix are isError results; the mix has 3 to 6 bad captures", errorsExpected)
	}

	const clients, calls = 32, 2000
	var next, protocolErrors, mismatches atomic.Int64
	latencies := make([]time.Duration, calls)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := connect()
			defer cs.Close()
			for {
				n := next.Add(1) - 1
				if n >= calls {
					return
				}
				i := (int(n) + w) % len(mix)
				t0 := time.Now()
				res, err := call(cs, mix[i])
				latencies[n] = time.Since(t0)
				switch {
				case err != nil:
					if protocolErrors.Add(1) <= 5 {
						t.Errorf("call %d (%s): %v", n, mix[i].tool, err)
					}
				case outcome(res) != want[i]:
					if mismatches.Add(1) <= 5 {
						t.Errorf("call %d (%s %v): differs from the single-client answer:\n got %.300s\nwant %.300s", n, mix[i].tool, mix[i].args, outcome(res), want[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(calls-1))] }
	rss := peakRSS(pid)
	t.Logf("load: %d clients, %d calls in %v (%.0f calls/s); latency p50 %v, p90 %v, p99 %v, max %v; server peak RSS %s; protocol errors %d, mismatches %d",
		clients, calls, elapsed.Round(time.Millisecond), float64(calls)/elapsed.Seconds(), pct(0.5).Round(time.Millisecond), pct(0.9).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), latencies[calls-1].Round(time.Millisecond), rss, protocolErrors.Load(), mismatches.Load())
}

// peakRSS reads a process's peak resident set size (Linux).
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return fmt.Sprintf("%d MiB", kb/1024)
			}
		}
	}
	return "unknown"
}
