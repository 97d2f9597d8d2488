package sip

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// Captures generated here, beside the tests that read them (as Zeek keeps
// a crafted trace's generator beside it): `go test -run
// TestGeneratedCaptures -update` writes them into testdata/, and the test
// fails when a committed one differs from what its generator makes.
var generated = map[string]func(t testing.TB) []byte{
	"sip-t38-reinvite-refused.pcap": t38Capture,
}

func TestGeneratedCaptures(t *testing.T) {
	for name, gen := range generated {
		file := filepath.Join("testdata", name)
		data := gen(t)
		if pcaptest.Updating() {
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if old, err := os.ReadFile(file); err != nil || !bytes.Equal(old, data) {
			t.Errorf("%s is not what its generator makes (err %v); run go test -run TestGeneratedCaptures -update", file, err)
		}
	}
}

// sipEnd is one end of a generated SIP exchange.
type sipEnd struct {
	mac, ip string
	port    uint16
}

// sipFlow writes SIP over UDP messages between two ends.
type sipFlow struct {
	t      testing.TB
	now    time.Time
	frames []pcaptest.Frame
}

func (f *sipFlow) send(after time.Duration, from, to sipEnd, msg string) {
	f.now = f.now.Add(after)
	f.frames = append(f.frames, pcaptest.Frame{Time: f.now, Data: pcaptest.UDP4(f.t, from.mac, to.mac, from.ip, to.ip, from.port, to.port, []byte(msg))})
}

// sipMessage writes a SIP message: a start line, headers (Content-Length
// added), a body.
func sipMessage(start string, headers []string, body string) string {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// sdpAudio and sdpT38 are session descriptions: G.711 voice, and T.38 fax
// over UDPTL (RFC 3362, ITU-T T.38 Annex D).
func sdpAudio(ip string, port, version int) string {
	return fmt.Sprintf("v=0\r\no=- 4711 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 8 101\r\n"+
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", version, ip, ip, port)
}

func sdpT38(ip string, port, version int) string {
	return fmt.Sprintf("v=0\r\no=- 4711 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=image %d udptl t38\r\n"+
		"a=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\na=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxDatagram:400\r\n"+
		"a=T38FaxUdpEC:t38UDPRedundancy\r\n", version, ip, ip, port)
}

// t38Capture is two fax calls from an analog adapter (10.0.0.21) through a
// gateway (192.0.2.10). Both are answered with G.711 voice; then the side
// that hears the fax tone asks to switch to T.38 with a re-INVITE:
//
//   - call t38-refused: the gateway (the callee) sends four re-INVITEs
//     offering image/T.38 (its CSeq 1 to 4, numbered apart from the
//     caller's), and the adapter answers each 488 Not Acceptable Here; the
//     call stays on voice and the caller hangs up 40 s later. It is
//     answered, and its re-INVITEs failed.
//   - call t38-accepted: the adapter (the caller) offers T.38 in a
//     re-INVITE (CSeq 2), the gateway accepts it (200 with image/T.38);
//     then a session refresh re-INVITE without a session description
//     (CSeq 3, 200). Its media in effect become T.38.
func t38Capture(t testing.TB) []byte {
	ata := sipEnd{"00:00:5e:00:53:21", "10.0.0.21", 5060}
	gw := sipEnd{"00:00:5e:00:53:10", "192.0.2.10", 5060}
	f := &sipFlow{t: t, now: time.Date(2024, 6, 3, 14, 0, 0, 0, time.UTC)}
	for n, id := range []string{"t38-refused-5a1c@10.0.0.21", "t38-accepted-5a1d@10.0.0.21"} {
		from := fmt.Sprintf("<sip:fax%d@10.0.0.21>;tag=ata%d", n+1, n+1)
		toURI := fmt.Sprintf("<sip:+1555010%d@192.0.2.10>", n+1)
		to := toURI + fmt.Sprintf(";tag=gw%d", n+1)
		branch := 0
		via := func(end sipEnd) string {
			branch++
			return fmt.Sprintf("Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s%d", end.ip, end.port, id[:6], branch)
		}
		// caller's request, callee's request, and a response to either.
		req := func(method, from, to string, cseq int, sender sipEnd, body string) string {
			return sipMessage(fmt.Sprintf("%s sip:%s:%d SIP/2.0", method, map[bool]string{true: gw.ip, false: ata.ip}[sender == ata], 5060),
				[]string{via(sender), "Max-Forwards: 70", "From: " + from, "To: " + to, "Call-ID: " + id, fmt.Sprintf("CSeq: %d %s", cseq, method),
					fmt.Sprintf("Contact: <sip:%s:%d>", sender.ip, sender.port), "User-Agent: FaxATA/2.1"}, body)
		}
		var lastVia string
		resp := func(code int, reason, from, to string, cseq int, method, body string) string {
			return sipMessage(fmt.Sprintf("SIP/2.0 %d %s", code, reason),
				[]string{lastVia, "From: " + from, "To: " + to, "Call-ID: " + id, fmt.Sprintf("CSeq: %d %s", cseq, method)}, body)
		}
		send := func(after time.Duration, a, b sipEnd, msg string) {
			if strings.HasPrefix(msg, "SIP/2.0") {
				f.send(after, a, b, msg)
				return
			}
			lastVia = strings.SplitN(strings.SplitN(msg, "\r\n", 3)[1], "\r\n", 2)[0]
			f.send(after, a, b, msg)
		}
		// The call, answered with voice.
		send(time.Second, ata, gw, req("INVITE", from, toURI, 1, ata, sdpAudio(ata.ip, 20000+2*n, 1)))
		send(3*time.Millisecond, gw, ata, resp(100, "Trying", from, toURI, 1, "INVITE", ""))
		send(90*time.Millisecond, gw, ata, resp(180, "Ringing", from, to, 1, "INVITE", ""))
		send(2*time.Second, gw, ata, resp(200, "OK", from, to, 1, "INVITE", sdpAudio(gw.ip, 30000+2*n, 1)))
		send(2*time.Millisecond, ata, gw, req("ACK", from, to, 1, ata, ""))
		if n == 0 {
			// The gateway hears the fax tone and asks for T.38, four
			// times; the adapter refuses each.
			for i := 1; i <= 4; i++ {
				send(3*time.Second, gw, ata, req("INVITE", to, from, i, gw, sdpT38(gw.ip, 40000, 1+i)))
				send(4*time.Millisecond, ata, gw, resp(488, "Not Acceptable Here", to, from, i, "INVITE", ""))
				send(time.Millisecond, gw, ata, req("ACK", to, from, i, gw, ""))
			}
			send(40*time.Second, ata, gw, req("BYE", from, to, 2, ata, ""))
			send(5*time.Millisecond, gw, ata, resp(200, "OK", from, to, 2, "BYE", ""))
			continue
		}
		// The adapter hears the fax tone and asks for T.38; the gateway
		// accepts. A session refresh follows, without SDP.
		send(3*time.Second, ata, gw, req("INVITE", from, to, 2, ata, sdpT38(ata.ip, 41000, 2)))
		send(4*time.Millisecond, gw, ata, resp(100, "Trying", from, to, 2, "INVITE", ""))
		send(300*time.Millisecond, gw, ata, resp(200, "OK", from, to, 2, "INVITE", sdpT38(gw.ip, 42000, 2)))
		send(2*time.Millisecond, ata, gw, req("ACK", from, to, 2, ata, ""))
		send(60*time.Second, ata, gw, req("INVITE", from, to, 3, ata, ""))
		send(4*time.Millisecond, gw, ata, resp(200, "OK", from, to, 3, "INVITE", ""))
		send(2*time.Millisecond, ata, gw, req("ACK", from, to, 3, ata, ""))
		send(10*time.Second, gw, ata, req("BYE", to, from, 1, gw, ""))
		send(5*time.Millisecond, ata, gw, resp(200, "OK", to, from, 1, "BYE", ""))
	}
	return pcaptest.Pcap(t, 1, false, f.frames)
}

// TestReInvites: a call shows every INVITE transaction of its dialog, with
// the media offered and answered (image/T.38 as well as audio) and the
// final responses; a call whose re-INVITEs were refused says so, and its
// media in effect stay those of the last accepted offer and answer.
func TestReInvites(t *testing.T) {
	out := analyze(t, Input{PcapFile: filepath.Join("testdata", "sip-t38-reinvite-refused.pcap")})
	if len(out.Calls) != 2 {
		t.Fatalf("%d calls", len(out.Calls))
	}
	refused, accepted := out.Calls[0], out.Calls[1]
	if refused.State != "answered" || refused.ReInvites != 4 || refused.ReInvitesFailed != 4 || refused.TransactionsTotal != 5 || len(refused.Transactions) != 5 {
		t.Fatalf("refused call = %+v", refused)
	}
	if !strings.Contains(refused.ReInviteFailure, "4 of 4 re-INVITE(s) failed") || !strings.Contains(refused.ReInviteFailure, "488 Not Acceptable Here") ||
		!strings.Contains(refused.ReInviteFailure, "image 192.0.2.10:40000 udptl t38") || !strings.Contains(refused.ReInviteFailure, "T.38 fax was refused") {
		t.Errorf("re_invite_failure = %q", refused.ReInviteFailure)
	}
	for i, tx := range refused.Transactions[1:] {
		// The callee's CSeq 1 is another transaction than the caller's.
		if tx.Kind != "re-INVITE" || tx.SentBy != "callee" || tx.CSeq != i+1 || tx.Result != "failed" || tx.FinalCode == nil || *tx.FinalCode != 488 ||
			len(tx.Offer) != 1 || !strings.HasPrefix(tx.Offer[0], "image 192.0.2.10:40000 udptl t38") || len(tx.Answer) != 0 {
			t.Errorf("re-INVITE %d = %+v", i+1, tx)
		}
	}
	if tx := refused.Transactions[0]; tx.Kind != "initial" || tx.SentBy != "caller" || tx.Result != "accepted" || *tx.FinalCode != 200 ||
		fmt.Sprint(tx.Offer) != "[audio 10.0.0.21:20000 RTP/AVP PCMU,PCMA,telephone-event sendrecv]" ||
		fmt.Sprint(tx.Answer) != "[audio 192.0.2.10:30000 RTP/AVP PCMU,PCMA,telephone-event sendrecv]" {
		t.Errorf("initial INVITE = %+v", tx)
	}
	// The refused offers did not take effect: voice both ways.
	if len(refused.Media) != 2 || refused.Media[0].Type != "audio" || refused.Media[1].Type != "audio" || refused.Media[1].Port != 30000 {
		t.Errorf("media in effect = %+v", refused.Media)
	}
	if d := refused.DurationSeconds; d == nil || *d < 52 {
		t.Errorf("duration = %v", d)
	}
	// The accepted switch took effect: T.38 both ways; the refresh without
	// SDP changed nothing.
	if accepted.State != "answered" || accepted.ReInvites != 2 || accepted.ReInvitesFailed != 0 || accepted.ReInviteFailure != "" || len(accepted.Transactions) != 3 {
		t.Fatalf("accepted call = %+v", accepted)
	}
	if m := accepted.Media; len(m) != 2 || m[0].Type != "image" || m[0].Port != 41000 || fmt.Sprint(m[0].Codecs) != "[t38]" || m[1].Type != "image" || m[1].Port != 42000 {
		t.Errorf("media in effect = %+v", m)
	}
	if tx := accepted.Transactions[1]; tx.Result != "accepted" || tx.SentBy != "caller" || len(tx.Answer) != 1 || !strings.HasPrefix(tx.Answer[0], "image 192.0.2.10:42000 udptl t38") {
		t.Errorf("T.38 re-INVITE = %+v", tx)
	}
	if tx := accepted.Transactions[2]; tx.Result != "accepted" || len(tx.Offer) != 0 || len(tx.Answer) != 0 {
		t.Errorf("refresh = %+v", tx)
	}
	if c := out.Statistics.Calls; c.Total != 2 || c.Answered != 2 || c.ReInviteFailed != 1 {
		t.Errorf("call statistics = %+v", c)
	}
	// The report says so too.
	var b strings.Builder
	if err := writeReport(&b, out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"calls: 2 (answered 2); 1 with a failed re-INVITE", "but 4 of 4 re-INVITE(s) failed",
		"re-INVITE by the callee, frame 9: failed (488 Not Acceptable Here), offer image 192.0.2.10:40000 udptl t38 sendrecv",
		"caller media image 10.0.0.21:41000 udptl t38 sendrecv"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report has no %q:\n%s", want, b.String())
		}
	}
}
