package sip

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func testEnv(maxPackets int) *analyzer.Env {
	env := pcaptest.Env(maxPackets)
	env.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	return env
}

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	out, err := New(Options{}).analyze(context.Background(), testEnv(0), in)
	if err != nil {
		t.Fatalf("analyze %s: %v", in.PcapFile, err)
	}
	return out
}

// allPackets pages through every SIP message of a capture.
func allPackets(t *testing.T, file string) []Packet {
	var all []Packet
	for offset := 0; ; {
		out := analyze(t, Input{PcapFile: file, Limit: MaxLimit, Offset: offset})
		all = append(all, out.Packets...)
		if !out.PacketsPage.Truncated {
			return all
		}
		offset = *out.PacketsPage.NextOffset
	}
}

// tsharkFields is the command that made the corpus truth tables.
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
	"-Y", "sip", "-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID", "-e", "sip.CSeq.method"}

// compareWithTshark checks the SIP messages tshark shows in file against
// ours, frame by frame: the frame number, the method of each request, the
// status code of each response, and the Call-ID and CSeq method of each
// message. A frame can carry several messages (SIP over TCP); tshark joins
// their values with commas, in message order. Frames tshark shows no SIP in
// must hold none of ours either.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	byFrame := map[int][]Packet{}
	for _, p := range allPackets(t, file) {
		byFrame[p.PacketNumber] = append(byFrame[p.PacketNumber], p)
	}
	checked := 0
	seen := map[int]bool{}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		seen[n] = true
		var methods, codes, callIDs, cseqs []string
		for _, p := range byFrame[n] {
			if p.MessageType == "request" {
				methods = append(methods, p.Method)
			} else {
				codes = append(codes, strconv.Itoa(p.StatusCode))
			}
			if p.CallID != "" {
				callIDs = append(callIDs, p.CallID)
			}
			if p.CSeqMethod != "" {
				cseqs = append(cseqs, p.CSeqMethod)
			}
		}
		have := []string{strings.Join(methods, ","), strings.Join(codes, ","), strings.Join(callIDs, ","), strings.Join(cseqs, ",")}
		want := []string{row["sip.Method"], row["sip.Status-Code"], row["sip.Call-ID"], row["sip.CSeq.method"]}
		if fmt.Sprintf("%q", have) != fmt.Sprintf("%q", want) {
			t.Errorf("%s frame %d: method, status, Call-ID, CSeq method = %q; tshark %q", filepath.Base(file), n, have, want)
		}
		checked += len(byFrame[n])
	}
	for n, ps := range byFrame {
		if !seen[n] {
			t.Errorf("%s frame %d: %d SIP message(s) (%s), tshark shows none", filepath.Base(file), n, len(ps), ps[0].Summary)
		}
	}
	return checked
}

// outOfScope are corpus captures whose SIP the module cannot see, with the
// reason. The test checks that it reports none rather than something
// wrong.
var outOfScope = map[string]string{
	"sip-over-sctp-heplify.pcap": "SIP over SCTP: the engine does not decode SCTP (4 messages)",
}

// TestAgreesWithTshark checks every SIP message of the shared corpus over
// UDP, TCP and WebSocket against tshark's output
// (../shared/corpus/truth/*.sip.tsv), and that captures where tshark sees
// no SIP give none.
func TestAgreesWithTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	tables, _ := filepath.Glob(filepath.Join(dir, "truth", "*.sip.tsv"))
	checked, files := 0, 0
	for _, table := range tables {
		file := strings.TrimSuffix(filepath.Base(table), ".sip.tsv")
		if why, ok := outOfScope[file]; ok {
			if out := analyze(t, Input{PcapFile: filepath.Join(dir, file)}); out.SIPPacketsFound != 0 {
				t.Errorf("%s (out of scope: %s): %d SIP messages found; update outOfScope", file, why, out.SIPPacketsFound)
			}
			continue
		}
		n := compareWithTshark(t, filepath.Join(dir, file), pcaptest.ReadTSV(t, table))
		t.Logf("%s: %d messages agree with tshark", file, n)
		checked += n
		files++
	}
	t.Logf("%d SIP messages in %d captures agree with tshark", checked, files)
	if checked < 180 || files < 11 {
		t.Errorf("checked %d messages in %d captures; the corpus has 180 in 11", checked, files)
	}
	// No SIP where tshark sees none.
	quiet := 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.Counts["sip"] > 0 || s.TsharkExit != 0 || s.Packets == 0 {
			continue
		}
		if out := analyze(t, Input{PcapFile: filepath.Join(dir, s.File)}); out.SIPPacketsFound != 0 {
			t.Errorf("%s: %d SIP messages found, tshark shows none", s.File, out.SIPPacketsFound)
		}
		quiet++
	}
	if quiet < 100 {
		t.Errorf("checked %d captures without SIP", quiet)
	}
}

// TestAgreesWithLiveTshark runs tshark on the repository's captures.
func TestAgreesWithLiveTshark(t *testing.T) {
	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Skip("tshark is not installed (apt-get install tshark); .ci/run installs it")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	gen, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "sip-*.pcap"))
	checked := 0
	for _, f := range append(files, gen...) {
		cmd := exec.Command(bin, append([]string{"-r", f}, tsharkFields...)...)
		cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark -r %s: %v", f, err)
		}
		tsv := filepath.Join(t.TempDir(), "out.tsv")
		os.WriteFile(tsv, out, 0o644)
		checked += compareWithTshark(t, f, pcaptest.ReadTSV(t, tsv))
	}
	t.Logf("%d SIP messages agree with tshark", checked)
	if checked < 500 {
		t.Errorf("compared %d messages with tshark", checked)
	}
}

func genFile(t testing.TB, name string) string {
	return filepath.Join(pcaptest.Root(t), "testdata", "gen", name)
}

// TestAnomalies: each generated capture fires exactly its detectors.
func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"sip-normal.pcap":             {},
		"sip-scanner-agent.pcap":      {AnomalyScanner: "high"},
		"sip-scanner-sweep.pcap":      {AnomalyScanner: "medium"},
		"sip-bruteforce.pcap":         {AnomalyBruteforce: "high"},
		"sip-invite-flood.pcap":       {AnomalyInviteFlood: "high"},
		"sip-failed-calls-spike.pcap": {AnomalyFailedCalls: "medium"},
		"sip-malformed.pcap":          {AnomalyMalformed: "low"},
	}
	for file, types := range want {
		t.Run(file, func(t *testing.T) {
			out := analyze(t, Input{PcapFile: genFile(t, file)})
			got := map[string]string{}
			for _, a := range out.Anomalies {
				got[a.Type] = a.Severity
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

// TestCorpusSilence: no detector fires on the corpus captures of ordinary
// traffic; the exceptions are listed with their reason.
func TestCorpusSilence(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	expected := map[string][]string{
		// Content-Length: bad / xyz (zeek's crafted trace).
		"sip-invalid-content-length-zeek.pcap": {AnomalyMalformed},
		// A REGISTER with no Call-ID, CSeq, From, To or Via.
		"sip-junk-before-request-zeek.pcap": {AnomalyMalformed},
		// An ACK whose header section has no end, and a BYE cut inside
		// a header name (tshark flags both frames malformed too).
		"sip-requests-pcapplusplus.pcap": {AnomalyMalformed},
	}
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.TsharkExit != 0 || s.Packets == 0 {
			continue
		}
		out := analyze(t, Input{PcapFile: filepath.Join(dir, s.File)})
		var got []string
		for _, a := range out.Anomalies {
			got = append(got, a.Type)
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(expected[s.File])); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: anomalies %v, want %v", s.File, got, want)
		}
	}
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	gen, _ := filepath.Glob(genFile(t, "sip-*.pcap"))
	for _, file := range append(files, gen...) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			out := analyze(t, Input{PcapFile: file})
			out.File = name
			pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", name+".json"), out)
			b, _ := json.Marshal(out)
			if len(b) > ResponseBudget {
				t.Errorf("default response is %d bytes", len(b))
			}
		})
	}
}

func TestPrompts(t *testing.T) {
	names := map[string]bool{}
	for _, p := range New(Options{}).Prompts() {
		names[p.Name] = true
		text, _ := p.Render(map[string]string{"pcap_file": "x.pcap"})
		if !strings.Contains(text, "analyze_sip_packets") || !strings.Contains(text, "`x.pcap`") {
			t.Errorf("%s: %q", p.Name, text)
		}
	}
	for _, n := range []string{"sip_security_analysis", "sip_troubleshooting_analysis", "sip_forensic_investigation"} {
		if !names[n] {
			t.Errorf("prompt %s missing", n)
		}
	}
}
