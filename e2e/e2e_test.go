// Package e2e drives the built mcpacket binary with real MCP clients from npm
// (the official TypeScript SDK and the MCP Inspector CLI, pinned in
// package.json and package-lock.json, installed with `npm ci` by `make test`
// and .ci/run) over stdio and streamable HTTP.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// clientResult is what client.mjs prints.
type clientResult struct {
	Tools            []string        `json:"tools"`
	Annotations      map[string]any  `json:"annotations"`
	IsError          bool            `json:"isError"`
	Text             string          `json:"text"`
	Structured       map[string]any  `json:"structured"`
	Valid            *bool           `json:"valid"`
	ValidationErrors json.RawMessage `json:"validationErrors"`
	Progress         []float64       `json:"progress"`
	Instructions     string          `json:"instructions"`
}

// setup builds the binary and checks the npm clients are installed.
func setup(t *testing.T) (bin, dir string) {
	t.Helper()
	dir = filepath.Join(pcaptest.Root(t), "e2e")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed; the end-to-end tests need Node.js 20+ (see README)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatal("MCP clients are not installed: run `npm ci --prefix e2e` (make test does it)")
	}
	return build(t), dir
}

// build builds the mcpacket binary into a temporary directory.
func build(t testing.TB) (bin string) {
	t.Helper()
	root := pcaptest.Root(t)
	bin = filepath.Join(t.TempDir(), "mcpacket")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mcpacket")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runClient(t *testing.T, dir string, args ...string) clientResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"client.mjs"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.mjs %q: %v\nstderr: %s", args, err, stderr.String())
	}
	var res clientResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("client output %q: %v", stdout.String(), err)
	}
	return res
}

func argsJSON(t *testing.T, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkCapinfos checks a successful analyze_capinfos result on examples/dhcp.pcap.
func checkCapinfos(t *testing.T, res clientResult) {
	t.Helper()
	if res.IsError {
		t.Fatalf("isError: %s", res.Text)
	}
	if res.Valid == nil || !*res.Valid {
		t.Errorf("structuredContent does not validate against outputSchema: %s", res.ValidationErrors)
	}
	if res.Structured["packet_count"] != float64(4) || res.Structured["file_encapsulation"] != "Ethernet" ||
		res.Structured["sha256"] != "717174c75cf9095ee436f1963fb14aaf32ccb9d2e2e325bc5ddd51f6dfd29b67" {
		t.Errorf("structured = %v", res.Structured)
	}
	// Progress is not checked here: the TypeScript SDK drops progress
	// notifications that reach it in the same read as the response (it
	// handles notifications a microtask later), which on a small capture
	// is every one of them. internal/mcpserver's tests check progress with
	// the Go client.
	if res.Annotations["readOnlyHint"] != true || res.Annotations["openWorldHint"] != true {
		t.Errorf("annotations = %v", res.Annotations)
	}
	if !strings.Contains(res.Instructions, "analyze_capinfos") {
		t.Errorf("instructions = %q", res.Instructions)
	}
}

func TestStdioTypeScriptClient(t *testing.T) {
	bin, dir := setup(t)
	root := pcaptest.Root(t)
	example := filepath.Join(root, "examples", "dhcp.pcap")

	t.Run("capinfos", func(t *testing.T) {
		checkCapinfos(t, runClient(t, dir, "stdio", bin, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": example})))
	})
	t.Run("text file is an isError result", func(t *testing.T) {
		res := runClient(t, dir, "stdio", bin, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": filepath.Join(root, "go.mod")}))
		if !res.IsError || !strings.Contains(res.Text, "not a pcap or pcapng file") || !strings.Contains(res.Text, "go.mod") {
			t.Errorf("isError %v text %q", res.IsError, res.Text)
		}
	})
	t.Run("empty file is an isError result", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.pcap")
		os.WriteFile(empty, nil, 0o644)
		res := runClient(t, dir, "stdio", bin, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": empty}))
		if !res.IsError || !strings.Contains(res.Text, "file is empty") {
			t.Errorf("isError %v text %q", res.IsError, res.Text)
		}
	})
	t.Run("truncated capture gives a warning", func(t *testing.T) {
		b, err := os.ReadFile(example)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.pcap")
		os.WriteFile(cut, b[:len(b)-100], 0o644)
		res := runClient(t, dir, "stdio", bin, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": cut}))
		if res.IsError || res.Valid == nil || !*res.Valid {
			t.Fatalf("isError %v valid %v: %s", res.IsError, res.Valid, res.Text)
		}
		w, _ := res.Structured["warnings"].([]any)
		if res.Structured["packet_count"] != float64(3) || len(w) != 1 || !strings.HasPrefix(w[0].(string), "capture truncated after packet 3") {
			t.Errorf("packet_count %v warnings %v", res.Structured["packet_count"], w)
		}
	})
	t.Run("dhcp", func(t *testing.T) {
		res := runClient(t, dir, "stdio", bin, "analyze_dhcp_packets", argsJSON(t, map[string]any{"pcap_file": filepath.Join(root, "testdata", "gen", "dhcp-rogue-server.pcap")}))
		if res.IsError || res.Valid == nil || !*res.Valid {
			t.Fatalf("isError %v valid %v errors %s: %s", res.IsError, res.Valid, res.ValidationErrors, res.Text)
		}
		an, _ := res.Structured["anomalies"].([]any)
		if res.Structured["dhcp_packets_found"] != float64(40) || len(an) != 1 || an[0].(map[string]any)["type"] != "multiple_dhcp_servers" {
			t.Errorf("found %v anomalies %v", res.Structured["dhcp_packets_found"], an)
		}
	})
	for _, c := range []struct {
		tool, file, key string
		args            map[string]any
	}{
		{tool: "analyze_dns_packets", file: "dns-tunnel.pcap", key: "dns_packets_found"},
		{tool: "analyze_icmp_packets", file: "icmp-normal.pcap", key: "icmp_packets_found"},
		{tool: "analyze_arp_packets", file: "arp-spoofing.pcap", key: "arp_packets_found"},
		{tool: "analyze_dhcpv6_packets", file: "dhcpv6-normal.pcap", key: "dhcpv6_packets_found"},
		{tool: "analyze_tcp_connections", file: "tcp-normal.pcap", key: "tcp_packets_found", args: map[string]any{"detailed": true}},
		{tool: "analyze_tcp_anomalies", file: "tcp-port-scan.pcap", key: "analysis_counts"},
		{tool: "analyze_tcp_retransmissions", file: "tcp-retransmissions.pcap", key: "total_retransmissions"},
		{tool: "analyze_traffic_flow", file: "tcp-normal.pcap", key: "client_to_server", args: map[string]any{"server_ip": "198.51.100.80"}},
		{tool: "analyze_sip_packets", file: "sip-normal.pcap", key: "sip_packets_found"},
		{tool: "analyze_overview", file: "tcp-port-scan.pcap", key: "flow_summary", args: map[string]any{"state": "REJ"}},
	} {
		t.Run(c.tool, func(t *testing.T) {
			args := map[string]any{"pcap_file": filepath.Join(root, "testdata", "gen", c.file)}
			for k, v := range c.args {
				args[k] = v
			}
			res := runClient(t, dir, "stdio", bin, c.tool, argsJSON(t, args))
			if res.IsError || res.Valid == nil || !*res.Valid {
				t.Fatalf("isError %v valid %v errors %s: %.300s", res.IsError, res.Valid, res.ValidationErrors, res.Text)
			}
			switch v := res.Structured[c.key].(type) {
			case float64:
				if v == 0 {
					t.Errorf("%s = 0", c.key)
				}
			case map[string]any:
				if len(v) == 0 {
					t.Errorf("%s is empty", c.key)
				}
			default:
				t.Errorf("%s = %v", c.key, v)
			}
		})
	}
	t.Run("modules flag", func(t *testing.T) {
		res := runClient(t, dir, "stdio", bin, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": example}), "--modules", "capinfos")
		checkCapinfos(t, res)
	})
}

// startHTTP starts "mcpacket serve --transport http" on a free port and
// returns its /mcp URL.
func startHTTP(t testing.TB, bin string, extra ...string) string {
	t.Helper()
	url, _ := startHTTPPid(t, bin, extra...)
	return url
}

// startHTTPPid is startHTTP that also returns the server's process ID.
func startHTTPPid(t testing.TB, bin string, extra ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	args := []string{"serve", "--transport", "http", "--host", "127.0.0.1", "--port", "0", "--root", pcaptest.Root(t)}
	cmd := exec.CommandContext(ctx, bin, append(args, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	return "http://" + bannerAddr(t, stderr) + "/mcp", cmd.Process.Pid
}

// bannerAddr reads a starting HTTP server's stderr up to its address line
// and returns the host:port it names.
func bannerAddr(t testing.TB, stderr io.Reader) string {
	t.Helper()
	re := regexp.MustCompile(`at http://(\S+)/mcp`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case a := <-found:
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("server did not print its address")
	}
	return ""
}

func TestHTTPTypeScriptClient(t *testing.T) {
	bin, dir := setup(t)
	url := startHTTP(t, bin)
	example := filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")
	checkCapinfos(t, runClient(t, dir, "http", url, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": example})))
	// The overview over HTTP: a valid structured result within its budget.
	ov := runClient(t, dir, "http", url, "analyze_overview", argsJSON(t, map[string]any{"pcap_file": example}))
	if ov.IsError || ov.Valid == nil || !*ov.Valid || len(ov.Text) > 32<<10 {
		t.Errorf("analyze_overview over HTTP: isError %v valid %v errors %s, %d bytes: %.300s", ov.IsError, ov.Valid, ov.ValidationErrors, len(ov.Text), ov.Text)
	} else if fs, _ := ov.Structured["flow_summary"].(map[string]any); fs["total"] == float64(0) {
		t.Errorf("analyze_overview over HTTP: no flows in %v", fs)
	}
	// Outside the capture directory (the repository): an isError result.
	res := runClient(t, dir, "http", url, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": "/etc/passwd"}))
	if !res.IsError || !strings.Contains(res.Text, "outside the directories") {
		t.Errorf("/etc/passwd over HTTP: isError %v %q", res.IsError, res.Text)
	}
	// With a bearer token, the client that sends it is served.
	authURL := startHTTP(t, bin, "--auth-token", "e2e-token")
	checkCapinfos(t, runClient(t, dir, "http", authURL, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": example}), "e2e-token"))
}

// TestHTTPRefusesToStart checks the HTTP safety rails: no capture
// directory, or a non-loopback address without a token, and the server
// does not start.
func TestHTTPRefusesToStart(t *testing.T) {
	bin, _ := setup(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--transport", "http", "--port", "0"}, "needs --root"},
		{[]string{"serve", "--transport", "http", "--port", "0", "--root", ".", "--host", "0.0.0.0"}, "set --auth-token"},
	} {
		// A server that starts anyway is killed after a few seconds, and
		// the test fails instead of hanging.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, c.args...)
		cmd.Env = append(os.Environ(), "MCPACKET_ROOTS=", "MCPACKET_AUTH_TOKEN=")
		out, err := cmd.CombinedOutput()
		started := ctx.Err() != nil
		cancel()
		if started || err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: err %v, output %q; want a refusal with %q", c.args, err, out, c.want)
		}
	}
}

// TestInspectorCLI drives the server with the MCP Inspector's CLI mode over
// stdio and HTTP, in its legacy and modern protocol eras.
func TestInspectorCLI(t *testing.T) {
	bin, dir := setup(t)
	example := filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")
	url := startHTTP(t, bin)
	inspector := func(args ...string) (map[string]any, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npx", append([]string{"--no-install", "@modelcontextprotocol/inspector", "--cli", "--format", "json", "-q"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "MCP_INSPECTOR_SECRET_STORE=memory")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("inspector %q: %v", args, err)
		}
		var out map[string]any
		if stdout.Len() > 0 {
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("inspector %q output %q: %v (stderr %s)", args, stdout.String(), err, stderr.String())
			}
		}
		return out, code
	}
	call := []string{"--method", "tools/call", "--tool-name", "analyze_capinfos", "--tool-args-json", argsJSON(t, map[string]any{"pcap_file": example})}
	targets := map[string][]string{
		"stdio":        {bin},
		"stdio-modern": {"--protocol-era", "modern", bin},
		"http":         {"--transport", "http", "--server-url", url},
		"http-modern":  {"--protocol-era", "modern", "--transport", "http", "--server-url", url},
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			list, code := inspector(append(append([]string{}, target...), "--method", "tools/list")...)
			if code != 0 {
				t.Fatalf("tools/list exit %d", code)
			}
			b, _ := json.Marshal(list)
			if !strings.Contains(string(b), `"outputSchema"`) || !strings.Contains(string(b), `"analyze_capinfos"`) {
				t.Errorf("tools/list = %s", b)
			}
			res, code := inspector(append(append([]string{}, target...), call...)...)
			if code != 0 {
				t.Fatalf("tools/call exit %d: %v", code, res)
			}
			b, _ = json.Marshal(res)
			if !strings.Contains(string(b), `"packet_count":4`) {
				t.Errorf("tools/call = %s", b)
			}
		})
	}
	t.Run("isError exit code", func(t *testing.T) {
		_, code := inspector(bin, "--method", "tools/call", "--tool-name", "analyze_capinfos", "--tool-args-json", argsJSON(t, map[string]any{"pcap_file": "/no/such/file.pcap"}))
		if code != 5 {
			t.Errorf("exit %d, want 5 (isError result)", code)
		}
	})
}
