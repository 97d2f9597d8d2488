package dhcpv6

import (
	"encoding/binary"
	"encoding/json"
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

// hostileCapture writes n clients' SOLICITs (own DUID, own transaction),
// each answered by its own server's REPLY assigning an address.
func hostileCapture(t *testing.T, n int) string {
	t.Helper()
	var frames []pcaptest.Frame
	start := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	opt := func(code uint16, d []byte) []byte {
		return append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, code), uint16(len(d))), d...)
	}
	add := func(typ byte, i int, opts ...[]byte) {
		b := []byte{typ, byte(i >> 16), byte(i >> 8), byte(i)}
		for _, o := range opts {
			b = append(b, o...)
		}
		ip := &layers.IPv6{Version: 6, HopLimit: 1, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("ff02::1:2")}
		u := &layers.UDP{SrcPort: 546, DstPort: 547}
		u.SetNetworkLayerForChecksum(ip)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{0x33, 0x33, 0, 1, 0, 2}, EthernetType: layers.EthernetTypeIPv6}
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(len(frames)) * time.Second), Data: pcaptest.Serialize(t, eth, ip, u, gopacket.Payload(b))})
	}
	for i := range n {
		duid := func(kind byte) []byte { return []byte{0, 3, 0, 1, kind, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)} }
		addr := net.ParseIP("2001:db8::").To16()
		addr[13], addr[14], addr[15] = byte(i>>16), byte(i>>8), byte(i)
		ia := opt(3, append([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, opt(5, append(addr, 0, 0, 1, 0, 0, 0, 2, 0))...))
		add(typeSolicit, i, opt(1, duid(2)))
		add(typeReply, i, opt(1, duid(2)), opt(2, duid(4)), ia)
	}
	path := filepath.Join(t.TempDir(), "hostile.pcap")
	if err := os.WriteFile(path, pcaptest.Pcap(t, layers.LinkTypeEthernet, true, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStateBudget runs the tool on a capture that overflows every table a
// small state budget allows (1,000 entries each): the result discloses
// each cut in warnings and stays within the response budget.
func TestStateBudget(t *testing.T) {
	file := hostileCapture(t, 3000)
	env := pcaptest.Env(0)
	env.MaxStateBytes = 1
	out, err := New(Options{}).analyze(t.Context(), env, Input{PcapFile: file, Thresholds: analyzer.NewThresholds(detectors.Params())})
	if err != nil {
		t.Fatal(err)
	}
	if out.DHCPv6PacketsFound != 6000 || out.TransactionsTotal != 1000 || out.ClientsTotal != 1000 || out.ServersTotal != 1000 {
		t.Errorf("found %d, transactions %d, clients %d, servers %d", out.DHCPv6PacketsFound, out.TransactionsTotal, out.ClientsTotal, out.ServersTotal)
	}
	w := strings.Join(out.Warnings, "\n")
	for _, want := range []string{"transactions past the first 1000", "clients past the first 1000", "servers past the first 1000", "leases past the first 1000"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", out.Warnings, want)
		}
	}
	if b, _ := json.Marshal(out); len(b) > ResponseBudget {
		t.Errorf("response is %d bytes, over %d", len(b), ResponseBudget)
	}
	if len(out.Packets) == 0 {
		t.Error("fit left no packets")
	}
}
