package arp

import (
	"context"
	"fmt"
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

func intp(v int) *int { return &v }

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

// tsharkFields is the corpus truth table's command (truth/README.md).
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "arp",
	"-e", "frame.number", "-e", "arp.opcode", "-e", "arp.src.hw_mac", "-e", "arp.src.proto_ipv4", "-e", "arp.dst.hw_mac",
	"-e", "arp.dst.proto_ipv4", "-e", "arp.isgratuitous", "-e", "arp.duplicate-address-detected", "-e", "arp.duplicate-address-frame"}

// notDecoded are corpus captures whose ARP the engine does not reach,
// with why.
var notDecoded = map[string]string{
	// ARP inside VXLAN (UDP 4789): the engine does not decapsulate tunnels.
	"arp-in-vxlan-suricata.pcap": "ARP inside VXLAN",
}

// compareWithTshark checks every ARP frame: opcode, sender and target MAC
// and IPv4 address, and the gratuitous flag; and that every frame tshark
// marks arp.duplicate-address-detected is told of by an ip_conflict or
// arp_spoofing finding about its sender address, within its evidence
// when the evidence is not cut.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	if why := notDecoded[filepath.Base(file)]; why != "" {
		t.Logf("%s: %d ARP frames not compared: %s", filepath.Base(file), len(rows), why)
		return 0
	}
	got := map[int]Packet{}
	for _, p := range allPackets(t, file) {
		got[p.PacketNumber] = p
	}
	var anomalies []result.Finding
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees ARP, we do not (%v)", filepath.Base(file), n, row)
			continue
		}
		delete(got, n)
		grat := ""
		if p.Gratuitous {
			grat = "1"
		}
		have := []string{strconv.Itoa(p.Opcode), p.SenderMAC, p.SenderIP, p.TargetMAC, p.TargetIP, grat}
		want := []string{row["arp.opcode"], row["arp.src.hw_mac"], row["arp.src.proto_ipv4"], row["arp.dst.hw_mac"], row["arp.dst.proto_ipv4"], row["arp.isgratuitous"]}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("%s frame %d: opcode, sender MAC/IP, target MAC/IP, gratuitous %q, tshark %q", filepath.Base(file), n, have, want)
		}
		if row["arp.duplicate-address-detected"] != "" {
			if anomalies == nil {
				anomalies = findings(t, file)
			}
			if !duplicateReported(anomalies, p.SenderIP, n) {
				t.Errorf("%s frame %d: tshark detects duplicate use of %s; no ip_conflict or arp_spoofing finding shows it", filepath.Base(file), n, p.SenderIP)
			}
		}
	}
	for n, p := range got {
		t.Errorf("%s frame %d: we see ARP (%s), tshark does not", filepath.Base(file), n, p.OpcodeName)
	}
	return len(rows)
}

// duplicateReported reports whether a conflict or spoofing finding tells
// of address ip with frame among its evidence (or its evidence cut).
func duplicateReported(fs []result.Finding, ip string, frame int) bool {
	for _, f := range fs {
		if f.Type != AnomalyConflict && f.Type != AnomalySpoofing {
			continue
		}
		if f.Details["ip"] != ip && f.Details["claimed_ip"] != ip {
			continue
		}
		if slices.Contains(f.EvidenceFrames, frame) || f.EvidenceFramesTotal > len(f.EvidenceFrames) {
			return true
		}
	}
	return false
}

func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "arp", 690, compareWithTshark)
}

// TestAgreesWithLiveTshark compares the bundled and generated captures
// with tshark run now: these hold tshark's duplicate-address case
// (arp-flapping, arp-spoofing, arp-ip-conflict), which no corpus capture
// does.
func TestAgreesWithLiveTshark(t *testing.T) {
	dups := 0
	pcaptest.LiveTshark(t, pcaptest.ModuleCaptures(t, "arp-*.pcap"), 300, tsharkFields, func(t *testing.T, file string, rows []map[string]string) int {
		for _, r := range rows {
			if r["arp.duplicate-address-detected"] != "" {
				dups++
			}
		}
		return compareWithTshark(t, file, rows)
	})
	if dups < 10 {
		t.Errorf("tshark marked %d frames as duplicate address use; the generated captures hold more", dups)
	}
}

func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// nmap's ARP host discovery of 192.168.1.0/24.
		"arp-nmap-scan-zeek.pcap": {AnomalyScan},
		// zeek's test of address sizes of 255 bytes.
		"arp-oversized-leak-zeek.pcap": {AnomalyMalformed},
		// Chris Sanders' ARP poisoning: the attacker claims the gateway.
		"arp-poisoning-chrissanders.pcapng": {AnomalySpoofing},
		// 10.1.10.1 asked for 9 times (frames 2-12), never answered.
		"linktype-sll-arp-zeek.pcap": {AnomalyUnanswered},
		// The router asks for 192.168.2.17 17 times, with no reply.
		"mixed-android-ndpi.pcap": {AnomalyUnanswered},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

// TestPoisoningCapture: the corpus's ARP poisoning capture is reported as
// arp_spoofing with the attacker's MAC, the address it took over and its
// victim.
func TestPoisoningCapture(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	fs := findings(t, filepath.Join(dir, "arp-poisoning-chrissanders.pcapng"))
	if len(fs) != 1 || fs[0].Type != AnomalySpoofing {
		t.Fatalf("findings %v, want one arp_spoofing", pcaptest.FindingTypes(fs))
	}
	d := fs[0].Details
	if d["attacker_mac"] != "00:25:b3:bf:91:ee" || d["claimed_ip"] != "172.16.0.1" || d["victim_ip"] != "172.16.0.107" || d["displaced_mac"] != "00:26:0b:31:07:33" {
		t.Errorf("details %v", d)
	}
	if !slices.Contains(fs[0].EvidenceFrames, 56) || !slices.Contains(fs[0].EvidenceFrames, 57) {
		t.Errorf("evidence %v lacks the claim (56) and the first diverted frame (57)", fs[0].EvidenceFrames)
	}
}

func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"arp-normal.pcap":           {},
		"arp-spoofing.pcap":         {AnomalySpoofing: "high"},
		"arp-flapping.pcap":         {AnomalySpoofing: "high"},
		"arp-scan.pcap":             {AnomalyScan: "medium"},
		"arp-gratuitous-flood.pcap": {AnomalyGratuitousFlood: "medium"},
		"arp-ip-conflict.pcap":      {AnomalyConflict: "medium"},
		"arp-unanswered.pcap":       {AnomalyUnanswered: "low"},
		"arp-malformed.pcap":        {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestFindingDetails checks what each generated attack is reported with.
func TestFindingDetails(t *testing.T) {
	for _, c := range []struct {
		file, typ string
		n         int
		details   map[string]any
	}{
		{"arp-spoofing.pcap", AnomalySpoofing, 2, map[string]any{"attacker_mac": "02:ba:d0:00:00:66", "claimed_ip": "10.0.2.1", "victim_ip": "10.0.2.101",
			"displaced_mac": "00:1b:21:00:02:01", "reason": "traffic diverted after an unsolicited ARP claim"}},
		{"arp-flapping.pcap", AnomalySpoofing, 1, map[string]any{"ip": "10.0.2.120", "attacker_mac": "02:00:00:00:00:21", "changes": 7, "reason": "binding flapping"}},
		{"arp-scan.pcap", AnomalyScan, 1, map[string]any{"scanner_mac": "3c:22:fb:20:00:07", "targets": 200}},
		{"arp-gratuitous-flood.pcap", AnomalyGratuitousFlood, 1, map[string]any{"sender_mac": "3c:22:fb:20:00:05", "messages": 60}},
		{"arp-ip-conflict.pcap", AnomalyConflict, 2, map[string]any{"ip": "10.0.2.130", "reason": "probe conflict"}},
		{"arp-unanswered.pcap", AnomalyUnanswered, 1, map[string]any{"ip": "10.0.2.254", "requests": 10}},
		{"arp-malformed.pcap", AnomalyMalformed, 1, map[string]any{"messages": 3}},
	} {
		fs := findings(t, pcaptest.GenFile(t, c.file))
		if len(fs) != c.n {
			t.Errorf("%s: %d findings, want %d", c.file, len(fs), c.n)
			continue
		}
		f := fs[0]
		for k, v := range c.details {
			if fmt.Sprint(f.Details[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %s %s = %v, want %v (%s)", c.file, f.Type, k, f.Details[k], v, f.Summary)
			}
		}
	}
}

func TestNormalCapture(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "arp-normal.pcap"), Limit: intp(100)})
	st := out.Statistics
	if st.Probes != 3 || st.Announcements != 2 || st.Gratuitous != 3 || st.Unsolicited != 0 || st.BindingChanges != 0 || st.Unanswered != 0 {
		t.Errorf("statistics %+v", st)
	}
	if out.BindingsTotal != 11 || out.HostsTotal != 11 {
		t.Errorf("%d bindings, %d hosts", out.BindingsTotal, out.HostsTotal)
	}
	var gw *Binding
	for i := range out.Bindings {
		if out.Bindings[i].IP == "10.0.2.1" {
			gw = &out.Bindings[i]
		}
	}
	if gw == nil || gw.MAC != "00:1b:21:00:02:01" || gw.Frames != 13 || gw.Changes != 0 {
		t.Errorf("gateway binding %+v", gw)
	}
}

func TestFiltersAndGolden(t *testing.T) {
	file := pcaptest.GenFile(t, "arp-normal.pcap")
	for _, c := range []struct {
		in    Input
		total int
	}{
		{Input{Opcode: "reply"}, 23},
		{Input{Opcode: "1"}, 27},
		{Input{IP: "10.0.2.1"}, 25},           // tshark: arp.src.proto_ipv4==10.0.2.1 || arp.dst.proto_ipv4==10.0.2.1
		{Input{MAC: "00:1B:21:00:02:01"}, 17}, // and arp.src.hw_mac, arp.dst.hw_mac or eth.src
		{Input{StartTime: "2024-06-03T09:00:30Z"}, 9},
	} {
		c.in.PcapFile = file
		if out := analyze(t, c.in); out.PacketsPage.Total != c.total {
			t.Errorf("%+v: %d packets, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{Opcode: "who-has"}, {IP: "fe80::1"}, {MAC: "00:11"}, {Limit: intp(1001)}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "arp-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_arp_packets", "arp_security_analysis", "arp_troubleshooting", "arp_forensic_investigation")
}

// TestThresholds sets thresholds through the tool, as the front ends do:
// a value changes what fires, and a value out of its declared bounds is an
// error that names the threshold.
func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, c := range []struct {
		file, args string
		want       []string
	}{
		{"arp-scan.pcap", `"scan_min_targets": 201`, nil},
		{"arp-scan.pcap", `"scan_window_seconds": 0.5`, nil},
		{"arp-flapping.pcap", `"spoof_min_changes": 8`, []string{AnomalyConflict}},
		{"arp-gratuitous-flood.pcap", `"garp_flood_min": 61`, nil},
		{"arp-unanswered.pcap", `"unanswered_min_requests": 11`, nil},
	} {
		args := `{"pcap_file": "` + pcaptest.GenFile(t, c.file) + `", ` + c.args + `}`
		in, err := tool.Decode([]byte(args))
		if err != nil {
			t.Fatalf("Decode(%s): %v", args, err)
		}
		if got := pcaptest.FindingTypes(analyze(t, *in.(*Input)).Anomalies); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s with %s: %v, want %v", c.file, c.args, got, c.want)
		}
	}
	for _, c := range []struct{ args, want string }{
		{`{"pcap_file": "x", "scan_min_targets": 1}`, "scan_min_targets must be a whole number from 2 to 1000000; got 1"},
		{`{"pcap_file": "x", "spoof_min_changes": 0}`, "spoof_min_changes must be a whole number from 1 to 1000000; got 0"},
		{`{"pcap_file": "x", "garp_flood_window_seconds": 0}`, "garp_flood_window_seconds must be 0.001 to 86400; got 0"},
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
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "arp-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "arp", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

// TestReport checks the CLI text: summary first, findings, and no raw
// packet text.
func TestReport(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "arp-spoofing.pcap")})
	var b strings.Builder
	if err := writeReport(&b, out); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"ARP analysis of", "Anomalies (2)", "arp_spoofing", "02:ba:d0:00:00:66", "Bindings (", "[unsolicited]"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}
