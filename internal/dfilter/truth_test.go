package dfilter_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// readFilters reads testdata/filters.txt.
func readFilters(t testing.TB) []string {
	b, err := os.ReadFile("testdata/filters.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// truth is what tshark selected: capture -> filter index (0-based) -> frames.
type truth struct {
	filters  int
	captures []string
	sel      map[string]map[int][]int
}

func readTruth(t testing.TB) *truth {
	f, err := os.Open("testdata/truth.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := &truth{sel: map[string]map[int][]int{}}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		switch {
		case strings.HasPrefix(cols[0], "# tshark"):
			fmt.Sscanf(cols[0][strings.Index(cols[0], "filters"):], "filters %d", &tr.filters)
		case cols[0] == "# capture":
			tr.captures = append(tr.captures, cols[1])
		case len(cols) == 3:
			i, _ := strconv.Atoi(cols[1])
			if tr.sel[cols[0]] == nil {
				tr.sel[cols[0]] = map[int][]int{}
			}
			tr.sel[cols[0]][i-1] = expandRanges(t, cols[2])
		}
	}
	return tr
}

func expandRanges(t testing.TB, s string) []int {
	var out []int
	for _, r := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(r, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			t.Fatalf("truth: bad range %q", r)
		}
		b := a
		if ok {
			b, _ = strconv.Atoi(hi)
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

// selectAll runs every filter over a capture in one pass.
func selectAll(t testing.TB, path string, fs []*dfilter.Filter) ([][]int, error) {
	env := pcaptest.Env(0)
	src, err := env.OpenCapture(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(&analyzer.Env{}), UDPStreams: true})
	out := make([][]int, len(fs))
	_, err = engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		fr := tr.Frame(p)
		for i, f := range fs {
			if f.Match(fr) {
				out[i] = append(out[i], p.Number)
			}
		}
	}))
	return out, err
}

// TestAgainstTshark compares the frames every filter of testdata/filters.txt
// selects on every corpus capture with what tshark selected
// (testdata/truth.tsv.gz, made by gen-truth.sh).
func TestAgainstTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	filters := readFilters(t)
	if len(filters) < 60 {
		t.Fatalf("%d filters; the acceptance asks for at least 60", len(filters))
	}
	tr := readTruth(t)
	if tr.filters != len(filters) {
		t.Fatalf("truth was made for %d filters, filters.txt has %d: run testdata/gen-truth.sh", tr.filters, len(filters))
	}
	fs := make([]*dfilter.Filter, len(filters))
	for i, s := range filters {
		f, err := dfilter.Compile(s)
		if err != nil {
			t.Fatalf("filter %q: %v", s, err)
		}
		fs[i] = f
	}
	agree, pairs := 0, 0
	badFilters := map[string][]string{}
	for _, name := range tr.captures {
		got, err := selectAll(t, filepath.Join(dir, name), fs)
		if err != nil {
			continue // tshark read it, we refuse it: the capture tests cover that
		}
		for i := range fs {
			pairs++
			want := tr.sel[name][i]
			if slices.Equal(got[i], want) {
				agree++
				continue
			}
			badFilters[filters[i]] = append(badFilters[filters[i]], fmt.Sprintf("%s (%s)", name, diffFrames(got[i], want)))
		}
	}
	t.Logf("%d of %d filter×capture pairs select exactly tshark's frames (%d filters, %d captures)", agree, pairs, len(filters), len(tr.captures))
	for _, f := range filters {
		if bad := badFilters[f]; len(bad) > 0 {
			t.Errorf("%q differs on %d capture(s): %s", f, len(bad), strings.Join(bad[:min(len(bad), 4)], "; "))
		}
	}
}

func diffFrames(got, want []int) string {
	var extra, missing []int
	for _, n := range got {
		if _, ok := slices.BinarySearch(want, n); !ok {
			extra = append(extra, n)
		}
	}
	for _, n := range want {
		if _, ok := slices.BinarySearch(got, n); !ok {
			missing = append(missing, n)
		}
	}
	return fmt.Sprintf("%d extra %v, %d missing %v", len(extra), extra[:min(len(extra), 5)], len(missing), missing[:min(len(missing), 5)])
}
