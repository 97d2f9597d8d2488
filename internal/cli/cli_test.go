package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/capinfos"
	"github.com/mcpacket/mcpacket/internal/mcpserver"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func testApp(t *testing.T) (*App, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	reg, err := analyzer.NewRegistry(capinfos.New(capinfos.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	return &App{Registry: reg, Version: "test", Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}, &stdout, &stderr
}

func TestAnalyze(t *testing.T) {
	example := filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"report", []string{"analyze", "capinfos", example}, ExitOK, "Number of packets:     4", ""},
		{"flags after capture", []string{"analyze", "capinfos", example, "--limit", "1"}, ExitOK, "Interface #0", ""},
		{"by tool name", []string{"analyze", "analyze_capinfos", example}, ExitOK, "Number of packets:     4", ""},
		{"json", []string{"analyze", "capinfos", "--json", example}, ExitOK, `"packet_count": 4`, ""},
		{"unknown module", []string{"analyze", "nope", example}, ExitUsage, "", `unknown module "nope"; modules are: capinfos`},
		{"no capture", []string{"analyze", "capinfos"}, ExitUsage, "", "give exactly one capture"},
		{"missing file", []string{"analyze", "capinfos", "no/such.pcap"}, ExitError, "", `capture "no/such.pcap": no such file`},
		{"not a capture", []string{"analyze", "capinfos", filepath.Join(pcaptest.Root(t), "go.mod")}, ExitError, "", "not a pcap or pcapng file"},
		{"bad tool flag", []string{"analyze", "capinfos", "--limit", "x", example}, ExitUsage, "", "--limit: limit must be a whole number"},
		{"help", []string{"analyze", "capinfos", "-h"}, ExitOK, "", "-limit"},
		{"version", []string{"version"}, ExitOK, "mcpacket test", ""},
		{"tools", []string{"tools"}, ExitOK, "tool    analyze_capinfos", ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "", `unknown command "frobnicate"`},
		{"bad modules", []string{"serve", "--modules", "dns, nope"}, ExitUsage, "", "valid modules are: capinfos"},
		{"bad transport", []string{"serve", "--transport", "carrier-pigeon"}, ExitUsage, "", "use stdio or http"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app, stdout, stderr := testApp(t)
			code := app.Run(t.Context(), c.args)
			if code != c.code || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout containing %q, stderr containing %q", code, c.code, stdout, stderr, c.stdout, c.stderr)
			}
		})
	}
}

func TestAnalyzeJSONIsToolOutput(t *testing.T) {
	app, stdout, _ := testApp(t)
	if code := app.Run(t.Context(), []string{"analyze", "capinfos", "--json", filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var out capinfos.Output
	dec := json.NewDecoder(stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.PacketCount != 4 || out.SHA256 != "717174c75cf9095ee436f1963fb14aaf32ccb9d2e2e325bc5ddd51f6dfd29b67" {
		t.Errorf("output = %+v", out)
	}
}

func TestProgressLine(t *testing.T) {
	app, _, stderr := testApp(t)
	app.StderrIsTerminal = true
	if code := app.Run(t.Context(), []string{"analyze", "capinfos", filepath.Join(pcaptest.Root(t), "testdata", "http-download.pcap.gz")}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "read ") || !strings.HasSuffix(stderr.String(), "\r") {
		t.Errorf("stderr = %q, want a progress line that is cleared at the end", stderr.String())
	}
}

// TestServeStdio drives "mcpacket serve" (stdio) with the Go MCP client over
// pipes, as a desktop client would.
func TestServeStdio(t *testing.T) {
	for _, args := range [][]string{nil, {"serve"}, {"--modules", "capinfos"}} {
		app, _, _ := testApp(t)
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		app.Stdin, app.Stdout = inR, outW
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan int, 1)
		go func() { done <- app.Run(ctx, args); outW.Close() }()

		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
		if err != nil {
			t.Fatalf("args %q: connect: %v", args, err)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "analyze_capinfos", Arguments: map[string]any{"pcap_file": filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")}})
		if err != nil || res.IsError {
			t.Fatalf("args %q: call: %v %+v", args, err, res)
		}
		if pc := res.StructuredContent.(map[string]any)["packet_count"]; pc != float64(4) {
			t.Errorf("args %q: packet_count = %v", args, pc)
		}
		cs.Close()
		inW.Close()
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("args %q: exit %d", args, code)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("args %q: server did not stop", args)
		}
	}
}

// TestToolFlagsEmbeddedAndOptional checks that fields of an embedded struct
// become flags, as they are JSON fields of the tool, and that an optional
// (pointer) number takes a number.
func TestToolFlagsEmbeddedAndOptional(t *testing.T) {
	type Common struct {
		ServerIP string `json:"server_ip,omitempty"`
	}
	type input struct {
		Common
		Stream *int `json:"stream,omitempty"`
		Limit  int  `json:"limit,omitempty"`
	}
	tool := analyzer.NewTool(analyzer.Tool{Name: "t"}, func(context.Context, *analyzer.Env, input) (*input, error) { return nil, nil }, nil)
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	flags := registerToolFlags(fs, tool)
	if err := fs.Parse([]string{"--server-ip", "10.0.0.1", "--stream", "3"}); err != nil {
		t.Fatal(err)
	}
	p := tool.NewInput()
	for _, f := range flags {
		for _, v := range f.values {
			if err := tool.SetArg(p, f.name, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	in := *p.(*input)
	if in.ServerIP != "10.0.0.1" || in.Stream == nil || *in.Stream != 3 || in.Limit != 0 {
		t.Errorf("flags set %+v", in)
	}
}

// TestRefusalsAreToolErrors runs analyze_capinfos, as a client calls it,
// on references the access policy refuses: each is an isError result that
// says why.
func TestRefusalsAreToolErrors(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "ok.pcap"), pcaptest.Pcap(t, layers.LinkTypeEthernet, false, nil), 0o644)
	os.Symlink("/etc/hostname", filepath.Join(root, "escape.pcap"))
	syscall.Mkfifo(filepath.Join(root, "fifo.pcap"), 0o644)
	c := common{maxDownloadBytes: 1000, maxDecompressedBytes: 1 << 20, downloadTimeout: 5 * time.Second, roots: listFlag{root}}
	env, err := c.env("test")
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := analyzer.NewRegistry(capinfos.New(capinfos.Options{}))
	srv, err := mcpserver.New(reg, mcpserver.Config{Name: "mcpacket", Version: "test", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cs.Close(); ss.Wait() }()
	call := func(ref string) *mcp.CallToolResult {
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_capinfos", Arguments: map[string]any{"pcap_file": ref}})
		if err != nil {
			t.Fatalf("%s: protocol error %v", ref, err)
		}
		return res
	}
	if res := call(filepath.Join(root, "ok.pcap")); res.IsError {
		t.Fatalf("a capture inside the root: %+v", res.Content[0])
	}
	for _, c := range []struct{ ref, want string }{
		{"../../../etc/passwd", "outside the directories this server reads captures from (" + root + ")"},
		{"/etc/passwd", "outside the directories"},
		{"/proc/self/environ", "outside the directories"},
		{"escape.pcap", "outside the directories"},
		{"fifo.pcap", "not a regular file"},
		{"http://127.0.0.1:1/x.pcap", "not a public address"},
		{"http://[::1]:1/x.pcap", "not a public address"},
		{"http://10.0.0.1/x.pcap", "not a public address"},
		{"http://169.254.169.254/latest/meta-data/", "not a public address"},
		{"file:///etc/passwd", "only local paths and http(s) URLs"},
	} {
		res := call(c.ref)
		var text string
		for _, ct := range res.Content {
			if tc, ok := ct.(*mcp.TextContent); ok {
				text += tc.Text
			}
		}
		if !res.IsError || !strings.Contains(text, c.want) {
			t.Errorf("%s: isError %v, %q; want %q", c.ref, res.IsError, text, c.want)
		}
	}
}

// slowModule's tool signals entered, then waits for release: a call in
// flight that the test controls.
type slowModule struct{ entered, release chan struct{} }

type slowIn struct {
	PcapFile string `json:"pcap_file" jsonschema:"capture"`
}
type slowOut struct {
	Finished bool `json:"finished"`
}

func (slowModule) Name() string { return "slow" }
func (m slowModule) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{Name: "analyze_slow", Description: "waits"},
		func(ctx context.Context, env *analyzer.Env, in slowIn) (*slowOut, error) {
			m.entered <- struct{}{}
			select {
			case <-m.release:
				return &slowOut{Finished: true}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}, nil)}
}
func (slowModule) Prompts() []analyzer.Prompt { return nil }

// TestServeHTTPGracefulShutdown stops "mcpacket serve --transport http" (as
// SIGINT or SIGTERM does, through the context) while a call is in flight:
// the call finishes with its result, new connections are refused, and the
// server exits 0.
func TestServeHTTPGracefulShutdown(t *testing.T) {
	m := slowModule{entered: make(chan struct{}, 1), release: make(chan struct{})}
	reg, err := analyzer.NewRegistry(m)
	if err != nil {
		t.Fatal(err)
	}
	var stderr pcaptest.SyncBuffer
	app := &App{Registry: reg, Version: "test", Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr}
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "--transport", "http", "--port", "0", "--root", t.TempDir()})
	}()

	url := announcedURL(t, &stderr)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()

	type result struct {
		res *mcp.CallToolResult
		err error
	}
	call := make(chan result, 1)
	go func() {
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_slow", Arguments: map[string]any{"pcap_file": "x"}})
		call <- result{res, err}
	}()
	<-m.entered
	stop() // what SIGINT/SIGTERM do

	// The listener closes at once; the call in flight is still running.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "shutting down"); {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown logged; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The listener closes as shutdown begins: new connections soon fail.
	for deadline := time.Now().Add(10 * time.Second); ; {
		r, err := http.Get(strings.TrimSuffix(url, "/mcp") + "/healthz")
		if err != nil {
			break
		}
		r.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("new connections still served 10 s into shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("server exited (%d) with a call in flight", code)
	case r := <-call:
		t.Fatalf("call ended before it was released: %v %+v", r.err, r.res)
	default:
	}

	close(m.release)
	r := <-call
	if r.err != nil || r.res.IsError {
		t.Fatalf("call in flight during shutdown: %v %+v", r.err, r.res)
	}
	if f := r.res.StructuredContent.(map[string]any)["finished"]; f != true {
		t.Errorf("call result = %v, want finished", r.res.StructuredContent)
	}
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitOK, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after its last call finished")
	}
}

func TestTerminalSafe(t *testing.T) {
	var b strings.Builder
	w := terminalSafe{&b}
	w.Write([]byte("ok\tline\n"))
	w.Write([]byte("evil\x1b[2J\x07 \u202e小\xff\n"))
	want := "ok\tline\nevil\\x1b[2J\\x07 \\u{202e}小\\xff\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestBannerURL checks the URL the HTTP banner prints is one a client can
// use: a server on every interface is reached at the loopback address.
func TestBannerURL(t *testing.T) {
	for _, tc := range []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080/mcp"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080/mcp (all interfaces: from another machine use its address in place of 127.0.0.1)"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9}, "http://127.0.0.1:9/mcp (all interfaces: from another machine use its address in place of 127.0.0.1)"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 80}, "http://192.0.2.7:80/mcp"},
	} {
		if got := bannerURL(tc.addr); got != tc.want {
			t.Errorf("bannerURL(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
