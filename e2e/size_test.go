package e2e

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// maxDefaultResponse is the output contract's default budget: a tool called
// with default arguments answers in at most 32 KiB of text.
const maxDefaultResponse = 32 << 10

// TestDefaultResponses calls every tool with its default arguments over MCP
// (the TypeScript SDK client, one connection) on a 300,000-packet bench-gen
// capture and on every capture of the shared corpus, and checks each text
// content is at most 32 KiB and lists its keys in the output struct's order
// (summary first), as structuredContent does. Each part skips with one line
// when its captures are missing.
func TestDefaultResponses(t *testing.T) {
	bin, dir := setup(t)
	keys := outputKeys(t, bin)
	t.Run("bench-gen 300k", func(t *testing.T) {
		gen := filepath.Join(pcaptest.Root(t), "..", "shared", "bench-gen")
		if _, err := os.Stat(filepath.Join(gen, "main.go")); err != nil {
			t.Skipf("bench-gen not found at %s: no 300k capture to check", gen)
		}
		capture := filepath.Join(t.TempDir(), "mix-300000.pcap")
		cmd := exec.Command("go", "run", ".", "-n", "300000", "-seed", "1", "-mix", "full", "-o", capture)
		cmd.Dir = gen
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("bench-gen: %v\n%s", err, out)
		}
		checkDefaults(t, bin, dir, keys, []string{capture}, nil)
	})
	t.Run("corpus", func(t *testing.T) {
		corpus := pcaptest.RequireCorpus(t)
		var files []string
		unreadable := map[string]bool{} // captures capinfos and tshark refuse too
		for _, s := range pcaptest.CorpusSummaries(t, corpus) {
			files = append(files, filepath.Join(corpus, s.File))
			unreadable[s.File] = s.CapinfosExit != 0 && s.TsharkExit != 0 && s.Packets == 0
		}
		checkDefaults(t, bin, dir, keys, files, unreadable)
	})
}

// outputKeys returns each tool's output keys in struct order, from
// `mcpacket tools --json`.
func outputKeys(t *testing.T, bin string) map[string][]string {
	out, err := exec.Command(bin, "tools", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var tools []struct {
		Name       string   `json:"name"`
		OutputKeys []string `json:"output_keys"`
	}
	if err := json.Unmarshal(out, &tools); err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, tl := range tools {
		keys[tl.Name] = tl.OutputKeys
	}
	return keys
}

// checkDefaults calls every tool but list_captures on each file with its
// defaults (analyze_traffic_flow with the server of the file's first TCP
// connection, which it requires) through batch.mjs. Only the files that
// unreadable names may be refused (an isError result).
func checkDefaults(t *testing.T, bin, dir string, keys map[string][]string, files []string, unreadable map[string]bool) {
	calls, err := os.Create(filepath.Join(t.TempDir(), "calls.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(calls)
	n := 0
	for _, f := range files {
		for tool := range keys {
			args := map[string]any{"pcap_file": f}
			switch tool {
			case "list_captures":
				continue
			case "analyze_traffic_flow":
				server := firstServer(t, bin, f)
				if server == "" {
					continue
				}
				args["server_ip"] = server
			}
			enc.Encode(map[string]any{"tool": tool, "arguments": args})
			n++
		}
	}
	calls.Close()
	start := time.Now()
	cmd := exec.CommandContext(t.Context(), "node", "batch.mjs", bin, calls.Name())
	cmd.Dir = dir
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	got, largest, refused := 0, 0, 0
	for sc.Scan() {
		var r struct {
			Tool           string         `json:"tool"`
			Arguments      map[string]any `json:"arguments"`
			Skipped        bool           `json:"skipped"`
			IsError        bool           `json:"isError"`
			Bytes          int            `json:"bytes"`
			Keys           []string       `json:"keys"`
			StructuredKeys []string       `json:"structuredKeys"`
			Text           string         `json:"text"`
			Error          string         `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("batch output %q: %v", sc.Text(), err)
		}
		got++
		base := filepath.Base(r.Arguments["pcap_file"].(string))
		name := r.Tool + " " + base
		switch {
		case r.Skipped:
			continue
		case r.Error != "":
			t.Errorf("%s: %s", name, r.Error)
			continue
		case r.IsError:
			// follow_stream with no stream given follows the first
			// conversation; a capture with none is an error by design.
			noStream := r.Tool == "follow_stream" && strings.Contains(r.Text, "no TCP or UDP conversation to follow")
			if !unreadable[base] && !noStream {
				t.Errorf("%s: isError %s", name, r.Text)
			}
			refused++
			continue
		}
		largest = max(largest, r.Bytes)
		if r.Bytes > maxDefaultResponse {
			t.Errorf("%s: default text content of %d bytes, over %d", name, r.Bytes, maxDefaultResponse)
		}
		if want := inOrder(keys[r.Tool], r.Keys); !slices.Equal(r.Keys, want) {
			t.Errorf("%s: text content keys %v, want the output struct's order %v", name, r.Keys, want)
		}
		if !slices.Equal(r.Keys, r.StructuredKeys) {
			t.Errorf("%s: text content keys %v differ from structuredContent's %v", name, r.Keys, r.StructuredKeys)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("batch.mjs: %v", err)
	}
	if got != n {
		t.Fatalf("%d results for %d calls", got, n)
	}
	t.Logf("%d calls on %d captures in %v (%d refused: not captures); largest default response %d bytes", n, len(files), time.Since(start).Round(time.Second), refused, largest)
}

// inOrder returns the keys of got in the order of the struct's keys (the
// keys that are present; omitempty ones may not be), then any unknown.
func inOrder(structKeys, got []string) []string {
	var out []string
	for _, k := range structKeys {
		if slices.Contains(got, k) {
			out = append(out, k)
		}
	}
	for _, k := range got {
		if !slices.Contains(structKeys, k) {
			out = append(out, k)
		}
	}
	return out
}

// firstServer returns the server address of the capture's first TCP
// connection, or "" when it has none.
func firstServer(t *testing.T, bin, file string) string {
	out, err := exec.Command(bin, "analyze", "tcp", file, "--limit", "1", "--json").Output()
	if err != nil {
		return ""
	}
	var res struct {
		Connections []struct {
			Server string `json:"server"`
		} `json:"connections"`
	}
	json.Unmarshal(out, &res)
	if len(res.Connections) == 0 {
		return ""
	}
	host, _, err := net.SplitHostPort(res.Connections[0].Server)
	if err != nil {
		t.Fatalf("server %q: %v", res.Connections[0].Server, err)
	}
	return host
}
