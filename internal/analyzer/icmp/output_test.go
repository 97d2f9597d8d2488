package icmp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// v6 is the n-th (< 4096) address of a /64 of its own per kind, spelled
// as long as an address gets (39 characters).
func v6(kind, n int) string {
	return fmt.Sprintf("2001:db8:%x:beef:1234:5678:9abc:%x", 0xa000|kind, 0xc000|n)
}

// udp6 builds Ethernet/IPv6/UDP with the given hop limit.
func udp6(t testing.TB, src, dst string, hops uint8, sport, dport uint16) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "00:00:5e:00:53:01"), DstMAC: pcaptest.MAC(t, "00:00:5e:00:53:02"), EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: hops, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	udp.SetNetworkLayerForChecksum(ip)
	return pcaptest.Serialize(t, eth, ip, udp, gopacket.Payload(nil))
}

// busyCapture is a capture that makes every part of the output as large
// as it can be: 30 of each per-key finding (sweeps, floods, tunnels, path
// MTU black holes), redirects naming 30 gateways, an unreachable storm,
// malformed messages, 30 IPv6 traceroutes of 64 hops, router
// advertisements with dozens of prefixes and DNS servers, an MLDv2 report
// of 100 groups, and thousands of IPv6 hosts.
func busyCapture(t testing.TB) string {
	var frames []pcaptest.Frame
	ts := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration, data []byte) {
		frames = append(frames, pcaptest.Frame{Time: ts.Add(d), Data: data})
	}
	echo6 := func(src, dst string, typ uint8, id, seq uint16, payload []byte) []byte {
		return icmp6(t, src, dst, 64, typ, 0, append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, id), seq), payload...))
	}
	random := func(n, seed int) []byte {
		b := make([]byte, n)
		x := uint32(seed*2654435761 + 1)
		for i := range b {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b[i] = byte(x)
		}
		return b
	}
	for k := range 30 {
		base := time.Duration(k) * 2 * time.Second
		for i := range 25 { // a sweep
			at(base+time.Duration(i)*time.Millisecond, echo6(v6(1, k), v6(2, k*100+i), 128, uint16(k), uint16(i), nil))
		}
		for i := range 210 { // a flood
			at(base+time.Duration(i)*time.Millisecond, echo6(v6(3, k), v6(4, k), 128, 7, uint16(i), nil))
		}
		for i := range 12 { // a tunnel
			at(base+time.Duration(i)*time.Millisecond, echo6(v6(5, k), v6(6, k), 128, 9, uint16(i), random(600, k*100+i)))
		}
		// Path MTU black hole: packet too big about a flow, 4 times.
		quoted := udp6(t, v6(7, k), v6(8, k), 60, 4000, 443)[14:]
		for i := range 4 {
			at(base+time.Duration(i)*time.Millisecond, icmp6(t, v6(9, k), v6(7, k), 64, 2, 0, append([]byte{0, 0, 5, 0}, quoted...)))
		}
		// A redirect naming a gateway of its own.
		q4 := ipQuote(echo4(t, "10.1.0.1", fmt.Sprintf("10.2.0.%d", k), 8, 1, 1, nil), 8)
		at(base, icmp4(t, "10.0.0.254", "10.1.0.1", 64, 5, 1, 0x0a03, uint16(k), q4))
		// A traceroute of 64 hops to a destination of its own.
		for h := range maxHops {
			probe := udp6(t, v6(10, k), v6(11, k), uint8(h+1), 33000, uint16(33434+h))
			at(base+time.Duration(h)*time.Millisecond, probe)
			at(base+time.Duration(h)*time.Millisecond+time.Millisecond/2, icmp6(t, v6(12, k*100+h), v6(10, k), 64, 3, 0, append([]byte{0, 0, 0, 0}, probe[14:]...)))
		}
	}
	// An unreachable storm and malformed errors (quoting nothing readable).
	for i := range 60 {
		q := ipQuote(echo4(t, "10.1.0.1", fmt.Sprintf("10.3.%d.%d", i>>8, i&255), 8, 1, 1, nil), 8)
		at(time.Minute+time.Duration(i)*time.Millisecond, icmp4(t, "10.0.0.253", "10.1.0.1", 64, 3, 1, 0, 0, q))
		at(time.Minute+time.Duration(i)*time.Millisecond, icmp4(t, "10.0.0.253", "10.1.0.1", 64, 3, 1, 0, 0, []byte{1, 2, 3}))
	}
	// Router advertisements: 40 prefixes, 40 DNS servers, 40 other options.
	ra := []byte{64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for i := range 40 {
		opt := make([]byte, 32)
		opt[0], opt[1], opt[2] = 3, 4, 64
		copy(opt[16:], net.ParseIP(v6(13, i)))
		ra = append(ra, opt...)
		ra = append(ra, 200, 1, 0, 0, 0, 0, 0, 0)
	}
	rdnss := []byte{25, byte(1 + 2*40), 0, 0, 0, 0, 0, 60}
	for i := range 40 {
		rdnss = append(rdnss, net.ParseIP(v6(14, i))...)
	}
	ra = append(ra, rdnss...)
	for i := range 10 {
		at(2*time.Minute+time.Duration(i)*time.Millisecond, icmp6(t, "fe80::1", "ff02::1", 255, 134, 0, ra))
	}
	// Every type of both families, and every code of destination
	// unreachable.
	for typ := range 256 {
		at(4*time.Minute, icmp4(t, "10.9.0.1", "10.9.0.2", 64, uint8(typ), 0, 0, 0, nil))
		at(4*time.Minute, icmp6(t, "2001:db8::1", "2001:db8::2", 64, uint8(typ), 0, []byte{0, 0, 0, 0}))
		q := ipQuote(echo4(t, "10.1.0.1", "10.9.9.9", 8, 1, 1, nil), 8)
		at(4*time.Minute, icmp4(t, "10.0.0.252", "10.1.0.1", 64, 3, uint8(typ), 0, 0, q))
	}
	// An MLDv2 report of 100 groups.
	mld := []byte{0, 0, 0, 100}
	for i := range 100 {
		mld = append(mld, 4, 0, 0, 0)
		mld = append(mld, net.ParseIP(fmt.Sprintf("ff0e::%x", i+1))...)
	}
	at(3*time.Minute, icmp6(t, "fe80::2", "ff02::16", 1, 143, 0, mld))
	slices.SortStableFunc(frames, func(a, b pcaptest.Frame) int { return a.Time.Compare(b.Time) })
	return writeCapture(t, "busy.pcap", frames)
}

// TestDefaultResponseSize checks that with default arguments the result is
// at most ResponseBudget (32 KiB) of JSON on every capture at hand: the
// test captures, the generated ones, the corpus (MCPACKET_CORPUS), and the
// busy capture that makes every list and finding as large as it can be.
// The summary and the findings stay whole; the lists are cut, and say so.
func TestDefaultResponseSize(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	gen, _ := filepath.Glob(pcaptest.GenFile(t, "icmp-*.pcap"))
	files = append(files, gen...)
	if dir, ok := pcaptest.CorpusDir(t); ok {
		corpus, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, corpus...)
	}
	busy := busyCapture(t)
	files = append(files, busy)
	checked := 0
	for _, f := range files {
		out, err := New(Options{}).analyze(t.Context(), pcaptest.Env(0), Input{PcapFile: f, Thresholds: analyzer.NewThresholds(detectors.Params())})
		if err != nil {
			continue // not a capture we read (the corpus has a few on purpose)
		}
		checked++
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > ResponseBudget {
			t.Errorf("%s: %d bytes of JSON, want at most %d", filepath.Base(f), len(b), ResponseBudget)
		}
		if f == busy {
			t.Logf("busy capture: %d bytes; %d anomalies, %d host pairs of %d, %d traceroutes of %d, %d packets of %d",
				len(b), len(out.Anomalies), len(out.HostPairs), out.PairsTotal, len(out.Traceroutes), out.TraceroutesTotal, len(out.Packets), out.PacketsPage.Total)
			checkBusy(t, out)
		}
	}
	t.Logf("%d captures checked", checked)
}

// checkBusy checks what the busy capture's result keeps: 5 findings of
// each per-key type and one for the rest, the redirect's 10 busiest
// gateways, cut lists inside packet records with their totals.
func checkBusy(t *testing.T, out *Output) {
	t.Helper()
	byType := map[string]int{}
	for _, a := range out.Anomalies {
		byType[a.Type]++
	}
	for _, typ := range []string{AnomalyPingSweep, AnomalyFlood, AnomalyTunneling, AnomalyBlackhole} {
		if byType[typ] != maxFindings+1 {
			t.Errorf("%d %s findings, want %d and one for the rest", byType[typ], typ, maxFindings)
		}
	}
	for _, a := range out.Anomalies {
		switch {
		case a.Type == AnomalyRedirect:
			if gw := a.Details["gateways"].(map[string]int); len(gw) != maxGatewaysListed || a.Details["gateways_total"] != 30 {
				t.Errorf("redirect details %v", a.Details)
			}
		case a.Type == AnomalyPingSweep && a.Details["sweeps_not_listed"] != nil:
			if a.Details["sweeps_not_listed"] != 25 || !strings.HasPrefix(a.Summary, "25 more ping sweeps") {
				t.Errorf("the rest of the sweeps: %q %v", a.Summary, a.Details)
			}
		}
	}
	other := 0
	for k, n := range out.Statistics.ICMPTypeCounts {
		if strings.HasPrefix(k, "Other types (") {
			other = n
		}
	}
	if len(out.Statistics.ICMPTypeCounts) != maxCountKeys || other < 400 || len(out.Statistics.UnreachableByCo) != maxCountKeys {
		t.Errorf("type counts %v\nunreachable codes %v", out.Statistics.ICMPTypeCounts, out.Statistics.UnreachableByCo)
	}
	if out.TraceroutesTotal != 30 || out.PairsTotal < 90 {
		t.Errorf("%d traceroutes, %d host pairs", out.TraceroutesTotal, out.PairsTotal)
	}
	var ra, mld *Packet
	if ras := analyze(t, Input{PcapFile: out.File, ICMPType: "router advertisement"}).Packets; len(ras) > 0 {
		ra = &ras[0]
	}
	if mlds := analyze(t, Input{PcapFile: out.File, ICMPType: "143"}).Packets; len(mlds) > 0 {
		mld = &mlds[0]
	}
	if ra == nil || ra.NDP == nil || len(ra.NDP.Prefixes) != maxListed || ra.NDP.PrefixesTotal != 40 || len(ra.NDP.RDNSS) != maxListed ||
		ra.NDP.RDNSSTotal != 40 || len(ra.NDP.OtherOptions) != maxListed || ra.NDP.OtherTotal != 40 {
		t.Errorf("router advertisement %+v", ra)
	}
	if mld == nil || mld.MLD == nil || len(mld.MLD.Groups) != maxListed || mld.MLD.GroupsTotal != 100 {
		t.Errorf("MLDv2 report %+v", mld)
	}
}

// TestLimitZero: limit 0 returns no packets, the page object and the
// whole summary; an absent limit is the default page.
func TestLimitZero(t *testing.T) {
	file := pcaptest.GenFile(t, "icmp-normal.pcap")
	none := analyze(t, Input{PcapFile: file, Limit: intp(0)})
	def := analyze(t, Input{PcapFile: file})
	if len(none.Packets) != 0 || none.PacketsPage.Total != def.PacketsPage.Total || none.PacketsPage.Limit != 0 || !none.PacketsPage.Truncated ||
		none.PacketsPage.NextOffset == nil || *none.PacketsPage.NextOffset != 0 {
		t.Errorf("limit 0: %d packets, page %+v", len(none.Packets), none.PacketsPage)
	}
	if len(def.Packets) != DefaultLimit || def.PacketsPage.Limit != DefaultLimit {
		t.Errorf("default: %d packets, page %+v", len(def.Packets), def.PacketsPage)
	}
	a, _ := json.Marshal(none.Statistics)
	b, _ := json.Marshal(def.Statistics)
	if !bytes.Equal(a, b) || len(none.Anomalies) != len(def.Anomalies) {
		t.Errorf("limit 0 changed the summary")
	}
	// Through the tool's JSON arguments, as a client sends them.
	tool := New(Options{}).Tools()[0]
	for args, want := range map[string]int{`{"pcap_file":"x","limit":0}`: 0, `{"pcap_file":"x"}`: DefaultLimit, `{"pcap_file":"x","limit":null}`: DefaultLimit} {
		in, err := tool.Decode([]byte(args))
		if err != nil {
			t.Fatal(err)
		}
		c, err := newConfig(*in.(*Input), pcaptest.Env(0))
		if err != nil || c.limit != want {
			t.Errorf("%s: limit %d (%v), want %d", args, c.limit, err, want)
		}
	}
}

// TestSummaryFirst checks the order of the result's keys: identity and
// totals, notes and warnings, statistics, anomalies, the top lists, the
// paged packets, then filters and thresholds.
func TestSummaryFirst(t *testing.T) {
	b, _ := json.Marshal(analyze(t, Input{PcapFile: pcaptest.GenFile(t, "icmp-normal.pcap")}))
	keys := pcaptest.TopKeys(t, b)
	want := "[file analysis_timestamp total_packets icmp_packets_found icmp_packets_analyzed warnings statistics anomalies host_pairs host_pairs_total traceroutes traceroutes_total packets packets_page filters thresholds]"
	if fmt.Sprint(keys) != want {
		t.Errorf("keys %v\nwant %s", keys, want)
	}
}

// TestReport checks the human report: no empty list, loss as a share of
// what was sent, the destination hop of a traceroute that reached it.
func TestReport(t *testing.T) {
	for _, c := range []struct {
		file      string
		want, not []string
	}{
		{pcaptest.GenFile(t, "icmp-normal.pcap"), []string{"4  198.51.100.10  15.000 ms  15.000 ms  15.000 ms  (destination)", ", reached\n", "unreachable hosts: 198.51.100.10"}, nil},
		{pcaptest.GenFile(t, "icmp-flood.pcap"), nil, []string{"unreachable hosts:", "Traceroute"}},
		{filepath.Join("testdata", "icmp-5-pings-zeek.pcap"), nil, []string{"unreachable hosts:", "lost"}},
		{pcaptest.GenFile(t, "icmp-sweep.pcap"), []string{"of the requests unanswered (", "lost 1 of 1 (100%)"}, []string{"(0%)"}},
	} {
		var b strings.Builder
		if err := writeReport(&b, analyze(t, Input{PcapFile: c.file})); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: report lacks %q:\n%s", filepath.Base(c.file), w, b.String())
			}
		}
		for _, n := range c.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("%s: report has %q:\n%s", filepath.Base(c.file), n, b.String())
			}
		}
		if strings.Contains(b.String(), ": \n") {
			t.Errorf("%s: an empty list in the report:\n%s", filepath.Base(c.file), b.String())
		}
	}
}

// TestLimitSetKeepsLists: packets the caller asked for (limit) are not cut
// and do not push the other lists out: those still get the 32 KiB.
func TestLimitSetKeepsLists(t *testing.T) {
	file := busyCapture(t)
	def := analyze(t, Input{PcapFile: file})
	big := analyze(t, Input{PcapFile: file, Limit: intp(MaxLimit)})
	if len(big.Packets) != MaxLimit || len(big.HostPairs) != len(def.HostPairs) || len(big.Traceroutes) != len(def.Traceroutes) {
		t.Errorf("limit %d: %d packets, %d host pairs, %d traceroutes; by default %d host pairs, %d traceroutes",
			MaxLimit, len(big.Packets), len(big.HostPairs), len(big.Traceroutes), len(def.HostPairs), len(def.Traceroutes))
	}
}
