package packets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/dns"
	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/analyzer/tls"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func testModule() *Module {
	return New(Options{TCP: tcp.NewAnnotator, App: func(env *analyzer.Env) dissect.AppAnalyzer {
		return dissect.Apps{http.NewAnnotator(env), tls.NewAnnotator(env), dns.NewAnnotator(env)}
	}})
}

// testTools is testModule's tools by name.
func testTools() map[string]analyzer.Tool {
	tools := map[string]analyzer.Tool{}
	for _, tl := range testModule().Tools() {
		tools[tl.Name] = tl
	}
	return tools
}

// frameRec is what must survive an export: number in the source, time,
// lengths, bytes.
type frameRec struct {
	ns             int64
	length, caplen int
	sum            string
}

func readFrames(t *testing.T, path string, keep func(*engine.Packet) bool) []frameRec {
	t.Helper()
	src, err := pcaptest.Env(0).OpenCapture(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []frameRec
	if _, err := engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		if keep == nil || keep(p) {
			h := sha256.Sum256(p.Data)
			out = append(out, frameRec{p.Timestamp.UnixNano(), p.Length, len(p.Data), hex.EncodeToString(h[:])})
		}
	})); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportReadBack exports the frames of 10 filters as pcapng and pcap
// and reads the files back, with this module's reader and with tshark:
// same count, bytes, lengths and timestamps as the frames the filter
// selects in the source.
func TestExportReadBack(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	_, haveTshark := pcaptest.LookPath("tshark")
	m := testModule()
	out := t.TempDir()
	env := pcaptest.Env(0)
	env.OutputDir = out
	cases := []struct{ capture, filter string }{
		{"mixed-web-dns-3.8MB-pcapplusplus.pcap", "dns && frame.len > 100"},
		{"mixed-web-dns-3.8MB-pcapplusplus.pcap", "tcp.stream in {3..6}"},
		{"mixed-web-dns-3.8MB-pcapplusplus.pcap", "ip.addr == 10.0.0.0/8 && tcp.flags.syn == 1"},
		{"mixed-web-dns-3.8MB-pcapplusplus.pcap", "http"},
		{"dhcp-dora-initialization-chrissanders.pcapng", "dhcp"},
		{"dns-ipv6-fragmented-zeek.pcap", "ipv6"},
		{"arp-vlan-suricata.pcap", "vlan.id == 10"},
		{"sip-rtp-rtcp-call-heplify.pcap", "udp.stream == 2"},
		{"icmp-5-pings-zeek.pcap", "icmp.type == 8"},
		{"large-tcp-echo-connections-zeek.pcap", "tcp.analysis.flags || frame.number <= 10"},
	}
	for i, c := range cases {
		src := filepath.Join(dir, c.capture)
		// The expected frames: the selection get_packets reports.
		g, err := m.get(context.Background(), env, GetInput{PcapFile: src, Filter: c.filter, Limit: new(int)})
		if err != nil {
			t.Fatalf("%s %q: %v", c.capture, c.filter, err)
		}
		sel := map[int]bool{}
		wantNums := GetInput{PcapFile: src, Filter: c.filter, Limit: ptr(MaxLimit)}
		for off := 0; off < g.Matched; off += MaxLimit {
			wantNums.Offset = off
			page, err := m.get(context.Background(), env, wantNums)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Packets {
				sel[p.Number] = true
			}
		}
		want := readFrames(t, src, func(p *engine.Packet) bool { return sel[p.Number] })
		if len(want) == 0 {
			t.Errorf("%s %q selects nothing: not a useful case", c.capture, c.filter)
		}
		for _, format := range []string{"pcapng", "pcap"} {
			name := "case" + strconv.Itoa(i) + "." + format
			res, err := m.export(context.Background(), env, ExportInput{PcapFile: src, Filter: c.filter, OutputName: name, Format: format})
			if err != nil {
				t.Fatalf("%s %q %s: %v", c.capture, c.filter, format, err)
			}
			if res.Packets != len(want) {
				t.Errorf("%s %q %s: wrote %d packets, the filter selects %d", c.capture, c.filter, format, res.Packets, len(want))
			}
			b, _ := os.ReadFile(res.Path)
			if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != res.SHA256 || int64(len(b)) != res.Bytes {
				t.Errorf("%s: reported sha256/size differ from the file", name)
			}
			got := readFrames(t, res.Path, nil)
			if len(got) != len(want) {
				t.Fatalf("%s: read back %d frames, want %d", name, len(got), len(want))
			}
			for j := range got {
				if got[j] != want[j] {
					t.Errorf("%s frame %d: read back %+v, want %+v", name, j+1, got[j], want[j])
					break
				}
			}
			if !haveTshark {
				continue
			}
			ts, err := exec.Command("tshark", "-n", "-r", res.Path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len").Output()
			if err != nil {
				t.Fatalf("tshark -r %s: %v", name, err)
			}
			lines := strings.Split(strings.TrimSpace(string(ts)), "\n")
			if len(want) == 0 {
				lines = nil
			}
			if len(lines) != len(want) {
				t.Fatalf("tshark reads %d frames from %s, want %d", len(lines), name, len(want))
			}
			for j, l := range lines {
				f := strings.Split(l, "\t")
				sec, frac, _ := strings.Cut(f[0], ".")
				s, _ := strconv.ParseInt(sec, 10, 64)
				frac = (frac + "000000000")[:9]
				ns, _ := strconv.ParseInt(frac, 10, 64)
				if s*1e9+ns != want[j].ns || f[1] != strconv.Itoa(want[j].length) || f[2] != strconv.Itoa(want[j].caplen) {
					t.Errorf("tshark %s frame %d: %q, want time %d ns, len %d, caplen %d", name, j+1, l, want[j].ns, want[j].length, want[j].caplen)
					break
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// Exports stay in the output directory and never overwrite.
func TestExportConfined(t *testing.T) {
	m := testModule()
	out := t.TempDir()
	env := pcaptest.Env(0)
	env.OutputDir = out
	src := pcaptest.Testdata(t, "http-download.pcap.gz")
	for _, name := range []string{"../escape.pcapng", "/tmp/abs.pcapng", "sub/x.pcapng", "..", ".", `a\b.pcapng`} {
		if _, err := m.export(context.Background(), env, ExportInput{PcapFile: src, OutputName: name}); err == nil {
			t.Errorf("output_name %q was accepted", name)
		}
	}
	if err := os.Symlink("/tmp/dd-should-not-exist", filepath.Join(out, "link.pcapng")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.export(context.Background(), env, ExportInput{PcapFile: src, OutputName: "link.pcapng"}); err == nil {
		t.Errorf("an export through a symlink was accepted")
	}
	if _, err := os.Lstat("/tmp/dd-should-not-exist"); err == nil {
		t.Errorf("the export followed a symlink out of the output directory")
	}
	if _, err := m.export(context.Background(), env, ExportInput{PcapFile: src, OutputName: "a.pcapng"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "a.pcapng"))
	if _, err := m.export(context.Background(), env, ExportInput{PcapFile: src, OutputName: "a.pcapng", Filter: "frame.number == 1"}); err == nil || !strings.Contains(err.Error(), "never overwrite") {
		t.Errorf("overwrite: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "a.pcapng"))
	if string(before) != string(after) {
		t.Errorf("the refused export changed the existing file")
	}
	if res, err := m.export(context.Background(), env, ExportInput{PcapFile: src, Frames: "1"}); err != nil || filepath.Base(res.Path) != "http-download-export.pcapng" || res.Packets != 1 {
		t.Errorf("default output name: %v %+v", err, res)
	}
	small := New(Options{TCP: tcp.NewAnnotator, MaxExportBytes: 100})
	if _, err := small.export(context.Background(), env, ExportInput{PcapFile: src, OutputName: "big.pcapng"}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("size cap: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "big.pcapng")); err == nil {
		t.Errorf("a refused export left its partial file")
	}
	if _, err := m.export(context.Background(), &analyzer.Env{Open: env.Open}, ExportInput{PcapFile: src, OutputName: "x.pcapng"}); err == nil {
		t.Errorf("export without an output directory was accepted")
	}
}
