package cli

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestServeDirsAndHealthcheck: directories after serve's flags are roots
// (what an MCP Bundle's folder setting expands to), and healthcheck says
// whether the server answers /healthz (a container's HEALTHCHECK).
func TestServeDirsAndHealthcheck(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	example, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "in-second-dir.pcap"), example, 0o644); err != nil {
		t.Fatal(err)
	}
	app, _, _ := testApp(t)
	var stderr pcaptest.SyncBuffer
	app.Stderr = &stderr
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "--transport", "http", "--port", "0", "--", dirA, dirB})
	}()
	defer func() { stop(); <-done }()
	base := strings.TrimSuffix(announcedURL(t, &stderr), "/mcp")

	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp"}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "list_captures", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("list_captures: %v %+v", err, res)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	for _, want := range []string{"in-second-dir.pcap", filepath.Base(dirA), filepath.Base(dirB)} {
		if !strings.Contains(text, want) {
			t.Errorf("list_captures does not name %q (both directories are roots):\n%s", want, text)
		}
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/healthz"
	closed.Close()
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"serving", []string{"healthcheck", base + "/healthz"}, ExitOK, "ok", ""},
		{"not ok", []string{"healthcheck", failing.URL + "/healthz"}, ExitError, "", "503 Service Unavailable"},
		{"nobody listening", []string{"healthcheck", closedURL}, ExitError, "", "connection refused"},
		{"two URLs", []string{"healthcheck", "a", "b"}, ExitUsage, "", "Usage: mcpacket healthcheck"},
		{"help", []string{"healthcheck", "-h"}, ExitOK, "", "Usage: mcpacket healthcheck"},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, stdout, stderr := testApp(t)
			code := app.Run(t.Context(), c.args)
			if code != c.code || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout containing %q, stderr containing %q", code, c.code, stdout, stderr, c.stdout, c.stderr)
			}
		})
	}
}

// announcedURL waits for an HTTP server started with --port 0 to print
// its address line and returns the /mcp URL in it.
func announcedURL(t *testing.T, stderr *pcaptest.SyncBuffer) string {
	t.Helper()
	addrRE := regexp.MustCompile(`at (http://\S+/mcp)`)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not announce its address; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
