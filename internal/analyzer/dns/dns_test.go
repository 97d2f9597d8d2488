package dns

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

func intp(n int) *int { return &n }

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

// findings runs the tool with default arguments on file and returns its
// anomalies.
func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

// allPackets pages through every DNS message of a capture.
func allPackets(t *testing.T, file string) []Packet {
	return pcaptest.AllPages(t, func(offset int) ([]Packet, result.Page) {
		out := analyze(t, Input{PcapFile: file, Limit: intp(MaxLimit), Offset: offset})
		return out.Packets, out.PacketsPage
	})
}

// tsharkFields is the command that made the corpus truth tables (the
// columns the comparison uses).
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
	"-Y", "dns || mdns || llmnr", "-e", "frame.number", "-e", "dns.id", "-e", "dns.flags.response", "-e", "dns.qry.name",
	"-e", "dns.qry.type", "-e", "dns.flags.rcode", "-e", "dns.count.answers", "-e", "dns.count.queries"}

// compareWithTshark checks each DNS message tshark shows in file against
// ours: frame number, id, response flag, first question name and type,
// rcode and answer count. A frame can carry several messages (DNS over
// TCP); tshark joins their values with commas.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	byFrame := map[int][]Packet{}
	for _, p := range allPackets(t, file) {
		byFrame[p.PacketNumber] = append(byFrame[p.PacketNumber], p)
	}
	checked := 0
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		ours := byFrame[n]
		ids := strings.Split(row["dns.id"], ",")
		if len(ours) != len(ids) {
			t.Errorf("%s frame %d: %d messages, tshark %d (%v)", filepath.Base(file), n, len(ours), len(ids), row)
			continue
		}
		resp := strings.Split(row["dns.flags.response"], ",")
		ancount := strings.Split(row["dns.count.answers"], ",")
		qcount := strings.Split(row["dns.count.queries"], ",")
		rcodes := strings.Split(row["dns.flags.rcode"], ",")
		names := strings.Split(row["dns.qry.name"], ",")
		qtypes := strings.Split(row["dns.qry.type"], ",")
		qi, ri := 0, 0
		for i, p := range ours {
			want := []string{ids[i], resp[i], ancount[i]}
			have := []string{fmt.Sprintf("0x%04x", p.DNSID), b01(p.Flags.IsResponse), strconv.Itoa(p.Counts[1])}
			if p.Opcode == 5 && ancount[i] == "" {
				// UPDATE: tshark names the second section prerequisites.
				have[2] = ""
			}
			if p.Flags.IsResponse && ri < len(rcodes) {
				want, have = append(want, rcodes[ri]), append(have, strconv.Itoa(headerRcode(p)))
				ri++
			}
			if nq, _ := strconv.Atoi(qcount[i]); nq > 0 && qi < len(names) && len(p.Questions) > 0 {
				want = append(want, names[qi], qtypes[qi])
				have = append(have, tsharkName(p.Questions[0].Name), strconv.Itoa(p.Questions[0].Type))
				qi += min(nq, len(p.Questions))
			}
			if fmt.Sprint(want) != fmt.Sprint(have) {
				t.Errorf("%s frame %d message %d: %q, tshark %q", filepath.Base(file), n, i+1, have, want)
			}
			checked++
		}
	}
	return checked
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// headerRcode is the 4-bit header rcode tshark shows as dns.flags.rcode.
func headerRcode(p Packet) int {
	if p.Rcode == nil {
		return -1
	}
	return *p.Rcode & 0xf
}

// tsharkName writes a name as tshark does: the root as <Root>.
func tsharkName(n string) string {
	if n == "." {
		return "<Root>"
	}
	return n
}

// TestAgreesWithTshark checks every DNS message of the shared corpus against
// tshark's output (../shared/corpus/truth/*.dns.tsv).
func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "dns", 900, compareWithTshark)
}

// TestAgreesWithLiveTshark runs tshark on the repository's captures.
func TestAgreesWithLiveTshark(t *testing.T) {
	more, _ := filepath.Glob(pcaptest.Testdata(t, "*.pcap*"))
	files := slices.DeleteFunc(pcaptest.ModuleCaptures(t, "dns-*.pcap", more...), func(f string) bool { return strings.Contains(f, "malformed-") })
	pcaptest.LiveTshark(t, files, 50, tsharkFields, compareWithTshark)
}

// TestAnomalies: each generated capture fires exactly its detectors.
func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"dns-normal.pcap":           {},
		"dns-tunnel.pcap":           {AnomalyTunneling: "high"},
		"dns-dga.pcap":              {AnomalyDGA: "high", AnomalyNXDomainRate: "medium"},
		"dns-nxdomain-typos.pcap":   {AnomalyNXDomainRate: "medium"},
		"dns-slow-server.pcap":      {AnomalySlowServer: "medium"},
		"dns-unanswered.pcap":       {AnomalyUnanswered: "medium"},
		"dns-nonstandard-port.pcap": {AnomalyNonStandard: "medium"},
		"dns-amplification.pcap":    {AnomalyLargeResponse: "high"},
		"dns-malformed.pcap":        {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestCorpusSilence: no detector fires on the corpus captures of ordinary
// traffic; the exceptions are listed with their reason.
func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// tcpdump's crafted 63 KB responses with a bad label or a forward
		// pointer, sent with no query.
		"dns-bad-label-tcpdump.pcap":        {AnomalyLargeResponse, AnomalyMalformed},
		"dns-forward-pointer-tcpdump.pcap":  {AnomalyLargeResponse, AnomalyMalformed},
		"dns-compression-loop-tcpdump.pcap": {AnomalyMalformed},
		"dns-malformed-ndpi.pcap":           {AnomalyMalformed},
		// 357 queries to 192.168.199.1:53 and not one DNS response (the host is
		// up: it answers LLMNR, NBNS and SMB): a genuine unanswered server.
		"mixed-smb-dhcpv6-ipv6-suricata.pcap": {AnomalyUnanswered},
	}
	pcaptest.CorpusSilence(t, expected, nil, findings)
}

func TestTCPAndTransactions(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "dns-normal.pcap"), Limit: intp(1000), TransactionsLimit: intp(1000)})
	var tcp []Packet
	for _, p := range out.Packets {
		if p.Protocol == "TCP" {
			tcp = append(tcp, p)
		}
	}
	// The split query completes at its second segment, and so does its
	// split answer, two frames later; two queries share one segment, as do
	// their answers.
	if len(tcp) != 6 || tcp[1].PacketNumber != tcp[0].PacketNumber+2 || tcp[2].PacketNumber != tcp[3].PacketNumber || tcp[4].PacketNumber != tcp[5].PacketNumber {
		t.Fatalf("TCP messages = %v", frames(tcp))
	}
	if len(tcp[1].Answers) != 1 || len(tcp[1].Answers[0].Data) < 500 || tcp[1].ResponseTimeMs == nil {
		t.Errorf("reassembled TXT answer = %+v", tcp[1].Answers)
	}
	// Both answers of the shared segment are linked to their queries.
	for _, p := range tcp[4:] {
		if !p.Flags.IsResponse || p.ResponseTimeMs == nil || p.QueryPacket == nil || *p.QueryPacket != tcp[2].PacketNumber {
			t.Errorf("answer %d (id %d): query_packet %v, response_time_ms %v", p.PacketNumber, p.DNSID, p.QueryPacket, p.ResponseTimeMs)
		}
	}
	st := out.Statistics
	if st.Answered != 154 || st.Unanswered != 0 || st.Retransmissions != 1 || st.ByTransport["TCP"] != 6 || st.RcodeCounts["NXDOMAIN"] != 8 {
		t.Errorf("statistics = %+v", st)
	}
	var retrans Transaction
	for _, tr := range out.Transactions {
		if tr.Retransmissions > 0 {
			retrans = tr
		}
	}
	if retrans.Status != "answered" || retrans.ResponseTimeMs == nil || *retrans.ResponseTimeMs > 10 || retrans.WaitMs == nil || *retrans.WaitMs < 1000 {
		t.Errorf("retransmitted transaction = %+v", retrans)
	}
	if len(out.Servers) != 1 || out.Servers[0].AnswerRate != 1 || out.Servers[0].ResponseTimeMs.Max > 20 {
		t.Errorf("servers = %+v", out.Servers)
	}
}

func frames(ps []Packet) []int {
	var f []int
	for _, p := range ps {
		f = append(f, p.PacketNumber)
	}
	return f
}

func TestFiltersAndPaging(t *testing.T) {
	file := pcaptest.GenFile(t, "dns-normal.pcap")
	all := analyze(t, Input{PcapFile: file})
	if len(all.Packets) != DefaultLimit || !all.PacketsPage.Truncated || all.PacketsPage.Total != 309 {
		t.Fatalf("default page = %+v", all.PacketsPage)
	}
	cases := []struct {
		in    Input
		total int
	}{
		{Input{Domain: "WWWW.example"}, 18},
		{Input{QType: "aaaa"}, 34},
		{Input{RCode: "NXDOMAIN"}, 8},
		{Input{ClientIP: "10.0.1.5"}, 22},
		{Input{ServerIP: "10.0.0.53"}, 309},
		{Input{ServerIP: "10.9.9.9"}, 0},
		{Input{StartTime: "2024-06-03T09:00:00Z", EndTime: "2024-06-03T09:00:01Z"}, 4},
	}
	for _, c := range cases {
		c.in.PcapFile = file
		out := analyze(t, c.in)
		if out.PacketsPage.Total != c.total || out.Statistics.Queries != all.Statistics.Queries {
			t.Errorf("%+v: %d messages, want %d", c.in, out.PacketsPage.Total, c.total)
		}
	}
	for _, bad := range []Input{{QType: "BOGUS"}, {RCode: "WHAT"}, {ClientIP: "x"}, {StartTime: "soon"}, {Limit: intp(-1)}, {Limit: intp(MaxLimit + 1)}, {Offset: -1}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestGolden(t *testing.T) {
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "dns-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_dns_packets", "security_analysis", "network_troubleshooting", "forensic_investigation")
}

// TestThresholds: a threshold given as an argument reaches its detector and
// the output's echo; one out of its declared bounds is an error that names
// it and the bounds.
func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	file := pcaptest.GenFile(t, "dns-normal.pcap")
	args, _ := json.Marshal(map[string]any{"pcap_file": file, "nxdomain_max_rate": 0.01, "tunnel_min_subdomains": 7})
	in, err := tool.Decode(args)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tool.Run(t.Context(), pcaptest.Env(0), in)
	if err != nil {
		t.Fatal(err)
	}
	out := res.(*Output)
	var types []string
	for _, a := range out.Anomalies {
		types = append(types, a.Type)
	}
	if fmt.Sprint(types) != "[high_nxdomain_rate]" {
		t.Errorf("anomalies with nxdomain_max_rate 0.01 = %v, want [high_nxdomain_rate]", types)
	}
	b, _ := json.Marshal(out.Thresholds)
	want := `{"tunnel_min_subdomains":7,"tunnel_min_label_length":24,"tunnel_min_entropy":3.5,"dga_min_nxdomain":20,` +
		`"nxdomain_min_responses":20,"nxdomain_max_rate":0.01,"slow_server_median_ms":250,"slow_server_min_answered":5,` +
		`"unanswered_min":5,"unanswered_min_rate":0.2,"unanswered_timeout_seconds":5,"large_response_bytes":2048,"large_response_min":5}`
	if string(b) != want {
		t.Errorf("thresholds = %s, want %s", b, want)
	}
	for _, c := range []struct{ args, want string }{
		{`{"pcap_file":"x","nxdomain_max_rate":3}`, "nxdomain_max_rate must be 0 to 1; got 3"},
		{`{"pcap_file":"x","tunnel_min_subdomains":2.5}`, "tunnel_min_subdomains must be a whole number from 1 to 2000; got 2.5"},
		{`{"pcap_file":"x","unanswered_timeout_seconds":0}`, "unanswered_timeout_seconds must be 0.001 to 3600; got 0"},
		{`{"pcap_file":"x","large_response_bytes":"big"}`, "large_response_bytes must be a whole number from 1 to 65535"},
	} {
		if _, err := tool.Decode([]byte(c.args)); err == nil || err.Error() != c.want {
			t.Errorf("Decode(%s) = %v, want %q", c.args, err, c.want)
		}
	}
	if err := tool.SetArg(tool.NewInput(), "dga_min_nxdomain", "0"); err == nil {
		t.Error("SetArg(dga_min_nxdomain, 0): no error")
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

// TestBrief: in a shared pass the module finds what its tool finds, with
// the same statistics, on every capture of its testdata and every generated
// DNS capture.
func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "dns-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "dns", Summary: out.Statistics, Findings: out.Anomalies}
	})
}
