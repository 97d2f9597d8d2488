package dfilter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/dns"
	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/analyzer/tls"
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
	tr := &truth{sel: map[string]map[int][]int{}}
	for _, line := range pcaptest.GzipLines(t, "testdata/truth.tsv.gz") {
		cols := strings.Split(line, "\t")
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
	tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(&analyzer.Env{}), App: dissect.Apps{http.NewAnnotator(&analyzer.Env{}), tls.NewAnnotator(&analyzer.Env{}), dns.NewAnnotator(&analyzer.Env{})}, UDPStreams: true})
	out := make([][]int, len(fs))
	pres := make([]func(dfilter.Summary) bool, len(fs))
	for i, f := range fs {
		pres[i] = f.Prefilter()
	}
	_, err = engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		fr := tr.Frame(p)
		sum := dfilter.Summary{Stack: fr.Stack.Set(), TCPFlags: fr.TCP.Flags}
		for i, f := range fs {
			if f.Match(fr) {
				out[i] = append(out[i], p.Number)
				// A frame that matches passes the prefilter.
				if pres[i] != nil && !pres[i](sum) {
					t.Errorf("%s frame %d: filter %q matches, its prefilter does not", path, p.Number, f)
				}
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
	t.Logf("%d of %d filter×capture pairs select exactly tshark's frames (%.2f%%; %d filters, %d captures)", agree, pairs, 100*float64(agree)/float64(pairs), len(filters), len(tr.captures))
	// The pairs that differ are known, each with its reason; a new one
	// fails, and so does a known one that now agrees (stale).
	if pcaptest.Updating() {
		var b strings.Builder
		b.WriteString("# filter, capture, why this module selects other frames than tshark 4.0.17 there (go test -update rewrites this)\n")
		for _, f := range filters {
			for _, d := range badFilters[f] {
				capture, _, _ := strings.Cut(d, " ")
				fmt.Fprintf(&b, "%s\t%s\t%s\n", f, capture, knownReason(f, capture))
			}
		}
		if err := os.WriteFile(knownFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	known := readKnown(t)
	for _, f := range filters {
		for _, d := range badFilters[f] {
			capture, _, _ := strings.Cut(d, " ")
			if !known[f+"\t"+capture] {
				t.Errorf("%q differs from tshark on %s", f, d)
			}
			delete(known, f+"\t"+capture)
		}
	}
	for k := range known {
		t.Errorf("known difference %q no longer differs: remove it from %s", k, knownFile)
	}
}

const knownFile = "testdata/known-differences.tsv"

func readKnown(t testing.TB) map[string]bool {
	b, err := os.ReadFile(knownFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if c := strings.Split(l, "\t"); len(c) == 3 && !strings.HasPrefix(l, "#") {
			out[c[0]+"\t"+c[1]] = true
		}
	}
	return out
}

// knownReason explains a difference, for the known-differences file.
func knownReason(filter, capture string) string {
	switch {
	case strings.HasPrefix(capture, "malformed-huge-caplen"):
		return "a record over the reader's bound is cut; tshark reads it whole"
	case strings.HasPrefix(capture, "sip-call-ipv6-udp-heplify"):
		return "tshark 4.0 error: its -T fields shows frame 6 at epoch 3867576602.251758 (relative 2538987240), as we read it, yet its filters compare that time as a signed 32-bit second count (3867576602 - 2^32 < 0): frame.time_epoch < 1300000000 selects frame 6 and frame.time_relative > 1.5 does not"
	case strings.HasPrefix(filter, "udp.stream"):
		return "tshark starts new conversations for SNMP and MGCP requests on a pair it has seen"
	case strings.HasPrefix(filter, "tls"):
		return "QUIC whose packets tshark takes otherwise (0-RTT, Retry, version negotiation, CRYPTO frames over several packets, QUIC on port 4433), or a connection seen midstream"
	case strings.HasPrefix(filter, "http"):
		return "an HTTP message tshark ends in another frame (a body that ends at the close, retransmitted or out-of-order segments, HTTP/2 after an upgrade), or HTTP on a port tshark does not try"
	case strings.HasPrefix(filter, "sip"):
		return "SIP over SCTP or WebSocket, split across segments, or after junk"
	case strings.HasPrefix(filter, "dns"):
		return "a message tshark rejects as malformed"
	}
	return "protocol detection by port and signature (see the packets README, Limits)"
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
