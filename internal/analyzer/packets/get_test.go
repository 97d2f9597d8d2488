package packets

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// Default responses fit 32 KiB, disclose paging, and carry only escaped,
// bounded text, on the corpus's largest and most varied captures.
func TestGetBudgetAndText(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	m := testModule()
	env := pcaptest.Env(0)
	for _, name := range []string{"mixed-web-dns-3.8MB-pcapplusplus.pcap", "sip-rtp-rtcp-call-heplify.pcap", "http-dvwa-sqlinjection-chrissanders.pcapng", "dns-malformed-ndpi.pcap"} {
		for _, in := range []GetInput{{}, {Detail: true}, {Detail: true, Hex: true}, {Filter: "tcp.len > 0", Hex: true}} {
			in.PcapFile = filepath.Join(dir, name)
			out, err := m.get(context.Background(), env, in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, _ := json.Marshal(out)
			if len(b) > ResponseBudget {
				t.Errorf("%s %+v: %d bytes, over the %d budget", name, in, len(b), ResponseBudget)
			}
			pg := out.PacketsPage
			if pg.Total != out.Matched || pg.Returned != len(out.Packets) || (pg.Returned < pg.Total-pg.Offset) != pg.Truncated {
				t.Errorf("%s: page %+v does not describe %d of %d", name, pg, len(out.Packets), out.Matched)
			}
			var v any
			json.Unmarshal(b, &v)
			pcaptest.CheckText(t, name, v, 4096)
		}
	}
}

// Paging walks every matching frame once, in order.
func TestGetPaging(t *testing.T) {
	m := testModule()
	env := pcaptest.Env(0)
	src := pcaptest.Testdata(t, "http-download.pcap.gz")
	all, err := m.get(context.Background(), env, GetInput{PcapFile: src, Limit: ptr(MaxLimit)})
	if err != nil {
		t.Fatal(err)
	}
	var walked []int
	for off := 0; ; {
		out, err := m.get(context.Background(), env, GetInput{PcapFile: src, Offset: off, Limit: ptr(7)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Packets {
			walked = append(walked, p.Number)
		}
		if out.PacketsPage.NextOffset == nil {
			break
		}
		off = *out.PacketsPage.NextOffset
	}
	if len(walked) != all.Matched || all.Matched != all.FramesRead {
		t.Fatalf("paged %d frames, %d match, %d read", len(walked), all.Matched, all.FramesRead)
	}
	for i, n := range walked {
		if n != i+1 {
			t.Fatalf("page walk gave frame %d at position %d", n, i)
		}
	}
	out, err := m.get(context.Background(), env, GetInput{PcapFile: src, Frames: "2, 5-7,[9]", Filter: "frame.number != 6"})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, p := range out.Packets {
		got = append(got, p.Number)
	}
	if len(got) != 4 || got[0] != 2 || got[1] != 5 || got[2] != 7 || got[3] != 9 {
		t.Errorf("frames 2,5-7,9 without 6: got %v", got)
	}
	zero, err := m.get(context.Background(), env, GetInput{PcapFile: src, Limit: new(int)})
	if err != nil || len(zero.Packets) != 0 || zero.Matched != all.Matched {
		t.Errorf("limit 0: %v, %d packets, %d matched", err, len(zero.Packets), zero.Matched)
	}
	for _, bad := range []GetInput{{Frames: "0"}, {Frames: "5-2"}, {Frames: "x"}, {Filter: "ip.adr == 1.2.3.4"}, {Limit: ptr(MaxLimit + 1)}, {Offset: -1}} {
		bad.PcapFile = src
		if _, err := m.get(context.Background(), env, bad); err == nil {
			t.Errorf("%+v was accepted", bad)
		} else if bad.Filter != "" && !strings.Contains(err.Error(), "did you mean ip.addr") {
			t.Errorf("bad filter error: %v", err)
		}
	}
}

// Secrets are redacted unless revealed; the redaction keeps the name.
func TestRedactSecrets(t *testing.T) {
	in := "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\nCookie: sid=42\r\n\r\nUSER bob\r\nPASS hunter2\r\na1 LOGIN bob hunter2\r\nAUTH PLAIN AGJvYgBodW50ZXIy\r\n"
	out, n := redactSecrets([]byte(in))
	s := string(out)
	for _, secret := range []string{"dXNlcjpwYXNz", "sid=42", "hunter2", "AGJvYgBodW50ZXIy"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q survives redaction: %q", secret, s)
		}
	}
	if n != 5 || !strings.Contains(s, "Authorization: [redacted]") || !strings.Contains(s, "USER bob") {
		t.Errorf("redacted %d: %q", n, s)
	}
}

// follow_stream pages tile the stream: the pages' bytes, in order, are the
// whole stream in every format, and the default page fits the budget.
func TestFollowPaging(t *testing.T) {
	m := testModule()
	env := pcaptest.Env(0)
	src := pcaptest.Testdata(t, "http-download.pcap.gz")
	zero := 0
	walk := func(size int) (string, int, *FollowOutput) {
		var b strings.Builder
		var first *FollowOutput
		pages := 0
		for off := 0; ; pages++ {
			out, err := m.follow(context.Background(), env, FollowInput{PcapFile: src, TCPStream: &zero, Offset: off, MaxBytes: size, Format: "hex", Reveal: true})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = out
			}
			for _, c := range out.Chunks {
				b.WriteString(c.Data)
			}
			if out.NextOffset == nil {
				return b.String(), pages + 1, first
			}
			off = int(*out.NextOffset)
		}
	}
	big, bigPages, whole := walk(MaxFollowSize)
	small, smallPages, _ := walk(1000)
	if whole.TotalBytes == 0 || whole.ClientBytes+whole.ServerBytes != whole.TotalBytes {
		t.Fatalf("totals %d = %d + %d", whole.TotalBytes, whole.ClientBytes, whole.ServerBytes)
	}
	if len(big) != int(whole.TotalBytes)*2 || small != big || smallPages <= bigPages {
		t.Errorf("pages of 1000 bytes give %d hex chars in %d pages, of %d bytes %d in %d; the stream has %d bytes", len(small), smallPages, MaxFollowSize, len(big), bigPages, whole.TotalBytes)
	}
	def, err := m.follow(context.Background(), env, FollowInput{PcapFile: src, TCPStream: &zero})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(def)
	var v any
	json.Unmarshal(b, &v)
	pcaptest.CheckText(t, "follow", v, 64<<10)
	first, err := m.follow(context.Background(), env, FollowInput{PcapFile: src})
	if err != nil || first.Protocol != def.Protocol || first.Stream != def.Stream || first.TotalBytes != def.TotalBytes {
		t.Errorf("no stream given: %v; want the first conversation, tcp stream 0", err)
	}
	if len(b) > ResponseBudget || def.Format != "text" {
		t.Errorf("default follow: %d bytes, format %q", len(b), def.Format)
	}
	for _, bad := range []FollowInput{{TCPStream: &zero, UDPStream: &zero}, {Client: "1.2.3.4"}, {TCPStream: &zero, Format: "rot13"}, {TCPStream: ptr(99999)}} {
		bad.PcapFile = src
		if _, err := m.follow(context.Background(), env, bad); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}
