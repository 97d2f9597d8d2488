package dhcp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// allCaptures are the module's captures and, when the shared corpus is
// there, every corpus capture tshark reads.
func allCaptures(t *testing.T) []string {
	files := dhcpCaptures(t)
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, s := range pcaptest.CorpusSummaries(t, dir) {
			if s.TsharkExit == 0 && s.Packets > 0 {
				files = append(files, filepath.Join(dir, s.File))
			}
		}
	} else {
		t.Log("shared corpus not found (set MCPACKET_CORPUS): checking the module's captures only")
	}
	return files
}

// TestDefaultSize: with default arguments the JSON is at most
// ResponseBudget (32 KiB) on every capture, and begins with the summary:
// identity and totals, note/message/warnings, statistics, anomalies.
func TestDefaultSize(t *testing.T) {
	wantOrder := []string{"file", "total_packets", "dhcp_packets_found", "dhcp_packets_analyzed", "warnings", "statistics", "anomalies",
		"servers", "servers_total", "clients", "clients_page", "transactions", "transactions_page", "packets", "packets_page", "filters", "thresholds"}
	for _, file := range allCaptures(t) {
		out := analyze(t, Input{PcapFile: file})
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > ResponseBudget {
			t.Errorf("%s: default response is %d bytes, over %d", filepath.Base(file), len(b), ResponseBudget)
		}
		keys := pcaptest.TopKeys(t, b)
		if got := strings.Join(without(keys, "note", "message"), ","); got != strings.Join(wantOrder, ",") {
			t.Fatalf("%s: keys in order %s, want %s", filepath.Base(file), got, strings.Join(wantOrder, ","))
		}
	}
}

func without(keys []string, drop ...string) []string {
	var out []string
	for _, k := range keys {
		if !strings.Contains(","+strings.Join(drop, ",")+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// TestLimitZero: a limit of 0 returns no items of that list, just its page
// object, and the summary; an absent limit is the default.
func TestLimitZero(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcp-normal-lan.pcap")
	out := analyze(t, Input{PcapFile: file, Limit: intp(0), TransactionsLimit: intp(0), ClientsLimit: intp(0)})
	if len(out.Packets) != 0 || len(out.Transactions) != 0 || len(out.Clients) != 0 || len(out.Statistics.Transactions) != 0 {
		t.Errorf("limit 0: %d packets, %d transactions, %d clients, %d legacy transactions", len(out.Packets), len(out.Transactions), len(out.Clients), len(out.Statistics.Transactions))
	}
	for name, pg := range map[string]struct{ total, limit, returned int }{
		"packets": {out.PacketsPage.Total, out.PacketsPage.Limit, out.PacketsPage.Returned}, "transactions": {out.TxPage.Total, out.TxPage.Limit, out.TxPage.Returned},
		"clients": {out.ClientsPage.Total, out.ClientsPage.Limit, out.ClientsPage.Returned},
	} {
		if pg.total == 0 || pg.limit != 0 || pg.returned != 0 {
			t.Errorf("%s page with limit 0: %+v", name, pg)
		}
	}
	if out.Statistics.UniqueClientsCount != 42 || len(out.Anomalies) != 0 || len(out.Servers) == 0 {
		t.Errorf("limit 0 keeps the summary: clients %d, servers %d", out.Statistics.UniqueClientsCount, len(out.Servers))
	}
	// Through the tool's JSON arguments too.
	tool := New(Options{}).Tools()[0]
	in, err := tool.Decode([]byte(`{"pcap_file": "x.pcap", "limit": 0, "clients_limit": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	if i := in.(*Input); i.Limit == nil || *i.Limit != 0 || *i.ClientsLimit != 3 || i.TransactionsLimit != nil {
		t.Errorf("decoded limits %v %v %v", i.Limit, i.ClientsLimit, i.TransactionsLimit)
	}
	for _, bad := range []string{`"limit": -1`, `"transactions_limit": 1001`, `"clients_offset": -2`} {
		in, err := tool.Decode([]byte(`{"pcap_file": "` + file + `", ` + bad + `}`))
		if err == nil {
			_, err = tool.Run(t.Context(), pcaptest.Env(0), in)
		}
		name := strings.Trim(strings.SplitN(bad, ":", 2)[0], `"`)
		if err == nil || !strings.HasPrefix(err.Error(), name+" ") {
			t.Errorf("%s: error %v, want one naming %s", bad, err, name)
		}
	}
}

// TestDHCPv6Counted: DHCPv6 messages are counted and the note says they are
// not analyzed; the count agrees with tshark's on every corpus capture.
func TestDHCPv6Counted(t *testing.T) {
	sol := []byte{1, 0xca, 0x8e, 0x45, 0, 8, 0, 2, 0, 0} // SOLICIT, xid, elapsed time
	frame := func(sport, dport uint16) []byte {
		eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:5e:00:53:01"), DstMAC: pcaptest.MAC(t, "33:33:00:01:00:02"), EthernetType: layers.EthernetTypeIPv6}
		ip := &layers.IPv6{Version: 6, HopLimit: 1, NextHeader: layers.IPProtocolUDP, SrcIP: []byte{0xfe, 0x80, 15: 1}, DstIP: []byte{0xff, 0x02, 13: 1, 15: 2}}
		udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		return pcaptest.Serialize(t, eth, ip, udp, gopacket.Payload(sol))
	}
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	file := filepath.Join(t.TempDir(), "dhcpv6.pcap")
	os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, []pcaptest.Frame{
		{Time: t0, Data: frame(546, 547)}, {Time: t0.Add(time.Second), Data: frame(547, 546)}, {Time: t0.Add(2 * time.Second), Data: frame(546, 547)},
	}), 0o644)
	out := analyze(t, Input{PcapFile: file})
	if out.Statistics.DHCPv6Packets != 3 || out.Note != "3 DHCPv6 messages (UDP 546/547): not analyzed by this tool; analyze_dhcpv6_packets does" || out.Message != "No DHCP packets found" {
		t.Errorf("dhcpv6 %d, note %q, message %q", out.Statistics.DHCPv6Packets, out.Note, out.Message)
	}
	out, err := New(Options{}).analyze(t.Context(), pcaptest.Env(1), Input{PcapFile: pcaptest.GenFile(t, "dhcp-normal-lan.pcap")})
	if err != nil || out.Statistics.DHCPv6Packets != 0 || strings.Contains(out.Note, "DHCPv6") {
		t.Errorf("no DHCPv6: note %q, %v", out.Note, err)
	}

	dir, ok := pcaptest.CorpusDir(t)
	if !ok {
		t.Skip("shared corpus not found (set MCPACKET_CORPUS): DHCPv6 counts not compared with tshark")
	}
	compared := 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.TsharkExit != 0 || s.Packets == 0 {
			continue
		}
		want := 0
		if table := filepath.Join(dir, "truth", s.File+".dhcpv6.tsv"); fileExists(table) {
			want = len(pcaptest.ReadTSV(t, table))
			compared++
		}
		out := analyze(t, Input{PcapFile: filepath.Join(dir, s.File)})
		if out.Statistics.DHCPv6Packets != want {
			t.Errorf("%s: %d DHCPv6 messages, tshark %d", s.File, out.Statistics.DHCPv6Packets, want)
		}
		if want > 0 && !strings.Contains(out.Note, fmt.Sprintf("%d DHCPv6 messages", want)) {
			t.Errorf("%s: note %q does not mention the DHCPv6 messages", s.File, out.Note)
		}
	}
	if compared < 5 {
		t.Errorf("compared %d captures with DHCPv6, want at least 5", compared)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestVendorSubOptionText: option 125 sub-options show printable values as
// text beside the hex; others as hex alone.
func TestVendorSubOptionText(t *testing.T) {
	v := []byte{0, 0, 0x0d, 0xe9, 12, 1, 4, 't', 'e', 's', 't', 2, 4, 0, 0xff, 0x1b, 'a'}
	val, problem := decodeValue(optVIVendorSpecific, v)
	if problem != "" {
		t.Fatal(problem)
	}
	js, _ := json.Marshal(val)
	if want := `[{"enterprise":3561,"sub_options":[{"code":1,"hex":"74657374","text":"test"},{"code":2,"hex":"00ff1b61"}]}]`; string(js) != want {
		t.Errorf("option 125 = %s, want %s", js, want)
	}
	out := analyze(t, Input{PcapFile: filepath.Join("testdata", "dhcp-release-pcapplusplus.pcap")})
	js, _ = json.Marshal(out.Packets[0].Options["vendor_identifying_vendor_specific"])
	if !strings.Contains(string(js), `"hex":"5745434f31304b483035303035363935","text":"WECO10KH05005695"`) {
		t.Errorf("option 125 of dhcp-release-pcapplusplus.pcap = %s", js)
	}
}

// TestLongListsCut: a list-valued option of more than maxOptionItems items
// (RFC 3396 lets one run past 255 bytes) is shown cut, and options_cut says
// how many items it had.
func TestLongListsCut(t *testing.T) {
	routers := make([]byte, 4*100)
	for i := range 100 {
		copy(routers[4*i:], []byte{10, 0, byte(i), 1})
	}
	ack := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 7, ClientHWAddr: pcaptest.MAC(t, "00:00:5e:00:53:10"),
		YourClientIP: []byte{10, 0, 0, 9}, Options: append([]layers.DHCPOption{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)})},
			longOption(layers.DHCPOptRouter, routers)...)}
	file := filepath.Join(t.TempDir(), "routers.pcap")
	os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, []pcaptest.Frame{
		{Time: time.Unix(1700000000, 0), Data: pcaptest.UDP4(t, "00:00:5e:00:53:01", "00:00:5e:00:53:10", "10.0.0.1", "10.0.0.9", 67, 68, pcaptest.Serialize(t, ack))},
	}), 0o644)
	p := analyze(t, Input{PcapFile: file}).Packets[0]
	if r := p.Options["router"].([]string); len(r) != maxOptionItems || r[0] != "10.0.0.1" || p.OptionsCut["router"] != 100 {
		t.Errorf("router list of 100: shown %d, options_cut %v", len(r), p.OptionsCut)
	}
}

// TestStarvationPercent: the starvation summary gives the completed share
// by result.Percent: 1 of 150 MACs is "<1%", never "0%".
func TestStarvationPercent(t *testing.T) {
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	var frames []pcaptest.Frame
	for i := range 150 {
		mac := fmt.Sprintf("02:00:00:00:%02x:%02x", i>>8, i&0xff)
		d := &layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: uint32(i), ClientHWAddr: pcaptest.MAC(t, mac),
			Options: []layers.DHCPOption{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)})}}
		frames = append(frames, pcaptest.Frame{Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Data: pcaptest.UDP4(t, mac, "ff:ff:ff:ff:ff:ff", "0.0.0.0", "255.255.255.255", 68, 67, pcaptest.Serialize(t, d))})
	}
	ack := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0, ClientHWAddr: pcaptest.MAC(t, "02:00:00:00:00:00"), YourClientIP: []byte{10, 0, 0, 9},
		Options: []layers.DHCPOption{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)}), layers.NewDHCPOption(layers.DHCPOptServerID, []byte{10, 0, 0, 1})}}
	frames = append(frames, pcaptest.Frame{Time: t0.Add(2 * time.Second), Data: pcaptest.UDP4(t, "00:00:5e:00:53:01", "02:00:00:00:00:00", "10.0.0.1", "10.0.0.9", 67, 68, pcaptest.Serialize(t, ack))})
	file := filepath.Join(t.TempDir(), "starvation.pcap")
	os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o644)
	for _, a := range analyze(t, Input{PcapFile: file}).Anomalies {
		if a.Type == AnomalyStarvation {
			if !strings.Contains(a.Summary, "only 1 of them (<1%)") {
				t.Errorf("summary %q: want 1 of them (<1%%)", a.Summary)
			}
			return
		}
	}
	t.Error("no dhcp_starvation finding")
}
