package http

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// input is the tool's default input for a capture, thresholds included.
func input(file string) Input {
	in := New(Options{}).Tools()[0].NewInput().(*Input)
	in.PcapFile = file
	return *in
}

func findingsOf(t *testing.T, file string) []result.Finding {
	in := input(file)
	if strings.HasSuffix(file, "http-large-upload.pcap") {
		// The capture is kept small: 100,000 bytes upload.
		if _, err := in.Thresholds.Set(uploadBytes.Name, 50000); err != nil {
			t.Fatal(err)
		}
	}
	return analyze(t, in).Anomalies
}

// TestDetectors checks that each detector fires on its generated capture,
// and only it, and that the normal capture stays silent.
func TestDetectors(t *testing.T) {
	pcaptest.CheckFindings(t, map[string]map[string]string{
		"http-normal.pcap":            {},
		"http-scanner.pcap":           {AnomalyScanner: "medium"}, // and high: TestDetectorDetails
		"http-credentials.pcap":       {AnomalyCleartextCredentials: "high"},
		"http-executable.pcap":        {AnomalyExecutableDownload: "high"},
		"http-error-spike.pcap":       {AnomalyErrorSpike: "medium"},
		"http-suspicious-agent.pcap":  {AnomalySuspiciousAgent: "low"},
		"http-non-standard-port.pcap": {AnomalyNonStandardPort: "low"},
		"http-large-upload.pcap":      {AnomalyLargeUpload: "medium"},
		"http-malformed.pcap":         {AnomalyMalformed: "medium"},
	}, findingsOf)
}

// TestDetectorDetails checks the evidence the findings carry.
func TestDetectorDetails(t *testing.T) {
	out := analyze(t, input(pcaptest.GenFile(t, "http-scanner.pcap")))
	var tools, walks int
	for _, f := range out.Anomalies {
		switch {
		case f.Details["tool"] == "nikto":
			tools++
		case f.Details["not_found"] == 30 && f.Details["distinct_paths"] == 30:
			walks++
		}
	}
	if tools != 1 || walks != 1 {
		t.Errorf("scanner findings %+v: want nikto and a 30-path walk", out.Anomalies)
	}
	out = analyze(t, input(pcaptest.GenFile(t, "http-executable.pcap")))
	var sniffed []string
	for _, f := range out.Anomalies {
		sniffed = append(sniffed, f.Details["sniffed_type"].(string))
	}
	if strings.Join(sniffed, ",") != "application/x-dosexec,text/x-script" {
		t.Errorf("executable findings sniffed %v", sniffed)
	}
}

// TestSecretsRedacted looks for the passwords' bytes in the whole JSON of
// the credentials capture, with every header listed: absent by default,
// present with reveal_secrets.
func TestSecretsRedacted(t *testing.T) {
	for _, reveal := range []bool{false, true} {
		in := input(pcaptest.GenFile(t, "http-credentials.pcap"))
		in.Headers, in.RevealSecrets = true, reveal
		out := analyze(t, in)
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		users := 0
		for _, f := range out.Anomalies {
			if f.Type == AnomalyCleartextCredentials && (f.Details["user"] == "alice" || f.Details["user"] == "bob") {
				users++
			}
		}
		if users != 2 {
			t.Errorf("reveal=%v: credential findings %+v, want alice and bob", reveal, out.Anomalies)
		}
		// YWxpY2U6 is the base64 of "alice:", the start of the Basic
		// credentials in the Authorization header.
		for _, secret := range []string{"Tr0ub4dor", "hunter2", "YWxpY2U6"} {
			if got := strings.Contains(string(b), secret); got != reveal {
				t.Errorf("reveal=%v: JSON holds %q: %v", reveal, secret, got)
			}
		}
	}
}

// TestREADMEThresholds checks the README's threshold table against the
// declarations.
func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", detectors.Params())
}

// TestDefaultResponseFits checks that the default response of every
// generated and corpus capture fits the budget.
func TestDefaultResponseFits(t *testing.T) {
	files := []string{pcaptest.GenFile(t, "http-scanner.pcap"), pcaptest.GenFile(t, "http-normal.pcap")}
	if dir, ok := pcaptest.CorpusDir(t); ok {
		files = append(files, dir+"/mixed-web-dns-3.8MB-pcapplusplus.pcap", dir+"/http-1000-requests-ipv6-zeek.pcap.gz", dir+"/mixed-espn-browse-chrissanders.pcapng")
	}
	for _, f := range files {
		in := input(f)
		in.Headers = true
		b, _ := json.Marshal(analyze(t, in))
		if len(b) > ResponseBudget {
			t.Errorf("%s: default response %d bytes, budget %d", f, len(b), ResponseBudget)
		}
	}
}

// TestPrompts checks the three prompts.
func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_http_transactions", "http_security_analysis", "http_troubleshooting", "http_forensic_investigation")
}

var _ = analyzer.Param{}

// TestCorpusSilence runs the detectors on every corpus capture with HTTP
// and lists what fires; each expected finding is true of its capture.
func TestCorpusSilence(t *testing.T) {
	n := pcaptest.CorpusSilence(t, corpusExpected, func(s pcaptest.CorpusSummary) bool {
		return s.TsharkExit == 0 && s.Packets > 0 && (s.Counts["http"] > 0 || s.Counts["http2"] > 0)
	}, func(t *testing.T, file string) []result.Finding { return analyze(t, input(file)).Anomalies })
	t.Logf("%d corpus captures with HTTP checked", n)
}

// corpusExpected are the findings true of corpus captures, each checked by
// hand: every other corpus capture with HTTP stays silent.
var corpusExpected = map[string][]string{
	// 1000 requests from python-requests/2.28.1.
	"http-1000-requests-ipv6-zeek.pcap.gz": {AnomalySuspiciousAgent},
	// Microsoft BITS downloads (a tool malware uses too; low).
	"http-byteranges-206-zeek.pcap":           {AnomalySuspiciousAgent},
	"http-cab-downloads-multi-conn-zeek.pcap": {AnomalySuspiciousAgent},
	// A request with no User-Agent (frame 1).
	"tcp-retransmit-timeout-zeek.pcapng": {AnomalySuspiciousAgent},
	// HTTP servers on ports outside the standard list (the finding names
	// each server and port).
	"http-docker-upgrade-chunked-zeek.pcap":    {AnomalyNonStandardPort},
	"mixed-web-dns-3.8MB-pcapplusplus.pcap":    {AnomalyNonStandardPort},
	"sip-register-tcp-retrans-heplify.pcap":    {AnomalyNonStandardPort},
	"tcp-retrans-wireshark-sample-arkime.pcap": {AnomalyNonStandardPort},
	// gRPC on 6233 through a CONNECT with no User-Agent.
	"http2-h2c-errorcode-suricata.pcap": {AnomalyNonStandardPort, AnomalySuspiciousAgent},
	// The capture sends deliberately broken request lines with no User-Agent.
	"http-methods-zeek.pcap": {AnomalyMalformed, AnomalySuspiciousAgent},
	// Two qq.com login forms with password fields posted over HTTP.
	"linktype-80211-http-arkime.pcap": {AnomalyCleartextCredentials, AnomalyCleartextCredentials},
}

// TestBrief: in a shared pass the module finds what its tool finds, with
// the same summary, on every generated HTTP capture and the repository's
// captures that carry HTTP.
func TestBrief(t *testing.T) {
	files, _ := filepath.Glob(pcaptest.GenFile(t, "http-*.pcap"))
	if len(files) == 0 {
		t.Fatal("no generated HTTP captures")
	}
	files = append(files, pcaptest.Testdata(t, "http-download.pcap.gz"), pcaptest.Testdata(t, "tcp-http-rst.pcap"))
	pcaptest.CheckBrief(t, New(Options{}), files, func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, input(file))
		return modkit.Brief{Module: "http", Summary: out.Summary, Findings: out.Anomalies}
	})
}
