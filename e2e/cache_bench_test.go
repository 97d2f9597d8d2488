package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// cachedCalls are, per tool, a first call, a second page of its main list
// and a call with a narrower filter: the calls a model makes as it pages
// and refines. The filters select what the 1M bench-gen capture (seed 1)
// holds.
var cachedCalls = []struct {
	tool                   string
	page2, refilter, first map[string]any // first: arguments of all three calls
	start                  map[string]any // arguments of the first call only
}{
	// The tcp tools share one pass: the first of them reads the capture,
	// and the later ones' shares are of that first call's time. The
	// overview comes last: its pass fills the caches of the modules it
	// runs (the later calls of a second server time that).
	{"analyze_dns_packets", map[string]any{"offset": 20}, map[string]any{"qtype": "TXT", "limit": 50}, nil, nil},
	{"analyze_icmp_packets", map[string]any{"offset": 20}, map[string]any{"icmp_type": "echo reply", "limit": 50}, nil, nil},
	{"analyze_dhcp_packets", map[string]any{"offset": 20}, map[string]any{"message_type": "ACK", "limit": 50}, nil, nil},
	{"analyze_sip_packets", map[string]any{"offset": 20}, map[string]any{"method": "INVITE", "limit": 50}, nil, nil},
	{"analyze_http_transactions", map[string]any{"offset": 20}, map[string]any{"method": "POST", "limit": 50}, nil, nil},
	{"analyze_tls_sessions", map[string]any{"offset": 20}, map[string]any{"version": "TLS 1.3", "limit": 50}, nil, nil},
	{"analyze_arp_packets", map[string]any{"offset": 20}, map[string]any{"opcode": "reply", "limit": 50}, nil, nil},
	{"analyze_ntp_packets", map[string]any{"offset": 20}, map[string]any{"mode": "server", "limit": 50}, nil, nil},
	{"analyze_dhcpv6_packets", map[string]any{"offset": 20}, map[string]any{"msg_type": "REPLY", "limit": 50}, nil, nil},
	{"analyze_network_devices", map[string]any{"offset": 20}, map[string]any{"protocol": "lldp", "limit": 50}, nil, nil},
	{"analyze_tcp_connections", map[string]any{"offset": 20}, map[string]any{"state": "reset", "sort_by": "bytes"}, nil, nil},
	{"analyze_tcp_anomalies", map[string]any{"offset": 20}, map[string]any{"analysis_flag": "retransmission", "limit": 50}, nil, nil},
	{"analyze_tcp_retransmissions", map[string]any{"offset": 20}, map[string]any{"server_port": 443}, nil, nil},
	{"analyze_traffic_flow", map[string]any{"offset": 5}, map[string]any{"client_ip": "10.1.4.214"}, map[string]any{"server_ip": "198.18.1.191"}, nil},
	// The drill-down tools share one frame store: the first of them keeps
	// it, and the later ones' shares are of that first call's time.
	{"get_packets", map[string]any{"filter": "tcp.analysis.retransmission", "offset": 50}, map[string]any{"filter": "dns && udp.port == 53"}, nil,
		map[string]any{"filter": "tcp.analysis.retransmission"}},
	{"follow_stream", map[string]any{"tcp_stream": 5, "offset": 8192}, map[string]any{"udp_stream": 3}, nil, map[string]any{"tcp_stream": 5}},
	{"analyze_overview", map[string]any{"flows_offset": 10}, map[string]any{"protocol": "udp", "port": 53, "flows_limit": 20}, nil, nil},
}

// BenchmarkCachedCalls times, over MCP with one server and a real client
// (the Go SDK over streamable HTTP), each tool's first call on
// $MCPACKET_BENCH_CAPTURE, then its second page and a re-filtered call,
// which the result cache answers; it reports the two as a share of the
// first call. $MCPACKET_BENCH_TOOLS, a comma-separated list, times only
// those tools; $MCPACKET_BENCH_FLAGS adds server flags (--cache-bytes 0
// times the calls without a cache). bench/cache.sh runs it on the 1M bench-gen capture.
func BenchmarkCachedCalls(b *testing.B) {
	capture := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if capture == "" {
		b.Skip("set MCPACKET_BENCH_CAPTURE to a capture (bench/cache.sh does)")
	}
	capture, _ = filepath.Abs(capture)
	bin := build(b)
	connect := func() *mcp.ClientSession {
		url := startHTTP(b, bin, append([]string{"--root", filepath.Dir(capture)}, strings.Fields(os.Getenv("MCPACKET_BENCH_FLAGS"))...)...)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "cache-bench", Version: "0"}, nil).Connect(b.Context(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cs.Close() })
		return cs
	}
	cs := connect()
	call := func(tool string, first, args map[string]any) time.Duration {
		a := map[string]any{"pcap_file": capture}
		for k, v := range first {
			a[k] = v
		}
		for k, v := range args {
			a[k] = v
		}
		t0 := time.Now()
		res, err := cs.CallTool(b.Context(), &mcp.CallToolParams{Name: tool, Arguments: a})
		if err != nil || res.IsError {
			b.Fatalf("%s %v: %v %v", tool, a, err, res)
		}
		return time.Since(t0)
	}
	for b.Loop() {
		var tcpFirst, packetsFirst time.Duration
		for _, c := range cachedCalls {
			if only := os.Getenv("MCPACKET_BENCH_TOOLS"); only != "" && !slices.Contains(strings.Split(only, ","), c.tool) {
				continue
			}
			first := call(c.tool, c.first, c.start)
			if strings.HasPrefix(c.tool, "analyze_tcp_") || c.tool == "analyze_traffic_flow" {
				if tcpFirst == 0 {
					tcpFirst = first
				}
				first = max(first, tcpFirst)
			}
			if c.tool == "get_packets" || c.tool == "follow_stream" {
				if packetsFirst == 0 {
					packetsFirst = first
				}
				first = max(first, packetsFirst)
			}
			page2 := call(c.tool, c.first, c.page2)
			refilter := call(c.tool, c.first, c.refilter)
			fmt.Printf("%-28s first %8.3f s  page 2 %7.3f s (%5.1f%%)  re-filtered %7.3f s (%5.1f%%)\n", c.tool, first.Seconds(),
				page2.Seconds(), 100*page2.Seconds()/first.Seconds(), refilter.Seconds(), 100*refilter.Seconds()/first.Seconds())
			b.ReportMetric(100*max(page2, refilter).Seconds()/first.Seconds(), "%-of-first-"+c.tool)
		}
		if only := os.Getenv("MCPACKET_BENCH_TOOLS"); only != "" && !slices.Contains(strings.Split(only, ","), "analyze_overview") {
			continue
		}
		// A second server: the overview first, then each module tool's
		// first call, answered from the overview's pass.
		cs = connect()
		overview := call("analyze_overview", nil, nil)
		fmt.Printf("new server: analyze_overview first %.3f s; then each tool's first call:\n", overview.Seconds())
		for _, c := range cachedCalls {
			if c.tool == "analyze_overview" || c.tool == "get_packets" || c.tool == "follow_stream" {
				continue
			}
			first := call(c.tool, c.first, c.start)
			fmt.Printf("  %-28s %7.3f s (%5.1f%% of the overview's)\n", c.tool, first.Seconds(), 100*first.Seconds()/overview.Seconds())
		}
	}
}
