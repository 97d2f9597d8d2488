package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// uploadServer starts an HTTP server keeping uploads in a fresh directory,
// with a token, and returns its /mcp URL and the directory.
func uploadServer(t *testing.T, bin string, extra ...string) (url, dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "uploads")
	url = startHTTP(t, bin, append([]string{"--upload-dir", dir, "--auth-token", "up-token", "--max-upload-bytes", "100000"}, extra...)...)
	return url, dir
}

// post sends body to the server of mcpURL as POST /captures?name=name.
func post(t *testing.T, mcpURL, name, token string, body []byte) (int, string) {
	t.Helper()
	return pcaptest.PostCapture(t, strings.TrimSuffix(mcpURL, "/mcp"), name, token, body)
}

// stored lists the files an upload directory holds, .partial's included.
func stored(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestUploadHTTP uploads a capture with POST /captures, analyzes it by
// the name the server gave with the TypeScript SDK client, lists it, and
// checks the refusals: no token, over the cap, not a capture, a name with
// '/' or "..", and a connection cut mid-body, which leaves no file.
func TestUploadHTTP(t *testing.T) {
	bin, dir := setup(t)
	example, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	url, updir := uploadServer(t, bin)

	code, body := post(t, url, "dhcp.pcap", "up-token", example)
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, body)
	}
	var up struct {
		Name, PcapFile, Format, Expires string
		SizeBytes                       int64 `json:"size_bytes"`
	}
	json.Unmarshal([]byte(body), &up)
	if !strings.HasSuffix(up.Name, "-dhcp.pcap") || up.SizeBytes != int64(len(example)) || up.Format != "pcap" || up.Expires == "" {
		t.Errorf("upload answered %s", body)
	}
	checkCapinfos(t, runClient(t, dir, "http", url, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": up.Name}), "up-token"))
	// The repository's own captures are listed too (over a page of them,
	// by path), so the listing is narrowed to the upload directory.
	list := runClient(t, dir, "http", url, "list_captures", argsJSON(t, map[string]any{"subdir": updir}), "up-token")
	if !strings.Contains(list.Text, up.Name) || !strings.Contains(list.Text, `"expires"`) || list.Valid == nil || !*list.Valid {
		t.Errorf("list_captures does not show the upload with its expiry: %.600s", list.Text)
	}

	for _, c := range []struct {
		what, name, token string
		body              []byte
		code              int
	}{
		{"no token", "a.pcap", "", example, http.StatusUnauthorized},
		{"wrong token", "a.pcap", "nope", example, http.StatusUnauthorized},
		{"over the cap", "a.pcap", "up-token", append(append([]byte{}, example...), make([]byte, 100000)...), http.StatusRequestEntityTooLarge},
		{"not a capture", "a.pcap", "up-token", []byte("#!/bin/sh\necho not a capture\n"), http.StatusUnsupportedMediaType},
		{"name with a slash", "a%2Fb.pcap", "up-token", example, http.StatusBadRequest},
		{"name with ..", "..", "up-token", example, http.StatusBadRequest},
		{"path name", "..%2F..%2Fetc%2Fx.pcap", "up-token", example, http.StatusBadRequest},
	} {
		if code, body := post(t, url, c.name, c.token, c.body); code != c.code {
			t.Errorf("%s: %d %s, want %d", c.what, code, body, c.code)
		}
	}
	if got := stored(t, updir); len(got) != 1 || got[0] != up.Name {
		t.Errorf("after the refusals the upload directory holds %q, want only %s", got, up.Name)
	}

	t.Run("killed upload leaves no file", func(t *testing.T) {
		addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/mcp")
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /captures?name=cut.pcap HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer up-token\r\nContent-Length: 99000\r\n\r\n", addr)
		conn.Write(example)
		conn.Write(make([]byte, 80000)) // past the head: the server is writing a file
		// Wait for the half-written upload to appear, then cut the connection.
		deadline := time.Now().Add(10 * time.Second)
		for len(stored(t, updir)) < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := stored(t, updir); len(got) != 2 {
			t.Fatalf("the upload in progress is not on disk: %q", got)
		}
		conn.Close()
		deadline = time.Now().Add(10 * time.Second)
		for len(stored(t, updir)) != 1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := stored(t, updir); len(got) != 1 || got[0] != up.Name {
			t.Errorf("after the cut the upload directory holds %q", got)
		}
	})
}

// TestUploadMCPTool uploads with the upload_capture tool, in two parts,
// through the TypeScript SDK client over HTTP, analyzes the result, and
// checks a bad name is refused; then an expired upload is gone.
func TestUploadMCPTool(t *testing.T) {
	bin, dir := setup(t)
	example, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	url, updir := uploadServer(t, bin)
	call := func(args map[string]any) clientResult {
		return runClient(t, dir, "http", url, "upload_capture", argsJSON(t, args), "up-token")
	}
	first := call(map[string]any{"name": "parts.pcap", "data_base64": base64.StdEncoding.EncodeToString(example[:100])})
	if first.IsError || first.Valid == nil || !*first.Valid {
		t.Fatalf("upload_capture: %s", first.Text)
	}
	name, _ := first.Structured["name"].(string)
	second := call(map[string]any{"name": name, "data_base64": base64.StdEncoding.EncodeToString(example[100:]), "append": true})
	if second.IsError || second.Structured["size_bytes"] != float64(len(example)) || second.Structured["format"] != "pcap" {
		t.Fatalf("upload_capture append: %s", second.Text)
	}
	checkCapinfos(t, runClient(t, dir, "http", url, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": name}), "up-token"))

	for _, bad := range []string{"../x.pcap", "a/b.pcap", ".."} {
		res := call(map[string]any{"name": bad, "data_base64": base64.StdEncoding.EncodeToString(example)})
		if !res.IsError || !strings.Contains(res.Text, "upload name") {
			t.Errorf("upload_capture name %q: isError %v %q", bad, res.IsError, res.Text)
		}
	}
	res := call(map[string]any{"name": "t.pcap", "data_base64": base64.StdEncoding.EncodeToString([]byte("plain text, no capture"))})
	if !res.IsError || !strings.Contains(res.Text, "not a capture") {
		t.Errorf("upload_capture of text: isError %v %q", res.IsError, res.Text)
	}
	if got := stored(t, updir); len(got) != 1 {
		t.Errorf("upload directory holds %q, want the one upload", got)
	}

	// Expiry: the janitor removes an upload within a few seconds of its
	// TTL, and the name no longer resolves.
	url, updir = uploadServer(t, bin, "--upload-ttl", "2s")
	code, body := post(t, url, "short.pcap", "up-token", example)
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, body)
	}
	var up struct{ Name string }
	json.Unmarshal([]byte(body), &up)
	name = up.Name
	deadline := time.Now().Add(15 * time.Second)
	for len(stored(t, updir)) != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := stored(t, updir); len(got) != 0 {
		t.Fatalf("expired upload still on disk: %q", got)
	}
	gone := runClient(t, dir, "http", url, "analyze_capinfos", argsJSON(t, map[string]any{"pcap_file": name}), "up-token")
	if !gone.IsError || !strings.Contains(gone.Text, "no such file") {
		t.Errorf("analyze an expired upload: isError %v %q", gone.IsError, gone.Text)
	}
}
