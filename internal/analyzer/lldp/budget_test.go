package lldp

import (
	"encoding/binary"
	"encoding/json"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// lldpdu is an LLDPDU of chassis (MAC) i, port name, with the system
// capabilities given.
func lldpdu(i int, port string, caps uint16) []byte {
	t := func(typ int, v []byte) []byte {
		return append(binary.BigEndian.AppendUint16(nil, uint16(typ)<<9|uint16(len(v))), v...)
	}
	chassis := binary.BigEndian.AppendUint32([]byte{4, 0x02, 0x00}, uint32(i))[:7]
	b := append(t(1, chassis), t(2, append([]byte{5}, port...))...)
	b = append(b, t(3, []byte{0, 120})...)
	b = append(b, t(7, []byte{0, byte(caps), 0, byte(caps)})...)
	return append(b, 0, 0)
}

func frame(n int, src net.HardwareAddr, payload []byte) *engine.Packet {
	return &engine.Packet{Number: n, Timestamp: time.Unix(int64(n), 0), EtherType: layers.EthernetTypeLinkLayerDiscovery, NetworkPayload: payload,
		Ethernet: &layers.Ethernet{SrcMAC: src}}
}

func macN(i int) net.HardwareAddr {
	return binary.BigEndian.AppendUint32([]byte{0x02, 0x01}, uint32(i))
}

func testObserver(t testing.TB, lim limits) *observer {
	c, err := newConfig(Input{Limit: intp(0), Thresholds: analyzer.NewThresholds(detectors.Params())}, pcaptest.Env(0))
	if err != nil {
		t.Fatal(err)
	}
	c.lim = lim
	return newObserver(c)
}

// TestBoundedState floods the observer with distinct devices, ports and
// MACs past small bounds: every table stays at its bound and the result
// says what is partial.
func TestBoundedState(t *testing.T) {
	const bound, n = 40, 300
	o := testObserver(t, limits{devices: bound, neighbors: bound, keys: bound, macs: bound})
	for i := range n {
		o.Observe(frame(i+1, macN(i), lldpdu(i, "eth0", 0x04)))
		for p := range maxPorts + 2 { // one device with many ports
			o.Observe(frame(i+1, macN(0), lldpdu(0, "eth"+strings.Repeat("x", p), 0x04)))
		}
	}
	out := o.output(Input{}, &engine.Result{}, nil)
	if len(o.devices) > bound || len(o.neighbors) > bound || len(o.srcMACs) > bound || len(o.deviceOrder[0].ports) > maxPorts {
		t.Errorf("past the bounds: devices %d neighbours %d macs %d ports %d", len(o.devices), len(o.neighbors), len(o.srcMACs), len(o.deviceOrder[0].ports))
	}
	if out.Devices[0].PortsTotal != maxPorts+3 { // eth0, eth, ethx, ... ethxx...x (17 x)
		t.Errorf("ports_total %d", out.Devices[0].PortsTotal)
	}
	fit(out, false)
	if b, _ := json.Marshal(out); len(b) > ResponseBudget {
		t.Errorf("response of %d bytes after fit, over %d", len(b), ResponseBudget)
	}
	for _, want := range []string{"devices past the first 40", "neighbour rows past the first 40", "source MACs past 40", AnomalySpoofing + ": device ports or MACs past"} {
		if !slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("no warning %q in %q", want, out.Warnings)
		}
	}
}

// TestStateEntryBytes measures the heap one entry of each budgeted table
// takes, and checks it against the bytes per entry the budget assumes
// (config.go).
func TestStateEntryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 20,000 entries")
	}
	huge := limits{devices: 1 << 30, neighbors: 1 << 30, keys: 1 << 30, macs: 1 << 30}
	const n = 20000
	before := pcaptest.LiveHeap()
	o := testObserver(t, huge)
	// Each device: full port, MAC and management lists; its neighbour row;
	// its spoofing key; its source MAC.
	for i := range n {
		for p := range maxPorts {
			o.Observe(frame(i+1, macN(i*maxMACs+p%maxMACs), lldpdu(i, "port-number-"+strings.Repeat("p", p), 0x04)))
		}
	}
	per := int(int64(pcaptest.LiveHeap())-int64(before)) / n
	runtime.KeepAlive(o)
	budget := bytesDevice + maxPorts*(bytesNeighbor+bytesKey) + maxMACs*bytesMAC
	t.Logf("one device with %d ports and %d MACs: %d bytes (budgeted %d)", maxPorts, maxMACs, per, budget)
	if per > budget {
		t.Errorf("%d bytes per device, over the %d the budget assumes", per, budget)
	}
}
