package arp

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
