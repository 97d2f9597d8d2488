package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestScaleCommands runs every command of docs/scale.md: its sh blocks in
// order, with /srv/captures standing for a directory of the bundled
// captures and /data/records for a temporary directory, then its sql
// blocks with DuckDB over the records written. kubectl needs a cluster;
// its manifests are checked offline by CI instead (.ci/run runs
// deploy/check), which this test checks is so.
func TestScaleCommands(t *testing.T) {
	root := pcaptest.Root(t)
	bin, dir := setup(t)
	requireDuckDB(t, dir)
	captures, records, work := t.TempDir(), t.TempDir(), t.TempDir()
	matches, _ := filepath.Glob(filepath.Join(root, "testdata", "*.pcap*"))
	for _, m := range matches {
		if !strings.HasPrefix(filepath.Base(m), "malformed") && !strings.HasPrefix(filepath.Base(m), "empty") {
			copyFile(t, m, filepath.Join(captures, filepath.Base(m)))
		}
	}
	copyFile(t, filepath.Join(root, "testdata", "http-download.pcap.gz"), filepath.Join(captures, "capture.pcap"))
	pathDir := t.TempDir() // "mcpacket" on PATH, for the shell pipelines
	if err := os.Symlink(bin, filepath.Join(pathDir, "mcpacket")); err != nil {
		t.Fatal(err)
	}
	ciRun, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(root, "docs", "scale.md")
	fill := func(s string) string {
		s = strings.ReplaceAll(s, "/srv/captures", captures)
		return strings.ReplaceAll(s, "/data/records", records)
	}
	cmds := shCommands(t, doc)
	if len(cmds) < 5 {
		t.Fatalf("found %d commands in docs/scale.md", len(cmds))
	}
	for _, line := range cmds {
		t.Run(line, func(t *testing.T) {
			env, args := splitCommand(line, map[string]string{"MCPACKET_AUTH_TOKEN": "scale-test-token"})
			for i := range env {
				env[i] = strings.Replace(env[i], "=...", "=scale-test-token", 1)
			}
			for i := range args {
				args[i] = fill(args[i])
			}
			switch {
			case strings.HasPrefix(line, "kubectl apply -f deploy/"):
				if _, err := os.Stat(filepath.Join(root, strings.TrimPrefix(line, "kubectl apply -f "))); err != nil {
					t.Fatal(err)
				}
				if !regexp.MustCompile(`(?m)^\(cd deploy/check && go run \. \.\./\*\.yaml\)$`).Match(ciRun) {
					t.Error(".ci/run does not validate deploy/*.yaml with deploy/check")
				}
			case strings.Contains(line, "|"):
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", fill(line))
				cmd.Dir = work
				cmd.Env = append(os.Environ(), "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", line, err, out)
				}
			case args[0] == "mcpacket" && args[1] == "serve":
				serve(t, t, bin, env, args[1:])
			case args[0] == "mcpacket":
				run(t, work, env, append([]string{bin}, args[1:]...)...)
			default:
				t.Fatal("no rule runs this docs/scale.md command; add one to TestScaleCommands")
			}
		})
	}
	// The records are there, every capture's, each once.
	parts, _ := filepath.Glob(filepath.Join(records, "table=flows", "*", "part-*.parquet"))
	if len(parts) < 10 {
		t.Fatalf("%d flows files after the exports, want one per capture with flows", len(parts))
	}
	queries := sqlBlocks(t, doc)
	if len(queries) < 4 {
		t.Fatalf("found %d sql blocks in docs/scale.md", len(queries))
	}
	for i, q := range queries {
		t.Run("sql"+string(rune('1'+i)), func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), "node", "records.mjs", "query", records, strings.ReplaceAll(q, "/data/records", "DIR"))
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s\n%v", q, err)
			}
			var rows []map[string]any
			if err := json.Unmarshal(out, &rows); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			// The bundled captures have flows, TLS and HTTP flows, and
			// DNS; none has a DNS tunnel.
			if len(rows) == 0 && !strings.Contains(q, "dns_tunneling_suspected") {
				t.Errorf("no rows from\n%s", q)
			}
			t.Logf("%d rows; first %v", len(rows), first(rows))
		})
	}
}

func first(rows []map[string]any) any {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// sqlBlocks returns the sql blocks of a Markdown file.
func sqlBlocks(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, part := range strings.Split(string(b), "```sql\n")[1:] {
		q, _, _ := strings.Cut(part, "```")
		out = append(out, strings.TrimSpace(q))
	}
	return out
}
