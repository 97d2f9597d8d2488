package dhcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// thresholds returns the default thresholds with the given name, value
// pairs set.
func thresholds(t testing.TB, kv ...any) analyzer.Thresholds {
	t.Helper()
	th := analyzer.NewThresholds(params)
	for i := 0; i < len(kv); i += 2 {
		name, v := kv[i].(string), kv[i+1]
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		if ok, err := th.Set(name, f); !ok || err != nil {
			t.Fatalf("set %s=%v: known %v, %v", name, v, ok, err)
		}
	}
	return th
}

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

// findings runs the tool with default arguments on file and returns its
// anomalies.
func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

// allPackets pages through every DHCP packet of a capture.
func allPackets(t *testing.T, file string) []Packet {
	return pcaptest.AllPages(t, func(offset int) ([]Packet, result.Page) {
		out := analyze(t, Input{PcapFile: file, Limit: intp(MaxLimit), Offset: offset})
		return out.Packets, out.PacketsPage
	})
}

func intp(n int) *int { return &n }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// tsharkFields is the command that made the corpus truth tables.
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=f", "-Y", "dhcp",
	"-e", "frame.number", "-e", "dhcp.id", "-e", "dhcp.option.dhcp", "-e", "dhcp.hw.mac_addr", "-e", "dhcp.ip.your", "-e", "dhcp.option.dhcp_server_id"}

// compareWithTshark checks every DHCP packet tshark shows in file (rows of
// tsharkFields output) against ours: frame number, transaction id, message
// type, client MAC, your IP, server id. It returns the packets compared.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	got := map[int]Packet{}
	for _, p := range allPackets(t, file) {
		got[p.PacketNumber] = p
	}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		p, ok := got[n]
		if !ok {
			t.Errorf("%s frame %d: tshark sees DHCP, we do not", filepath.Base(file), n)
			continue
		}
		delete(got, n)
		code := ""
		if p.MessageTypeCode != nil {
			code = strconv.Itoa(*p.MessageTypeCode)
		}
		yourIP := p.YourIP
		if p.TransactionID == "" {
			yourIP = ""
		}
		want := []string{row["dhcp.id"], row["dhcp.option.dhcp"], row["dhcp.hw.mac_addr"], row["dhcp.ip.your"], row["dhcp.option.dhcp_server_id"]}
		have := []string{p.TransactionID, code, p.ClientMAC, yourIP, deref(p.ServerID)}
		if fmt.Sprint(want) != fmt.Sprint(have) {
			t.Errorf("%s frame %d: [xid type chaddr yiaddr server_id] = %q, tshark %q", filepath.Base(file), n, have, want)
		}
	}
	for n, p := range got {
		if !p.NonStandardPort {
			t.Errorf("%s frame %d: we see DHCP on a standard port, tshark does not", filepath.Base(file), n)
		}
	}
	return len(rows)
}

// TestAgreesWithTshark checks every DHCP packet of the shared corpus against
// tshark's output there (../shared/corpus/truth/*.dhcp.tsv).
func TestAgreesWithTshark(t *testing.T) {
	_, tables := pcaptest.CorpusTruth(t, "dhcp", 10000, compareWithTshark)
	if tables < 15 {
		t.Fatalf("found %d DHCP truth tables, want at least 15", tables)
	}
}

// TestAgreesWithLiveTshark runs tshark on the repository's DHCP captures
// (third-party and generated) and compares.
func TestAgreesWithLiveTshark(t *testing.T) {
	pcaptest.LiveTshark(t, dhcpCaptures(t), 900, tsharkFields, compareWithTshark)
}

// TestGolden compares the default output for each DHCP capture in testdata
// with its golden file (go test -update rewrites them).
func TestGolden(t *testing.T) {
	files := dhcpCaptures(t)
	if len(files) < 5 {
		t.Fatalf("only %d captures", len(files))
	}
	pcaptest.GoldenOutputs(t, files, ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

// TestAnomalies runs every generated capture and checks that exactly the
// expected detectors fire, and with the expected severity.
func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"dhcp-normal-lan.pcap":          {},
		"dhcp-options.pcap":             {},
		"dhcp-rogue-server.pcap":        {AnomalyMultipleServers: "high"},
		"dhcp-redundant-servers.pcap":   {AnomalyMultipleServers: "medium"},
		"dhcp-starvation.pcap":          {AnomalyStarvation: "high"},
		"dhcp-duplicate-ip.pcap":        {AnomalyDuplicateIP: "high"},
		"dhcp-nak-storm.pcap":           {AnomalyNakStorm: "medium"},
		"dhcp-declines.pcap":            {AnomalyDecline: "medium"},
		"dhcp-chaddr-spoof.pcap":        {AnomalyChaddrMismatch: "medium"},
		"dhcp-unanswered-discover.pcap": {AnomalyUnansweredDiscover: "medium"},
		"dhcp-malformed.pcap":           {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestAnomalyEvidence checks what the detectors report, beyond their type.
func TestAnomalyEvidence(t *testing.T) {
	find := func(out *Output, typ string) result.Finding {
		for _, a := range out.Anomalies {
			if a.Type == typ {
				return a
			}
		}
		t.Fatalf("no %s anomaly", typ)
		return result.Finding{}
	}
	rogue := find(analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-rogue-server.pcap")}), AnomalyMultipleServers)
	if r := rogue.Details["possible_rogue_servers"].([]string); len(r) != 1 || r[0] != "10.0.0.66" {
		t.Errorf("rogue servers = %v, want [10.0.0.66]", r)
	}
	dup := find(analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-duplicate-ip.pcap")}), AnomalyDuplicateIP)
	if fmt.Sprint(dup.EvidenceFrames) != "[4 8]" {
		t.Errorf("duplicate evidence = %v, want the two ACKs [4 8]", dup.EvidenceFrames)
	}
	starv := find(analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-starvation.pcap")}), AnomalyStarvation)
	if starv.Details["burst_macs"] != 400 || starv.Details["completed_leases"] != 0 || starv.EvidenceFramesTotal < 400 {
		t.Errorf("starvation details = %v, evidence total %d", starv.Details, starv.EvidenceFramesTotal)
	}
	un := find(analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-unanswered-discover.pcap")}), AnomalyUnansweredDiscover)
	if un.Details["clients_total"] != 2 || un.Details["discovers_total"] != 17 {
		t.Errorf("unanswered details = %v", un.Details)
	}
	// Thresholds are arguments: a stricter one makes a detector fire on
	// the normal capture, a looser one silences it on its attack capture.
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-normal-lan.pcap"), Thresholds: thresholds(t, "decline_min", 1)})
	if find(out, AnomalyDecline).EvidenceFramesTotal != 1 {
		t.Error("decline_min=1 on the normal capture: want its one DECLINE reported")
	}
	out = analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-nak-storm.pcap"), Thresholds: thresholds(t, "nak_storm_min", 30)})
	if len(out.Anomalies) != 0 {
		t.Errorf("nak_storm_min=30: anomalies %v, want none", out.Anomalies)
	}
	if out.Thresholds.Int(nakStormMin) != 30 || out.Thresholds.Get(declineMin) != declineMin.Default {
		b, _ := json.Marshal(out.Thresholds)
		t.Errorf("thresholds echoed = %s", b)
	}
}

// TestCorpusSilence: on the corpus captures of ordinary traffic no detector
// fires. The captures where one does are listed with the reason.
func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// 10,000 DISCOVERs from one client with a bogus chaddr (a flood).
		"dhcp-discover-flood-10000-suricata.pcap": {AnomalyChaddrMismatch, AnomalyUnansweredDiscover},
		// One Ethernet source sends DISCOVERs for 50 chaddrs in 5 ms.
		"dhcp-many-clients-50-discover-zeek.pcapng": {AnomalyChaddrMismatch},
		// tcpdump's test of option 33: frames 4 and 5 carry it with
		// lengths 3 and 0 (Wireshark flags the first as an Expert Error).
		"dhcp-classless-static-route-opt33-tcpdump.pcap": {AnomalyMalformed},
		// Fuzzed and truncated messages.
		"dhcp-malformed-bootp-asan-tcpdump.pcap": {AnomalyMalformed},
		"dhcp-unknown-msgtype-fuzz-ndpi.pcapng":  {AnomalyMalformed},
		// 16 DISCOVERs from 08:00:27:46:e8:84 over 168 s (frames 2 to
		// 51) and no server on the segment: not one OFFER or ACK.
		"lldp-dcbx-ets-tcpdump.pcap": {AnomalyUnansweredDiscover},
		// Lucas-iMac (d8:30:62:56:00:1c) sends 10 DISCOVERs in 60 s
		// (frames 13 to 57) and gets no OFFER, although another client's
		// unicast OFFER/ACK is captured (frames 68, 72).
		"mixed-android-ndpi.pcap": {AnomalyUnansweredDiscover},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

// TestGeneratedCapturesUpToDate regenerates testdata/gen and compares.
func TestGeneratedCapturesUpToDate(t *testing.T) {
	pcaptest.GeneratorUpToDate(t, "testdata/gen", 10)
}

func TestFiltersAndPaging(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcp-normal-lan.pcap")
	// The default page is cut to fit ResponseBudget, and says so; an
	// explicit limit is honoured.
	all := analyze(t, Input{PcapFile: file})
	if all.PacketsPage.Total != 202 || len(all.Packets) == 0 || len(all.Packets) > DefaultLimit || !all.PacketsPage.Truncated || *all.PacketsPage.NextOffset != len(all.Packets) {
		t.Fatalf("default page = %+v (%d packets)", all.PacketsPage, len(all.Packets))
	}
	if out := analyze(t, Input{PcapFile: file, Limit: intp(DefaultLimit)}); len(out.Packets) != DefaultLimit || *out.PacketsPage.NextOffset != DefaultLimit {
		t.Fatalf("limit %d: page = %+v (%d packets)", DefaultLimit, out.PacketsPage, len(out.Packets))
	}
	if all.Statistics.UniqueClientsCount != 42 || all.TxPage.Total != all.Statistics.TransactionCount {
		t.Errorf("clients %d, tx page %+v vs %d", all.Statistics.UniqueClientsCount, all.TxPage, all.Statistics.TransactionCount)
	}
	cases := []struct {
		name  string
		in    Input
		check func(*Output) string
	}{
		{"client_mac", Input{ClientMAC: "3C-22-FB-10-00-63", Limit: intp(100)}, func(o *Output) string {
			for _, p := range o.Packets {
				if p.ClientMAC != "3c:22:fb:10:00:63" {
					return "packet of another client: " + p.ClientMAC
				}
			}
			if len(o.Packets) != 6 || o.TxPage.Total != 2 || o.ClientsPage.Total != 1 || o.Clients[0].Hostname != "phone-99" {
				return fmt.Sprintf("%d packets, %d transactions, %d clients", len(o.Packets), o.TxPage.Total, o.ClientsPage.Total)
			}
			return ""
		}},
		{"message_type", Input{MessageType: "dhcpnak"}, func(o *Output) string {
			if o.PacketsPage.Total != 1 || o.Packets[0].MessageType != "NAK" || o.TxPage.Total != 1 || o.Transactions[0].Outcome != "acked" && o.Transactions[0].Outcome != "naked" {
				return fmt.Sprintf("%+v", o.PacketsPage)
			}
			return ""
		}},
		{"transaction_id", Input{TransactionID: "0x1005"}, func(o *Output) string {
			if o.PacketsPage.Total != 4 || o.TxPage.Total != 1 || o.Transactions[0].Outcome != "acked" || o.Transactions[0].DiscoverToOfferMs == nil || *o.Transactions[0].DiscoverToOfferMs != 2 {
				return fmt.Sprintf("%+v %+v", o.PacketsPage, o.Transactions)
			}
			return ""
		}},
		{"time range", Input{StartTime: "2024-06-03T09:02:30Z", EndTime: "2024-06-03T09:02:39.5Z", Limit: intp(100)}, func(o *Output) string {
			if o.PacketsPage.Total != 20 { // ten renewals, two packets each
				return fmt.Sprintf("%d packets", o.PacketsPage.Total)
			}
			return ""
		}},
		{"server_id", Input{ServerID: "10.9.9.9"}, func(o *Output) string {
			if o.PacketsPage.Total != 0 || len(o.Packets) != 0 || o.DHCPPacketsFound != 202 {
				return fmt.Sprintf("%+v", o.PacketsPage)
			}
			return ""
		}},
		{"second page", Input{Offset: 200}, func(o *Output) string {
			if len(o.Packets) != 2 || o.PacketsPage.Truncated || o.Packets[0].PacketNumber != 201 {
				return fmt.Sprintf("%+v", o.PacketsPage)
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.PcapFile = file
			if msg := c.check(analyze(t, c.in)); msg != "" {
				t.Error(msg)
			}
		})
	}
	for _, bad := range []Input{{ClientMAC: "nope"}, {TransactionID: "0xzz"}, {MessageType: "HELLO"}, {ServerID: "::1"}, {StartTime: "yesterday"}, {Limit: intp(5000)}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestMaxPackets: --max-packets limits the packets list, with mcpcap's note,
// while statistics still cover the capture.
func TestMaxPackets(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcp-normal-lan.pcap")
	out, err := New(Options{}).analyze(context.Background(), pcaptest.Env(10), Input{PcapFile: file, Limit: intp(100)})
	if err != nil {
		t.Fatal(err)
	}
	if out.DHCPPacketsFound != 202 || out.DHCPPacketsAnalyzed != 10 || len(out.Packets) != 10 || out.PacketsPage.Total != 10 ||
		out.Note != "Analysis limited to first 10 DHCP packets due to --max-packets setting" || out.Statistics.TransactionCount != 59 {
		t.Errorf("found %d analyzed %d packets %d note %q transactions %d", out.DHCPPacketsFound, out.DHCPPacketsAnalyzed, len(out.Packets), out.Note, out.Statistics.TransactionCount)
	}
}

// TestBudget: with default page sizes a response stays under 64 KiB even
// when every page is full of large messages; the cut is disclosed.
func TestBudget(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcp-starvation.pcap")
	out := analyze(t, Input{PcapFile: file})
	b, _ := json.Marshal(out)
	if len(b) > ResponseBudget {
		t.Errorf("%d bytes", len(b))
	}
	big := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-options.pcap")})
	b, _ = json.Marshal(big)
	if len(b) > ResponseBudget {
		t.Errorf("%d bytes", len(b))
	}
	// Explicit large pages are honoured.
	out = analyze(t, Input{PcapFile: file, Limit: intp(400)})
	if len(out.Packets) != 400 {
		t.Errorf("limit 400: %d packets", len(out.Packets))
	}
}

func TestOptionDecoding(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dhcp-options.pcap"), Limit: intp(100)})
	if len(out.Packets) != 7 {
		t.Fatalf("%d packets, want 7", len(out.Packets))
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	offer, req, bootp, nonStd := out.Packets[1], out.Packets[2], out.Packets[4], out.Packets[5]
	checks := map[string][2]string{
		"router list":     {js(offer.Options["router"]), `["10.0.0.254"]`},
		"dns list":        {js(offer.Options["dns_servers"]), `["10.0.0.53","10.0.0.54"]`},
		"rfc3396 joined":  {offer.Options["root_path"].(string)[250:], "pppppp...(cut: 300 bytes)"}, // 300 bytes joined, shown cut at result.MaxText
		"overload file":   {js(offer.Options["bootfile_name"]), `"pxelinux0"`},
		"classless":       {js(offer.Options["classless_static_routes"]), `[{"destination":"192.168.5.0/24","router":"10.0.0.254"},{"destination":"0.0.0.0/0","router":"10.0.0.1"}]`},
		"search":          {js(offer.Options["domain_search"]), `["corp.example","lab.corp.example"]`},
		"unknown":         {js(offer.Options["option_224"]), `"dead"`},
		"wpad nul":        {js(offer.Options["wpad_url"]), `"http://wpad.corp.example/wpad.dat"`},
		"fqdn":            {js(req.Options["client_fqdn"]), `{"flags":5,"server_updates_a":true,"server_override":false,"wire_encoded":true,"no_server_update":false,"name":"laptop.corp"}`},
		"user class":      {js(req.Options["user_class"]), `["ipxe","lab"]`},
		"relay agent":     {js(req.Options["relay_agent_information"]), `{"circuit_id":"eth0/1","link_selection":"10.0.0.0","remote_id":"001122","subscriber_id":"sub"}`},
		"duid client id":  {js(req.Options["client_id"]), `{"type":255,"type_name":"IAID+DUID","id":"01020304000300013c22fb100005","iaid":16909060,"duid":"000300013c22fb100005","duid_type":3,"duid_link_address":"3c:22:fb:10:00:05"}`},
		"client_id top":   {deref(req.ClientID), "ff:01:02:03:04:00:03:00:01:3c:22:fb:10:00:05"},
		"bootp":           {bootp.Protocol + " " + bootp.MessageType + " " + bootp.ServerName + " " + bootp.BootFile, "BOOTP BOOTP bootserver /boot/vmlinuz"},
		"non-std port":    {fmt.Sprintf("%v %d %s", nonStd.NonStandardPort, nonStd.SrcPort, nonStd.MessageType), "true 6868 DISCOVER"},
		"prl":             {js(offer.Options["parameter_request_list"]), "null"},
		"lease top-level": {fmt.Sprint(*offer.LeaseTime, " ", *offer.RenewalTime, " ", *offer.RebindingTime), "3600 1800 3150"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: got %s, want %s", name, c[0], c[1])
		}
	}
	first := out.Packets[0].Options["parameter_request_list"].(ParameterRequestList)
	if fmt.Sprint(first.Codes) != "[1 121 3 6 15 119 252 95 44 46]" || first.Names[1] != "classless_static_routes" {
		t.Errorf("PRL = %+v", first)
	}
	if fp := out.Clients[0].Fingerprint; fp != "1,121,3,6,15,119,252,95,44,46" {
		t.Errorf("fingerprint = %q", fp)
	}
}

// offerPayload returns the UDP payload of the OFFER in dhcp-options.pcap.
func offerPayload(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(pcaptest.Root(tb), "testdata", "gen", "dhcp-options.pcap"))
	if err != nil {
		tb.Fatal(err)
	}
	rd, err := capture.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	var p capture.Packet
	for i := 0; i < 2; i++ {
		if err := rd.ReadPacket(&p); err != nil {
			tb.Fatal(err)
		}
	}
	return append([]byte(nil), p.Data[14+20+8:]...)
}

func TestPrompts(t *testing.T) {
	ps := New(Options{}).Prompts()
	names := map[string]bool{}
	for _, p := range ps {
		names[p.Name] = true
		text, err := p.Render(map[string]string{"pcap_file": "/captures/lan.pcapng"})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"analyze_dhcp_packets", "`/captures/lan.pcapng`", "packet_number", "offset"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: prompt lacks %q", p.Name, want)
			}
		}
		if text, _ := p.Render(map[string]string{}); !strings.Contains(text, "ask for its path") {
			t.Errorf("%s without pcap_file does not ask for the capture", p.Name)
		}
	}
	for _, n := range []string{"dhcp_network_analysis", "dhcp_security_analysis", "dhcp_forensic_investigation"} {
		if !names[n] {
			t.Errorf("prompt %s missing", n)
		}
	}
}
