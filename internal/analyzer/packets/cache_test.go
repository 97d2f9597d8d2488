package packets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// cacheGetCalls are get_packets calls answered from the frame store:
// filters on the TCP analysis, the protocol stack (the application
// reassembly), conversations and fields; frame ranges, detail, hex, pages.
var cacheGetCalls = []string{
	`{}`, `{"offset":20,"limit":7}`, `{"limit":0}`, `{"offset":100000}`,
	`{"detail":true,"hex":true,"limit":30}`,
	`{"filter":"tcp.analysis.flags","detail":true}`, `{"filter":"tcp.analysis.retransmission || tcp.analysis.duplicate_ack"}`,
	`{"filter":"tcp.analysis.out_of_order || tcp.analysis.lost_segment || tcp.analysis.window_update","offset":2}`,
	`{"filter":"http","detail":true}`, `{"filter":"tls","limit":20,"offset":3}`, `{"filter":"dns","detail":true}`,
	`{"filter":"dns && udp.port == 53"}`, `{"filter":"quic || rtp || rtcp || sdp || sip"}`, `{"filter":"data || json || png || image-gif || data-text-lines"}`,
	`{"filter":"tcp.stream == 1","detail":true}`, `{"filter":"tcp.stream in {0 2..4} && tcp.len > 0"}`, `{"filter":"udp.stream == 0 || udp.stream == 3","detail":true}`,
	`{"filter":"frame.time_delta > 0.5 || frame.time_relative < 0.001"}`, `{"filter":"ip.addr == 10.0.0.0/8 || ipv6"}`,
	`{"filter":"icmp || icmpv6","detail":true}`, `{"filter":"ip.flags.mf == 1 || ip.frag_offset > 0 || !tcp && !udp"}`,
	`{"frames":"1-10,40,100-120"}`, `{"frames":"5-60","filter":"tcp","detail":true,"hex":true}`, `{"frames":"3","hex":true}`,
	`{"filter":"tcp.seq > 1000 && tcp.ack > 1"}`, `{"filter":"frame.len > 1000","limit":1000}`,
}

// cacheFollowCalls are follow_stream calls answered from the frame store:
// TCP and UDP streams, offsets, formats, secrets.
var cacheFollowCalls = []string{
	`{}`, `{"tcp_stream":0}`, `{"tcp_stream":0,"offset":100,"max_bytes":300,"format":"hex"}`,
	`{"tcp_stream":1,"reveal_secrets":true}`, `{"tcp_stream":2,"format":"base64","offset":8192}`, `{"tcp_stream":7}`,
	`{"udp_stream":0}`, `{"udp_stream":1,"format":"hex"}`, `{"udp_stream":3,"offset":50,"max_bytes":100}`,
	`{"tcp_stream":100000}`, `{"udp_stream":100000}`,
	`{"client":"10.0.0.1:1","server":"10.0.0.2:2"}`,
}

// cacheCaptures are the captures TestCache checks: HTTP, TLS, DNS over
// TCP, QUIC, SIP with RTP that SDP announces, IP fragments, ICMP errors,
// TCP retransmissions and lost segments, a gzip-compressed capture.
var cacheCaptures = []string{
	"mixed-web-dns-3.8MB-pcapplusplus.pcap", "http-dvwa-sqlinjection-chrissanders.pcapng", "sip-rtp-rtcp-call-heplify.pcap",
	"dns-ipv6-fragmented-zeek.pcap", "dns-over-tcp-tcpdump.pcap", "icmp-dest-unreach-port-udp-zeek.pcap",
	"quic-v1-curl-http3-google-zeek.pcap", "tcp-retrans-wireshark-sample-arkime.pcap", "tcp-retransmissions-chrissanders.pcapng",
	"tls-smtp-starttls-zeek.pcap", "http-post-zeek.pcap", "tls-fragmented-handshake-zeek.pcap.gz",
	"dhcp-discover-flood-10000-suricata.pcap", // more frames than one goroutine's block (scanBlock)
}

// TestCache: every get_packets and follow_stream call after the first on a
// capture is answered from the frame store the first kept, whichever tool
// made it, byte for byte as a new pass answers it (errors alike).
func TestCache(t *testing.T) {
	tools := testTools()
	var captures []string
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, c := range cacheCaptures {
			captures = append(captures, filepath.Join(dir, c))
		}
	}
	captures = append(captures, pcaptest.Testdata(t, "http-download.pcap.gz"))
	for _, c := range captures {
		t.Run(filepath.Base(c), func(t *testing.T) {
			if _, err := os.Stat(c); err != nil {
				t.Skip(err)
			}
			var calls [][2]string
			for _, a := range cacheFollowCalls[:2] { // follow_stream makes the store
				calls = append(calls, [2]string{"follow_stream", a})
			}
			for _, a := range cacheGetCalls {
				calls = append(calls, [2]string{"get_packets", a})
			}
			for _, a := range cacheFollowCalls[2:] {
				calls = append(calls, [2]string{"follow_stream", a})
			}
			checkCached(t, tools, c, calls)
		})
	}
}

// checkCached makes calls on capture without a cache and with one, and
// compares the answers (or errors); all but the first call must be
// answered from the cache.
func checkCached(t *testing.T, tools map[string]analyzer.Tool, capture string, calls [][2]string) {
	t.Helper()
	ctx := context.Background()
	cached := pcaptest.Env(0)
	cache := rescache.New(1 << 30)
	cached.Cache = cache
	ref, _ := json.Marshal(capture)
	unreadable := false // no pass: nothing to keep
	for i, c := range calls {
		args := `{"pcap_file":` + string(ref) + "}"
		if a := strings.TrimSpace(c[1]); a != "{}" {
			args = `{"pcap_file":` + string(ref) + "," + strings.TrimPrefix(a, "{")
		}
		answer := func(env *analyzer.Env) []byte {
			out, err := tools[c[0]].Call(ctx, env, []byte(args))
			if err != nil {
				return []byte("error: " + err.Error())
			}
			b, _ := json.Marshal(out)
			return b
		}
		want, got := answer(pcaptest.Env(0)), answer(cached)
		if i == 0 && bytes.HasPrefix(want, []byte("error: ")) {
			unreadable = true
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s %s: answer with the cache differs from a new pass:\ncached: %.3000s\nfresh:  %.3000s", c[0], args, got, want)
		}
		if st := cache.Stats(); !unreadable && (st.Misses != 1 || st.Hits != int64(i)) {
			t.Errorf("%s %s: cache after call %d: %d misses, %d hits; want 1 miss, then hits", c[0], args, i+1, st.Misses, st.Hits)
		}
	}
}

// TestCacheAllCaptures runs a few calls over every corpus capture.
func TestCacheAllCaptures(t *testing.T) {
	if testing.Short() {
		t.Skip("every corpus capture")
	}
	dir := pcaptest.RequireCorpus(t)
	tools := testTools()
	names, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	for _, c := range names {
		t.Run(filepath.Base(c), func(t *testing.T) {
			checkCached(t, tools, c, [][2]string{
				{"get_packets", `{"filter":"tcp.analysis.flags || http || tls || dns || rtp || udp.stream == 1","detail":true,"hex":true,"limit":200}`},
				{"get_packets", `{"limit":1000,"offset":10}`},
				{"follow_stream", `{}`}, {"follow_stream", `{"tcp_stream":1}`}, {"follow_stream", `{"udp_stream":2,"format":"hex"}`},
			})
		})
	}
}
