package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// maxFuzzSeed is the largest capture used as a seed: bigger ones make
// every execution slow without reaching more code.
const maxFuzzSeed = 16 << 10

// fuzzSeeds returns the small captures of the repository and of the corpus
// (when present), whole, as seeds.
func fuzzSeeds(f *testing.F) [][]byte {
	root := pcaptest.Root(f)
	var files []string
	for _, pattern := range []string{
		filepath.Join(root, "testdata", "*.pcap*"),
		filepath.Join(root, "testdata", "gen", "*.pcap*"),
		filepath.Join(root, "internal", "*", "testdata", "*.pcap*"),
		filepath.Join(root, "internal", "analyzer", "*", "testdata", "*.pcap*"),
	} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if dir, ok := pcaptest.CorpusDir(f); ok {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, m...)
	}
	var out [][]byte
	for _, file := range files {
		if st, err := os.Stat(file); err != nil || st.Size() > maxFuzzSeed {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzTools runs every capture tool of every module on one capture (any
// bytes, seeded with the small captures of the repository and the corpus):
// the whole path a hostile capture takes, from the reader through the
// engine, reassembly and each module's decoders, trackers and detectors to
// the output. Properties: no panic; each call ends within 10 s with a
// result or an error that names the capture; every result marshals to
// JSON.
func FuzzTools(f *testing.F) {
	seeds := fuzzSeeds(f)
	if len(seeds) == 0 {
		f.Fatal("no capture to seed from")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	reg, err := registry()
	if err != nil {
		f.Fatal(err)
	}
	var tools []analyzer.Tool
	for _, m := range reg.Modules() {
		for _, t := range m.Tools() {
			if hasPcapArg(t) { // not list_captures, upload_capture
				tools = append(tools, t)
			}
		}
	}
	const name = "fuzz.pcap"
	f.Fuzz(func(t *testing.T, capture []byte) {
		env := &analyzer.Env{
			Now: func() time.Time { return time.Unix(0, 0) },
			Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
				return &analyzer.Source{ReadCloser: io.NopCloser(bytes.NewReader(capture)), Name: ref, Size: int64(len(capture))}, nil
			},
		}
		for _, tool := range tools {
			args := `{"pcap_file":"` + name + `"}`
			if tool.Name == "analyze_traffic_flow" {
				args = `{"pcap_file":"` + name + `","server_ip":"10.0.0.2"}`
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out, err := tool.Call(ctx, env, json.RawMessage(args))
			if ctx.Err() != nil {
				t.Fatalf("%s: still running after 10 s", tool.Name)
			}
			cancel()
			if err != nil {
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("%s: error does not name the capture: %v", tool.Name, err)
				}
				continue
			}
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("%s: output does not marshal: %v", tool.Name, err)
			}
		}
	})
}
