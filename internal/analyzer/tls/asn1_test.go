package tls

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestASN1ProtocolsAgainstTshark replays every corpus capture through the
// Annotator and compares, frame by frame, the protocols it pushes for TLS
// (tls where TCP calls TLS, then the protocols of the certificates' and
// OCSP responses' OIDs) with frame.protocols after tcp, for every frame
// tshark shows an ASN.1 protocol in (testdata/asn1-frames.tsv); a frame
// where the Annotator finds one and tshark none fails too.
func TestASN1ProtocolsAgainstTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	want := map[string]map[int]string{}
	f, err := os.Open("testdata/asn1-frames.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 3 || strings.HasPrefix(c[0], "#") {
			continue
		}
		n, _ := strconv.Atoi(c[1])
		if want[c[0]] == nil {
			want[c[0]] = map[int]string{}
		}
		want[c[0]][n] = c[2]
	}
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	agree, total := 0, 0
	for _, file := range files {
		base := filepath.Base(file)
		got := asn1Pushes(t, file)
		for n, w := range want[base] {
			total++
			if g := strings.Join(got[n], ":"); g == w {
				agree++
			} else {
				t.Errorf("%s frame %d:\n got %s\nwant %s", base, n, g, w)
			}
		}
		for n, g := range got {
			if _, ok := want[base][n]; ok {
				continue
			}
			for _, p := range g {
				if p != "tls" {
					t.Errorf("%s frame %d: got %s, tshark shows no ASN.1 protocol", base, n, strings.Join(g, ":"))
					break
				}
			}
		}
	}
	t.Logf("%d of %d frames with certificates push tshark's protocols", agree, total)
	if total < 50 {
		t.Errorf("only %d frames in the truth", total)
	}
}

// asn1Pushes runs the Annotator over file and returns, by frame, the
// protocols it pushed.
func asn1Pushes(t *testing.T, file string) map[int][]string {
	t.Helper()
	got := map[int][]string{}
	asn1Trace = func(frame int, p dissect.Proto) { got[frame] = append(got[frame], p.String()) }
	defer func() { asn1Trace = nil }()
	a := NewAnnotator(pcaptest.Env(0))
	src, err := pcaptest.Env(0).OpenCapture(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	held := a.(*Annotator).ends.Shared.(*heldBytes)
	engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		var info dissect.AppInfo
		a.Frame(p, &info)
		if held.n < 0 || held.n > held.max {
			t.Fatalf("%s frame %d: %d handshake bytes held (bound %d)", file, p.Number, held.n, held.max)
		}
	}))
	return got
}

// TestASN1ProtocolsGenerated compares, for every frame of the generated
// crypto/tls captures (tls-go-rich-cert.pcap carries most extensions a
// public certificate has and a stapled OCSP response), what the
// Annotator pushes with everything live tshark lists after tcp.
func TestASN1ProtocolsGenerated(t *testing.T) {
	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Skip("tshark not installed: the generated certificates are not compared")
	}
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "tls-go-*.pcap"))
	if len(files) < 6 {
		t.Fatalf("only %d generated captures", len(files))
	}
	for _, file := range files {
		got := asn1Pushes(t, file)
		if len(got) == 0 {
			t.Errorf("%s: nothing pushed", file)
		}
		for _, r := range pcaptest.Tshark(t, bin, file, "-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "frame.protocols") {
			n, _ := strconv.Atoi(r["frame.number"])
			want := ""
			if _, tail, ok := strings.Cut(r["frame.protocols"], ":tcp:"); ok {
				want = tail
			}
			if g := strings.Join(got[n], ":"); g != want {
				t.Errorf("%s frame %d:\n got %s\nwant %s", filepath.Base(file), n, g, want)
			}
		}
	}
}
