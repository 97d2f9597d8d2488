package tls

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

func intp(n int) *int { return &n }

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

// TestGeneratedDetectors: acceptance 3. Each detector fires on its
// generated capture with evidence, and the normal capture is silent.
func TestGeneratedDetectors(t *testing.T) {
	pcaptest.CheckFindings(t, map[string]map[string]string{
		"tls-normal.pcap":            {},
		"tls-expired-cert.pcap":      {AnomalyExpiredCert: "high"},
		"tls-self-signed.pcap":       {AnomalySelfSigned: "medium"},
		"tls-name-mismatch.pcap":     {AnomalyNameMismatch: "medium"},
		"tls-weak-tls10.pcap":        {AnomalyDeprecatedVersion: "medium", AnomalyWeakCipher: "high"},
		"tls-non-standard-port.pcap": {AnomalyNonStandardPort: "low"},
		"tls-missing-sni.pcap":       {AnomalyMissingSNI: "low"},
		"tls-handshake-failure.pcap": {AnomalyHandshakeFailures: "medium"},
		"tls-malformed.pcap":         {AnomalyMalformed: "low"},
		// Recorded from Go's crypto/tls client and server.
		"tls-go-normal.pcap":        {},
		"tls-go-tls13.pcap":         {},
		"tls-go-expired-cert.pcap":  {AnomalyExpiredCert: "high"},
		"tls-go-self-signed.pcap":   {AnomalySelfSigned: "medium"},
		"tls-go-name-mismatch.pcap": {AnomalyNameMismatch: "medium"},
		"tls-go-tls10-rc4.pcap":     {AnomalyDeprecatedVersion: "medium", AnomalyWeakCipher: "high"},
	}, findings)
}

// TestGeneratedTshark: on every generated TLS capture, the hellos and
// certificates agree with the installed tshark's, as on the corpus.
func TestGeneratedTshark(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "tls-*.pcap"))
	args := []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-Y", "tls.handshake.type==1 || tls.handshake.type==2 || tls.handshake.type==11", "-e", "frame.number"}
	for _, c := range tlsColumns {
		args = append(args, "-e", c)
	}
	pcaptest.LiveTshark(t, files, 30, args, compareTLS)
}

// TestGeneratedSessions checks what the normal capture's sessions say:
// versions, names, ALPN, the split ClientHello, the chain and its judgement.
func TestGeneratedSessions(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "tls-normal.pcap"), ListCiphers: true})
	if len(out.Sessions) != 3 {
		t.Fatalf("%d sessions, want 3", len(out.Sessions))
	}
	s := out.Sessions[0]
	if s.Version != "TLS 1.2" || s.SNI != "www.example.com" || s.ALPN != "h2" || s.Cipher != "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" ||
		len(s.Certificates) != 2 || !s.CCS || !s.Finished || s.BytesToSrv != 300 || s.BytesToCli != 1200 || s.Failure != "" {
		t.Errorf("TLS 1.2 session: %+v", s)
	}
	if s := out.Sessions[1]; s.Version != "TLS 1.3" || strings.Join(s.Versions, ",") != "TLS 1.3,TLS 1.2" || s.Cipher != "TLS_AES_128_GCM_SHA256" || s.JA4 == "" || s.Groups[0] != "x25519" {
		t.Errorf("TLS 1.3 session: %+v", s)
	}
	if len(out.Certificates) != 2 || out.Certificates[0].SubjectCN != "www.example.com" || out.Certificates[0].Validity != "valid" ||
		out.Certificates[0].SelfSigned || !out.Certificates[1].SelfSigned || out.Certificates[0].KeyType != "Ed25519" {
		t.Errorf("certificates: %+v", out.Certificates)
	}
	if out.Summary.Sessions != 3 || out.Summary.Versions["TLS 1.3"] != 2 || out.Top.SNI.Items[0].Key != "www.example.com" ||
		out.Top.RegisteredDomains.Items[0].Key != "example.com" {
		t.Errorf("summary %+v top %+v", out.Summary, out.Top)
	}
	// Filters.
	if got := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "tls-normal.pcap"), Version: "tls1.2"}); got.SessionsPage.Total != 1 {
		t.Errorf("version filter: %d sessions", got.SessionsPage.Total)
	}
	if got := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "tls-normal.pcap"), ClientIP: "192.168.1.22"}); got.SessionsPage.Total != 1 || got.Sessions[0].ALPN != "http/1.1" {
		t.Errorf("client filter: %+v", got.Sessions)
	}
	if got := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "tls-normal.pcap"), JA4: out.Sessions[1].JA4}); got.SessionsPage.Total != 2 {
		t.Errorf("ja4 filter: %d sessions", got.SessionsPage.Total)
	}
}

// TestCorpusFindings: the detectors on every corpus capture with TLS or
// QUIC. What fires is what the captures hold: old captures negotiating
// TLS 1.0/1.1, SSL 3.0 or SSL 2.0 (deprecated_tls_version) with RC4 or
// 3DES (weak_cipher_suite), clients of the 2010s that sent no SNI to
// public servers (missing_sni), an expired certificate in
// tls10-expired-cert, servers answering with fatal alerts, test servers on
// port 4433 and 4443 (tls_non_standard_port), and certificates that do not
// name the host asked for.
func TestCorpusFindings(t *testing.T) {
	want := map[string][]string{
		"ipv6-http-tls-ndpi.pcap":                             {AnomalyNameMismatch},
		"mixed-android-ndpi.pcap":                             {AnomalyHandshakeFailures},
		"mixed-sites-tls-quic-ipv6-ndpi.pcapng":               {AnomalyWeakCipher},
		"mixed-web-dns-3.8MB-pcapplusplus.pcap":               {AnomalyNameMismatch, AnomalyDeprecatedVersion, AnomalyWeakCipher},
		"pcapng-multi-interface-eth-null-pcapplusplus.pcapng": {AnomalyHandshakeFailures},
		"pppoe-session-arkime.pcap":                           {AnomalyDeprecatedVersion, AnomalyWeakCipher},
		"quic-0rtt-ndpi.pcap":                                 {AnomalyNonStandardPort},
		"quic-v1-clienthello-multiple-packets-ndpi.pcapng":    {AnomalyNonStandardPort},
		"ssl3-openssl-arkime.pcap":                            {AnomalyDeprecatedVersion, AnomalyMissingSNI, AnomalyWeakCipher},
		"sslv2-hello-zeek.pcap":                               {AnomalyDeprecatedVersion},
		"tls-alert-ndpi.pcap":                                 {AnomalyHandshakeFailures},
		"tls-smtp-starttls-zeek.pcap":                         {AnomalyMissingSNI},
		"tls10-expired-cert-zeek.pcap":                        {AnomalyDeprecatedVersion, AnomalyExpiredCert, AnomalyMissingSNI, AnomalyMissingSNI},
		"tls10-ocsp-stapling-zeek.pcap":                       {AnomalyDeprecatedVersion, AnomalyMissingSNI},
		"tls10-openssl-arkime.pcap":                           {AnomalyDeprecatedVersion, AnomalyMissingSNI, AnomalyWeakCipher},
		"tls10-sslv2-compatible-hello-zeek.pcap":              {AnomalyDeprecatedVersion, AnomalyMissingSNI, AnomalyWeakCipher},
		"tls11-zeek.pcap":                                     {AnomalyDeprecatedVersion, AnomalyMissingSNI},
		"tls12-ecdsa-cert-zeek.pcap":                          {AnomalyMissingSNI},
		"tls12-ja3-many-ciphers-ndpi.pcap":                    {AnomalyWeakCipher},
		"tls12-zeek.pcap":                                     {AnomalyMissingSNI, AnomalyWeakCipher},
		"tls13-draft18-suricata.pcap":                         {AnomalyMissingSNI},
		"tls13-hello-retry-request-zeek.pcap":                 {AnomalyMissingSNI},
		"tls13-wolfssl-zeek.pcap":                             {AnomalyNonStandardPort},
	}
	n := pcaptest.CorpusSilence(t, want, func(s pcaptest.CorpusSummary) bool { return s.Counts["tls"]+s.Counts["quic"] > 0 || hasTable(s, "tls") }, findings)
	if n < 45 {
		t.Errorf("checked %d corpus captures with TLS, want at least 45", n)
	}
}

func hasTable(s pcaptest.CorpusSummary, table string) bool {
	for _, tb := range s.Tables {
		if strings.Contains(tb, "."+table+".") {
			return true
		}
	}
	return false
}

// TestResponseBudget: the default response fits in 32 KiB on every corpus
// capture with TLS, and strings from packets are escaped and bounded.
func TestResponseBudget(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "truth", "*.tls.tsv"))
	for _, p := range paths {
		file := filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".tls.tsv"))
		out := analyze(t, Input{PcapFile: file})
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > ResponseBudget {
			t.Errorf("%s: %d bytes, over %d", filepath.Base(file), len(b), ResponseBudget)
		}
		var v any
		_ = json.Unmarshal(b, &v)
		pcaptest.CheckText(t, filepath.Base(file), v, 1024)
	}
}

// TestSessionCap: past the session cap, sessions are counted, not kept,
// and the output says so.
func TestSessionCap(t *testing.T) {
	out := pcaptest.Run(t, New(Options{MaxSessions: 1}).analyze, Input{PcapFile: pcaptest.GenFile(t, "tls-normal.pcap")})
	if out.Summary.Sessions != 3 || len(out.Sessions) != 1 || len(out.Warnings) == 0 || !strings.Contains(out.Warnings[len(out.Warnings)-1], "2 sessions") {
		t.Errorf("sessions %d listed %d warnings %v", out.Summary.Sessions, len(out.Sessions), out.Warnings)
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", detectors.Params())
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_tls_sessions", "tls_security_analysis", "tls_troubleshooting_analysis", "tls_forensic_investigation")
}

// TestBriefFlowName: the brief's summary names each session's flow by its
// SNI, in either order of the ends (the overview's hook).
func TestBriefFlowName(t *testing.T) {
	b := pcaptest.Brief(t, New(Options{}), pcaptest.GenFile(t, "tls-normal.pcap"))
	sm, ok := b.Summary.(*Summary)
	if !ok {
		t.Fatalf("brief summary is %T", b.Summary)
	}
	c, s := netip.MustParseAddrPort("192.168.1.22:50000"), netip.MustParseAddrPort("203.0.113.20:443")
	if sm.FlowName(c, s) != "www.example.com" || sm.FlowName(s, c) != "www.example.com" || sm.FlowName(c, netip.MustParseAddrPort("203.0.113.20:444")) != "" {
		t.Errorf("flow names: %v", sm.names)
	}
	if sm.Sessions != 3 || len(b.Findings) != 0 {
		t.Errorf("brief: %+v", b)
	}
}
