package tcp

import (
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

func connections(t testing.TB, in ConnectionsInput) *ConnectionsOutput {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).connections, in)
}

// anomalies runs analyze_tcp_anomalies; thresholds not set are at their
// defaults, as the front ends give them.
func anomalies(t testing.TB, in AnomaliesInput) *AnomaliesOutput {
	t.Helper()
	if in.Thresholds.Params() == nil {
		in.Thresholds = defaultThresholds()
	}
	return pcaptest.Run(t, New(Options{}).anomalies, in)
}

func retransmissions(t testing.TB, in RetransmissionsInput) *RetransmissionsOutput {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).retransmissions, in)
}

func flowOf(t testing.TB, in FlowInput) *FlowOutput {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).flow, in)
}

// allConnections pages through every connection.
func allConnections(t *testing.T, in ConnectionsInput) []Connection {
	in.Limit = ptr(3)
	return pcaptest.AllPages(t, func(offset int) ([]Connection, result.Page) {
		in.Offset = offset
		out := connections(t, in)
		return out.Connections, out.Page
	})
}

func types(as []result.Finding) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Type)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAnomalies runs the detectors on the generated captures: each fires on
// the capture made for it, and the normal capture stays silent.
func TestAnomalies(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string // sorted
		main string   // the type the capture was made for
		// check looks at the anomaly of the main type.
		check func(t *testing.T, a result.Finding)
	}{
		{file: "tcp-normal.pcap"},
		{file: "tcp-port-scan.pcap", want: []string{AnomalyPortScan}, main: AnomalyPortScan, check: func(t *testing.T, a result.Finding) {
			d := a.Details
			if d["scanner"] != "10.0.9.66" || d["targets"] != 60 || d["ports"] != 60 || d["hosts"] != 1 {
				t.Errorf("details %v", d)
			}
			if open := d["answered_ports"].([]string); !slices.Equal(open, []string{"10.0.0.5:22", "10.0.0.5:80", "10.0.0.5:443"}) {
				t.Errorf("answered ports %v", open)
			}
			if d["refused"].(int)+d["unanswered"].(int)+3 != 60 {
				t.Errorf("refused %v + unanswered %v + 3 open != 60", d["refused"], d["unanswered"])
			}
		}},
		{file: "tcp-syn-flood.pcap", want: []string{AnomalyHalfOpen, AnomalyHandshakeFail, AnomalySynFlood}, main: AnomalySynFlood, check: func(t *testing.T, a result.Finding) {
			d := a.Details
			if d["server"] != "10.0.0.5:80" || d["peak_per_second"].(int) < 400 || d["completed"] != 2 || d["sources"].(int) < 390 {
				t.Errorf("details %v", d)
			}
		}},
		{file: "tcp-retransmissions.pcap", want: []string{AnomalyRetrans}, main: AnomalyRetrans, check: func(t *testing.T, a result.Finding) {
			if a.Details["connections_over_threshold"] != 3 || a.EvidenceFramesTotal != a.Details["retransmissions"] {
				t.Errorf("details %v, evidence %d", a.Details, a.EvidenceFramesTotal)
			}
		}},
		{file: "tcp-rst-storm.pcap", want: []string{AnomalyRstStorm}, main: AnomalyRstStorm, check: func(t *testing.T, a result.Finding) {
			if a.Details["resets"] != 30 || a.Details["reset_by"].(map[string]int)["server"] != 30 {
				t.Errorf("details %v", a.Details)
			}
		}},
		{file: "tcp-zero-window.pcap", want: []string{AnomalyZeroWindow}, main: AnomalyZeroWindow, check: func(t *testing.T, a result.Finding) {
			s := a.Details["stalls"].([]map[string]any)[0]
			if s["receiver"] != "client" || s["zero_window_ms"].(float64) < 5000 {
				t.Errorf("stall %v", s)
			}
		}},
		{file: "tcp-handshake-failures.pcap", want: []string{AnomalyHandshakeFail}, main: AnomalyHandshakeFail, check: func(t *testing.T, a result.Finding) {
			d := a.Details
			if d["server"] != "10.0.0.5:5432" || d["refused"] != 5 || d["unanswered"] != 5 || d["attempts"] != 11 {
				t.Errorf("details %v", d)
			}
		}},
		{file: "tcp-half-open.pcap", want: []string{AnomalyHalfOpen, AnomalyHandshakeFail}, main: AnomalyHalfOpen, check: func(t *testing.T, a result.Finding) {
			if a.Details["half_open"] != 15 || a.Details["attempts"] != 30 {
				t.Errorf("details %v", a.Details)
			}
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			out := anomalies(t, AnomaliesInput{Common: Common{PcapFile: pcaptest.GenFile(t, c.file)}})
			if got := types(out.Anomalies); !slices.Equal(got, c.want) {
				t.Fatalf("anomalies %v, want %v: %+v", got, c.want, out.Anomalies)
			}
			for _, a := range out.Anomalies {
				if len(a.EvidenceFrames) == 0 || a.EvidenceFramesTotal < len(a.EvidenceFrames) {
					t.Errorf("%s: evidence %v of %d", a.Type, a.EvidenceFrames, a.EvidenceFramesTotal)
				}
				if a.Type == c.main {
					c.check(t, a)
				}
			}
		})
	}
}

// TestCorpusSilence runs the detectors on the corpus: they stay silent
// except on captures that show what they detect.
func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		"tcp-retrans-wireshark-sample-arkime.pcap": {AnomalyRetrans},  // 47 of 108 segments retransmitted
		"tcp-ssh-duplicate-packets-zeek.pcap":      {AnomalyRetrans},  // every packet twice: Wireshark calls the copies retransmissions
		"tcp-syn-port-scan-chrissanders.pcapng":    {AnomalyPortScan}, // an nmap SYN scan of 1000 ports
		"tcp-zero-window-dead-chrissanders.pcapng": {AnomalyZeroWindow},
		// 78 of its 158 frames were captured twice, 1-7 µs apart; 49 of
		// tshark's 50 retransmissions are those copies (not yet acknowledged,
		// so not spurious): 50 of 158 segments, above the 5% rate.
		"http-cab-downloads-multi-conn-zeek.pcap": {AnomalyRetrans},
	}
	checked := pcaptest.CorpusSilence(t, expected, func(s pcaptest.CorpusSummary) bool { return s.Counts["tcp"] > 0 }, func(t *testing.T, file string) []result.Finding {
		// One finding of each type, as types lists them.
		var one []result.Finding
		for _, a := range anomalies(t, AnomaliesInput{Common: Common{PcapFile: file}}).Anomalies {
			if !slices.ContainsFunc(one, func(b result.Finding) bool { return b.Type == a.Type }) {
				one = append(one, a)
			}
		}
		return one
	})
	if checked < 40 {
		t.Errorf("checked %d corpus captures with TCP", checked)
	}
}

// TestConnectionSemantics checks the fixes to mcpcap's counting and the
// connection life cycle on the generated normal capture.
func TestConnectionSemantics(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-normal.pcap")
	out := connections(t, ConnectionsInput{Common: Common{PcapFile: file}, Detailed: true, Limit: ptr(100)})
	s := out.Summary
	if s.TotalConnections != 16 || s.SuccessfulHandshakes != 14 || s.FailedHandshakes != 1 || s.RefusedConnections != 1 ||
		s.NormalClose != 14 || s.ResetConnections != 1 || s.Midstream != 1 || s.ActiveConnections != 1 || s.ReusedPorts != 1 {
		t.Errorf("summary %+v", s)
	}
	if s.HandshakeRTTMsMedian == nil || *s.HandshakeRTTMsMedian != 21 {
		t.Errorf("median handshake RTT %v, want 21 ms (20 ms RTT plus 1 ms for the client's ACK)", s.HandshakeRTTMsMedian)
	}
	if out.TCPPacketsFound != out.TotalPackets {
		t.Errorf("tcp_packets_found %d of %d frames, all TCP", out.TCPPacketsFound, out.TotalPackets)
	}
	seen := map[string]bool{}
	for _, c := range out.Connections {
		key := c.Client + " " + c.Server
		switch {
		case strings.HasSuffix(c.Server, ":443"):
			// SYN and SYN-ACK are counted apart; the handshake needs the
			// final ACK; the client is the SYN's sender.
			if c.SynCount != 1 || c.SynAckCount != 1 || !c.HandshakeComplete || c.TCPState != "closed" || c.CloseReason != "normal" ||
				c.State != "closed" || c.DirectionSource != "syn" || !strings.HasPrefix(c.Client, "10.0.1.") || c.FinCount != 2 {
				t.Errorf("web connection %+v", c)
			}
			d := c.Detail
			if d.ClientToServer.MSS != 1460 || d.ServerToClient.MSS != 1400 || *d.ClientToServer.WindowScale != 7 || !d.ServerToClient.SackPermitted ||
				*d.Handshake.SynToSynAckMs != 20 || *d.Handshake.SynAckToAckMs != 1 || d.ServerToClient.PayloadBytes != c.PayloadToClient {
				t.Errorf("detail of %s: %+v", key, d)
			}
			if c.Stream == 12 != c.ReusedPorts {
				t.Errorf("stream %d reused_ports %v: only the second connection from 10.0.1.1:50000 reuses its ports", c.Stream, c.ReusedPorts)
			}
		case strings.HasSuffix(c.Server, ":5432"):
			if c.TCPState != "refused" || c.ResetBy != "server" || c.ResetInState != "syn_sent" || c.HandshakeComplete || c.CloseReason != "refused" {
				t.Errorf("refused connection %+v", c)
			}
		case strings.HasSuffix(c.Server, ":3306"):
			if c.TCPState != "midstream" || c.DirectionSource != "port" || c.Client != "10.0.1.3:53000" || c.HandshakeRTTMs != nil || c.State != "active" {
				t.Errorf("midstream connection %+v", c)
			}
		case strings.HasPrefix(c.Client, "[2001:db8::9]"):
			if c.Analysis["keep_alive"] != 1 || c.Analysis["keep_alive_ack"] != 1 || c.TCPState != "closed" {
				t.Errorf("IPv6 connection with a keep-alive %+v", c)
			}
		default:
			t.Errorf("unexpected connection %+v", c)
		}
		if seen[key] && c.Stream != 12 {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
	}
	// Naming a server turns the connection around.
	rev := connections(t, ConnectionsInput{Common: Common{PcapFile: file, ServerIP: "10.0.1.3", ServerPort: 53000}})
	if len(rev.Connections) != 1 || rev.Connections[0].Server != "10.0.1.3:53000" || rev.Connections[0].DirectionSource != "server_filter" {
		t.Errorf("server_ip/server_port override: %+v", rev.Connections)
	}
	// The half-open capture: SYN and SYN-ACK without the final ACK is not a
	// completed handshake.
	half := connections(t, ConnectionsInput{Common: Common{PcapFile: pcaptest.GenFile(t, "tcp-half-open.pcap")}, State: "syn_received", Limit: ptr(100)})
	if half.Page.Total != 15 || half.Summary.HalfOpen != 15 || half.Summary.SuccessfulHandshakes != 0 {
		t.Errorf("half-open: %d listed, summary %+v", half.Page.Total, half.Summary)
	}
	for _, c := range half.Connections {
		if c.HandshakeComplete || c.SynCount != 1 || c.SynAckCount != 1 || c.CloseReason != "active" {
			t.Errorf("half-open connection %+v", c)
		}
	}
}

func TestFiltersAndPaging(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-normal.pcap")
	all := allConnections(t, ConnectionsInput{Common: Common{PcapFile: file}})
	if len(all) != 16 {
		t.Fatalf("%d connections", len(all))
	}
	for i, c := range all {
		if c.Stream != i {
			t.Errorf("position %d holds stream %d; the default order is by stream", i, c.Stream)
		}
	}
	byBytes := connections(t, ConnectionsInput{Common: Common{PcapFile: file}, SortBy: "bytes", Limit: ptr(100)}).Connections
	for i := 1; i < len(byBytes); i++ {
		if byBytes[i-1].BytesToServer+byBytes[i-1].BytesToClient < byBytes[i].BytesToServer+byBytes[i].BytesToClient {
			t.Errorf("sort_by=bytes: %d before %d", byBytes[i-1].Stream, byBytes[i].Stream)
		}
	}
	count := func(in ConnectionsInput) int {
		in.PcapFile = file
		return connections(t, in).Page.Total
	}
	for _, c := range []struct {
		in   ConnectionsInput
		want int
	}{
		{ConnectionsInput{State: "refused"}, 1},
		{ConnectionsInput{State: "closed"}, 14},
		{ConnectionsInput{State: "active"}, 1},
		{ConnectionsInput{Common: Common{ClientIP: "10.0.1.1"}}, 4},
		{ConnectionsInput{Common: Common{ServerPort: 443}}, 13},
		{ConnectionsInput{Common: Common{ServerIP: "198.51.100.80", ClientIP: "10.0.1.2"}}, 3},
		{ConnectionsInput{Common: Common{StartTime: "2024-06-03T09:00:05Z"}}, 3},
		{ConnectionsInput{Common: Common{StartTime: "2024-06-03T09:01:00Z"}}, 0},
		{ConnectionsInput{Common: Common{EndTime: "2024-06-03T09:00:00.1Z"}}, 1},
	} {
		if got := count(c.in); got != c.want {
			t.Errorf("%+v: %d connections, want %d", c.in, got, c.want)
		}
	}
	if out := connections(t, ConnectionsInput{Common: Common{PcapFile: file, ServerIP: "192.0.2.1"}}); out.Message == "" || len(out.Connections) != 0 {
		t.Errorf("no match: message %q, %d connections", out.Message, len(out.Connections))
	}
	m := New(Options{})
	ctx := context.Background()
	for _, c := range []struct {
		call func() error
		want string
	}{
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file}, State: "open"})
			return err
		}, "state"},
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file}, SortBy: "size"})
			return err
		}, "sort_by"},
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file}, Limit: ptr(5000)})
			return err
		}, "limit"},
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file, ServerPort: 70000}})
			return err
		}, "server_port"},
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file, ServerIP: "nowhere"}})
			return err
		}, "server_ip"},
		{func() error {
			_, err := m.anomalies(ctx, pcaptest.Env(0), AnomaliesInput{Common: Common{PcapFile: file}, AnalysisFlag: "lost"})
			return err
		}, "analysis_flag"},
		{func() error {
			_, err := m.retransmissions(ctx, pcaptest.Env(0), RetransmissionsInput{Common: Common{PcapFile: file}, Threshold: 3})
			return err
		}, "threshold"},
		{func() error { _, err := m.flow(ctx, pcaptest.Env(0), FlowInput{PcapFile: file}); return err }, "server_ip is required"},
		{func() error {
			_, err := m.connections(ctx, pcaptest.Env(0), ConnectionsInput{Common: Common{PcapFile: file, StartTime: "2024-06-04T00:00:00Z", EndTime: "2024-06-03T00:00:00Z"}})
			return err
		}, "before"},
	} {
		if err := c.call(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one mentioning %q", err, c.want)
		}
	}
}

func TestFlaggedSegments(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-retransmissions.pcap")
	out := anomalies(t, AnomaliesInput{Common: Common{PcapFile: file}, AnalysisFlag: "retransmission", Limit: ptr(1000)})
	rt := retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: file}, SegmentsLimit: ptr(1000), Limit: ptr(1000)})
	if out.SegmentsPage.Total != rt.TotalRetransmissions || len(rt.Segments) != rt.TotalRetransmissions || rt.TotalRetransmissions == 0 {
		t.Errorf("flagged retransmissions %d, retransmitted segments %d, total %d", out.SegmentsPage.Total, len(rt.Segments), rt.TotalRetransmissions)
	}
	sum, fast := 0, 0
	for _, c := range rt.ByConnection {
		sum += c.RetransCount
		fast += c.Fast
		if c.ClientToServer+c.ServerToClient != c.RetransCount {
			t.Errorf("%s: %d + %d != %d", c.Connection, c.ClientToServer, c.ServerToClient, c.RetransCount)
		}
	}
	if sum != rt.TotalRetransmissions || fast != rt.Breakdown["fast_retransmission"] || fast == 0 || rt.Breakdown["retransmission"] == 0 {
		t.Errorf("by_connection sums to %d (fast %d); total %d, breakdown %v", sum, fast, rt.TotalRetransmissions, rt.Breakdown)
	}
	if !rt.ExceedsThreshold || rt.Summary.WorstConnection == nil || rt.Summary.ConnectionsAboveThreshold != 3 {
		t.Errorf("threshold: %+v", rt.Summary)
	}
	for _, s := range rt.Segments {
		if s.Direction != "server_to_client" || s.Len != 1400 || !strings.HasSuffix(s.Src, ":443") {
			t.Errorf("retransmitted segment %+v: the server's data segments are the lost ones", s)
		}
	}
	one := anomalies(t, AnomaliesInput{Common: Common{PcapFile: file}, Stream: &rt.ByConnection[0].Stream, Limit: ptr(1000)})
	if len(one.Segments) < rt.ByConnection[0].RetransCount {
		t.Errorf("stream filter: %d flagged segments, want at least the connection's %d retransmissions", len(one.Segments), rt.ByConnection[0].RetransCount)
	}
	for _, s := range one.Segments {
		if s.Stream != rt.ByConnection[0].Stream {
			t.Errorf("stream filter let through %+v", s)
		}
	}
	counts := out.AnalysisCounts
	if len(counts) != int(numFlags) || counts["duplicate_ack"] == 0 || counts["lost_segment"] == 0 {
		t.Errorf("analysis_counts %v", counts)
	}
}

func TestTrafficFlow(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-normal.pcap")
	out := flowOf(t, FlowInput{PcapFile: file, ServerIP: "198.51.100.80"})
	conns := connections(t, ConnectionsInput{Common: Common{PcapFile: file, ServerIP: "198.51.100.80"}, Limit: ptr(100)})
	var pkts int
	var toServer int64
	for _, c := range conns.Connections {
		pkts += c.PacketCount
		toServer += c.BytesToServer
	}
	c2s, s2c := out.ClientToServer, out.ServerToClient
	if out.Server != "198.51.100.80:any" || out.Connections.Total != 13 || c2s.PacketCount+s2c.PacketCount != pkts || c2s.ByteCount != toServer {
		t.Errorf("server %s, %d connections, %d+%d packets (want %d), %d bytes to server (want %d)", out.Server, out.Connections.Total, c2s.PacketCount, s2c.PacketCount, pkts, c2s.ByteCount, toServer)
	}
	if c2s.SynCount != 13 || s2c.SynCount != 13 || c2s.FinCount != 13 || out.Analysis.DataFlowDirection != "server_heavy" ||
		out.Analysis.PrimaryRstSource != "none" || out.ClientsPage.Total != 4 || out.Analysis.AsymmetryRatio == nil || *out.Analysis.AsymmetryRatio >= 1 {
		t.Errorf("flow %+v", out)
	}
	if !strings.Contains(out.Analysis.Interpretation, "13 connection(s)") {
		t.Errorf("interpretation %q", out.Analysis.Interpretation)
	}
	port := flowOf(t, FlowInput{PcapFile: file, ServerIP: "10.0.0.5", ServerPort: 5432})
	if port.Server != "10.0.0.5:5432" || port.Connections.Total != 1 || port.Analysis.PrimaryRstSource != "server" {
		t.Errorf("refused server: %+v", port)
	}
}

func TestMaxPackets(t *testing.T) {
	out, err := New(Options{}).connections(context.Background(), pcaptest.Env(10), ConnectionsInput{Common: Common{PcapFile: pcaptest.GenFile(t, "tcp-normal.pcap")}})
	if err != nil {
		t.Fatal(err)
	}
	if out.TCPPacketsFound != 10 || !slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.Contains(w, "first 10 TCP packets") }) {
		t.Errorf("max packets 10: %d segments, warnings %v", out.TCPPacketsFound, out.Warnings)
	}
}

// TestDefaultResponseSize checks that default calls of all four tools fit
// in 32 KiB on every capture at hand (the module's, the repository's and
// the corpus), that limit 0 gives the summary and page objects only, and
// that paging says what was cut.
func TestDefaultResponseSize(t *testing.T) {
	files, _ := filepath.Glob(pcaptest.GenFile(t, "tcp-*.pcap"))
	more, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "tcp-*"))
	files = append(files, more...)
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, s := range pcaptest.CorpusSummaries(t, dir) {
			if s.Counts["tcp"] > 0 {
				files = append(files, filepath.Join(dir, s.File))
			}
		}
	}
	for _, f := range files {
		for name, v := range map[string]any{
			"connections":          connections(t, ConnectionsInput{Common: Common{PcapFile: f}}),
			"connections detailed": connections(t, ConnectionsInput{Common: Common{PcapFile: f}, Detailed: true}),
			"anomalies":            anomalies(t, AnomaliesInput{Common: Common{PcapFile: f}}),
			"retransmissions":      retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: f}}),
			"flow":                 busiestFlow(t, f),
		} {
			b, _ := json.Marshal(v)
			if len(b) > ResponseBudget {
				t.Errorf("%s %s: %d bytes", filepath.Base(f), name, len(b))
			}
		}
	}
	flood := pcaptest.GenFile(t, "tcp-syn-flood.pcap")
	none := connections(t, ConnectionsInput{Common: Common{PcapFile: flood}, Limit: ptr(0)})
	if len(none.Connections) != 0 || none.Page.Total != 402 || none.Summary.TotalConnections != 402 || none.Connections == nil {
		t.Errorf("limit 0: %d connections, page %+v", len(none.Connections), none.Page)
	}
	an := anomalies(t, AnomaliesInput{Common: Common{PcapFile: flood}, Limit: ptr(0)})
	rt := retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: flood}, Limit: ptr(0), SegmentsLimit: ptr(0)})
	fl := flowOf(t, FlowInput{PcapFile: flood, ServerIP: busiestServer(t, flood), Limit: ptr(0)})
	if len(an.Segments)+len(rt.ByConnection)+len(rt.Segments)+len(fl.Clients) != 0 || len(an.Anomalies) == 0 || fl.ClientsPage.Total == 0 {
		t.Errorf("limit 0: %d segments, %d+%d retransmission rows, %d clients of %d; %d anomalies", len(an.Segments), len(rt.ByConnection),
			len(rt.Segments), len(fl.Clients), fl.ClientsPage.Total, len(an.Anomalies))
	}
	out := connections(t, ConnectionsInput{Common: Common{PcapFile: flood}})
	if !out.Page.Truncated || out.Page.Total != 402 || out.Page.Returned != len(out.Connections) || *out.Page.NextOffset != len(out.Connections) {
		t.Errorf("page %+v", out.Page)
	}
}

func TestGolden(t *testing.T) {
	gen, _ := filepath.Glob(pcaptest.GenFile(t, "tcp-*.pcap"))
	if len(gen) == 0 {
		t.Fatal("no generated TCP capture")
	}
	for _, f := range gen {
		name := strings.TrimSuffix(filepath.Base(f), ".pcap")
		rel := "gen/" + filepath.Base(f)
		pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", name+".connections.json"), golden(t, rel, f, "connections"))
		pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", name+".anomalies.json"), golden(t, rel, f, "anomalies"))
	}
	pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", "tcp-retransmissions.retransmissions.json"),
		golden(t, "gen/tcp-retransmissions.pcap", pcaptest.GenFile(t, "tcp-retransmissions.pcap"), "retransmissions"))
	pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", "tcp-normal.flow.json"),
		golden(t, "gen/tcp-normal.pcap", pcaptest.GenFile(t, "tcp-normal.pcap"), "flow"))
}

// golden runs one tool on path and names the capture rel in the output, so
// the golden files do not depend on where the repository is.
func golden(t *testing.T, rel, path, tool string) any {
	switch tool {
	case "connections":
		out := connections(t, ConnectionsInput{Common: Common{PcapFile: path}, Limit: ptr(3), Detailed: true})
		out.File = rel
		return out
	case "anomalies":
		out := anomalies(t, AnomaliesInput{Common: Common{PcapFile: path}, Limit: ptr(5)})
		out.File = rel
		return out
	case "retransmissions":
		out := retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: path}, Limit: ptr(3), SegmentsLimit: ptr(5)})
		out.File = rel
		return out
	default:
		out := flowOf(t, FlowInput{PcapFile: path, ServerIP: "198.51.100.80"})
		out.File = rel
		return out
	}
}

func TestReports(t *testing.T) {
	file := pcaptest.GenFile(t, "tcp-port-scan.pcap")
	var b strings.Builder
	if err := writeConnections(&b, connections(t, ConnectionsInput{Common: Common{PcapFile: file}})); err != nil {
		t.Fatal(err)
	}
	if err := writeAnomalies(&b, anomalies(t, AnomaliesInput{Common: Common{PcapFile: file}})); err != nil {
		t.Fatal(err)
	}
	if err := writeRetransmissions(&b, retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: file}})); err != nil {
		t.Fatal(err)
	}
	if err := writeFlow(&b, flowOf(t, FlowInput{PcapFile: file, ServerIP: "10.0.0.5"})); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"60 connections", "[high] port_scan: 10.0.9.66 sent SYNs to 60 targets (1 host, 60 ports)",
		"51 targets refused, 6 unanswered, 3 answered (ports 22, 80, 443)", "reset by server in syn_sent", "TCP traffic of 10.0.0.5:any",
		"client→server 60 B, server→client 60 B", "client→server: "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	// No empty list: a line never ends with its label's colon.
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), ":") && !strings.HasPrefix(line, " ") {
			continue // a heading
		}
		if strings.HasSuffix(strings.TrimSpace(line), ":") {
			t.Errorf("empty list: %q", line)
		}
	}
	// Flagged segments show their TCP flags beside the analysis flags.
	var seg strings.Builder
	if err := writeRetransmissions(&seg, retransmissions(t, RetransmissionsInput{Common: Common{PcapFile: pcaptest.GenFile(t, "tcp-retransmissions.pcap")}})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(seg.String(), "[PSH ACK] seq ") && !strings.Contains(seg.String(), "[ACK] seq ") {
		t.Errorf("segment lines lack TCP flags:\n%s", seg.String())
	}
}

func TestPrompts(t *testing.T) {
	ps := New(Options{}).Prompts()
	if len(ps) != 2 || ps[0].Name != "tcp_connection_troubleshooting" || ps[1].Name != "tcp_security_analysis" {
		t.Fatalf("prompts %+v", ps)
	}
	for _, p := range ps {
		text, err := p.Render(map[string]string{"pcap_file": "/tmp/x.pcap", "server_ip": "10.0.0.5"})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"`/tmp/x.pcap`", "server_ip=10.0.0.5", "analyze_tcp_anomalies", "analyze_tcp_connections"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", p.Name, want)
			}
		}
		if strings.Contains(text, "{{") {
			t.Errorf("%s has an unfilled placeholder", p.Name)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// busiestServer is the server address of f's connection with the most
// packets (a documentation address when f has none).
func busiestServer(t *testing.T, f string) string {
	c := connections(t, ConnectionsInput{Common: Common{PcapFile: f}, SortBy: "packets", Limit: ptr(1)})
	if len(c.Connections) == 0 {
		return "192.0.2.1"
	}
	return netip.MustParseAddrPort(c.Connections[0].Server).Addr().String()
}

// busiestFlow runs analyze_traffic_flow on busiestServer.
func busiestFlow(t *testing.T, f string) *FlowOutput {
	return flowOf(t, FlowInput{PcapFile: f, ServerIP: busiestServer(t, f)})
}
