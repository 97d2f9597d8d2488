package dhcpv6

import (
	"context"
	"fmt"
	"path/filepath"
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
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "dhcpv6",
	"-e", "frame.number", "-e", "dhcpv6.msgtype", "-e", "dhcpv6.xid", "-e", "dhcpv6.iaaddr.ip", "-e", "dhcpv6.iaprefix.pref_addr"}

// compareWithTshark checks every DHCPv6 message: the message types of the
// relay chain, the transaction id, and the IA addresses and prefixes.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	got := map[int]Packet{}
	for _, p := range allPackets(t, file) {
		got[p.PacketNumber] = p
	}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees DHCPv6, we do not (%v)", filepath.Base(file), n, row)
			continue
		}
		delete(got, n)
		var types []string
		if len(p.MsgTypes) == 0 {
			types = []string{strconv.Itoa(p.MsgType)}
		}
		for _, name := range p.MsgTypes {
			ty, _ := parseType(name)
			types = append(types, strconv.Itoa(int(ty)))
		}
		var addrs, prefixes []string
		for _, ias := range [][]IA{p.IANA, p.IATA} {
			for _, ia := range ias {
				for _, l := range ia.Addresses {
					addrs = append(addrs, l.Address)
				}
			}
		}
		for _, ia := range p.IAPD {
			for _, l := range ia.Addresses {
				prefixes = append(prefixes, l.Address)
			}
		}
		have := []string{strings.Join(types, ","), p.TransactionID, strings.Join(addrs, ","), strings.Join(prefixes, ",")}
		want := []string{row["dhcpv6.msgtype"], row["dhcpv6.xid"], row["dhcpv6.iaaddr.ip"], row["dhcpv6.iaprefix.pref_addr"]}
		if fmt.Sprint(have) != fmt.Sprint(want) && p.Malformed == "" {
			t.Errorf("%s frame %d: types, xid, IA addresses, prefixes %q, tshark %q", filepath.Base(file), n, have, want)
		}
	}
	for n, p := range got {
		t.Errorf("%s frame %d: we see DHCPv6 (%s), tshark does not", filepath.Base(file), n, p.MsgTypeName)
	}
	return len(rows)
}

func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "dhcpv6", 86, compareWithTshark)
}

func TestAgreesWithLiveTshark(t *testing.T) {
	pcaptest.LiveTshark(t, pcaptest.ModuleCaptures(t, "dhcpv6-*.pcap"), 250, tsharkFields, compareWithTshark)
}

func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// A relay forwarding one client's SOLICIT five times, no answer.
		"dhcpv6-mud-url-tcpdump.pcap": {AnomalyUnansweredSolicit},
		// Three Windows hosts soliciting with no DHCPv6 server on the link.
		"mixed-smb-dhcpv6-ipv6-suricata.pcap": {AnomalyUnansweredSolicit, AnomalyUnansweredSolicit, AnomalyUnansweredSolicit},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"dhcpv6-normal.pcap":       {},
		"dhcpv6-rogue-server.pcap": {AnomalyMultipleServers: "high"},
		"dhcpv6-starvation.pcap":   {AnomalyStarvation: "high"},
		"dhcpv6-no-addrs.pcap":     {AnomalyNoAddrsStorm: "medium"},
		"dhcpv6-unanswered.pcap":   {AnomalyUnansweredSolicit: "low"},
		"dhcpv6-malformed.pcap":    {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestFindingDetails checks what each generated case is reported with.
func TestFindingDetails(t *testing.T) {
	for _, c := range []struct {
		file    string
		details map[string]any
	}{
		{"dhcpv6-rogue-server.pcap", map[string]any{"servers_total": 2}},
		{"dhcpv6-starvation.pcap", map[string]any{"clients": 150, "solicits": 150}},
		{"dhcpv6-no-addrs.pcap", map[string]any{"messages": 15}},
		{"dhcpv6-unanswered.pcap", map[string]any{"client_duid": "000100012e0000003c22fb600005", "solicits": 6}},
		{"dhcpv6-malformed.pcap", map[string]any{"messages": 4}},
	} {
		fs := findings(t, pcaptest.GenFile(t, c.file))
		if len(fs) != 1 {
			t.Errorf("%s: %d findings", c.file, len(fs))
			continue
		}
		for k, v := range c.details {
			if fmt.Sprint(fs[0].Details[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %s = %v, want %v (%s)", c.file, k, fs[0].Details[k], v, fs[0].Summary)
			}
		}
	}
}

// TestNormalCapture checks the decoded options, transactions, clients and
// servers of the generated normal link.
func TestNormalCapture(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcpv6-normal.pcap"), Limit: intp(100)})
	st := out.Statistics
	if st.Transactions != 20 || st.Completed != 11 || st.Relayed != 2 || st.Clients != 10 || st.Servers != 1 || st.AddressesAssigned != 8 || st.PrefixesDelegated != 1 || st.UnansweredSolicits != 0 {
		t.Errorf("statistics %+v", st)
	}
	s := out.Servers[0]
	if s.DUID.TypeName != "LLT" || s.DUID.LinkLayerAddress != "00:1b:21:00:06:01" || s.Advertises != 9 || s.Replies != 11 || fmt.Sprint(s.DNSServers) != "[2001:db8::53 2001:db8::54]" || fmt.Sprint(s.DomainList) != "[corp.example.]" {
		t.Errorf("server %+v", s)
	}
	var relayed, pd *Packet
	for i := range out.Packets {
		p := &out.Packets[i]
		if len(p.Relays) > 0 && relayed == nil {
			relayed = p
		}
		if len(p.IAPD) > 0 && p.MsgType == typeReply {
			pd = p
		}
	}
	if relayed == nil || relayed.Relays[0].InterfaceID != "Gi0/20" || relayed.Relays[0].PeerAddress != "fe80::3e22:fbff:fe60:14" || relayed.MsgTypeName != "SOLICIT" || relayed.TransactionID != "0x606060" {
		t.Errorf("relayed %+v", relayed)
	}
	if pd == nil || pd.IAPD[0].Addresses[0].Address != "2001:db8:100:d00::" || *pd.IAPD[0].Addresses[0].PrefixLength != 56 || pd.IAPD[0].Addresses[0].ValidSeconds != 7200 {
		t.Errorf("prefix delegation %+v", pd)
	}
	tr := out.Transactions[6]
	if tr.TransactionID != "0x10001c" || fmt.Sprint(tr.Messages) != "[SOLICIT SOLICIT ADVERTISE]" || tr.Outcome != "advertised" || *tr.LatencyMs != 1003 {
		t.Errorf("retransmitted transaction %+v", tr)
	}
}

func TestFiltersAndGolden(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcpv6-normal.pcap")
	for _, c := range []struct {
		in    Input
		total int
	}{
		{Input{MsgType: "solicit"}, 10},
		{Input{MsgType: "12"}, 1},
		{Input{DUID: "00:01:00:01:2e:00:00:00:3c:22:fb:60:00:01"}, 6},
		{Input{Address: "2001:db8:0:1::103"}, 3},
		{Input{StartTime: "2024-06-03T09:00:40Z"}, 6},
	} {
		c.in.PcapFile = file
		if out := analyze(t, c.in); out.PacketsPage.Total != c.total {
			t.Errorf("%+v: %d packets, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{MsgType: "HELLO"}, {DUID: "zz"}, {Address: "nope"}, {Limit: intp(1001)}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "dhcpv6-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_dhcpv6_packets", "dhcpv6_security_analysis", "dhcpv6_troubleshooting", "dhcpv6_forensic_investigation")
}

func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, c := range []struct {
		file, args string
	}{
		{"dhcpv6-starvation.pcap", `"starvation_min_clients": 151`},
		{"dhcpv6-starvation.pcap", `"starvation_window_seconds": 1`},
		{"dhcpv6-no-addrs.pcap", `"no_addrs_storm_min": 16`},
		{"dhcpv6-unanswered.pcap", `"unanswered_solicit_min": 7`},
	} {
		args := `{"pcap_file": "` + pcaptest.GenFile(t, c.file) + `", ` + c.args + `}`
		in, err := tool.Decode([]byte(args))
		if err != nil {
			t.Fatalf("Decode(%s): %v", args, err)
		}
		if got := pcaptest.FindingTypes(analyze(t, *in.(*Input)).Anomalies); len(got) != 0 {
			t.Errorf("%s with %s: %v, want none", c.file, c.args, got)
		}
	}
	if _, err := tool.Decode([]byte(`{"pcap_file": "x", "starvation_min_clients": 1}`)); err == nil || err.Error() != "starvation_min_clients must be a whole number from 2 to 1000000; got 1" {
		t.Errorf("Decode: %v", err)
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "dhcpv6-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "dhcpv6", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

func TestReport(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcpv6-rogue-server.pcap")})
	var b strings.Builder
	if err := writeReport(&b, out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DHCPv6 analysis of", "Anomalies (1)", "multiple_dhcpv6_servers", "Servers (2; showing 2)", "2001:db8:bad::53"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

// TestStarvationCompletion: a burst of clients that get their REPLYs is
// not starvation; the same burst counts when the completion share allows.
func TestStarvationCompletion(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	file := pcaptest.GenFile(t, "dhcpv6-normal.pcap")
	for _, c := range []struct {
		args string
		want string
	}{
		{`"starvation_min_clients": 5`, "[]"},
		{`"starvation_min_clients": 5, "starvation_max_completion": 1`, "[dhcpv6_starvation]"},
	} {
		in, err := tool.Decode([]byte(`{"pcap_file": "` + file + `", ` + c.args + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(pcaptest.FindingTypes(analyze(t, *in.(*Input)).Anomalies)); got != c.want {
			t.Errorf("%s: %s, want %s", c.args, got, c.want)
		}
	}
}
