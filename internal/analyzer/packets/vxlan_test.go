package packets

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// vxlanFrame wraps an inner Ethernet frame in Ethernet/IPv4/UDP/VXLAN
// from 10.1.1.1:sport to 10.1.1.2:4789 with the given VNI.
func vxlanFrame(t *testing.T, sport uint16, vni uint32, inner []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 1, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 1, 1, 1).To4(), DstIP: net.IPv4(10, 1, 1, 2).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: 4789}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	hdr := []byte{0x08, 0, 0, 0, byte(vni >> 16), byte(vni >> 8), byte(vni), 0}
	return pcaptest.Serialize(t, eth, ip, udp, gopacket.Payload(append(hdr, inner...)))
}

// innerUDP is an Ethernet/IPv4/UDP frame from 192.168.1.1:5353 to
// 192.168.1.2:53, or back when reply.
func innerUDP(t *testing.T, reply bool, payload []byte) []byte {
	a, b := net.IPv4(192, 168, 1, 1).To4(), net.IPv4(192, 168, 1, 2).To4()
	sp, dp := layers.UDPPort(5353), layers.UDPPort(53)
	if reply {
		a, b, sp, dp = b, a, dp, sp
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 2, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 2, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: a, DstIP: b}
	udp := &layers.UDP{SrcPort: sp, DstPort: dp}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return pcaptest.Serialize(t, eth, ip, udp, gopacket.Payload(payload))
}

// TestVXLAN checks that get_packets opens VXLAN as tshark does: the inner
// frame's protocols follow vxlan, its fields count in filters, its UDP is
// numbered in udp.stream between the outer conversations, and the columns
// show it. Where tshark is installed, every expectation is checked
// against it too.
func TestVXLAN(t *testing.T) {
	query := []byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1}
	resp := append([]byte{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}, query[12:]...)
	arp := pcaptest.Serialize(t,
		&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 2, 1}, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4, Operation: 1,
			SourceHwAddress: []byte{2, 0, 0, 0, 2, 1}, SourceProtAddress: []byte{192, 168, 1, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{192, 168, 1, 2}})
	plain := pcaptest.Serialize(t,
		&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4(10, 0, 0, 2).To4()},
		&layers.UDP{SrcPort: 1000, DstPort: 2000}, gopacket.Payload("hello"))
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	var frames []pcaptest.Frame
	for i, b := range [][]byte{
		vxlanFrame(t, 40000, 42, innerUDP(t, false, query)), // 1: outer stream 0, inner 1
		vxlanFrame(t, 40000, 42, arp),                       // 2: outer stream 0
		plain,                                               // 3: stream 2
		vxlanFrame(t, 40001, 7, innerUDP(t, true, resp)),    // 4: outer stream 3, inner 1
	} {
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(i) * time.Millisecond), Data: b})
	}
	path := filepath.Join(t.TempDir(), "vxlan.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}

	wantProtos := map[int]string{
		1: "frame:eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:dns",
		2: "frame:eth:ethertype:ip:udp:vxlan:eth:ethertype:arp",
		3: "frame:eth:ethertype:ip:udp:data",
		4: "frame:eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:dns",
	}
	wantSel := map[string][]int{
		"vxlan":                  {1, 2, 4},
		"ip.addr == 192.168.1.2": {1, 4},
		"ip.src == 10.1.1.1 && ip.dst == 192.168.1.2": {1}, // frame 4's inner destination is 192.168.1.1
		"udp.stream == 1":               {1, 4},
		"udp.stream == 2":               {3},
		"udp.stream == 3":               {4},
		"udp.port == 53":                {1, 4},
		"vxlan.vni == 42":               {1, 2},
		"eth.addr == ff:ff:ff:ff:ff:ff": {2},
		"arp.opcode == 1":               {2},
		"dns.flags.response == 1":       {4},
	}
	m := testModule()
	out, err := m.get(context.Background(), pcaptest.Env(0), GetInput{PcapFile: path, Frames: "1-4", Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Packets {
		if p.Protocols != wantProtos[p.Number] {
			t.Errorf("frame %d: %s, want %s", p.Number, p.Protocols, wantProtos[p.Number])
		}
	}
	if p := out.Packets[1]; p.Source != "02:00:00:00:02:01" || p.Info != "Who has 192.168.1.2? Tell 192.168.1.1" {
		t.Errorf("frame 2 columns: %s %q, want the inner ARP's", p.Source, p.Info)
	}
	if p := out.Packets[0]; p.Source != "192.168.1.1" || p.Destination != "192.168.1.2" {
		t.Errorf("frame 1 columns: %s → %s, want the inner addresses", p.Source, p.Destination)
	}
	var names []string
	for _, l := range out.Packets[0].Layers {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ":"); got != "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:dns" {
		t.Errorf("frame 1 detail layers %s", got)
	}
	for filter, want := range wantSel {
		out, err := m.get(context.Background(), pcaptest.Env(0), GetInput{PcapFile: path, Filter: filter})
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		var got []int
		for _, p := range out.Packets {
			got = append(got, p.Number)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q selects %v, want %v", filter, got, want)
		}
	}
	// follow_stream of the conversation inside VXLAN, by number and by
	// its address pair.
	one := 1
	for _, in := range []FollowInput{{UDPStream: &one}, {Protocol: "udp", Client: "192.168.1.1:5353", Server: "192.168.1.2:53"}} {
		in.PcapFile = path
		fo, err := m.follow(context.Background(), pcaptest.Env(0), in)
		if err != nil {
			t.Fatal(err)
		}
		if fo.Stream != 1 || fo.ClientBytes != int64(len(query)) || fo.ServerBytes != int64(len(resp)) || len(fo.Chunks) != 2 || fo.Chunks[1].Frame != 4 {
			t.Errorf("follow_stream %+v: stream %d, %d+%d bytes, %+v", in, fo.Stream, fo.ClientBytes, fo.ServerBytes, fo.Chunks)
		}
	}

	// The same answers from the frame store a first call keeps.
	tools := testTools()
	calls := [][2]string{{"get_packets", `{"detail":true}`}}
	for filter := range wantSel {
		calls = append(calls, [2]string{"get_packets", fmt.Sprintf(`{"filter":%q,"detail":true}`, filter)})
	}
	calls = append(calls, [2]string{"follow_stream", `{"udp_stream":1}`}, [2]string{"follow_stream", `{"udp_stream":3}`})
	checkCached(t, tools, path, calls)

	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Log("tshark is not installed: the expectations are not checked against it")
		return
	}
	for _, r := range pcaptest.Tshark(t, bin, path, "-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "frame.protocols") {
		var n int
		fmt.Sscan(r["frame.number"], &n)
		if "frame:"+r["frame.protocols"] != wantProtos[n] {
			t.Errorf("tshark: frame %d is %s, the test says %s", n, r["frame.protocols"], wantProtos[n])
		}
	}
	for filter, want := range wantSel {
		var got []int
		for _, r := range pcaptest.Tshark(t, bin, path, "-Y", filter, "-T", "fields", "-E", "header=y", "-e", "frame.number") {
			var n int
			fmt.Sscan(r["frame.number"], &n)
			got = append(got, n)
		}
		if !slices.Equal(got, want) {
			t.Errorf("tshark: %q selects %v, the test says %v", filter, got, want)
		}
	}
}
