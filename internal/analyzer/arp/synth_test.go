package arp

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// hostileCapture writes n ARP replies, each from its own MAC claiming its
// own address to its own (unsolicited) target, then moves every address
// to a second MAC: every table past the bounds of a small state budget,
// and as many findings as addresses.
func hostileCapture(t *testing.T, n int) string {
	t.Helper()
	var frames []pcaptest.Frame
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	for round := range 2 {
		for i := range n {
			src := net.HardwareAddr{2, byte(round), 0, byte(i >> 16), byte(i >> 8), byte(i)}
			dst := net.HardwareAddr{4, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}
			spa := net.IP{10, byte(i >> 16), byte(i >> 8), byte(i)}
			eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP}
			a := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: layers.ARPReply, SourceHwAddress: src, SourceProtAddress: spa, DstHwAddress: dst, DstProtAddress: net.IP{172, 16, byte(i >> 8), byte(i)}}
			frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(round*n+i) * time.Millisecond), Data: pcaptest.Serialize(t, eth, a)})
		}
	}
	path := filepath.Join(t.TempDir(), "hostile.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, true, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStateBudget runs the tool on a capture that overflows every table a
// small state budget allows (1,000 entries each): the result discloses
// each cut in warnings, lists at most 5 findings per type, and stays
// within the response budget.
func TestStateBudget(t *testing.T) {
	file := hostileCapture(t, 3000)
	env := pcaptest.Env(0)
	env.MaxStateBytes = 1 // every table at its floor of 1,000 entries
	out, err := New(Options{}).analyze(t.Context(), env, Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())})
	if err != nil {
		t.Fatal(err)
	}
	if out.ARPPacketsFound != 6000 || out.BindingsTotal != 1000 || out.HostsTotal != 1000 {
		t.Errorf("found %d, bindings %d, hosts %d", out.ARPPacketsFound, out.BindingsTotal, out.HostsTotal)
	}
	for _, want := range []string{"claims of addresses past the first 1000", "messages of MACs past the first 1000", "about addresses past the first 1000"} {
		if !strings.Contains(strings.Join(out.Warnings, "\n"), want) {
			t.Errorf("warnings %q lack %q", out.Warnings, want)
		}
	}
	byType := map[string]int{}
	for _, f := range out.Anomalies {
		byType[f.Type]++
	}
	if byType[AnomalyConflict] != maxFindings+1 {
		t.Errorf("ip_conflict findings %d, want %d and one folded", byType[AnomalyConflict], maxFindings)
	}
	b, _ := json.Marshal(out)
	if len(b) > ResponseBudget {
		t.Errorf("response is %d bytes, over %d", len(b), ResponseBudget)
	}
	if len(out.Packets) == 0 || len(out.Bindings) == 0 {
		t.Errorf("fit left %d packets and %d bindings", len(out.Packets), len(out.Bindings))
	}
}

// TestRouterIsNoScanner: a MAC asking for 40 addresses is a scanner,
// unless it is the next hop of other hosts' traffic toward 10 or more
// destinations (a router resolving the hosts it forwards to).
func TestRouterIsNoScanner(t *testing.T) {
	router := net.HardwareAddr{0, 0, 0x5e, 0, 1, 1}
	host := net.HardwareAddr{2, 0, 0, 0, 0, 9}
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	build := func(forwarding bool) string {
		var frames []pcaptest.Frame
		add := func(ls ...gopacket.SerializableLayer) {
			frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(len(frames)) * time.Millisecond), Data: pcaptest.Serialize(t, ls...)})
		}
		if forwarding {
			for i := range routerMinDestinations {
				ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 9}, DstIP: net.IP{198, 51, 100, byte(i)}}
				u := &layers.UDP{SrcPort: 5000, DstPort: 443}
				u.SetNetworkLayerForChecksum(ip)
				add(&layers.Ethernet{SrcMAC: host, DstMAC: router, EthernetType: layers.EthernetTypeIPv4}, ip, u)
			}
		}
		for i := range 40 {
			add(&layers.Ethernet{SrcMAC: router, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeARP},
				&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
					SourceHwAddress: router, SourceProtAddress: net.IP{10, 0, 0, 1}, DstHwAddress: make(net.HardwareAddr, 6), DstProtAddress: net.IP{10, 0, 1, byte(i)}})
		}
		path := filepath.Join(t.TempDir(), "router.pcap")
		if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, true, frames), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		forwarding bool
		want       string
	}{{false, "[arp_scan]"}, {true, "[]"}} {
		if got := fmt.Sprint(pcaptest.FindingTypes(findings(t, build(c.forwarding)))); got != c.want {
			t.Errorf("forwarding %v: findings %s, want %s", c.forwarding, got, c.want)
		}
	}
}

// TestServerAddressClaimed: a DNS server's address claimed by a second
// MAC once is arp_spoofing (the server named); an ordinary host's address
// claimed the same way is an ip_conflict.
func TestServerAddressClaimed(t *testing.T) {
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	build := func(dns bool) string {
		var frames []pcaptest.Frame
		add := func(ls ...gopacket.SerializableLayer) {
			frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(len(frames)) * time.Second), Data: pcaptest.Serialize(t, ls...)})
		}
		server, client := net.IP{10, 0, 0, 53}, net.IP{10, 0, 0, 9}
		owner, impostor, cmac := net.HardwareAddr{0, 0x1b, 0x21, 0, 0, 0x53}, net.HardwareAddr{2, 0xba, 0xd0, 0, 0, 0x53}, net.HardwareAddr{2, 0, 0, 0, 0, 9}
		if dns {
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: server, DstIP: client}
			u := &layers.UDP{SrcPort: 53, DstPort: 40000}
			u.SetNetworkLayerForChecksum(ip)
			add(&layers.Ethernet{SrcMAC: owner, DstMAC: cmac, EthernetType: layers.EthernetTypeIPv4}, ip, u, gopacket.Payload(make([]byte, 12)))
		}
		for _, m := range []net.HardwareAddr{owner, impostor} {
			add(&layers.Ethernet{SrcMAC: m, DstMAC: cmac, EthernetType: layers.EthernetTypeARP},
				&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPReply,
					SourceHwAddress: m, SourceProtAddress: server, DstHwAddress: cmac, DstProtAddress: client})
		}
		path := filepath.Join(t.TempDir(), "claim.pcap")
		if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, true, frames), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		dns            bool
		typ, role, why string
	}{{true, AnomalySpoofing, "DNS server", "server address claimed by a second MAC"}, {false, AnomalyConflict, "", "address claimed by a second MAC"}} {
		fs := findings(t, build(c.dns))
		if len(fs) != 1 || fs[0].Type != c.typ || fs[0].Details["reason"] != c.why || c.role != "" && fs[0].Details["role"] != c.role {
			t.Errorf("dns %v: findings %+v, want one %s (%s)", c.dns, fs, c.typ, c.why)
		}
	}
}
