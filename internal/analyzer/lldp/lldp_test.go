package lldp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
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

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	if len(in.Thresholds.Params()) == 0 {
		in.Thresholds = analyzer.NewThresholds(detectors.Params())
	}
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

func allPackets(t *testing.T, file string, proto string) map[int]Packet {
	out := map[int]Packet{}
	for _, p := range pcaptest.AllPages(t, func(offset int) ([]Packet, result.Page) {
		o := analyze(t, Input{PcapFile: file, Limit: intp(MaxLimit), Offset: offset, Protocol: proto})
		return o.Packets, o.PacketsPage
	}) {
		out[p.PacketNumber] = p
	}
	return out
}

// The truth tables' commands (truth/README.md).
var (
	tsharkLLDP = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "lldp",
		"-e", "frame.number", "-e", "lldp.chassis.subtype", "-e", "lldp.chassis.id", "-e", "lldp.chassis.id.mac", "-e", "lldp.chassis.id.ip4",
		"-e", "lldp.port.subtype", "-e", "lldp.port.id", "-e", "lldp.port.id.mac", "-e", "lldp.tlv.system.name", "-e", "lldp.mgn.addr.ip4",
		"-e", "lldp.mgn.addr.ip6", "-e", "lldp.ieee.802_1.port_vlan.id", "-e", "lldp.tlv.system_cap", "-e", "lldp.tlv.enable_system_cap"}
	tsharkCDP = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "cdp",
		"-e", "frame.number", "-e", "cdp.version", "-e", "cdp.deviceid", "-e", "cdp.portid", "-e", "cdp.platform", "-e", "cdp.nrgyz.ip_address",
		"-e", "cdp.native_vlan", "-e", "cdp.capabilities", "-e", "cdp.vtp_management_domain", "-e", "cdp.system_name"}
)

func str(p *int, format string) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf(format, *p)
}

// compare checks that every frame tshark shows is ours with the same
// fields, and that we show no other frame of the protocol.
func compare(t *testing.T, file, proto string, rows []map[string]string, fields func(p Packet, row map[string]string) (have, want string)) int {
	got := allPackets(t, file, proto)
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees %s, we do not", filepath.Base(file), n, proto)
			continue
		}
		delete(got, n)
		if have, want := fields(p, row); have != want {
			t.Errorf("%s frame %d:\n have %s\n want %s", filepath.Base(file), n, have, want)
		}
	}
	for n := range got {
		t.Errorf("%s frame %d: we see %s, tshark does not", filepath.Base(file), n, proto)
	}
	return len(rows)
}

// lldpFields compares an LLDP frame: chassis and port subtypes and ids,
// system name, management addresses, port VLAN id and capabilities. A
// frame tshark decodes nothing of (malformed) must be malformed here.
func lldpFields(p Packet, row map[string]string) (string, string) {
	if row["lldp.chassis.subtype"] == "" {
		return fmt.Sprintf("malformed %v", p.Malformed != ""), "malformed true"
	}
	if p.Malformed != "" { // what both decode of a broken LLDPDU: its chassis and port ids
		return strings.Join([]string{str(p.ChassisIDSubtype, "%d"), p.ChassisID, str(p.PortIDSubtype, "%d"), p.PortID}, "|"),
			strings.Join([]string{row["lldp.chassis.subtype"], row["lldp.chassis.id"] + row["lldp.chassis.id.mac"] + row["lldp.chassis.id.ip4"], row["lldp.port.subtype"], row["lldp.port.id"] + row["lldp.port.id.mac"]}, "|")
	}
	var v4, v6 []string
	for _, a := range p.ManagementAddresses {
		if netip.MustParseAddr(a).Is4() {
			v4 = append(v4, a)
		} else {
			v6 = append(v6, a)
		}
	}
	have := strings.Join([]string{str(p.ChassisIDSubtype, "%d"), p.ChassisID, str(p.PortIDSubtype, "%d"), p.PortID, p.SystemName,
		strings.Join(v4, ","), strings.Join(v6, ","), str(p.VLAN, "%d"), str(p.Capabilities, "0x%04x"), str(p.EnabledCapabilities, "0x%04x")}, "|")
	want := strings.Join([]string{row["lldp.chassis.subtype"], row["lldp.chassis.id"] + row["lldp.chassis.id.mac"] + row["lldp.chassis.id.ip4"],
		row["lldp.port.subtype"], row["lldp.port.id"] + row["lldp.port.id.mac"], row["lldp.tlv.system.name"], row["lldp.mgn.addr.ip4"],
		row["lldp.mgn.addr.ip6"], row["lldp.ieee.802_1.port_vlan.id"], row["lldp.tlv.system_cap"], row["lldp.tlv.enable_system_cap"]}, "|")
	return have, want
}

// cdpFields compares a CDP frame: version, device id, port id, platform,
// addresses (tshark's cdp.nrgyz.ip_address holds those of the Addresses
// and Management Address TLVs), native VLAN, capabilities, VTP domain,
// system name.
func cdpFields(p Packet, row map[string]string) (string, string) {
	have := strings.Join([]string{strconv.Itoa(p.CDPVersion), p.ChassisID, p.PortID, p.Platform, strings.Join(p.ManagementAddresses, ","),
		str(p.VLAN, "%d"), str(p.Capabilities, "0x%08x"), p.VTPDomain, p.SystemName}, "|")
	want := strings.Join([]string{row["cdp.version"], row["cdp.deviceid"], row["cdp.portid"], row["cdp.platform"], row["cdp.nrgyz.ip_address"],
		row["cdp.native_vlan"], row["cdp.capabilities"], row["cdp.vtp_management_domain"], row["cdp.system_name"]}, "|")
	return have, want
}

// TestAgreesWithTshark compares every row of the corpus's LLDP (5 tables,
// 44 frames) and CDP (4 tables, 22 frames) truth tables.
func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "lldp", 44, func(t *testing.T, file string, rows []map[string]string) int {
		return compare(t, file, protoLLDP, rows, lldpFields)
	})
	pcaptest.CorpusTruth(t, "cdp", 22, func(t *testing.T, file string, rows []map[string]string) int {
		return compare(t, file, protoCDP, rows, cdpFields)
	})
}

func TestAgreesWithLiveTshark(t *testing.T) {
	files := pcaptest.ModuleCaptures(t, "lldp-*.pcap")
	pcaptest.LiveTshark(t, files, 40, tsharkLLDP, func(t *testing.T, file string, rows []map[string]string) int {
		return compare(t, file, protoLLDP, rows, lldpFields)
	})
	pcaptest.LiveTshark(t, files, 15, tsharkCDP, func(t *testing.T, file string, rows []map[string]string) int {
		return compare(t, file, protoCDP, rows, cdpFields)
	})
}

func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// tcpdump's lldp_8021_linkagg.pcap: both frames lack the mandatory
		// TLVs; tshark flags them malformed too.
		"lldp-8021-link-aggregation-tcpdump.pcap": {AnomalyMalformed},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"lldp-normal.pcap":    {},
		"lldp-spoofing.pcap":  {AnomalySpoofing: "high"},
		"lldp-malformed.pcap": {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestSpoofingEvidence checks the three cases the spoofing capture holds,
// each with the MACs the generator used.
func TestSpoofingEvidence(t *testing.T) {
	fs := findings(t, pcaptest.GenFile(t, "lldp-spoofing.pcap"))
	got := map[string]string{}
	for _, f := range fs {
		k, _ := f.Details["kind"].(string)
		got[k] = fmt.Sprint(f.Details["source_mac"], f.Details["source_macs"], f.Details["identities_total"], f.Details["dhcp_frame"], " ", f.EvidenceFramesTotal)
	}
	want := map[string]string{
		"identity_from_several_macs":    "<nil> [00:1b:54:aa:00:05 3c:22:fb:ba:db:ad] <nil> <nil> 6",
		"many_identities_from_one_mac":  "3c:22:fb:ba:db:ad<nil> 13 <nil> 15",
		"infrastructure_from_host_port": "3c:22:fb:ba:db:ad<nil> <nil> 1 15",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("spoofing findings:\n%v\nwant\n%v", got, want)
	}
	for _, f := range findings(t, pcaptest.GenFile(t, "lldp-malformed.pcap")) {
		if f.EvidenceFramesTotal != 4 || fmt.Sprint(f.EvidenceFrames) != "[1 2 3 4]" {
			t.Errorf("malformed evidence %v", f.EvidenceFrames)
		}
	}
}

// TestDevices checks the devices and neighbours of the normal capture
// against what the generator announced.
func TestDevices(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "lldp-normal.pcap"), Limit: intp(0)})
	if len(out.Devices) != 5 || out.Statistics.Devices != 5 || out.Statistics.HostsAnnouncing != 3 {
		t.Fatalf("devices %d, statistics %+v", len(out.Devices), out.Statistics)
	}
	sw := out.Devices[0]
	if sw.ChassisID != "00:1b:54:aa:00:00" || sw.SystemName != "sw-access-01.corp.example" || fmt.Sprint(sw.EnabledCapabilities) != "[bridge]" ||
		fmt.Sprint(sw.Capabilities) != "[bridge router]" || fmt.Sprint(sw.ManagementAddresses) != "[10.0.0.2]" || len(sw.Ports) != 1 ||
		sw.Ports[0].PortID != "Gi1/0/5" || *sw.Ports[0].VLAN != 10 || *sw.Ports[0].VoiceVLAN != 20 || sw.Frames != 5 || sw.MEDDeviceClass == "" {
		t.Errorf("switch = %+v", sw)
	}
	cdp := out.Devices[1]
	if cdp.Protocol != protoCDP || cdp.Platform != "cisco WS-C2960X-48FPD-L" || cdp.VTPDomain != "corp" || *cdp.Ports[0].VLAN != 10 || fmt.Sprint(cdp.EnabledCapabilities) != "[switch IGMP capable]" {
		t.Errorf("cdp = %+v", cdp)
	}
	phone := out.Devices[2]
	if phone.ChassisID != "10.0.20.31" || phone.ChassisIDSubtype != "network address" || phone.MEDInventory != "Example Corp DeskPhone 400" || *phone.Ports[0].VoiceVLAN != 20 {
		t.Errorf("phone = %+v", phone)
	}
	if len(out.Neighbors) != 2 || out.Neighbors[0].PortID != "Gi1/0/5" || out.Neighbors[0].SourceMAC != "00:1b:54:aa:00:05" ||
		fmt.Sprint(out.Neighbors[0].Stations) != "[00:04:f2:11:22:33 (SEP0004F2112233) 24:a4:3c:44:55:66 (ap-2nd-floor) 52:54:00:77:88:99 (files01)]" {
		t.Errorf("neighbors = %+v", out.Neighbors)
	}
}

func TestFiltersAndGolden(t *testing.T) {
	file := pcaptest.GenFile(t, "lldp-normal.pcap")
	for _, c := range []struct {
		in    Input
		total int
	}{
		{Input{Protocol: "cdp"}, 5},
		{Input{Protocol: "LLDP"}, 20},
		{Input{Device: "SW-ACCESS"}, 10},
		{Input{Device: "24:a4:3c"}, 5},
		{Input{StartTime: "2024-06-03T09:02:00Z"}, 5},
	} {
		c.in.PcapFile = file
		if out := analyze(t, c.in); out.PacketsPage.Total != c.total {
			t.Errorf("%+v: %d frames, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{Protocol: "STP"}, {Limit: intp(1001)}, {StartTime: "yesterday"}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "lldp-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

// TestText checks that every string of every output is escaped and
// bounded.
func TestText(t *testing.T) {
	for _, f := range pcaptest.ModuleCaptures(t, "lldp-*.pcap") {
		b, _ := json.Marshal(analyze(t, Input{PcapFile: f, Limit: intp(MaxLimit)}))
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		pcaptest.CheckText(t, filepath.Base(f), v, maxDesc+64)
	}
	if got := presentID(false, false, []byte("sw\x1b[31m")); got != `sw\x1b[31m` {
		t.Errorf("id shown as %q", got)
	}
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_network_devices", "network_devices_security_analysis", "network_devices_troubleshooting", "network_devices_forensic_investigation")
}

func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	file := pcaptest.GenFile(t, "lldp-spoofing.pcap")
	for _, c := range []struct {
		args  string
		kinds string
	}{
		{`{}`, "[identity_from_several_macs infrastructure_from_host_port many_identities_from_one_mac]"},
		{`{"spoof_min_macs": 3}`, "[infrastructure_from_host_port many_identities_from_one_mac]"},
		{`{"spoof_min_identities": 14}`, "[identity_from_several_macs infrastructure_from_host_port]"},
	} {
		args := `{"pcap_file": "` + file + `"` + strings.TrimPrefix(c.args, "{")
		if c.args != `{}` {
			args = `{"pcap_file": "` + file + `", ` + strings.TrimPrefix(c.args, "{")
		}
		in, err := tool.Decode([]byte(args))
		if err != nil {
			t.Fatalf("Decode(%s): %v", args, err)
		}
		var kinds []string
		for _, f := range analyze(t, *in.(*Input)).Anomalies {
			kinds = append(kinds, fmt.Sprint(f.Details["kind"]))
		}
		slices.Sort(kinds)
		if fmt.Sprint(kinds) != c.kinds {
			t.Errorf("%s: %v, want %s", c.args, kinds, c.kinds)
		}
	}
	if _, err := tool.Decode([]byte(`{"pcap_file": "x", "spoof_min_macs": 1}`)); err == nil || err.Error() != "spoof_min_macs must be a whole number from 2 to 1000000; got 1" {
		t.Errorf("spoof_min_macs 1: %v", err)
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "lldp-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "lldp", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

// TestBenchCapture checks the tool against the true counts bench-gen
// writes beside a -mix full capture ($MCPACKET_BENCH_CAPTURE).
func TestBenchCapture(t *testing.T) {
	file := pcaptest.EnvFile(t, "MCPACKET_BENCH_CAPTURE", "set it to a bench-gen -mix full capture with its .json sidecar")
	raw, err := os.ReadFile(file + ".json")
	if err != nil {
		t.Skipf("no sidecar: %v", err)
	}
	var truth struct {
		LLDP *struct {
			Frames       int            `json:"frames"`
			BySystemName map[string]int `json:"frames_by_system_name"`
		} `json:"lldp"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil || truth.LLDP == nil {
		t.Skipf("sidecar without lldp (not -mix full): %v", err)
	}
	out := analyze(t, Input{PcapFile: file, Limit: intp(0)})
	got := map[string]int{}
	for _, d := range out.Devices {
		got[d.SystemName] += d.Frames
	}
	if out.Statistics.ByProtocol[protoLLDP] != truth.LLDP.Frames || fmt.Sprint(got) != fmt.Sprint(truth.LLDP.BySystemName) {
		t.Errorf("LLDP frames %d by system name %v; truth %+v", out.Statistics.ByProtocol[protoLLDP], got, *truth.LLDP)
	}
	if len(out.Anomalies) != 0 {
		t.Errorf("anomalies on the bench capture: %v", pcaptest.FindingTypes(out.Anomalies))
	}
}
