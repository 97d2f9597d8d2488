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
	"github.com/mcpacket/mcpacket/internal/result"
)

// fakeModule is a module whose tool reads the "capture" through the Env and
// reports its size, fails, or panics, as its input asks.
type fakeModule struct{}

type fakeIn struct {
	PcapFile string `json:"pcap_file" jsonschema:"capture"`
	Mode     string `json:"mode,omitempty" jsonschema:"ok, fail, panic, hang, block, stuck or watch"`
	Limit    int    `json:"limit,omitempty" jsonschema:"items per page"`

	Thresholds analyzer.Thresholds `json:"-"`
}

// burstMin is the fake tool's one threshold.
var burstMin = analyzer.Param{Name: "burst_min", Detector: "fake_burst", Default: 5, Unit: "packets", Help: "packets in a burst", Min: 1, Max: 1000, Integer: true}

// A "block" call signals blockEntered once it holds its slot, then waits
// for blockRelease. A "stuck" call ignores its context: it waits for
// stuckRelease, as a tool stuck in a system call would. A "watch" call
// signals watchEntered, then waits for its context to end and sends when
// it did on watchEnded.
var (
	blockEntered = make(chan struct{}, 1)
	blockRelease = make(chan struct{})
	watchEntered = make(chan struct{}, 16)
	watchEnded   = make(chan time.Time, 16)
)

type fakeOut struct {
	File       string              `json:"file"`
	Bytes      int                 `json:"bytes"`
	Counts     map[string]int      `json:"counts"`
	Thresholds analyzer.Thresholds `json:"thresholds"`
}

// stuck is what "stuck" calls wait for; releaseStuck lets them go.
var stuck struct {
	mu sync.Mutex
	ch chan struct{}
}

func stuckCh() chan struct{} {
	stuck.mu.Lock()
	defer stuck.mu.Unlock()
	if stuck.ch == nil {
		stuck.ch = make(chan struct{})
	}
	return stuck.ch
}

func releaseStuck() {
	stuck.mu.Lock()
	defer stuck.mu.Unlock()
	if stuck.ch != nil {
		close(stuck.ch)
		stuck.ch = nil
	}
}

func (fakeModule) Name() string { return "fake" }
func (fakeModule) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{Name: "analyze_fake", Description: "reads a capture", OpenWorld: true, Params: []analyzer.Param{burstMin}},
		func(ctx context.Context, env *analyzer.Env, in fakeIn) (*fakeOut, error) {
			switch in.Mode {
			case "fail":
				return nil, fmt.Errorf("capture %q: not a pcap or pcapng file", in.PcapFile)
			case "panic":
				panic("simulated decoder bug")
			case "hang":
				<-ctx.Done()
				return nil, fmt.Errorf("capture %q: analysis ran out of time: %w", in.PcapFile, ctx.Err())
			case "stuck":
				<-stuckCh()
				return nil, errors.New("released")
			case "watch":
				watchEntered <- struct{}{}
				<-ctx.Done()
				watchEnded <- time.Now()
				return nil, ctx.Err()
			case "block":
				blockEntered <- struct{}{}
				select {
				case <-blockRelease:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
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
			return &fakeOut{File: in.PcapFile, Bytes: len(b), Counts: map[string]int{"x": 1}, Thresholds: in.Thresholds}, nil
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
	return newTestServerConfig(t, Config{ProgressInterval: 1})
}

func newTestServerConfig(t *testing.T, cfg Config) *mcp.Server {
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
	cfg.Name, cfg.Version, cfg.Env = "mcpacket", "test", env
	srv, err := New(reg, cfg)
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

// TestHTTPAuth checks the bearer token: none or a wrong one gets 401, the
// right one is served; /healthz needs none.
func TestHTTPAuth(t *testing.T) {
	ts := httptest.NewServer(HTTPHandler(newTestServer(t), HTTPOptions{AuthToken: "s3cret-token"}))
	defer ts.Close()
	status := func(auth string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer s3cret-tokenX", 401}, {"Basic czNjcmV0LXRva2Vu", 401}, {"Bearer s3cret-token", 200}} {
		if got := status(c.auth); got != c.want {
			t.Errorf("Authorization %q: status %d, want %d", c.auth, got, c.want)
		}
	}
	hc := &http.Client{Transport: bearer{"s3cret-token"}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(),
		&mcp.StreamableClientTransport{Endpoint: ts.URL + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a.pcap"}}); err != nil || res.IsError {
		t.Fatalf("call with the token: %v %s", err, textOf(res))
	}
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz without a token: %v %v", resp, err)
	}
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

// TestHTTPOriginAndPanic: a foreign Origin without fetch metadata is
// refused too, and over HTTP a panicking tool is an isError result after
// which the server keeps serving.
func TestHTTPOriginAndPanic(t *testing.T) {
	ts := httptest.NewServer(HTTPHandler(newTestServer(t), HTTPOptions{}))
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: status %d, want 403", resp.StatusCode)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: ts.URL + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a", "mode": "panic"}})
	if err != nil || !res.IsError || !strings.Contains(textOf(res), "internal error") {
		t.Fatalf("panic: %v %+v", err, res)
	}
	res, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a"}})
	if err != nil || res.IsError {
		t.Fatalf("call after a panic: %v %s", err, textOf(res))
	}
}

// TestCallLimits checks --call-timeout and --max-concurrent: a call over
// the time limit is an isError result that names the limit; with one slot
// taken, a second call waits, then fails saying the server is busy.
func TestCallLimits(t *testing.T) {
	srv := newTestServerConfig(t, Config{CallTimeout: 2 * time.Second, MaxConcurrent: 1, QueueTimeout: 30 * time.Millisecond})
	cs := connect(t, srv, nil)
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a", "mode": "hang"}})
	if err != nil || !res.IsError || !strings.Contains(textOf(res), "--call-timeout") {
		t.Fatalf("hanging call: %v %s", err, textOf(res))
	}
	cs2 := connect(t, srv, nil)
	blockRelease = make(chan struct{})
	slow := make(chan *mcp.CallToolResult)
	go func() {
		r, _ := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a", "mode": "block"}})
		slow <- r
	}()
	<-blockEntered // the blocking call holds the only slot
	busy, err := cs2.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a"}})
	if err != nil || !busy.IsError || !strings.Contains(textOf(busy), "server busy") {
		t.Errorf("second call: %v %s", err, textOf(busy))
	}
	close(blockRelease)
	if r := <-slow; r == nil || r.IsError {
		t.Errorf("slow call: %+v", r)
	}
	if r, err := cs2.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a"}}); err != nil || r.IsError {
		t.Errorf("call after the slot freed: %v %s", err, textOf(r))
	}
}

// TestArgumentErrors calls the tool over MCP with an argument of each wrong
// kind: each is an isError result that names the argument and says what is
// allowed, in the CLI's words, with no Go type names or schema jargon.
func TestArgumentErrors(t *testing.T) {
	cs := connect(t, newTestServer(t), nil)
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"wrong type", map[string]any{"pcap_file": "a.pcap", "limit": "ten"}, "limit must be a whole number"},
		{"fraction for an integer", map[string]any{"pcap_file": "a.pcap", "limit": 2.5}, "limit must be a whole number"},
		{"string for a string list? no: number for a string", map[string]any{"pcap_file": 7}, "pcap_file must be a string"},
		{"threshold out of bounds", map[string]any{"pcap_file": "a.pcap", "thresholds": map[string]any{"burst_min": 0}}, "burst_min must be a whole number from 1 to 1000; got 0"},
		{"threshold unknown", map[string]any{"pcap_file": "a.pcap", "thresholds": map[string]any{"brust_min": 3}}, `analyze_fake has no threshold "brust_min" (did you mean burst_min?); its thresholds are: burst_min`},
		{"threshold null is its default, the other still checked", map[string]any{"pcap_file": "a.pcap", "thresholds": map[string]any{"burst_min": nil, "x": 1}}, `analyze_fake has no threshold "x"; its thresholds are: burst_min`},
		{"thresholds not an object", map[string]any{"pcap_file": "a.pcap", "thresholds": 3}, `thresholds must be an object of numbers by threshold name, e.g. {"burst_min": 5}`},
		{"threshold out of bounds, given alone", map[string]any{"pcap_file": "a.pcap", "burst_min": 0}, "burst_min must be a whole number from 1 to 1000; got 0"},
		{"threshold not whole", map[string]any{"pcap_file": "a.pcap", "burst_min": 2.5}, "burst_min must be a whole number from 1 to 1000; got 2.5"},
		{"threshold wrong type", map[string]any{"pcap_file": "a.pcap", "thresholds": map[string]any{"burst_min": "many"}}, "burst_min must be a whole number from 1 to 1000"},
		{"missing required", map[string]any{"mode": "ok"}, "pcap_file is required: capture"},
		{"unknown field", map[string]any{"pcap_file": "a.pcap", "limt": 3}, `analyze_fake has no argument "limt" (did you mean limit?); its arguments are: pcap_file, mode, limit, thresholds`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: tc.args})
			if err != nil {
				t.Fatalf("protocol error %v; want an isError result", err)
			}
			got := textOf(res)
			if !res.IsError || got != tc.want {
				t.Errorf("isError %v, text %q; want %q", res.IsError, got, tc.want)
			}
			for _, jargon := range []string{"json:", "Go struct", "unmarshal", "validating", "float64", "int"} {
				if strings.Contains(got, jargon) && !strings.Contains(tc.want, jargon) {
					t.Errorf("message %q has %q", got, jargon)
				}
			}
		})
	}
}

// TestThresholdArguments checks that the declared thresholds are published
// as one thresholds object naming them, that a value given there reaches the
// tool's typed input, and that it comes back in the output; the text
// content keeps the output struct's key order.
func TestThresholdArguments(t *testing.T) {
	cs := connect(t, newTestServer(t), nil)
	var tool *mcp.Tool
	for tl, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tl.Name == "analyze_fake" {
			tool = tl
		}
	}
	b, _ := json.Marshal(tool.InputSchema)
	var schema struct {
		Properties map[string]struct {
			Type                 string `json:"type"`
			Description          string `json:"description"`
			AdditionalProperties struct {
				Type string `json:"type"`
			} `json:"additionalProperties"`
		} `json:"properties"`
	}
	json.Unmarshal(b, &schema)
	p := schema.Properties["thresholds"]
	if p.Type != "object" || p.AdditionalProperties.Type != "number" || !strings.HasSuffix(p.Description, ": burst_min") {
		t.Errorf("thresholds schema %+v", p)
	}
	if _, ok := schema.Properties["burst_min"]; ok {
		t.Error("burst_min published as an argument of its own; it belongs in thresholds")
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a.pcap", "thresholds": map[string]any{"burst_min": 7}}})
	if err != nil || res.IsError {
		t.Fatalf("%v %s", err, textOf(res))
	}
	want := `{"file":"a.pcap","bytes":10,"counts":{"x":1},"thresholds":{"burst_min":7}}`
	if got := textOf(res); got != want {
		t.Errorf("text content %s, want %s", got, want)
	}
}

// TestUntrustedStatement checks that the server's instructions and every
// tool description tell a model that decoded text is data.
func TestUntrustedStatement(t *testing.T) {
	cs := connect(t, newTestServer(t), nil)
	if !strings.Contains(cs.InitializeResult().Instructions, result.Untrusted) {
		t.Errorf("instructions lack %q", result.Untrusted)
	}
	n := 0
	for tl, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.HasSuffix(tl.Description, result.Untrusted) {
			t.Errorf("%s: description lacks the untrusted-data statement", tl.Name)
		}
	}
	if n == 0 {
		t.Fatal("no tools")
	}
}
