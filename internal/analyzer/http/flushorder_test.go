package http

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestFlushOrder: transactions that connections closed together end (here
// by the end of the capture: 16 requests, each on its own connection, none
// answered) are listed by their frames, the same on every run. Reassembly
// closes such connections in its map's order, which differs run to run.
func TestFlushOrder(t *testing.T) {
	const conns = 16
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var frames []pcaptest.Frame
	for i := range conns {
		eth := &layers.Ethernet{SrcMAC: pcaptest.MAC(t, "02:00:00:00:00:01"), DstMAC: pcaptest.MAC(t, "02:00:00:00:00:02"), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(10, 0, 0, byte(1+i)).To4(), DstIP: net.IPv4(10, 0, 1, 1).To4()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(40000 + i), DstPort: 80, Seq: 1000, Ack: 1, PSH: true, ACK: true, Window: 512}
		req := fmt.Sprintf("GET /item/%d HTTP/1.1\r\nHost: example.test\r\n\r\n", i)
		frames = append(frames, pcaptest.Frame{Time: start.Add(time.Duration(i) * time.Millisecond),
			Data: pcaptest.Serialize(t, eth, ip, tcp, gopacket.Payload(req))})
	}
	file := filepath.Join(t.TempDir(), "unanswered.pcap")
	if err := os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o600); err != nil {
		t.Fatal(err)
	}
	for run := range 3 {
		out := analyze(t, Input{PcapFile: file, Limit: ptr(MaxLimit)})
		if len(out.Transactions) != conns {
			t.Fatalf("run %d: %d transactions, want %d", run, len(out.Transactions), conns)
		}
		for i, tx := range out.Transactions {
			if tx.RequestFrame != i+1 || tx.URI != fmt.Sprintf("/item/%d", i) || tx.Problem != "unanswered" {
				t.Fatalf("run %d: transaction %d is frame %d %s (%s), want frame %d /item/%d, unanswered", run, i, tx.RequestFrame, tx.URI, tx.Problem, i+1, i)
			}
		}
	}
}
