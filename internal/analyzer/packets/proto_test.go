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
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
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

// topKnown are the corpus frames whose top protocol differs from tshark's,
// and why.
var topKnown = map[string]string{
	"quic-version-negotiation-tcpdump.pcap 3": "tshark 4.0 error: the client's v1 Initial after a version negotiation; its AEAD tag verifies with the v1 keys of its own DCID and it holds a ClientHello (tls), tshark reports \"Decryption (checktag) failed\", keeping the keys of the first Initial (tls.tsharkMisses)",
}

// TestTopProtocolAgainstTshark compares the top protocol of every frame
// (get_packets' protocol, with the analyses get_packets runs when frame
// numbers bound its pass: TCP analysis and application reassembly) with the last element of tshark's
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
	differs := map[string]string{}
	for _, n := range names {
		src, err := pcaptest.Env(0).OpenCapture(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(pcaptest.Env(0)), App: dissect.Apps{http.NewAnnotator(pcaptest.Env(0)), tls.NewAnnotator(pcaptest.Env(0)), dns.NewAnnotator(pcaptest.Env(0))}})
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
				differs[fmt.Sprintf("%s %d", base, p.Number)] = w + ", here " + got
			}
		}))
		src.Close()
	}
	t.Logf("top protocol equals tshark's on %d of %d frames (%.2f%%)", agree, total, 100*float64(agree)/float64(max(total, 1)))
	// Every frame must agree but these, each still differing.
	for k, why := range topKnown {
		if _, ok := differs[k]; !ok {
			t.Errorf("%s now agrees with tshark: remove it from topKnown (%s)", k, why)
		}
	}
	for k, d := range differs {
		if _, ok := topKnown[k]; !ok {
			t.Errorf("%s: tshark %s", k, d)
		}
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

// TestTopProtocolGenerated compares, frame by frame, the last element of
// get_packets' protocols (frames selected by number, as a model asks for evidence frames) with the
// last element of tshark's frame.protocols on the generated TCP and HTTP
// captures: retransmissions (a plain or spurious one ends at tcp, a fast one
// after a loss carries the protocol above), handshakes, resets and HTTP
// messages over several segments.
func TestTopProtocolGenerated(t *testing.T) {
	var files []string
	for _, pat := range []string{"tcp-*.pcap", "http-*.pcap"} {
		m, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", pat))
		files = append(files, m...)
	}
	// Where tshark 4.0 names another protocol, and why; a frame not
	// listed must agree, and a listed one must still differ.
	known := map[string]string{}
	for _, k := range []struct {
		file   string
		frames []int
		why    string
	}{
		{"tcp-normal.pcap", []int{256, 257, 258, 260, 261, 262, 264, 265, 266}, "tshark's MySQL dissector claims port 3306 and shows bytes that are not its messages as tcp; no module decodes MySQL: data"},
		{"tcp-handshake-failures.pcap", []int{29, 30}, "tshark's PostgreSQL dissector claims port 5432 likewise: tcp there, data here"},
		{"tcp-zero-window.pcap", []int{14, 16, 18, 20, 22}, "zero-window probes of one byte on port 443: tshark hands the first to TLS (tls) and the repeats to nothing (tcp); here the byte is data"},
	} {
		for _, n := range k.frames {
			known[fmt.Sprintf("%s %d", k.file, n)] = k.why
		}
	}
	m := testModule()
	pcaptest.LiveTshark(t, files, 2000, []string{"-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "frame.protocols"},
		func(t *testing.T, file string, rows []map[string]string) int {
			want := map[int]string{}
			for _, r := range rows {
				var n int
				fmt.Sscan(r["frame.number"], &n)
				p := r["frame.protocols"]
				want[n] = p[strings.LastIndex(p, ":")+1:]
			}
			lim := MaxLimit
			checked := 0
			for first := 1; first <= len(want); first += MaxLimit {
				out, err := m.get(context.Background(), pcaptest.Env(0), GetInput{PcapFile: file, Frames: fmt.Sprintf("%d-%d", first, first+MaxLimit-1), Limit: &lim})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range out.Packets {
					top := p.Protocols[strings.LastIndex(p.Protocols, ":")+1:]
					key := fmt.Sprintf("%s %d", filepath.Base(file), p.Number)
					switch why, ok := known[key]; {
					case !ok && top != want[p.Number]:
						t.Errorf("%s frame %d: protocols %s, tshark's end in %s", filepath.Base(file), p.Number, p.Protocols, want[p.Number])
					case ok && top == want[p.Number]:
						t.Errorf("%s frame %d agrees with tshark now (%s): remove it from known", filepath.Base(file), p.Number, why)
					}
					checked++
				}
			}
			if checked != len(want) {
				t.Errorf("%s: %d frames compared of %d", filepath.Base(file), checked, len(want))
			}
			return checked
		})
}
