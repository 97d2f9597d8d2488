package icmp

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
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

var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=f", "-Y", "icmp || icmpv6",
	"-e", "frame.number", "-e", "icmp.type", "-e", "icmp.code", "-e", "icmpv6.type", "-e", "icmpv6.code"}

// compareWithTshark checks every ICMP/ICMPv6 frame: packet number, type and
// code.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	got := map[int]Packet{}
	for _, p := range allPackets(t, file) {
		got[p.PacketNumber] = p
	}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees ICMP, we do not (%v)", filepath.Base(file), n, row)
			continue
		}
		delete(got, n)
		typ, code := row["icmp.type"], row["icmp.code"]
		if typ == "" {
			typ, code = row["icmpv6.type"], row["icmpv6.code"]
		}
		if have := fmt.Sprintf("%d/%d", p.ICMPType, p.ICMPCode); have != typ+"/"+code && p.Malformed == "" {
			t.Errorf("%s frame %d: type/code %s, tshark %s/%s", filepath.Base(file), n, have, typ, code)
		}
	}
	for n, p := range got {
		t.Errorf("%s frame %d: we see ICMP (%s), tshark does not", filepath.Base(file), n, p.ICMPTypeName)
	}
	return len(rows)
}

func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "icmp", 240, compareWithTshark)
}

func TestAgreesWithLiveTshark(t *testing.T) {
	pcaptest.LiveTshark(t, pcaptest.ModuleCaptures(t, "icmp-*.pcap"), 100, tsharkFields, compareWithTshark)
}

func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// zeek's test of ICMP headers cut by the snaplen.
		"icmp-header-truncated-zeek.pcap": {AnomalyMalformed},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"icmp-normal.pcap":            {},
		"icmp-sweep.pcap":             {AnomalyPingSweep: "medium"},
		"icmp-flood.pcap":             {AnomalyFlood: "high"},
		"icmp-tunnel.pcap":            {AnomalyTunneling: "high"},
		"icmp-redirect.pcap":          {AnomalyRedirect: "medium"},
		"icmp-unreachable-storm.pcap": {AnomalyUnreachable: "medium"},
		"icmp-blackhole.pcap":         {AnomalyBlackhole: "medium"},
		"icmp-malformed.pcap":         {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

func TestNormalCapture(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "icmp-normal.pcap"), Limit: intp(100)})
	if len(out.Traceroutes) != 1 {
		t.Fatalf("traceroutes = %+v", out.Traceroutes)
	}
	tr := out.Traceroutes[0]
	var hops []string
	for _, h := range tr.Hops {
		hops = append(hops, fmt.Sprintf("%d %s %d/%d", h.TTL, h.Router, h.Probes, len(h.RTTMs)))
	}
	if fmt.Sprint(hops) != "[1 10.0.0.254 3/3 2 192.0.2.1 3/3 3 192.0.2.33 3/3 4 198.51.100.10 3/3]" || !tr.Reached || tr.Protocol != "UDP" {
		t.Errorf("traceroute = %v reached %v %s", hops, tr.Reached, tr.Protocol)
	}
	var pair HostPair
	for _, h := range out.HostPairs {
		if h.Destination == "198.51.100.10" {
			pair = h
		}
	}
	if pair.Sent != 10 || pair.Received != 10 || pair.LossPercent != 0 || *pair.MinRTTMs != 12 || *pair.MaxRTTMs != 12 {
		t.Errorf("host pair = %+v", pair)
	}
	st := out.Statistics
	if st.UnreachableDestsCount != 1 || st.UnreachableDests[0] != "198.51.100.10" || st.EchoSessions != 1 || st.EchoPairs["10.0.1.1 > 198.51.100.10 id 119"].Replies != 10 {
		t.Errorf("statistics = %+v", st)
	}
	var unreach, na *Packet
	for i := range out.Packets {
		switch out.Packets[i].ICMPTypeName {
		case "Destination Unreachable":
			unreach = &out.Packets[i]
		case "Neighbor Advertisement":
			na = &out.Packets[i]
		}
	}
	if unreach == nil || unreach.Original == nil || unreach.Original.Dst != "198.51.100.10" || unreach.Original.Protocol != "UDP" || *unreach.Original.DstPort < 33434 {
		t.Errorf("unreachable = %+v", unreach)
	}
	if na == nil || na.NDP == nil || na.NDP.Target != "fe80::2" || fmt.Sprint(na.NDP.Flags) != "[override solicited]" || na.NDP.TargetLinkAddr != "00:00:5e:00:01:01" {
		t.Errorf("neighbor advertisement = %+v", na)
	}
}

func TestFiltersAndGolden(t *testing.T) {
	file := pcaptest.GenFile(t, "icmp-normal.pcap")
	for _, c := range []struct {
		in    Input
		total int
	}{
		{Input{ICMPType: "echo request"}, 10},
		{Input{ICMPType: "11"}, 9},
		{Input{SrcIP: "10.0.1.1"}, 10},
		{Input{DstIP: "10.0.1.1"}, 22},
		{Input{StartTime: "2024-06-03T09:00:20Z"}, 14},
	} {
		c.in.PcapFile = file
		if out := analyze(t, c.in); out.PacketsPage.Total != c.total {
			t.Errorf("%+v: %d packets, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{ICMPType: "ping of death"}, {SrcIP: "nope"}, {Limit: intp(1001)}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "icmp-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_icmp_packets", "icmp_network_diagnostics", "icmp_security_analysis", "icmp_forensic_investigation")
}

// TestThresholds sets thresholds through the tool, as the front ends do:
// a value changes what fires, and a value out of its declared bounds is an
// error that names the threshold.
func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	file := pcaptest.GenFile(t, "icmp-sweep.pcap")
	for _, c := range []struct {
		args  string
		sweep bool
	}{
		{`{"pcap_file": "` + file + `"}`, true},
		{`{"pcap_file": "` + file + `", "sweep_min_targets": 100000}`, false},
		{`{"pcap_file": "` + file + `", "sweep_window_seconds": 0.001}`, false},
	} {
		in, err := tool.Decode([]byte(c.args))
		if err != nil {
			t.Fatalf("Decode(%s): %v", c.args, err)
		}
		out := analyze(t, *in.(*Input))
		swept := slices.ContainsFunc(out.Anomalies, func(f result.Finding) bool { return f.Type == AnomalyPingSweep })
		if swept != c.sweep {
			t.Errorf("%s: ping_sweep %v, want %v", c.args, swept, c.sweep)
		}
	}
	for _, c := range []struct{ args, want string }{
		{`{"pcap_file": "x", "sweep_min_targets": 1}`, "sweep_min_targets must be a whole number from 2 to 100000; got 1"},
		{`{"pcap_file": "x", "flood_min_packets": 2.5}`, "flood_min_packets must be a whole number from 1 to 1000000; got 2.5"},
		{`{"pcap_file": "x", "tunnel_min_entropy": 9}`, "tunnel_min_entropy must be 0 to 8; got 9"},
		{`{"pcap_file": "x", "unreachable_storm_window_seconds": 0}`, "unreachable_storm_window_seconds must be 0.001 to 86400; got 0"},
		{`{"pcap_file": "x", "blackhole_min": "3"}`, "blackhole_min must be a whole number from 1 to 1000000"},
	} {
		if _, err := tool.Decode([]byte(c.args)); err == nil || err.Error() != c.want {
			t.Errorf("Decode(%s) = %v, want %q", c.args, err, c.want)
		}
	}
	th := analyzer.NewThresholds(tool.Params)
	if _, err := th.Set("sweep_window_seconds", -1); err == nil {
		t.Errorf("Set(sweep_window_seconds, -1): no error")
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

// TestBrief checks the module's part of a shared pass: its findings are the
// tool's anomalies, and its summary the tool's statistics, on every test
// capture.
func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "icmp-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "icmp", Summary: out.Statistics, Findings: out.Anomalies}
	})
}
