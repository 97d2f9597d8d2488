package ntp

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// analyze runs the tool on in, its thresholds at their defaults unless in
// sets them (as the front ends fill them).
func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	if len(in.Thresholds.Params()) == 0 {
		in.Thresholds = analyzer.NewThresholds(detectors.Params())
	}
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

// findings runs the tool with default arguments on file and returns its
// anomalies.
func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

func allPackets(t *testing.T, file string) []Packet {
	return pcaptest.AllPages(t, func(offset int) ([]Packet, result.Page) {
		out := analyze(t, Input{PcapFile: file, Limit: intp(MaxLimit), Offset: offset})
		return out.Packets, out.PacketsPage
	})
}

// tsharkFields is the truth tables' command (truth/README.md).
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "ntp",
	"-e", "frame.number", "-e", "ntp.flags.vn", "-e", "ntp.flags.mode", "-e", "ntp.stratum"}

// compareWithTshark checks every NTP frame: frame number, version, mode,
// and the stratum, which tshark shows for modes 0 to 5 only.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	got := map[int]Packet{}
	for _, p := range allPackets(t, file) {
		got[p.PacketNumber] = p
	}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees NTP, we do not (%v)", filepath.Base(file), n, row)
			continue
		}
		delete(got, n)
		// tshark's ntp.stratum is the header's for modes 0 to 5, and the
		// peers' for a mode 7 PEER_LIST_SUM response.
		var strata []string
		if p.Stratum != nil {
			strata = append(strata, strconv.Itoa(*p.Stratum))
		}
		if p.Private != nil {
			for _, peer := range p.Private.Peers {
				strata = append(strata, strconv.Itoa(peer.Stratum))
			}
		}
		stratum := strings.Join(strata, ",")
		have := fmt.Sprintf("v%d mode %d stratum %q", p.Version, p.Mode, stratum)
		want := fmt.Sprintf("v%s mode %s stratum %q", row["ntp.flags.vn"], row["ntp.flags.mode"], row["ntp.stratum"])
		if have != want {
			t.Errorf("%s frame %d: %s, tshark %s", filepath.Base(file), n, have, want)
		}
	}
	for n, p := range got {
		t.Errorf("%s frame %d: we see NTP (%s), tshark does not", filepath.Base(file), n, p.ModeName)
	}
	return len(rows)
}

// TestAgreesWithTshark compares every row of the corpus's 13 NTP truth
// tables (162 messages, modes 1 to 7, versions 2 to 4).
func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "ntp", 162, compareWithTshark)
}

func TestAgreesWithLiveTshark(t *testing.T) {
	pcaptest.LiveTshark(t, pcaptest.ModuleCaptures(t, "ntp-*.pcap"), 300, tsharkFields, compareWithTshark)
}

func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// tcpdump's ntp.pcap: 192.168.100.1 answers a client with leap 3,
		// stratum 0 and reference STEP (ntpd just stepped its clock and is
		// not synchronized): frame 2.
		"ntp-tcpdump.pcap": {AnomalyUnsynchronized},
		// PcapPlusPlus's Ntp.pcap: 175.144.140.29 answers with stratum 0
		// and an empty reference id (RFC 5905: unspecified or invalid),
		// frame 2.
		"ntp-v4-ipv4-ipv6-pcapplusplus.pcap": {AnomalyUnsynchronized},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"ntp-normal.pcap":         {},
		"ntp-amplification.pcap":  {AnomalyAmplification: "high"},
		"ntp-kiss-of-death.pcap":  {AnomalyKissOfDeath: "medium"},
		"ntp-unsynchronized.pcap": {AnomalyUnsynchronized: "medium"},
		"ntp-large-offset.pcap":   {AnomalyLargeOffset: "medium"},
		"ntp-malformed.pcap":      {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestEvidence checks what each detector names on its capture: the
// victim, the servers and clients the generator put there.
func TestEvidence(t *testing.T) {
	for _, c := range []struct {
		file, typ string
		frames    int
		details   map[string]string
	}{
		{"ntp-amplification.pcap", AnomalyAmplification, 60, map[string]string{"victim": "203.0.113.7", "response_bytes": "26400", "request_bytes": "48", "monlist_responses": "60", "servers_total": "3", "amplification": "550"}},
		{"ntp-kiss-of-death.pcap", AnomalyKissOfDeath, 8, map[string]string{"server": "10.0.0.123", "messages": "8", "codes": "map[DENY:2 RATE:6]", "clients": "[10.0.1.1 10.0.1.2]"}},
		{"ntp-large-offset.pcap", AnomalyLargeOffset, 4, map[string]string{"client": "10.0.1.1", "max_offset_seconds": "600", "exchanges": "4", "server": "10.0.0.123"}},
		{"ntp-malformed.pcap", AnomalyMalformed, 4, map[string]string{"messages": "4"}},
	} {
		fs := findings(t, pcaptest.GenFile(t, c.file))
		i := slices.IndexFunc(fs, func(f result.Finding) bool { return f.Type == c.typ })
		if i < 0 {
			t.Errorf("%s: no %s", c.file, c.typ)
			continue
		}
		f := fs[i]
		if f.EvidenceFramesTotal != c.frames {
			t.Errorf("%s %s: %d evidence frames, want %d", c.file, c.typ, f.EvidenceFramesTotal, c.frames)
		}
		for k, v := range c.details {
			if got := fmt.Sprint(f.Details[k]); got != v {
				t.Errorf("%s %s: details[%s] = %s, want %s", c.file, c.typ, k, got, v)
			}
		}
	}
	// The unsynchronized capture has two servers, each with its reason.
	fs := findings(t, pcaptest.GenFile(t, "ntp-unsynchronized.pcap"))
	var reasons []string
	for _, f := range fs {
		reasons = append(reasons, fmt.Sprint(f.Details["server"], f.Details["reasons"]))
	}
	if fmt.Sprint(reasons) != "[10.0.0.123map[stratum 16:8] 10.0.0.254map[stratum 0 (INIT):4]]" {
		t.Errorf("unsynchronized servers: %v", reasons)
	}
}

// TestExchanges checks offsets and delays against what the generator
// built: each client's clock is skewed by a known amount (the offset is
// minus the skew) and each response comes a known time after its request
// (the delay is that time less the server's 50 µs between receive and
// transmit).
func TestExchanges(t *testing.T) {
	pkts := allPackets(t, pcaptest.GenFile(t, "ntp-large-offset.pcap"))
	want := map[string][2]float64{"10.0.1.1": {600000, 7.95}, "10.0.1.2": {-90000, 5.95}, "10.0.1.3": {-2, 5.95}}
	seen := 0
	for _, p := range pkts {
		if p.Mode != int(ModeServer) {
			continue
		}
		w := want[p.DstIP]
		if p.OffsetMs == nil || p.RequestPacket == nil || math.Abs(*p.OffsetMs-w[0]) > 0.001 || math.Abs(*p.DelayMs-w[1]) > 0.001 || *p.RequestPacket != p.PacketNumber-1 {
			t.Errorf("frame %d to %s: offset %v delay %v request %v, want %v", p.PacketNumber, p.DstIP, p.OffsetMs, p.DelayMs, p.RequestPacket, w)
		}
		seen++
	}
	if seen != 12 {
		t.Errorf("%d responses, want 12", seen)
	}
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "ntp-normal.pcap"), Limit: intp(0)})
	st := out.Statistics
	if st.Requests != 90 || st.Responses != 89 || st.Exchanges != 89 || st.Unanswered != 1 || st.UnmatchedResponses != 0 ||
		st.ControlRequests != 2 || st.ControlResponses != 2 || st.PrivateRequests != 1 || st.PrivateResponses != 1 || st.UniqueClients != 9 {
		t.Errorf("statistics = %+v", st)
	}
	if st.OffsetMs == nil || st.OffsetMs.Min != -20 || st.OffsetMs.Max != 15 || st.DelayMs.Min != 1.95 || st.DelayMs.Max != 15.95 {
		t.Errorf("offset %+v delay %+v", st.OffsetMs, st.DelayMs)
	}
	if len(out.Servers) != 3 || out.Servers[0].Address != "10.0.0.123" || out.Servers[0].Unanswered != 1 || out.Servers[0].Clients != 4 ||
		out.Servers[1].ReferenceID != "GPS" || *out.Servers[1].Stratum != 1 || out.Servers[2].Address != "2001:db8::123" {
		t.Errorf("servers = %+v", out.Servers)
	}
}

// TestPacketFields checks the decoding of every mode against the values
// tshark 4.0 shows for the tcpdump captures (-e ntp.stratum -e ntp.ppoll
// -e ntp.refid -e ntp.rootdelay -e ntp.rootdispersion -e ntp.precision,
// -e ntp.ctrl.count).
func TestPacketFields(t *testing.T) {
	pkts := allPackets(t, filepath.Join("testdata", "ntp-tcpdump.pcap"))
	p := pkts[1] // 192.168.100.1 > 192.168.100.2: leap 3, stratum 0, "STEP", crypto-NAK
	if p.Leap != "unsynchronized" || *p.Stratum != 0 || p.ReferenceID != "STEP" || p.KissCode == "" || p.TrailerBytes != 4 || p.RequestPacket == nil || p.OffsetMs != nil {
		t.Errorf("frame 2 = %+v", p)
	}
	// Stratum 2, reference 0a051b0a, poll 0, precision 233 (-23), root
	// delay 10191 and dispersion 103 (tshark prints the raw 16.16 values:
	// 10191/65536 s and 103/65536 s).
	p = pkts[3]
	if *p.Stratum != 2 || p.ReferenceID != "10.5.27.10" || p.OffsetMs == nil || p.ReceiveTime == "" || *p.PollSeconds != 1 ||
		*p.Precision != math.Ldexp(1, -23) || *p.RootDelayMs != round3(10191.0/65536*1000) || *p.RootDispersionMs != round3(103.0/65536*1000) {
		t.Errorf("frame 4 = stratum %d ref %s offset %v poll %v precision %v root delay %v dispersion %v", *p.Stratum, p.ReferenceID, p.OffsetMs, *p.PollSeconds, *p.Precision, *p.RootDelayMs, *p.RootDispersionMs)
	}
	pkts = allPackets(t, filepath.Join("testdata", "ntp-mode7-tcpdump.pcap"))
	if pr := pkts[7].Private; pr == nil || !pr.Response || pr.RequestName != "PEER_LIST_SUM" || pr.Items != 6 || pr.ItemSize != 72 {
		t.Errorf("frame 8 private = %+v", pkts[7].Private)
	}
	pkts = allPackets(t, filepath.Join("testdata", "ntp-control-mode6-tcpdump.pcap"))
	if c := pkts[1].Control; c == nil || !c.Response || c.OpcodeName != "READVAR" || c.Count != 394 || c.Sequence != 68 || c.Status != 0x0618 {
		t.Errorf("frame 2 control = %+v", pkts[1].Control)
	}
}

func TestFiltersAndGolden(t *testing.T) {
	file := pcaptest.GenFile(t, "ntp-normal.pcap")
	for _, c := range []struct {
		in    Input
		total int
	}{
		{Input{Mode: "client"}, 90},
		{Input{Mode: "6"}, 4},
		{Input{Mode: "Symmetric Active"}, 20},
		{Input{IP: "10.0.1.1"}, 20},
		{Input{IP: "2001:db8::10"}, 20},
		{Input{StartTime: "2024-06-03T09:10:00Z"}, 6},
	} {
		c.in.PcapFile = file
		if out := analyze(t, c.in); out.PacketsPage.Total != c.total {
			t.Errorf("%+v: %d packets, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{Mode: "chimney"}, {IP: "nope"}, {Limit: intp(1001)}, {Offset: -1}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "ntp-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

// TestText checks that every string of every output is escaped and
// bounded, and that a reference id with control bytes is shown escaped.
func TestText(t *testing.T) {
	for _, f := range pcaptest.ModuleCaptures(t, "ntp-*.pcap") {
		b, _ := json.Marshal(analyze(t, Input{PcapFile: f, Limit: intp(MaxLimit)}))
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		pcaptest.CheckText(t, filepath.Base(f), v, 1024)
	}
	text, _ := refID(1, 0x1b5b3331) // ESC [ 3 1
	if got := result.TextBytes(text, 8); got != `\x1b[31` {
		t.Errorf("reference id shown as %q", got)
	}
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_ntp_packets", "ntp_security_analysis", "ntp_troubleshooting", "ntp_forensic_investigation")
}

// TestThresholds sets thresholds through the tool, as the front ends do:
// a value changes what fires, and a value out of its declared bounds is an
// error that names the threshold.
func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, c := range []struct {
		file, args, typ string
		fires           bool
	}{
		{"ntp-amplification.pcap", `{}`, AnomalyAmplification, true},
		{"ntp-amplification.pcap", `{"amp_min_bytes": 26401}`, AnomalyAmplification, false},
		{"ntp-amplification.pcap", `{"amp_min_ratio": 551}`, AnomalyAmplification, false},
		{"ntp-large-offset.pcap", `{"offset_max_seconds": 601}`, AnomalyLargeOffset, false},
		{"ntp-large-offset.pcap", `{"offset_min_exchanges": 5}`, AnomalyLargeOffset, false},
		{"ntp-kiss-of-death.pcap", `{"kod_min_messages": 9}`, AnomalyKissOfDeath, false},
		{"ntp-unsynchronized.pcap", `{"unsync_min_responses": 9}`, AnomalyUnsynchronized, false},
		{"ntp-normal.pcap", `{"offset_max_seconds": 0.012, "offset_min_exchanges": 10}`, AnomalyLargeOffset, true},
	} {
		args := `{"pcap_file": "` + pcaptest.GenFile(t, c.file) + `", ` + c.args[1:]
		if c.args == `{}` {
			args = `{"pcap_file": "` + pcaptest.GenFile(t, c.file) + `"}`
		}
		in, err := tool.Decode([]byte(args))
		if err != nil {
			t.Fatalf("Decode(%s): %v", args, err)
		}
		out := analyze(t, *in.(*Input))
		fired := slices.ContainsFunc(out.Anomalies, func(f result.Finding) bool { return f.Type == c.typ })
		if fired != c.fires {
			t.Errorf("%s %s: %s %v, want %v", c.file, c.args, c.typ, fired, c.fires)
		}
	}
	for _, c := range []struct{ args, want string }{
		{`{"pcap_file": "x", "amp_min_ratio": 0.5}`, "amp_min_ratio must be 1 to 1000000; got 0.5"},
		{`{"pcap_file": "x", "offset_min_exchanges": 1.5}`, "offset_min_exchanges must be a whole number from 1 to 1000000; got 1.5"},
		{`{"pcap_file": "x", "offset_max_seconds": 0}`, "offset_max_seconds must be 0.001 to 1000000000; got 0"},
	} {
		if _, err := tool.Decode([]byte(c.args)); err == nil || err.Error() != c.want {
			t.Errorf("Decode(%s) = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

// TestBrief checks the module's part of a shared pass: its findings are the
// tool's anomalies, and its summary the tool's statistics, on every test
// capture.
func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "ntp-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "ntp", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

func TestGeneratorUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	pcaptest.GeneratorUpToDate(t, "testdata/gen", 6)
}

// TestBenchCapture checks the tool against the true counts bench-gen
// writes beside a -mix full capture ($MCPACKET_BENCH_CAPTURE, with its
// .json sidecar): packets, requests, responses, unanswered requests and
// requests per server.
func TestBenchCapture(t *testing.T) {
	file := pcaptest.EnvFile(t, "MCPACKET_BENCH_CAPTURE", "set it to a bench-gen -mix full capture with its .json sidecar")
	raw, err := os.ReadFile(file + ".json")
	if err != nil {
		t.Skipf("no sidecar: %v", err)
	}
	var truth struct {
		NTP *struct {
			Packets          int            `json:"packets"`
			ClientRequests   int            `json:"client_requests"`
			ServerResponses  int            `json:"server_responses"`
			Unanswered       int            `json:"unanswered"`
			RequestsByServer map[string]int `json:"requests_by_server"`
		} `json:"ntp"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil || truth.NTP == nil {
		t.Skipf("sidecar without ntp (not -mix full): %v", err)
	}
	out := analyze(t, Input{PcapFile: file, Limit: intp(0)})
	st, w := out.Statistics, truth.NTP
	if out.NTPPacketsFound != w.Packets || st.Requests != w.ClientRequests || st.Responses != w.ServerResponses || st.Unanswered != w.Unanswered || st.Exchanges != w.ServerResponses {
		t.Errorf("packets %d requests %d responses %d exchanges %d unanswered %d; truth %+v", out.NTPPacketsFound, st.Requests, st.Responses, st.Exchanges, st.Unanswered, *w)
	}
	got := map[string]int{}
	for _, s := range out.Servers {
		got[s.Address] = s.Requests
	}
	if fmt.Sprint(got) != fmt.Sprint(w.RequestsByServer) {
		t.Errorf("requests by server %v, truth %v", got, w.RequestsByServer)
	}
	if len(out.Anomalies) != 0 {
		t.Errorf("anomalies on the bench capture: %v", pcaptest.FindingTypes(out.Anomalies))
	}
}
