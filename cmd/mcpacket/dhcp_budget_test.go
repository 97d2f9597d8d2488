//go:build !race

package main

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// The DHCP module's worst cases for its state (issue 10): 3M DISCOVERs in
// one starvation window, and 1M clients.

// dhcpTemplate is one Ethernet/IPv4/UDP/DHCP frame built by gopacket, and
// the offsets of the fields the generator rewrites per packet.
type dhcpTemplate struct {
	frame          []byte
	srcMAC, dstMAC int // Ethernet source and destination
	xid, chaddr    int // BOOTP xid and chaddr
	yiaddr         int
}

func newDHCPTemplate(t *testing.T, reply bool, opts []layers.DHCPOption) dhcpTemplate {
	op, srcIP, dstIP, sport, dport := layers.DHCPOpRequest, "0.0.0.0", "255.255.255.255", uint16(68), uint16(67)
	if reply {
		op, srcIP, dstIP, sport, dport = layers.DHCPOpReply, "10.0.0.1", "255.255.255.255", 67, 68
	}
	d := &layers.DHCPv4{Operation: op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, ClientHWAddr: pcaptest.MAC(t, "02:00:00:00:00:00"), Options: opts}
	frame := pcaptest.UDP4(t, "02:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", srcIP, dstIP, sport, dport, pcaptest.Serialize(t, d))
	const bootp = 14 + 20 + 8
	binary.BigEndian.PutUint16(frame[14+20+6:], 0) // no UDP checksum: the generator rewrites the payload
	return dhcpTemplate{frame: frame, srcMAC: 6, dstMAC: 0, xid: bootp + 4, chaddr: bootp + 28, yiaddr: bootp + 16}
}

// putMAC writes the MAC 02:<i as 5 bytes> at b.
func putMAC(b []byte, i int) {
	b[0] = 2
	for k := 5; k >= 1; k-- {
		b[k] = byte(i)
		i >>= 8
	}
}

// TestDHCPBudgetDiscoverFlood: 3,000,000 DISCOVERs from 3,000,000 MACs
// within one 60 s starvation window (20 µs apart): the window, the
// transactions, the clients and the starvation bursts all reach their
// bounds.
func TestDHCPBudgetDiscoverFlood(t *testing.T) {
	const n = 3_000_000
	tpl := newDHCPTemplate(t, false, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)}),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte("flood-host")),
	})
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	frame := tpl.frame
	b, peaks := budgetCall(t, "analyze_dhcp_packets", framesCapture("dhcp-discover-flood-3m.pcap", n, false, func(i int) ([]byte, time.Time) {
		putMAC(frame[tpl.srcMAC:], i)
		putMAC(frame[tpl.chaddr:], i)
		binary.BigEndian.PutUint32(frame[tpl.xid:], uint32(i))
		return frame, t0.Add(time.Duration(i) * 20 * time.Microsecond)
	}))
	peaks.check(t)
	var m map[string]any
	json.Unmarshal(b, &m)
	if found := m["dhcp_packets_found"].(float64); found != n {
		t.Errorf("dhcp_packets_found %v, want %d", found, n)
	}
	st := m["statistics"].(map[string]any)
	if st["transaction_count"].(float64) != n {
		t.Errorf("transaction_count %v, want %d (evicted ones included)", st["transaction_count"], n)
	}
	wantWarnings(t, b, false, "DHCP transactions evicted under the state budget", "client table full under the state budget",
		"dhcp_starvation: its window holds at most", "dhcp_starvation: ")
	var types []string
	for _, a := range m["anomalies"].([]any) {
		types = append(types, a.(map[string]any)["type"].(string))
	}
	if !strings.Contains(strings.Join(types, ","), "dhcp_starvation") {
		t.Errorf("anomalies %v: want dhcp_starvation", types)
	}
	t.Logf("state_limits %v", st["state_limits"])
}

// TestDHCPBudgetManyClients: 1,000,000 clients, each a DISCOVER with a host
// name, vendor class and parameter request list, answered by an ACK
// (lease, router, DNS) 1 ms later, one client every 2 ms: clients,
// transactions and the server's clients reach their bounds.
func TestDHCPBudgetManyClients(t *testing.T) {
	const clients = 1_000_000
	req := newDHCPTemplate(t, false, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)}),
		layers.NewDHCPOption(layers.DHCPOptHostname, []byte("laptop-0000000000-of-the-budget-test")),
		layers.NewDHCPOption(layers.DHCPOptClassID, []byte("MSFT 5.0")),
		layers.NewDHCPOption(layers.DHCPOptParamsRequest, []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}),
	})
	ack := newDHCPTemplate(t, true, []layers.DHCPOption{
		layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)}),
		layers.NewDHCPOption(layers.DHCPOptServerID, []byte{10, 0, 0, 1}),
		layers.NewDHCPOption(layers.DHCPOptLeaseTime, []byte{0, 1, 0x51, 0x80}),
		layers.NewDHCPOption(layers.DHCPOptSubnetMask, []byte{255, 0, 0, 0}),
		layers.NewDHCPOption(layers.DHCPOptRouter, []byte{10, 0, 0, 1}),
		layers.NewDHCPOption(layers.DHCPOptDNS, []byte{10, 0, 0, 53}),
	})
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	b, peaks := budgetCall(t, "analyze_dhcp_packets", framesCapture("dhcp-clients-1m.pcap", 2*clients, false, func(i int) ([]byte, time.Time) {
		c := i / 2
		ts := t0.Add(time.Duration(c) * 2 * time.Millisecond)
		tpl := req
		if i%2 == 1 {
			tpl = ack
			ts = ts.Add(time.Millisecond)
			binary.BigEndian.PutUint32(tpl.frame[tpl.yiaddr:], 10<<24|uint32(c+2))
			putMAC(tpl.frame[tpl.dstMAC:], c)
		} else {
			putMAC(tpl.frame[tpl.srcMAC:], c)
		}
		putMAC(tpl.frame[tpl.chaddr:], c)
		binary.BigEndian.PutUint32(tpl.frame[tpl.xid:], uint32(c))
		return tpl.frame, ts
	}))
	peaks.check(t)
	var m map[string]any
	json.Unmarshal(b, &m)
	st := m["statistics"].(map[string]any)
	if st["transaction_count"].(float64) != clients || st["outcome_counts"].(map[string]any)["acked"].(float64) != clients {
		t.Errorf("transaction_count %v, outcomes %v: want %d acked", st["transaction_count"], st["outcome_counts"], clients)
	}
	wantWarnings(t, b, false, "DHCP transactions evicted under the state budget", "client table full under the state budget")
	if !atDefault() {
		wantWarnings(t, b, false, "clients served or configurations not recorded")
	}
	t.Logf("state_limits %v", st["state_limits"])
}
