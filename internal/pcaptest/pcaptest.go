// Package pcaptest holds helpers for tests only: finding the repository and the
// shared capture corpus, comparing against golden files (rewritten with
// -update), and writing synthetic captures. Only _test.go files import it.
package pcaptest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// update rewrites golden files instead of comparing with them.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Updating reports whether the test run rewrites golden files.
func Updating() bool { return *update }

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("pcaptest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Testdata returns the path of a file under the repository's testdata/.
func Testdata(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(Root(t), "testdata", name)
}

// CorpusDir returns the shared capture corpus (../shared/corpus beside the
// repository, or $MCPACKET_CORPUS) and whether it is present.
func CorpusDir(t testing.TB) (string, bool) {
	t.Helper()
	dir := os.Getenv("MCPACKET_CORPUS")
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		return dir, false
	}
	return dir, true
}

// RequireCorpus returns the corpus directory, or skips the test with a note
// when the corpus is not beside the repository (the repository's own
// testdata covers the same ground in that case).
func RequireCorpus(t testing.TB) string {
	t.Helper()
	dir, ok := CorpusDir(t)
	if !ok {
		t.Skipf("shared corpus not found at %s (set MCPACKET_CORPUS)", dir)
	}
	return dir
}

// CorpusSummary is one line of the corpus truth/summary.jsonl.
type CorpusSummary struct {
	File            string         `json:"file"`
	Packets         int            `json:"packets"`
	TsharkExit      int            `json:"tshark_exit"`
	CapinfosExit    int            `json:"capinfos_exit"`
	CapinfosPackets *int           `json:"capinfos_packets"`
	Encapsulation   *string        `json:"encapsulation"`
	Counts          map[string]int `json:"counts"`
	Tables          []string       `json:"tables"`
	// TCPConversations is the number of conversations in tshark's
	// -z conv,tcp table (one per tcp.stream value).
	TCPConversations int `json:"tcp_conversations"`
}

// CorpusSummaries reads truth/summary.jsonl of the corpus.
func CorpusSummaries(t testing.TB, dir string) []CorpusSummary {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "truth", "summary.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []CorpusSummary
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var s CorpusSummary
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("summary.jsonl: %v", err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ReadTSV reads a tshark -T fields table with a header row into maps keyed
// by field name.
func ReadTSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ParseTSV(data)
}

// ParseTSV parses a tshark -T fields table with a header row into maps
// keyed by field name.
func ParseTSV(data []byte) []map[string]string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) == 0 {
		return nil
	}
	header := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, l := range lines[1:] {
		cells := strings.Split(l, "\t")
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = cells[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// Golden compares got with testdata file path (relative to the calling
// package), or rewrites the file under -update.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n%s", path, diff(string(want), string(got)))
	}
}

// GoldenJSON marshals v indented and compares it with a golden file.
func GoldenJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	Golden(t, path, append(b, '\n'))
}

// diff shows the first lines that differ.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 20; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g + "\n")
			shown++
		}
	}
	return b.String()
}

// LookPath returns the path of an executable and whether it is installed.
func LookPath(name string) (string, bool) {
	p, err := exec.LookPath(name)
	return p, err == nil
}

// Now is the wall clock of the environments Env returns, fixed so that
// outputs reporting when an analysis ran are reproducible.
var Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Env returns a tool environment that opens local paths and URLs with the
// default limits, as the server does, with the given --max-packets; its
// clock reads Now.
func Env(maxPackets int) *analyzer.Env {
	op := &capture.Opener{}
	return &analyzer.Env{MaxPackets: maxPackets, Now: func() time.Time { return Now }, Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		s, err := op.Open(ctx, ref)
		if err != nil {
			return nil, err
		}
		return &analyzer.Source{ReadCloser: s.ReadCloser, Name: s.Name, Size: s.Size, Remote: s.Remote, Identity: s.Identity}, nil
	}}
}

// CheckPrompts checks a module's prompts: exactly the names given, each
// naming tool and the capture it is rendered for, with no placeholder left,
// and asking for the capture when rendered without one.
func CheckPrompts(t testing.TB, prompts []analyzer.Prompt, tool string, names ...string) {
	t.Helper()
	var got []string
	for _, p := range prompts {
		got = append(got, p.Name)
		text, err := p.Render(map[string]string{"pcap_file": "x.pcap"})
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		if !strings.Contains(text, tool) || !strings.Contains(text, "`x.pcap`") || strings.Contains(text, "{{") {
			t.Errorf("%s: %q", p.Name, text)
		}
		if text, _ := p.Render(map[string]string{}); !strings.Contains(text, "ask for its path") {
			t.Errorf("%s without pcap_file does not ask for the capture", p.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("prompts %q, want %q", got, names)
	}
}

// BenchCapture is the capture a tool benchmark reads: the file named by
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/), else def. It
// sets the benchmark's bytes per operation to the file's size and reports
// allocations.
func BenchCapture(b *testing.B, def string) string {
	b.Helper()
	file := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if file == "" {
		file = def
	}
	st, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	return file
}

// Markers around the generated threshold table of a module README.
const (
	thresholdsBegin = "<!-- thresholds: generated from the detectors' declarations; go test -update rewrites it -->\n"
	thresholdsEnd   = "<!-- /thresholds -->\n"
)

// CheckThresholdTable checks that the module README at path holds, between
// its threshold markers, exactly the table the declarations produce
// (analyzer.ThresholdTable), or rewrites it there under -update. A README
// without the markers fails: every module with detectors documents them.
func CheckThresholdTable(t testing.TB, path string, params []analyzer.Param) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, thresholdsBegin), strings.Index(s, thresholdsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no threshold table between %q and %q", path, strings.TrimSpace(thresholdsBegin), strings.TrimSpace(thresholdsEnd))
	}
	want := analyzer.ThresholdTable(params)
	got := s[i+len(thresholdsBegin) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(s[:i+len(thresholdsBegin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the threshold table differs from the detectors' declarations (go test -update rewrites it):\n%s", path, diff(want, got))
}

// CheckText walks v, a decoded JSON value (a tool's output after
// json.Marshal and json.Unmarshal into any), and fails on any string or key
// holding a control or format character or U+FFFD (what invalid UTF-8 would
// become), or longer than max bytes: text from a capture must reach a model
// escaped and bounded (result.Text). It returns how many strings it checked.
func CheckText(t testing.TB, path string, v any, max int) int {
	t.Helper()
	check := func(p, s string) {
		if len(s) > max {
			t.Errorf("%s: string of %d bytes: %.80q...", p, len(s), s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == '\ufffd' {
				t.Errorf("%s: %U in %.120q", p, r, s)
				return
			}
		}
	}
	n := 0
	switch x := v.(type) {
	case string:
		check(path, x)
		n++
	case []any:
		for i, e := range x {
			n += CheckText(t, fmt.Sprintf("%s[%d]", path, i), e, max)
		}
	case map[string]any:
		for k, e := range x {
			check(path+"."+k+" (key)", k)
			n += CheckText(t, path+"."+k, e, max)
		}
	}
	return n
}

// GzipLines returns the lines of a gzip-compressed text file (a committed
// truth file).
func GzipLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return strings.Split(strings.TrimRight(string(text), "\n"), "\n")
}

// LiveHeap returns the heap in use after a collection, to measure what a
// table holds (LiveHeap after filling it, less LiveHeap before).
func LiveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// EnvFile returns the file the environment variable name gives, and skips
// the test or benchmark, saying why it wants one, when it is not set.
func EnvFile(tb testing.TB, name, why string) string {
	tb.Helper()
	file := os.Getenv(name)
	if file == "" {
		tb.Skipf("%s not set: %s", name, why)
	}
	return file
}

// CheckCache checks that tool answers each of calls (JSON arguments beside
// pcap_file, all with the same analysis arguments) on capture the same
// with a result cache as without one, and that the cache answered every
// call after the first: the first pass keeps what any page of any filter
// needs. The calls run twice, so that an answer that changed the cached
// value (fitting a response in place) shows in the second round.
func CheckCache(t testing.TB, tool analyzer.Tool, capture string, calls ...string) {
	t.Helper()
	ctx := context.Background()
	cached := Env(0)
	cache := rescache.New(1 << 30)
	cached.Cache = cache
	ref, _ := json.Marshal(capture)
	for round := range 2 {
		for i, args := range calls {
			full := `{"pcap_file":` + string(ref) + "}"
			if a := strings.TrimSpace(args); a != "" && a != "{}" {
				full = `{"pcap_file":` + string(ref) + "," + strings.TrimPrefix(a, "{")
			}
			want, err := tool.Call(ctx, Env(0), []byte(full))
			if err != nil {
				t.Fatalf("%s %s: %v", tool.Name, full, err)
			}
			got, err := tool.Call(ctx, cached, []byte(full))
			if err != nil {
				t.Fatalf("%s %s with a cache: %v", tool.Name, full, err)
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if !bytes.Equal(wb, gb) {
				t.Errorf("%s %s (round %d): answer from the cache differs from a new pass:\ncached: %.2000s\nfresh:  %.2000s", tool.Name, full, round+1, gb, wb)
			}
			if st := cache.Stats(); st.Misses != 1 || st.Hits != int64(round*len(calls)+i) {
				t.Errorf("%s %s: cache after call %d: %d misses, %d hits; want 1 miss (the first call), then hits", tool.Name, full, round*len(calls)+i+1, st.Misses, st.Hits)
			}
		}
	}
}
