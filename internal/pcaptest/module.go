package pcaptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// This file holds the loops every protocol module's tests run: its
// captures, paging through a whole list, agreement with tshark (the corpus
// truth tables and tshark run live), the findings of the generated
// captures, silence on the corpus, golden outputs and the shared-pass
// brief. Each takes what is module-specific as a function.

// GenFile returns the path of a generated capture under the repository's
// testdata/gen.
func GenFile(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(Root(t), "testdata", "gen", name)
}

// ModuleCaptures returns the captures of the calling package's testdata
// (testdata/*.pcap*) followed by the generated captures matching
// genPattern (such as "dns-*.pcap") and then extra. It fails the test when
// either set is empty.
func ModuleCaptures(t testing.TB, genPattern string, extra ...string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	gen, _ := filepath.Glob(GenFile(t, genPattern))
	if len(files) == 0 || len(gen) == 0 {
		t.Fatalf("captures: %d in testdata, %d generated", len(files), len(gen))
	}
	return append(append(files, gen...), extra...)
}

// AllPages calls page with offset 0, then with each next offset, until a
// page is not truncated, and returns the items of every page. It fails when
// their number is not the total the last page gives.
func AllPages[P any](t testing.TB, page func(offset int) ([]P, result.Page)) []P {
	t.Helper()
	var all []P
	for offset := 0; ; {
		items, pg := page(offset)
		all = append(all, items...)
		if !pg.Truncated {
			if len(all) != pg.Total {
				t.Fatalf("paged %d items, total says %d", len(all), pg.Total)
			}
			return all
		}
		offset = *pg.NextOffset
	}
}

// Compare checks what a module finds in file against rows of a tshark -T
// fields table of it, and returns how many items it compared.
type Compare func(t *testing.T, file string, rows []map[string]string) int

// CorpusTruth runs compare on every corpus capture that has a truth table
// truth/<capture>.<table>.tsv, fails when it compared fewer than min items
// in all, and returns the items compared and the tables read. It skips the
// test when the corpus is absent.
func CorpusTruth(t *testing.T, table string, min int, compare Compare) (checked, tables int) {
	t.Helper()
	dir := RequireCorpus(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "truth", "*."+table+".tsv"))
	for _, p := range paths {
		file := strings.TrimSuffix(filepath.Base(p), "."+table+".tsv")
		checked += compare(t, filepath.Join(dir, file), ReadTSV(t, p))
	}
	t.Logf("%d items of %d %s truth tables agree with tshark", checked, len(paths), table)
	if checked < min {
		t.Errorf("checked %d items of the corpus %s truth tables; the corpus has at least %d", checked, table, min)
	}
	return checked, len(paths)
}

// Tshark runs the installed tshark on file with args (a -T fields table
// with a header row), in the C locale and UTC, and returns its rows.
func Tshark(t testing.TB, bin, file string, args ...string) []map[string]string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-r", file}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", file, err)
	}
	return ParseTSV(out)
}

// LiveTshark runs tshark with args on each file and compare on its rows,
// fails when it compared fewer than min items in all, and returns the
// items compared. It skips the test when tshark is not installed.
func LiveTshark(t *testing.T, files []string, min int, args []string, compare Compare) int {
	t.Helper()
	bin, ok := LookPath("tshark")
	if !ok {
		t.Skip("tshark is not installed (apt-get install tshark); .ci/run installs it")
	}
	checked := 0
	for _, f := range files {
		checked += compare(t, f, Tshark(t, bin, f, args...))
	}
	t.Logf("%d items in %d captures agree with tshark", checked, len(files))
	if checked < min {
		t.Errorf("compared %d items with tshark, want at least %d", checked, min)
	}
	return checked
}

// Run calls a tool function with a default environment and fails the test
// on an error.
func Run[In, Out any](t testing.TB, run func(context.Context, *analyzer.Env, In) (Out, error), in In) Out {
	t.Helper()
	out, err := run(context.Background(), Env(0), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CorpusSilence runs findings on every corpus capture that keep accepts
// (nil: every capture tshark reads without error and with packets) and
// checks that their types are exactly those expected lists for the capture
// (none for a capture it does not list), in any order. It returns how many
// captures it checked, and skips the test when the corpus is absent.
func CorpusSilence(t *testing.T, expected map[string][]string, keep func(CorpusSummary) bool, findings func(t *testing.T, file string) []result.Finding) int {
	t.Helper()
	dir := RequireCorpus(t)
	if keep == nil {
		keep = func(s CorpusSummary) bool { return s.TsharkExit == 0 && s.Packets > 0 }
	}
	checked := 0
	for _, s := range CorpusSummaries(t, dir) {
		if !keep(s) {
			continue
		}
		checked++
		got := slices.Sorted(slices.Values(FindingTypes(findings(t, filepath.Join(dir, s.File)))))
		if want := slices.Sorted(slices.Values(expected[s.File])); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: anomalies %v, want %v", s.File, got, want)
		}
	}
	return checked
}

// FindingTypes returns the type of each finding, in order.
func FindingTypes(fs []result.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type)
	}
	return out
}

// CheckFindings runs findings on each generated capture want names (in a
// subtest named after it) and checks that exactly the finding types it
// lists are reported, each with its severity, evidence frames, a summary
// and details.
func CheckFindings(t *testing.T, want map[string]map[string]string, findings func(t *testing.T, file string) []result.Finding) {
	t.Helper()
	for file, types := range want {
		t.Run(file, func(t *testing.T) {
			got := map[string]string{}
			for _, a := range findings(t, GenFile(t, file)) {
				got[a.Type] = a.Severity.String()
				if len(a.EvidenceFrames) == 0 || a.Summary == "" || a.Details == nil {
					t.Errorf("%s: evidence %v summary %q details %v", a.Type, a.EvidenceFrames, a.Summary, a.Details)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(types) {
				t.Errorf("anomalies = %v, want %v", got, types)
			}
		})
	}
}

// GoldenOutputs runs output on each file (in a subtest named after its
// base name, which output should set as the output's file name so the
// golden files do not depend on where the repository is), compares its
// JSON with testdata/golden/<name>.json and checks that it fits in budget
// bytes.
func GoldenOutputs(t *testing.T, files []string, budget int, output func(t *testing.T, file, name string) any) {
	t.Helper()
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			out := output(t, file, name)
			GoldenJSON(t, filepath.Join("testdata", "golden", name+".json"), out)
			if b, _ := json.Marshal(out); len(b) > budget {
				t.Errorf("default response is %d bytes, over %d", len(b), budget)
			}
		})
	}
}

// Brief runs m alone in a shared pass over file, with a default
// environment, and returns its brief.
func Brief(t testing.TB, m modkit.Passer, file string) modkit.Brief {
	t.Helper()
	env := Env(0)
	p, err := m.NewPass(env)
	if err != nil {
		t.Fatal(err)
	}
	_, briefs, err := modkit.RunPasses(t.Context(), env, file, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(briefs) != 1 {
		t.Fatalf("%d briefs from one pass", len(briefs))
	}
	return briefs[0]
}

// CheckBrief runs m alone in a shared pass over each file (in a subtest
// named after it) and checks that its brief is want(file): the module's
// name and the summary and findings its tool gives with default arguments,
// compared as JSON.
func CheckBrief(t *testing.T, m modkit.Passer, files []string, want func(t *testing.T, file string) modkit.Brief) {
	t.Helper()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, w := Brief(t, m, file), want(t, file)
			if b.Module != w.Module {
				t.Fatalf("brief of module %q, want %s", b.Module, w.Module)
			}
			for _, c := range []struct {
				name      string
				got, want any
			}{{"findings", b.Findings, w.Findings}, {"summary", b.Summary, w.Summary}} {
				got, _ := json.Marshal(c.got)
				want, _ := json.Marshal(c.want)
				if string(got) != string(want) {
					t.Errorf("brief %s:\n%s\nwant the tool's\n%s", c.name, got, want)
				}
			}
		})
	}
}

// BenchTool benchmarks a tool function: run on the input in makes for the
// generated capture gen, or for $MCPACKET_BENCH_CAPTURE (BenchCapture),
// with a fresh default environment each time.
func BenchTool[In, Out any](b *testing.B, gen string, run func(context.Context, *analyzer.Env, In) (Out, error), in func(file string) In) {
	b.Helper()
	input := in(BenchCapture(b, GenFile(b, gen)))
	for b.Loop() {
		if _, err := run(context.Background(), Env(0), input); err != nil {
			b.Fatal(err)
		}
	}
}

// TopKeys returns the keys of the JSON object b holds, in order.
func TopKeys(t testing.TB, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %.80s", b)
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// GeneratorUpToDate runs the capture generator at dir (relative to the
// repository root) into a temporary directory and fails unless it writes
// at least min captures, each the same to the byte as the committed one in
// dir.
func GeneratorUpToDate(t *testing.T, dir string, min int) {
	t.Helper()
	root := Root(t)
	tmp := t.TempDir()
	cmd := exec.Command("go", "run", "./"+dir, "-out", tmp)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./%s: %v\n%s", dir, err, out)
	}
	files, _ := filepath.Glob(filepath.Join(tmp, "*.pcap"))
	if len(files) < min {
		t.Fatalf("generator wrote %d captures", len(files))
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(root, dir, filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s differs from what the generator writes (run go run ./%s)", dir, filepath.Base(f), dir)
		}
	}
}
