package sip

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

func ptr(n int) *int { return &n }

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

// findings runs the tool with default arguments on file and returns its
// anomalies.
func findings(t *testing.T, file string) []result.Finding {
	return analyze(t, Input{PcapFile: file}).Anomalies
}

// allPackets pages through every SIP message of a capture.
func allPackets(t *testing.T, file string) []Packet {
	return pcaptest.AllPages(t, func(offset int) ([]Packet, result.Page) {
		out := analyze(t, Input{PcapFile: file, Limit: ptr(MaxLimit), Offset: offset})
		return out.Packets, out.PacketsPage
	})
}

// tsharkFields is the command that made the corpus truth tables.
var tsharkFields = []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
	"-Y", "sip", "-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID", "-e", "sip.CSeq.method"}

// compareWithTshark checks the SIP messages tshark shows in file against
// ours, frame by frame: the frame number, the method of each request, the
// status code of each response, and the Call-ID and CSeq method of each
// message. A frame can carry several messages (SIP over TCP); tshark joins
// their values with commas, in message order. Frames tshark shows no SIP in
// must hold none of ours either.
func compareWithTshark(t *testing.T, file string, rows []map[string]string) int {
	byFrame := map[int][]Packet{}
	for _, p := range allPackets(t, file) {
		byFrame[p.PacketNumber] = append(byFrame[p.PacketNumber], p)
	}
	checked := 0
	seen := map[int]bool{}
	for _, row := range rows {
		n, _ := strconv.Atoi(row["frame.number"])
		seen[n] = true
		var methods, codes, callIDs, cseqs []string
		for _, p := range byFrame[n] {
			if p.MessageType == "request" {
				methods = append(methods, p.Method)
			} else {
				codes = append(codes, strconv.Itoa(p.StatusCode))
			}
			if p.CallID != "" {
				callIDs = append(callIDs, p.CallID)
			}
			if p.CSeqMethod != "" {
				cseqs = append(cseqs, p.CSeqMethod)
			}
		}
		have := []string{strings.Join(methods, ","), strings.Join(codes, ","), strings.Join(callIDs, ","), strings.Join(cseqs, ",")}
		want := []string{row["sip.Method"], row["sip.Status-Code"], row["sip.Call-ID"], row["sip.CSeq.method"]}
		if fmt.Sprintf("%q", have) != fmt.Sprintf("%q", want) {
			t.Errorf("%s frame %d: method, status, Call-ID, CSeq method = %q; tshark %q", filepath.Base(file), n, have, want)
		}
		checked += len(byFrame[n])
	}
	for n, ps := range byFrame {
		if !seen[n] {
			t.Errorf("%s frame %d: %d SIP message(s) (%s), tshark shows none", filepath.Base(file), n, len(ps), ps[0].Summary)
		}
	}
	return checked
}

// outOfScope are corpus captures whose SIP the module cannot see, with the
// reason. The test checks that it reports none rather than something
// wrong.
var outOfScope = map[string]string{
	"sip-over-sctp-heplify.pcap": "SIP over SCTP: the engine does not decode SCTP (4 messages)",
}

// TestAgreesWithTshark checks every SIP message of the shared corpus over
// UDP, TCP and WebSocket against tshark's output
// (../shared/corpus/truth/*.sip.tsv), and that captures where tshark sees
// no SIP give none.
func TestAgreesWithTshark(t *testing.T) {
	files := 0
	pcaptest.CorpusTruth(t, "sip", 179, func(t *testing.T, path string, rows []map[string]string) int {
		file := filepath.Base(path)
		if why, ok := outOfScope[file]; ok {
			if out := analyze(t, Input{PcapFile: path}); out.SIPPacketsFound != 0 {
				t.Errorf("%s (out of scope: %s): %d SIP messages found; update outOfScope", file, why, out.SIPPacketsFound)
			}
			return 0
		}
		n := compareWithTshark(t, path, rows)
		t.Logf("%s: %d messages agree with tshark", file, n)
		files++
		return n
	})
	if files < 11 {
		t.Errorf("checked SIP in %d captures; the corpus has it over UDP, TCP and WebSocket in 11", files)
	}
	// No SIP where tshark sees none.
	dir := pcaptest.RequireCorpus(t)
	quiet := 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.Counts["sip"] > 0 || s.TsharkExit != 0 || s.Packets == 0 {
			continue
		}
		if out := analyze(t, Input{PcapFile: filepath.Join(dir, s.File)}); out.SIPPacketsFound != 0 {
			t.Errorf("%s: %d SIP messages found, tshark shows none", s.File, out.SIPPacketsFound)
		}
		quiet++
	}
	t.Logf("%d captures without SIP give none", quiet)
	if quiet < 100 {
		t.Errorf("checked %d captures without SIP", quiet)
	}
}

// TestAgreesWithLiveTshark runs tshark on the repository's captures.
func TestAgreesWithLiveTshark(t *testing.T) {
	pcaptest.LiveTshark(t, pcaptest.ModuleCaptures(t, "sip-*.pcap"), 500, tsharkFields, compareWithTshark)
}

// TestAnomalies: each generated capture fires exactly its detectors.
func TestAnomalies(t *testing.T) {
	want := map[string]map[string]string{
		"sip-normal.pcap":             {},
		"sip-scanner-agent.pcap":      {AnomalyScanner: "high"},
		"sip-scanner-sweep.pcap":      {AnomalyScanner: "medium"},
		"sip-bruteforce.pcap":         {AnomalyBruteforce: "high"},
		"sip-invite-flood.pcap":       {AnomalyInviteFlood: "high"},
		"sip-failed-calls-spike.pcap": {AnomalyFailedCalls: "medium"},
		"sip-malformed.pcap":          {AnomalyMalformed: "low"},
	}
	pcaptest.CheckFindings(t, want, findings)
}

// TestCorpusSilence: no detector fires on the corpus captures of ordinary
// traffic; the exceptions are listed with their reason. On every capture,
// the default response is at most 32 KiB.
func TestCorpusSilence(t *testing.T) {
	expected := map[string][]string{
		// Content-Length: bad / xyz (zeek's crafted trace).
		"sip-invalid-content-length-zeek.pcap": {AnomalyMalformed},
		// A REGISTER with no Call-ID, CSeq, From, To or Via.
		"sip-junk-before-request-zeek.pcap": {AnomalyMalformed},
		// An ACK whose header section has no end, and a BYE cut inside
		// a header name (tshark flags both frames malformed too).
		"sip-requests-pcapplusplus.pcap": {AnomalyMalformed},
	}
	checked := pcaptest.CorpusSilence(t, expected, nil, func(t *testing.T, file string) []result.Finding {
		out := analyze(t, Input{PcapFile: file})
		if b, _ := json.Marshal(out); len(b) > ResponseBudget {
			t.Errorf("%s: default response of %d bytes", filepath.Base(file), len(b))
		}
		return out.Anomalies
	})
	if checked < 100 {
		t.Errorf("checked %d corpus captures", checked)
	}
}

func TestGolden(t *testing.T) {
	pcaptest.GoldenOutputs(t, pcaptest.ModuleCaptures(t, "sip-*.pcap"), ResponseBudget, func(t *testing.T, file, name string) any {
		out := analyze(t, Input{PcapFile: file})
		out.File = name
		return out
	})
}

func TestPrompts(t *testing.T) {
	pcaptest.CheckPrompts(t, New(Options{}).Prompts(), "analyze_sip_packets", "sip_security_analysis", "sip_troubleshooting_analysis", "sip_forensic_investigation")
}

// byTransport returns the messages of a capture carried over transport.
func byTransport(ps []Packet, transport string) []Packet {
	var out []Packet
	for _, p := range ps {
		if p.Transport == transport {
			out = append(out, p)
		}
	}
	return out
}

// TestStreams checks SIP over TCP and WebSocket in the generated normal
// capture, which testdata/gen/sip.go builds to split messages across
// segments and pack several into one.
func TestStreams(t *testing.T) {
	all := allPackets(t, pcaptest.GenFile(t, "sip-normal.pcap"))
	tcp, ws := byTransport(all, "TCP"), byTransport(all, "WS")
	if len(tcp) != 17 || len(ws) != 11 {
		t.Fatalf("%d TCP and %d WebSocket messages, want 17 and 11", len(tcp), len(ws))
	}
	// The second REGISTER is split inside a header line: it completes at
	// the segment after the one that starts it, which holds no message.
	reg := tcp[2]
	if reg.Method != "REGISTER" || reg.CSeqNumber != 2 || !strings.Contains(reg.Headers["authorization"], `username="1012"`) || reg.PacketNumber != tcp[1].PacketNumber+2 {
		t.Errorf("split REGISTER = %d %s cseq %d, after %d", reg.PacketNumber, reg.Summary, reg.CSeqNumber, tcp[1].PacketNumber)
	}
	// The 200 OK and a NOTIFY share a segment, as do 100 and 180.
	if tcp[3].PacketNumber != tcp[4].PacketNumber || tcp[3].StatusCode != 200 || tcp[4].Method != "NOTIFY" {
		t.Errorf("packed segment: %s / %s", tcp[3].Summary, tcp[4].Summary)
	}
	if tcp[7].PacketNumber != tcp[8].PacketNumber || tcp[7].StatusCode != 100 || tcp[8].StatusCode != 180 {
		t.Errorf("packed responses: %s / %s", tcp[7].Summary, tcp[8].Summary)
	}
	// The INVITE's body arrives in two segments; Content-Length frames it.
	inv := tcp[6]
	if inv.Method != "INVITE" || inv.ContentLength == nil || inv.BodyLength != *inv.ContentLength || inv.SDP == nil || inv.SDP.Media[0].Port != 17000 {
		t.Errorf("INVITE over TCP = %+v", inv)
	}
	if tcp[13].Method != "OPTIONS" || tcp[13].DestinationPort != 5080 || tcp[13].KnownSIPPort {
		t.Errorf("SIP over TCP on port 5080 = %+v", tcp[13])
	}
	// A connection to port 5060 caught in the middle of a message: the
	// rest of it is skipped, quietly, and what follows is read.
	if tcp[15].Method != "OPTIONS" || tcp[15].SourceIP != "10.0.1.14" || tcp[16].StatusCode != 200 || tcp[16].Malformed != "" {
		t.Errorf("after a mid-message start: %s / %s", tcp[15].Summary, tcp[16].Summary)
	}
	// WebSocket: the INVITE is a message fragmented over two frames and
	// two segments; 100 and 180 are two frames in one segment.
	winv := ws[4]
	if winv.Method != "INVITE" || winv.SDP == nil || winv.SDP.Media[0].Port != 18000 || !strings.HasPrefix(winv.Via, "SIP/2.0/WS ") {
		t.Errorf("INVITE over WebSocket = %+v", winv)
	}
	if ws[5].PacketNumber != ws[6].PacketNumber || ws[5].StatusCode != 100 || ws[6].StatusCode != 180 {
		t.Errorf("WebSocket frames in one segment: %s / %s", ws[5].Summary, ws[6].Summary)
	}
}

// TestCompactForms: a phone that writes every header in its compact form
// (i, f, t, v, m, c, l, and o, k, s on a SUBSCRIBE) gives the same record
// as one that writes them in full.
func TestCompactForms(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "sip-normal.pcap"), CallID: "call03-9b2e@10.0.1.3", Limit: ptr(100)})
	if len(out.Packets) != 7 {
		t.Fatalf("%d messages of the compact call, want 7", len(out.Packets))
	}
	inv := out.Packets[0]
	raw := func(name string) bool { _, ok := inv.Headers[name]; return ok }
	if inv.CallID != "call03-9b2e@10.0.1.3" || inv.From == "" || inv.To == "" || inv.Contact == "" || inv.Via == "" ||
		inv.ContentType != "application/sdp" || inv.ContentLength == nil || *inv.ContentLength != inv.BodyLength || inv.SDP == nil {
		t.Errorf("INVITE with compact headers = %+v", inv)
	}
	for _, full := range []string{"call-id", "from", "to", "via", "contact", "content-type", "content-length"} {
		if !raw(full) {
			t.Errorf("headers has no %q: %v", full, inv.Headers)
		}
	}
	for _, compact := range []string{"i", "f", "t", "v", "m", "c", "l"} {
		if raw(compact) {
			t.Errorf("headers keeps the compact name %q", compact)
		}
	}
	if len(out.Calls) != 1 || out.Calls[0].State != "answered" || out.Calls[0].Caller != "sip:1003@pbx.example.com" {
		t.Errorf("compact call = %+v", out.Calls)
	}
	sub := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "sip-normal.pcap"), Method: "subscribe"})
	if len(sub.Packets) != 2 || sub.Packets[0].Headers["event"] != "dialog" || sub.Packets[0].Headers["supported"] != "timer" {
		t.Errorf("SUBSCRIBE with o: and k: = %+v", sub.Packets)
	}
}

// TestCallsAndRegistrations checks calls and registrations against what
// testdata/gen/sip.go writes: ringing 40 ms and an answer 3 s after each
// INVITE, talk of 20+i seconds, one busy line, one wrong number, one call
// cancelled while ringing, one INVITE retransmitted after 500 ms, one call
// challenged (407) and retried, every phone challenged once when it
// registers.
func TestCallsAndRegistrations(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "sip-normal.pcap"), CallsLimit: ptr(100), RegistrationsLimit: ptr(100)})
	calls := map[string]Call{}
	for _, c := range out.Calls {
		calls[c.CallID] = c
	}
	c := calls["call01-9b2e@10.0.1.1"]
	if c.State != "answered" || *c.FinalCode != 200 || *c.FirstResponseMs != 2 || *c.PostDialDelayMs != 40 || *c.SetupTimeMs != 3000 ||
		c.DurationSeconds == nil || *c.DurationSeconds != 21 || c.EndedBy != "callee" || len(c.Media) != 2 ||
		c.Media[0].Side != "caller" || c.Media[0].Port != 16000 || c.Media[1].Side != "callee" || c.Media[1].Address != "10.0.0.10" ||
		fmt.Sprint(c.Media[1].Codecs) != "[PCMU PCMA G722 telephone-event]" {
		t.Errorf("call01 = %+v", c)
	}
	if c := calls["call02-9b2e@10.0.1.2"]; c.EndedBy != "caller" || *c.DurationSeconds != 22 {
		t.Errorf("call02 = %+v", c)
	}
	if c := calls["busy01-77aa@10.0.1.6"]; c.State != "busy" || *c.FinalCode != 486 {
		t.Errorf("busy call = %+v", c)
	}
	if c := calls["wrong1-77ab@10.0.1.7"]; c.State != "failed" || *c.FinalCode != 404 {
		t.Errorf("wrong number = %+v", c)
	}
	if c := calls["cancel-77ac@10.0.1.8"]; c.State != "cancelled" || *c.FinalCode != 487 || c.CancelFrame == nil || len(c.Media) != 2 || c.Media[1].Type != "video" {
		t.Errorf("cancelled call = %+v", c)
	}
	// Timing runs from the first transmission of the INVITE.
	if c := calls["retran-77ad@10.0.1.2"]; c.Invites != 2 || *c.PostDialDelayMs != 540 || *c.SetupTimeMs != 3500 {
		t.Errorf("retransmitted INVITE = %+v", c)
	}
	// After the challenge, timing runs from the retry (60 ms later): 183
	// at 1.5 s, 200 at 6 s; the callee's media is the carrier's.
	if c := calls["auth01-77ae@10.0.1.4"]; c.AuthChallenges != 1 || c.State != "answered" || c.Invites != 2 ||
		*c.PostDialDelayMs != 1440 || *c.SetupTimeMs != 5940 || *c.DurationSeconds != 60 || c.Media[1].Address != "192.0.2.50" {
		t.Errorf("challenged call = %+v", c)
	}
	st := out.Statistics
	if st.Calls.Total != 12 || st.Calls.Answered != 9 || st.Calls.Busy != 1 || st.Calls.Cancelled != 1 || st.Calls.Failed != 1 || st.Retransmissions != 1 {
		t.Errorf("call statistics = %+v, retransmissions %d", st.Calls, st.Retransmissions)
	}
	regs := map[string]Registration{}
	for _, r := range out.Registrations {
		regs[r.CallID] = r
	}
	if r := regs["reg001-4f1c"]; r.Result != "registered" || r.AOR != "sip:1001@pbx.example.com" || r.Challenges != 1 || r.AuthFailures != 0 ||
		r.AuthUsername != "1001" || *r.GrantedExpires != 3600 || *r.LastStatusCode != 200 || r.Requests != 2 {
		t.Errorf("registration 1001 = %+v", r)
	}
	if r := regs["reg008-4f1c"]; r.Result != "unregistered" || *r.GrantedExpires != 0 {
		t.Errorf("unregistered 1008 = %+v", r)
	}
	if r := regs["wsreg1-c0de"]; r.Result != "registered" || *r.GrantedExpires != 600 || r.Registrar != "10.0.0.10:8080" {
		t.Errorf("registration over WebSocket = %+v", r)
	}
	if st.Registrations.Total != 10 || st.Registrations.Registered != 9 || st.Registrations.Unregistered != 1 || st.Registrations.AuthFailures != 0 {
		t.Errorf("registration statistics = %+v", st.Registrations)
	}
}

func TestFiltersAndPaging(t *testing.T) {
	file := pcaptest.GenFile(t, "sip-normal.pcap")
	// The default page is 20 messages, fewer when the response would pass
	// 32 KiB (here it would).
	all := analyze(t, Input{PcapFile: file})
	if pg := all.PacketsPage; len(all.Packets) != pg.Returned || pg.Returned == 0 || pg.Returned >= DefaultLimit || !pg.Truncated || pg.Total != 148 ||
		*pg.NextOffset != pg.Returned || pg.Limit != DefaultLimit {
		t.Fatalf("default page = %+v", all.PacketsPage)
	}
	if full := analyze(t, Input{PcapFile: file, Limit: ptr(20)}); len(full.Packets) != 20 || *full.PacketsPage.NextOffset != 20 {
		t.Errorf("limit 20: page = %+v", full.PacketsPage)
	}
	// Limit 0: no items, the page object and the summary only.
	none := analyze(t, Input{PcapFile: file, Limit: ptr(0), CallsLimit: ptr(0), RegistrationsLimit: ptr(0)})
	if len(none.Packets) != 0 || len(none.Calls) != 0 || len(none.Registrations) != 0 || none.PacketsPage.Total != 148 || !none.PacketsPage.Truncated ||
		*none.PacketsPage.NextOffset != 0 || none.CallsPage.Total != 12 || none.RegistrationsPage.Total != 10 || none.Statistics.Requests != all.Statistics.Requests {
		t.Errorf("limit 0: %d %d %d, pages %+v %+v %+v", len(none.Packets), len(none.Calls), len(none.Registrations), none.PacketsPage, none.CallsPage, none.RegistrationsPage)
	}
	next := analyze(t, Input{PcapFile: file, Offset: 140, Limit: ptr(20)})
	if len(next.Packets) != 8 || next.PacketsPage.Truncated || next.PacketsPage.NextOffset != nil {
		t.Errorf("last page = %+v", next.PacketsPage)
	}
	cases := []struct {
		in                   Input
		packets, calls, regs int
	}{
		{Input{Method: "INVITE"}, 49, 12, 10},            // INVITEs and their responses
		{Input{Method: "bye"}, 18, 12, 10},               // BYEs and their 200s
		{Input{StatusCode: "486"}, 1, 1, 0},              // the busy call
		{Input{StatusCode: "4xx"}, 14, 3, 0},             // 401s, 404, 407, 486, 487
		{Input{CallID: "cancel-77ac@10.0.1.8"}, 7, 1, 0}, // INVITE 100 180 CANCEL 200 487 ACK
		{Input{IP: "10.0.1.12"}, 13, 1, 1},               // the TCP phone
		{Input{SrcIP: "10.0.1.12"}, 6, 1, 1},
		{Input{DstIP: "10.0.1.12"}, 7, 0, 0},
		{Input{IP: "2001:db8::1:9"}, 2, 0, 0},
		{Input{StartTime: "2024-06-03T09:00:00Z", EndTime: "2024-06-03T09:00:01Z"}, 8, 0, 2},
		{Input{IP: "10.9.9.9"}, 0, 0, 0},
	}
	for _, c := range cases {
		c.in.PcapFile, c.in.CallsLimit, c.in.RegistrationsLimit = file, ptr(100), ptr(100)
		out := analyze(t, c.in)
		if out.PacketsPage.Total != c.packets || out.CallsPage.Total != c.calls || out.RegistrationsPage.Total != c.regs ||
			out.Statistics.Requests != all.Statistics.Requests || len(out.Anomalies) != len(all.Anomalies) {
			t.Errorf("%+v: %d messages, %d calls, %d registrations; want %d, %d, %d", c.in, out.PacketsPage.Total, out.CallsPage.Total,
				out.RegistrationsPage.Total, c.packets, c.calls, c.regs)
		}
	}
	for _, bad := range []Input{{Method: "IN VITE"}, {StatusCode: "99"}, {StatusCode: "7xx"}, {StatusCode: "abc"}, {IP: "x"}, {SrcIP: "10.0.0"},
		{StartTime: "soon"}, {StartTime: "2024-06-03T10:00:00Z", EndTime: "2024-06-03T09:00:00Z"}, {Limit: ptr(-1)}, {CallsLimit: ptr(MaxLimit + 1)},
		{RegistrationsOffset: -2}} {
		bad.PcapFile = file
		if _, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestMaxPackets: --max-packets limits the messages listed, not the
// statistics.
func TestMaxPackets(t *testing.T) {
	file := pcaptest.GenFile(t, "sip-normal.pcap")
	out, err := New(Options{}).analyze(context.Background(), pcaptest.Env(10), Input{PcapFile: file, Limit: ptr(100)})
	if err != nil {
		t.Fatal(err)
	}
	if out.SIPPacketsFound != 148 || out.SIPPacketsAnalyzed != 10 || len(out.Packets) != 10 || out.Note == "" || out.Statistics.Requests != 70 {
		t.Errorf("found %d analyzed %d listed %d note %q requests %d", out.SIPPacketsFound, out.SIPPacketsAnalyzed, len(out.Packets), out.Note, out.Statistics.Requests)
	}
}

// TestLimits: the call and registration limits hold, and say so.
func TestLimits(t *testing.T) {
	out, err := New(Options{MaxCalls: 10, MaxRegistrations: 5}).analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: pcaptest.GenFile(t, "sip-invite-flood.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Statistics.Calls.Total != 10 || len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "the call limit of 10") {
		t.Errorf("calls %d, warnings %q", out.Statistics.Calls.Total, out.Warnings)
	}
}

// TestResponseBudget: a capture of large messages still gives a default
// response under 32 KiB, and the cut is disclosed in the page objects; a
// record's headers are bounded.
func TestResponseBudget(t *testing.T) {
	var frames []pcaptest.Frame
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		var b strings.Builder
		fmt.Fprintf(&b, "INVITE sip:%d@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%d\r\nFrom: <sip:a@example.com>;tag=%d\r\n"+
			"To: <sip:%d@example.com>\r\nCall-ID: big%d\r\nCSeq: 1 INVITE\r\n", i, i, i, i, i)
		for h := range 60 {
			fmt.Fprintf(&b, "X-Header-%02d: %s\r\n", h, strings.Repeat("v", 300))
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(i) * time.Second),
			Data: pcaptest.UDP4(t, "00:00:00:00:00:01", "00:00:00:00:00:02", "10.0.0.1", "10.0.0.2", 5060, 5060, []byte(b.String()))})
	}
	file := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(file, pcaptest.Pcap(t, 1, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	out := analyze(t, Input{PcapFile: file})
	b, _ := json.Marshal(out)
	pg := out.PacketsPage
	if len(b) > ResponseBudget || pg.Total != 60 || !pg.Truncated || pg.Returned != len(out.Packets) || pg.Returned >= DefaultLimit || *pg.NextOffset != pg.Returned {
		t.Errorf("response %d bytes, packets page %+v", len(b), pg)
	}
	p := out.Packets[0]
	size := 0
	for k, v := range p.Headers {
		size += len(k) + len(v)
	}
	if !p.HeadersTruncated || len(p.Headers) > maxHeaderNames || size > maxHeadersBytes || size < maxHeadersBytes-300 {
		t.Errorf("headers: %d kept, %d bytes, truncated %v", len(p.Headers), size, p.HeadersTruncated)
	}
	// An explicit limit is honoured, whatever the size.
	if out := analyze(t, Input{PcapFile: file, Limit: ptr(40)}); len(out.Packets) != 40 {
		t.Errorf("limit 40 gave %d packets", len(out.Packets))
	}
}

// TestWebSocketFrames: messages compressed with permessage-deflate, or too
// large to keep, are counted once each and skipped; control frames between
// the frames of a fragmented message do not disturb it.
func TestWebSocketFrames(t *testing.T) {
	msg := []byte("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: ws-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n")
	key := []byte{9, 8, 7, 6}
	huge := make([]byte, maxMessageBytes+1)
	var stream []byte
	stream = append(stream, wsTestFrame(0x41, true, msg, key)...)            // compressed
	stream = append(stream, wsTestFrame(0x41, false, msg[:5], key)...)       // compressed, fragmented...
	stream = append(stream, wsTestFrame(0x00, true, msg[5:], key)...)        // ...to its end
	stream = append(stream, 0x82, 0xff, 0, 0, 0, 0, 0, 2, 0, 1, 1, 2, 3, 4)  // 128 KiB + 1, binary, masked...
	stream = append(stream, huge...)                                         // ...its payload
	stream = append(stream, wsTestFrame(0x01, false, msg[:20], key)...)      // a fragmented text message,
	stream = append(stream, wsTestFrame(0x09, true, []byte("ping"), key)...) // a ping inside it,
	stream = append(stream, wsTestFrame(0x00, true, msg[20:], key)...)       // and its end
	o := newObserver(fuzzConfig(t))
	c := &engine.StreamConn{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:8080")}
	st := &connState{kind: flowWS}
	st.dir[0].upgraded = true
	c.State = st
	var held []byte
	for off := 0; off < len(stream); off += 1000 { // in pieces of 1,000 bytes, as a reassembler offers them
		data := append(held, stream[off:min(off+1000, len(stream))]...)
		c.Consume(true, len(data))
		o.Data(c, true, data, func(int) (int, time.Time) { return 1, time.Unix(1, 0) })
		held = append([]byte(nil), data[c.Consumed(true):]...)
	}
	if o.wsDropped != 3 || o.found != 1 || len(o.page) != 1 || o.page[0].CallID != "ws-1" || o.page[0].Transport != "WS" {
		t.Errorf("dropped %d, found %d: %+v", o.wsDropped, o.found, o.page)
	}
}

// TestMcpcapKeys: every key mcpcap's analyze_sip_packets returns is there,
// with the same name, so its clients switch without changes.
func TestMcpcapKeys(t *testing.T) {
	out := analyze(t, Input{PcapFile: filepath.Join("testdata", "sip-cloudshark-call-suricata.pcap")})
	b, _ := json.Marshal(out)
	var top map[string]any
	json.Unmarshal(b, &top)
	has := func(m map[string]any, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("key %q missing", k)
			}
		}
	}
	has(top, "file", "analysis_timestamp", "total_packets_in_file", "sip_packets_found", "sip_packets_analyzed", "statistics", "packets")
	has(top["statistics"].(map[string]any), "requests", "responses", "methods", "response_classes", "unique_call_ids", "call_ids", "transports", "user_agents")
	common := []string{"packet_number", "timestamp", "source_ip", "destination_ip", "source_port", "destination_port", "transport", "message_type",
		"start_line", "call_id", "cseq", "from", "to", "contact", "user_agent", "server", "via", "content_type", "content_length", "body_length",
		"known_sip_port", "headers", "summary"}
	packets := top["packets"].([]any)
	req, resp := packets[0].(map[string]any), packets[1].(map[string]any)
	has(req, append(common, "method", "request_uri", "sip_version")...)
	has(resp, append(common, "status_code", "reason_phrase")...)
	if req["message_type"] != "request" || resp["message_type"] != "response" || req["packet_number"] != float64(1) {
		t.Errorf("request %v, response %v", req["message_type"], resp["message_type"])
	}
	if _, ok := req["status_code"]; ok {
		t.Error("a request has status_code")
	}
	if _, ok := resp["method"]; ok {
		t.Error("a response has method")
	}
}

// TestThresholds: thresholds are set by name through the tool's
// declarations, which check their bounds; the output echoes them in
// declaration order; they change what the detectors report.
func TestThresholds(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	for _, bad := range []string{`{"scanner_max_success_rate":2}`, `{"invite_flood_min":1}`, `{"invite_flood_min":10001}`,
		`{"failed_calls_window_seconds":-1}`, `{"unanswered_call_timeout_seconds":0}`, `{"scanner_min_targets":2.5}`, `{"bruteforce_min_failures":"x"}`} {
		if _, err := tool.Decode([]byte(`{"pcap_file":"x",` + bad[1:])); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	in, err := tool.Decode([]byte(`{"pcap_file":"x","invite_flood_min":10000,"failed_calls_rate":0.75}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(in.(*Input).Thresholds)
	want := `{"scanner_min_targets":20,"scanner_max_success_rate":0.2,"bruteforce_min_failures":10,"invite_flood_min":10000,` +
		`"invite_flood_window_seconds":10,"failed_calls_min":10,"failed_calls_rate":0.75,"failed_calls_window_seconds":60,"unanswered_call_timeout_seconds":32}`
	if string(b) != want {
		t.Errorf("thresholds = %s, want %s", b, want)
	}
	// The flood capture has no flood of 10,000 INVITEs.
	flood := tool.NewInput().(*Input)
	flood.PcapFile = pcaptest.GenFile(t, "sip-invite-flood.pcap")
	if err := tool.SetArg(flood, "invite_flood_min", "10000"); err != nil {
		t.Fatal(err)
	}
	if out := analyze(t, *flood); len(out.Anomalies) != 0 {
		t.Errorf("invite_flood_min 10000: anomalies %+v", out.Anomalies)
	}
	if err := tool.SetArg(flood, "invite_flood_min", "1"); err == nil {
		t.Error("invite_flood_min 1: no error")
	}
}

func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

// TestBrief: the module's part of a shared pass finds what its tool
// finds, on every capture of the module.
func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), pcaptest.ModuleCaptures(t, "sip-*.pcap"), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		return modkit.Brief{Module: "sip", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

// TestSummaryFirst: the JSON begins with identity and totals, then what
// the analysis could not do, the summary and the findings, then the top
// lists and the paged lists, and ends with the filters and thresholds.
func TestSummaryFirst(t *testing.T) {
	out := analyze(t, Input{PcapFile: pcaptest.GenFile(t, "sip-normal.pcap")})
	b, _ := json.Marshal(out)
	keys := pcaptest.TopKeys(t, b)
	want := "[file analysis_timestamp total_packets_in_file sip_packets_found sip_packets_analyzed warnings statistics anomalies top " +
		"calls calls_page registrations registrations_page packets packets_page filters thresholds]"
	if fmt.Sprint(keys) != want {
		t.Errorf("keys %v\nwant %s", keys, want)
	}
}
