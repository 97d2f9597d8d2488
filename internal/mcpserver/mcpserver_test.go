package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// fakeModule is a module whose tool reads the "capture" through the Env and
// reports its size, fails, or panics, as its input asks.
type fakeModule struct{}

type fakeIn struct {
	PcapFile string `json:"pcap_file" jsonschema:"capture"`
	Mode     string `json:"mode,omitempty" jsonschema:"ok, fail or panic"`
}

type fakeOut struct {
	File   string         `json:"file"`
	Bytes  int            `json:"bytes"`
	Counts map[string]int `json:"counts"`
}

func (fakeModule) Name() string { return "fake" }
func (fakeModule) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{Name: "analyze_fake", Description: "reads a capture", OpenWorld: true},
		func(ctx context.Context, env *analyzer.Env, in fakeIn) (*fakeOut, error) {
			switch in.Mode {
			case "fail":
				return nil, fmt.Errorf("capture %q: not a pcap or pcapng file", in.PcapFile)
			case "panic":
				panic("simulated decoder bug")
			}
			src, err := env.OpenCapture(ctx, in.PcapFile)
			if err != nil {
				return nil, err
			}
			defer src.Close()
			b, err := io.ReadAll(src)
			if err != nil {
				return nil, err
			}
			for i := range 5 {
				env.ReportProgress(float64(i+1), 5, "reading")
			}
			return &fakeOut{File: in.PcapFile, Bytes: len(b), Counts: map[string]int{"x": 1}}, nil
		}, nil)}
}
func (fakeModule) Prompts() []analyzer.Prompt {
	return []analyzer.Prompt{{
		Name: "fake_review", Description: "review a capture",
		Args:   []analyzer.PromptArg{{Name: "pcap_file", Description: "capture", Required: true}},
		Render: func(a map[string]string) (string, error) { return "Call analyze_fake on " + a["pcap_file"], nil },
	}}
}

func newTestServer(t *testing.T) *mcp.Server {
	t.Helper()
	reg, err := analyzer.NewRegistry(fakeModule{})
	if err != nil {
		t.Fatal(err)
	}
	env := analyzer.Env{Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		if ref == "missing.pcap" {
			return nil, errors.New(`capture "missing.pcap": no such file`)
		}
		return &analyzer.Source{ReadCloser: io.NopCloser(strings.NewReader("0123456789")), Name: ref, Size: 10}, nil
	}}
	srv, err := New(reg, Config{Name: "mcpacket", Version: "test", Env: env, ProgressInterval: 1})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func connect(t *testing.T, srv *mcp.Server, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, opts).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait() })
	return cs
}

func textOf(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestToolsListAndCall(t *testing.T) {
	var mu sync.Mutex
	var progress []float64
	cs := connect(t, newTestServer(t), &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, r.Params.Progress)
			mu.Unlock()
		},
	})
	init := cs.InitializeResult()
	if init == nil || !strings.Contains(init.Instructions, "analyze_fake") {
		t.Errorf("instructions = %v", init)
	}
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 1 {
		t.Fatalf("%d tools", len(tools.Tools))
	}
	tool := tools.Tools[0]
	if tool.OutputSchema == nil || tool.InputSchema == nil {
		t.Fatalf("tool %s lacks a schema: in %v out %v", tool.Name, tool.InputSchema, tool.OutputSchema)
	}
	if a := tool.Annotations; a == nil || !a.ReadOnlyHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
		t.Errorf("annotations = %+v", a)
	}
	in, _ := json.Marshal(tool.InputSchema)
	if !strings.Contains(string(in), `"required":["pcap_file"]`) {
		t.Errorf("input schema %s does not require pcap_file", in)
	}

	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a.pcap"}, Meta: mcp.Meta{"progressToken": "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("isError: %s", textOf(res))
	}
	var out fakeOut
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || out.Bytes != 10 || out.File != "a.pcap" {
		t.Errorf("structured content = %s (%v)", b, err)
	}
	if !strings.Contains(textOf(res), `"bytes":10`) {
		t.Errorf("text content = %q, want the JSON", textOf(res))
	}
	// Notifications are delivered asynchronously; give them a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(progress)
		mu.Unlock()
		if n >= 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) == 0 || progress[len(progress)-1] != 5 {
		t.Errorf("progress notifications = %v, want some ending at 5", progress)
	}
}

func TestToolErrors(t *testing.T) {
	cs := connect(t, newTestServer(t), nil)
	cases := []struct {
		name string
		args map[string]any
		want string
	}{
		{"tool error", map[string]any{"pcap_file": "x.txt", "mode": "fail"}, "not a pcap or pcapng file"},
		{"open error", map[string]any{"pcap_file": "missing.pcap"}, "no such file"},
		{"missing argument", map[string]any{}, "pcap_file"},
		{"unknown argument", map[string]any{"pcap_file": "a", "bogus": 1}, "bogus"},
		{"panic", map[string]any{"pcap_file": "a", "mode": "panic"}, "internal error in analyze_fake"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: c.args})
			if err != nil {
				t.Fatalf("protocol error %v, want an isError result", err)
			}
			if !res.IsError || !strings.Contains(textOf(res), c.want) {
				t.Errorf("isError %v text %q, want isError with %q", res.IsError, textOf(res), c.want)
			}
		})
	}
	// The server keeps serving after a panic.
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a"}})
	if err != nil || res.IsError {
		t.Fatalf("call after panic: %v %s", err, textOf(res))
	}
}

func TestPrompts(t *testing.T) {
	cs := connect(t, newTestServer(t), nil)
	ps, err := cs.ListPrompts(t.Context(), nil)
	if err != nil || len(ps.Prompts) != 1 || ps.Prompts[0].Arguments[0].Name != "pcap_file" {
		t.Fatalf("prompts = %+v, %v", ps, err)
	}
	got, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "fake_review", Arguments: map[string]string{"pcap_file": "a.pcap"}})
	if err != nil {
		t.Fatal(err)
	}
	if tc, ok := got.Messages[0].Content.(*mcp.TextContent); !ok || tc.Text != "Call analyze_fake on a.pcap" {
		t.Errorf("prompt message = %+v", got.Messages[0].Content)
	}
	if _, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "fake_review"}); err == nil {
		t.Error("missing required prompt argument: no error")
	}
}

func TestHTTP(t *testing.T) {
	ts := httptest.NewServer(HTTPHandler(newTestServer(t), HTTPOptions{}))
	defer ts.Close()
	for _, version := range []string{"", "2025-11-25", "2025-06-18"} {
		t.Run("protocol "+version, func(t *testing.T) {
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(),
				&mcp.StreamableClientTransport{Endpoint: ts.URL + "/mcp"}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a.pcap"}})
			if err != nil || res.IsError {
				t.Fatalf("call: %v %s", err, textOf(res))
			}
		})
	}

	post := func(header map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range header {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", code)
	}
	if code := post(map[string]string{"Host": "evil.example"}); code != http.StatusForbidden {
		t.Errorf("foreign Host on a loopback listener: status %d, want 403", code)
	}
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v %v", resp, err)
	}
}
