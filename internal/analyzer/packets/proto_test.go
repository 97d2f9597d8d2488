package packets

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer/dns"
	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/tls"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

const protoTruth = "testdata/protocols.tsv.gz"

// corpusFiles lists the corpus captures.
func corpusFiles(dir string) []string {
	var names []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		names = append(names, m...)
	}
	sort.Strings(names)
	return names
}

// TestTopProtocolAgainstTshark compares the top protocol of every frame
// (get_packets' protocol) with the last element of tshark's
// frame.protocols (testdata/protocols.tsv.gz; -update rewrites it).
func TestTopProtocolAgainstTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	names := corpusFiles(dir)
	if pcaptest.Updating() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintln(zw, "# tshark -n -T fields -e frame.number -e frame.protocols: capture, frame, last protocol")
		for _, n := range names {
			out, err := exec.Command("tshark", "-n", "-r", n, "-T", "fields", "-e", "frame.number", "-e", "frame.protocols").Output()
			if err != nil {
				continue
			}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				num, protos, ok := strings.Cut(l, "\t")
				if ok {
					fmt.Fprintf(zw, "%s\t%s\t%s\n", filepath.Base(n), num, protos[strings.LastIndex(protos, ":")+1:])
				}
			}
		}
		zw.Close()
		if err := os.WriteFile(protoTruth, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{}
	for _, line := range pcaptest.GzipLines(t, protoTruth) {
		if c := strings.Split(line, "\t"); len(c) == 3 {
			want[c[0]+" "+c[1]] = c[2]
		}
	}
	agree, total := 0, 0
	confusion := map[string]int{}
	for _, n := range names {
		src, err := pcaptest.Env(0).OpenCapture(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		tr := dissect.NewTracker(dissect.Options{App: dissect.Apps{http.NewAnnotator(pcaptest.Env(0)), tls.NewAnnotator(pcaptest.Env(0)), dns.NewAnnotator(pcaptest.Env(0))}})
		base := filepath.Base(n)
		engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			w, ok := want[fmt.Sprintf("%s %d", base, p.Number)]
			if !ok {
				return
			}
			total++
			got := tr.Frame(p).Stack.Top().String()
			if got == w {
				agree++
			} else {
				confusion[w+" -> "+got]++
			}
		}))
		src.Close()
	}
	t.Logf("top protocol equals tshark's on %d of %d frames (%.2f%%)", agree, total, 100*float64(agree)/float64(max(total, 1)))
	// The classification is by port and signature (README, Limits): it
	// must not fall below what it reached when this test was written.
	const floor = 0.98
	if total == 0 || float64(agree) < floor*float64(total) {
		t.Errorf("agreement %d of %d is below %.1f%%", agree, total, 100*floor)
	}
	type kv struct {
		k string
		n int
	}
	var cs []kv
	for k, n := range confusion {
		cs = append(cs, kv{k, n})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].n > cs[j].n })
	for _, c := range cs[:min(len(cs), 25)] {
		t.Logf("tshark %s: %d frames", c.k, c.n)
	}
}
