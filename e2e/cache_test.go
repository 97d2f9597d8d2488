package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// cacheClient is a Go SDK client of one server that records the progress
// messages of its calls.
type cacheClient struct {
	cs       *mcp.ClientSession
	mu       sync.Mutex
	messages []string
}

func newCacheClient(t *testing.T, url string) *cacheClient {
	t.Helper()
	c := &cacheClient{}
	cl := mcp.NewClient(&mcp.Implementation{Name: "cache-e2e", Version: "0"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			c.mu.Lock()
			c.messages = append(c.messages, r.Params.Message)
			c.mu.Unlock()
		}})
	cs, err := cl.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	c.cs = cs
	return c
}

// call calls tool and returns its structured output without the time the
// analysis ran, and whether the server said it answered from an earlier
// pass.
func (c *cacheClient) call(t *testing.T, tool string, args map[string]any) (out string, fromCache bool) {
	t.Helper()
	c.mu.Lock()
	c.messages = nil
	c.mu.Unlock()
	p := &mcp.CallToolParams{Name: tool, Arguments: args}
	p.SetProgressToken("cache")
	res, err := c.cs.CallTool(t.Context(), p)
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	if res.IsError {
		t.Fatalf("%s %v: isError: %v", tool, args, res.Content)
	}
	var m map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "analysis_timestamp")
	b, _ = json.Marshal(m)
	// The server's progress notifications may trail the result a little.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c.mu.Lock()
		msgs := strings.Join(c.messages, "\n")
		c.mu.Unlock()
		if strings.Contains(msgs, "earlier pass") || strings.Contains(msgs, "read ") || time.Now().After(deadline) {
			return string(b), strings.Contains(msgs, "earlier pass")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResultCache: over MCP, a later page and a narrower filter are
// answered from the first call's pass, the same as a server without a
// cache answers them; a capture rewritten between calls is read again.
func TestResultCache(t *testing.T) {
	bin, _ := setup(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "capture.pcap")
	copyFile(t, pcaptest.GenFile(t, "dns-normal.pcap"), capture)
	cached := newCacheClient(t, startHTTP(t, bin, "--root", dir))
	fresh := newCacheClient(t, startHTTP(t, bin, "--root", dir, "--cache-bytes", "0"))

	calls := []struct {
		tool string
		args map[string]any
	}{
		{"analyze_dns_packets", map[string]any{}},
		{"analyze_dns_packets", map[string]any{"offset": 20}},
		{"analyze_dns_packets", map[string]any{"domain": "mail.example.com", "limit": 5}},
		{"analyze_dns_packets", map[string]any{"qtype": "AAAA", "transactions_offset": 3}},
		{"analyze_icmp_packets", map[string]any{}},
		{"analyze_icmp_packets", map[string]any{"offset": 5}},
	}
	for i, c := range calls {
		c.args["pcap_file"] = capture
		got, hit := cached.call(t, c.tool, c.args)
		want, freshHit := fresh.call(t, c.tool, c.args)
		if freshHit {
			t.Errorf("%s %v: the server without a cache said it answered from an earlier pass", c.tool, c.args)
		}
		if got != want {
			t.Errorf("%s %v: cached server answered\n%.1500s\nserver without a cache\n%.1500s", c.tool, c.args, got, want)
		}
		first := i == 0 || c.tool != calls[i-1].tool
		if hit == first {
			t.Errorf("%s %v: answered from an earlier pass: %v, want %v", c.tool, c.args, hit, !first)
		}
	}

	// A capture rewritten in place is read again.
	before, _ := cached.call(t, "analyze_dns_packets", map[string]any{"pcap_file": capture})
	copyFile(t, pcaptest.GenFile(t, "dns-tunnel.pcap"), capture)
	now := time.Now().Add(time.Second)
	os.Chtimes(capture, now, now) // a new mtime even on a coarse clock
	after, hit := cached.call(t, "analyze_dns_packets", map[string]any{"pcap_file": capture})
	want, _ := fresh.call(t, "analyze_dns_packets", map[string]any{"pcap_file": capture})
	if hit || after != want || after == before {
		t.Errorf("after rewriting the capture: from an earlier pass %v, same as a new pass %v, same as before %v", hit, after == want, after == before)
	}
}
