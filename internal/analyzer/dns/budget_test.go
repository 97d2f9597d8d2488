package dns

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestBudgetShares: the tables' shares of the state budget leave room for
// what is not counted.
func TestBudgetShares(t *testing.T) {
	sum := shareConns + shareHeld + shareTxns + shareNames + shareRegs + shareClients + shareServerTop + shareCache +
		shareDetNames + shareRegStats + shareDGA + shareServers + sharePairs + shareLarge
	if sum > 0.9+1e-9 {
		t.Errorf("shares sum to %.2f", sum)
	}
	l := newLimits(&analyzer.Env{}, 0)
	if l.txns < 80000 || l.conns < 50000 || l.servers < 5000 {
		t.Errorf("default limits %+v", l)
	}
	if small := newLimits(&analyzer.Env{MaxStateBytes: 64 << 20}, 7); small.txns != 7 || small.conns >= l.conns {
		t.Errorf("64 MiB limits %+v", small)
	}
}

// TestTransactionEviction: with room for a few transactions (as many as
// wait for a response at once, plus one), the answered ones are evicted
// first and their outcome counted, so the statistics and findings are
// those of the unbounded run, and the result says what was evicted. With
// less room, transactions still waiting are evicted too, and the result
// says how many.
func TestTransactionEviction(t *testing.T) {
	for name, room := range map[string]int{"dns-normal.pcap": 3, "dns-unanswered.pcap": 16, "dns-slow-server.pcap": 3, "dns-dga.pcap": 3} {
		t.Run(name, func(t *testing.T) {
			file := pcaptest.GenFile(t, name)
			want := analyze(t, Input{PcapFile: file})
			got, err := New(Options{MaxTransactions: room}).analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(want.Statistics)
			b, _ := json.Marshal(got.Statistics)
			if string(a) != string(b) {
				t.Errorf("statistics\n%s\nwant\n%s", b, a)
			}
			if len(got.Anomalies) != len(want.Anomalies) {
				t.Fatalf("anomalies %d, want %d", len(got.Anomalies), len(want.Anomalies))
			}
			for i, f := range got.Anomalies {
				w := want.Anomalies[i]
				if f.Type != w.Type || f.Summary != w.Summary || f.EvidenceFramesTotal != w.EvidenceFramesTotal {
					t.Errorf("finding %s %q (%d frames), want %s %q (%d)", f.Type, f.Summary, f.EvidenceFramesTotal, w.Type, w.Summary, w.EvidenceFramesTotal)
				}
			}
			for i := range got.Servers {
				g, w := got.Servers[i], want.Servers[i]
				if g.Answered != w.Answered || g.Unanswered != w.Unanswered || g.Clients != w.Clients {
					t.Errorf("server %+v, want %+v", g, w)
				}
			}
			if got.TxPage.Total != room || !strings.Contains(strings.Join(got.Warnings, "\n"), "DNS transactions evicted under the state budget") {
				t.Errorf("transactions %+v, warnings %q", got.TxPage, got.Warnings)
			}
		})
	}
	got, err := New(Options{MaxTransactions: 3}).analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: pcaptest.GenFile(t, "dns-unanswered.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(got.Warnings, "\n")
	if st := got.Statistics; st.Answered != 15 || st.Unanswered >= 15 || !strings.Contains(w, "were still waiting for a response") {
		t.Errorf("room for 3: answered %d, unanswered %d, warnings %q", st.Answered, st.Unanswered, w)
	}
}

// TestTCPUnfinishedBound: an unfinished DNS-over-TCP message is held while
// the bound on all of them allows, dropped past it (its remaining bytes
// skipped, the messages after it read), and released when its connection
// closes.
func TestTCPUnfinishedBound(t *testing.T) {
	cfg := fuzzConfig(t)
	cfg.lim.heldBytes = 4096 // two pages
	o := newObserver(cfg)
	conn := func(port uint16) *engine.StreamConn {
		return &engine.StreamConn{Client: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), port), Server: netip.MustParseAddrPort("10.0.0.53:53")}
	}
	at := func(int) (int, time.Time) { return 1, time.Unix(1, 0) }
	// feed offers data to c as the reassembler does: what was left
	// unconsumed, then the new bytes.
	kept := map[*engine.StreamConn][]byte{}
	feed := func(c *engine.StreamConn, b []byte) {
		data := append(kept[c], b...)
		c.Consume(true, len(data))
		o.Data(c, true, data, at)
		kept[c] = append([]byte(nil), data[c.Consumed(true):]...)
	}
	q := newWire(1, 0x0100, 1, 0, 0, 0).question(1, "example", "com").b
	msg := func(n int) []byte { // a message of n bytes: a query padded
		b := binary.BigEndian.AppendUint16(nil, uint16(n))
		return append(append(b, q...), make([]byte, n-len(q))...)
	}
	a, b := conn(1000), conn(1001)
	big := msg(3000)
	feed(a, big[:2500]) // held: 2 pages
	if o.heldBytes != 4096 || len(kept[a]) != 2500 {
		t.Fatalf("held %d, kept %d", o.heldBytes, len(kept[a]))
	}
	feed(b, big[:100]) // over the bound: dropped
	if o.budget.tcpDropped != 1 || len(kept[b]) != 0 {
		t.Fatalf("dropped %d, kept %d", o.budget.tcpDropped, len(kept[b]))
	}
	feed(b, append(big[100:], msg(40)...)) // the rest skipped, the next read
	if o.found != 1 {
		t.Fatalf("found %d messages after the dropped one, want 1", o.found)
	}
	feed(a, big[2500:]) // completed
	if o.found != 2 || o.heldBytes != 0 {
		t.Fatalf("found %d, held %d", o.found, o.heldBytes)
	}
	feed(a, big[:10])
	o.Closed(a)
	if o.heldBytes != 0 {
		t.Fatalf("held %d after close", o.heldBytes)
	}
	if w := strings.Join(o.budgetWarnings(), "\n"); !strings.Contains(w, "1 unfinished DNS-over-TCP messages dropped") {
		t.Errorf("warnings %q", w)
	}
}

// TestResponseBudgetCorpus: with default arguments the JSON of every
// corpus capture is at most 32 KiB.
func TestResponseBudgetCorpus(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if len(files) < 100 {
		t.Fatalf("%d corpus captures", len(files))
	}
	for _, file := range files {
		out, err := New(Options{}).analyze(context.Background(), pcaptest.Env(0), Input{PcapFile: file})
		if err != nil {
			continue // not a capture the engine reads; other tests cover it
		}
		if b, _ := json.Marshal(out); len(b) > ResponseBudget {
			t.Errorf("%s: %d bytes", filepath.Base(file), len(b))
		}
	}
}

// TestResponseBudgetHostile: a capture built to make every part of the
// result large (names of 255 bytes that escape to four times their size,
// messages of 30 records with such names, 300 tunnels each with its
// finding, 200 servers, long top lists) still answers in 32 KiB with
// default arguments, summary and findings first.
func TestResponseBudgetHostile(t *testing.T) {
	label := func(seed int, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(1 + (seed*7+i)%30) // control bytes: \DDD each
		}
		return string(b)
	}
	long := func(seed int) []string { // 4 labels of 62 bytes: 252 bytes
		return []string{label(seed, 62), label(seed+1, 62), label(seed+2, 62), label(seed+3, 58)}
	}
	var frames []pcaptest.Frame
	at := time.Unix(1700000000, 0)
	add := func(src, dst string, sport, dport uint16, b []byte) {
		frames = append(frames, pcaptest.Frame{Time: at.Add(time.Duration(len(frames)) * time.Millisecond),
			Data: pcaptest.UDP4(t, "00:00:5e:00:53:01", "00:00:5e:00:53:02", src, dst, sport, dport, b)})
	}
	soa := func(seed int) []byte {
		w := newWire(0, 0, 0, 0, 0, 0).name(long(seed)...).name(long(seed + 5)...)
		return append(w.b[12:], make([]byte, 20)...)
	}
	for i := range 40 { // responses of 3 sections of 10 SOA records with long names
		server := fmt.Sprintf("198.51.100.%d", 1+i)
		q := newWire(uint16(i), 0x0100, 1, 0, 0, 0).question(6, long(i)...)
		r := newWire(uint16(i), 0x8183, 1, 10, 10, 10).question(6, long(i)...)
		for j := range 30 {
			r.rr(6, 1, soa(i+j), long(i+j)...)
		}
		add("192.0.2.1", server, 40000, 53, q.b)
		add(server, "192.0.2.1", 53, 40000, r.b)
	}
	for d := range 300 { // tunnels: 30 long names under each of 300 domains
		for j := range 30 {
			name := []string{label(d*30+j, 60), label(d+j, 60), fmt.Sprintf("t%03d%s", d, label(d, 50)), "com"}
			add(fmt.Sprintf("10.1.%d.%d", d/250, d%250+1), fmt.Sprintf("203.0.113.%d", 1+d%200), 40001, 53, newWire(uint16(j), 0x0100, 1, 0, 0, 0).question(16, name...).b)
		}
	}
	file := filepath.Join(t.TempDir(), "hostile.pcap")
	if err := os.WriteFile(file, pcaptest.Pcap(t, 1, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	out := analyze(t, Input{PcapFile: file})
	b, _ := json.Marshal(out)
	if len(b) > ResponseBudget {
		t.Errorf("default response is %d bytes", len(b))
	}
	if len(out.Anomalies) == 0 || out.Anomalies[0].Type != AnomalyTunneling || !strings.Contains(strings.Join(out.Warnings, "\n"), "more dns_tunneling_suspected findings") {
		t.Errorf("%d anomalies, warnings %q", len(out.Anomalies), out.Warnings)
	}
	t.Logf("%d bytes: %d anomalies, %d messages, %d transactions, %d servers, warnings %q", len(b), len(out.Anomalies), len(out.Packets), len(out.Transactions), len(out.Servers), out.Warnings)
}
