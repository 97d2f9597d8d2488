package packets

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// detailCaptures cover Ethernet, VLAN, ARP, IPv4, IPv6, TCP, UDP, ICMP,
// ICMPv6 and DNS.
var detailCaptures = []string{
	"dns-over-udp-tcpdump.pcap", "http-get-zeek.pcap", "arp-vlan-suricata.pcap", "icmp-5-pings-zeek.pcap",
	"icmpv6-mixed-types-zeek.pcap", "dns-lab-mixed-chrissanders.pcapng", "http-ipv4-and-ipv6-chrissanders.pcapng",
	"tcp-fast-retransmit-zeek.pcap", "dhcpv6-ia-na-tcpdump.pcap", "arp-request-reply-suricata.pcap",
}

// normalise reads a tshark or dfilter value: numbers (hex or decimal) as
// decimal, the rest as it is.
func normalise(s string) string {
	if n, err := strconv.ParseUint(s, 0, 64); err == nil {
		return strconv.FormatUint(n, 10)
	}
	return s
}

// TestDetailFieldsAgainstTshark compares every field detail emits with
// tshark -T fields (all occurrences) on frames of corpus captures.
func TestDetailFieldsAgainstTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	if _, ok := pcaptest.LookPath("tshark"); !ok {
		t.Skip("tshark not installed")
	}
	seen := map[string]bool{}
	var names []string
	for _, fs := range layerFields {
		for _, n := range fs {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	checked, differ := 0, map[string]int{}
	for _, c := range detailCaptures {
		path := filepath.Join(dir, c)
		args := []string{"-n", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number"}
		for _, n := range names {
			args = append(args, "-e", n)
		}
		out, err := exec.Command("tshark", args...).Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", c, err)
		}
		want := map[int][]string{}
		for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			cols := strings.Split(l, "\t")
			n, _ := strconv.Atoi(cols[0])
			want[n] = cols[1:]
		}
		src, err := pcaptest.Env(0).OpenCapture(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(pcaptest.Env(0)), UDPStreams: true})
		engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			fr := tr.Frame(p)
			for i, n := range names {
				vals, _ := dfilter.Values(n, fr)
				for j := range vals {
					vals[j] = normalise(vals[j])
				}
				var w []string
				if cols := want[p.Number]; i < len(cols) && cols[i] != "" {
					w = strings.Split(cols[i], ",")
				}
				for j := range w {
					w[j] = normalise(w[j])
				}
				checked++
				if strings.Join(vals, ",") != strings.Join(w, ",") {
					differ[n]++
					if differ[n] <= 2 {
						t.Errorf("%s frame %d %s: %q, tshark %q", c, p.Number, n, vals, w)
					}
				}
			}
		}))
		src.Close()
	}
	t.Logf("%d field values compared, %d fields differ somewhere", checked, len(differ))
}
