package dhcp

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

func analyzeWith(t *testing.T, opts Options, in Input) *Output {
	t.Helper()
	out, err := New(opts).analyze(t.Context(), pcaptest.Env(0), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasWarning(out *Output, substr string) bool {
	for _, w := range out.Warnings {
		if strings.Contains(w, substr) {
			return true
		}
	}
	return false
}

// TestTransactionEviction: past the transaction table's bound the longest
// idle transactions are evicted; the statistics still count them (outcomes
// and latencies as without the bound), the list shows the live ones, and
// the warnings and state_limits say so.
func TestTransactionEviction(t *testing.T) {
	file := pcaptest.GenFile(t, "dhcp-normal-lan.pcap")
	full := analyze(t, Input{PcapFile: file})
	out := analyzeWith(t, Options{MaxTransactions: 10}, Input{PcapFile: file})
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if out.Statistics.TransactionCount != full.Statistics.TransactionCount || js(out.Statistics.OutcomeCounts) != js(full.Statistics.OutcomeCounts) ||
		js(out.Statistics.DiscoverToOfferMs) != js(full.Statistics.DiscoverToOfferMs) || js(out.Statistics.RequestToAckMs) != js(full.Statistics.RequestToAckMs) {
		t.Errorf("statistics with eviction:\n%s\nwant\n%s", js(out.Statistics), js(full.Statistics))
	}
	evicted := out.Statistics.StateLimits["transactions_evicted"]
	if evicted == 0 || out.TxPage.Total+evicted != full.TxPage.Total || out.TxPage.Total > 10 {
		t.Errorf("%d evicted, %d listed, of %d", evicted, out.TxPage.Total, full.TxPage.Total)
	}
	if !hasWarning(out, "DHCP transactions evicted under the state budget (--max-state-bytes), the longest idle first") {
		t.Errorf("warnings %q", out.Warnings)
	}
	// The live transactions are the most recent ones.
	last := analyze(t, Input{PcapFile: file, TransactionsOffset: full.TxPage.Total - 1}).Transactions[0]
	if out2 := analyzeWith(t, Options{MaxTransactions: 10}, Input{PcapFile: file, TransactionID: last.TransactionID}); out2.TxPage.Total != 1 {
		t.Errorf("the last transaction %s was evicted", last.TransactionID)
	}
	if len(full.Warnings) != 0 || full.Statistics.StateLimits != nil {
		t.Errorf("without a bound reached: warnings %q, state_limits %v", full.Warnings, full.Statistics.StateLimits)
	}
}

// TestClientAndServerBounds: past their tables' bounds later clients and
// servers are counted, not tracked, and the warnings say what is partial.
func TestClientAndServerBounds(t *testing.T) {
	out := analyzeWith(t, Options{MaxClients: 5}, Input{PcapFile: pcaptest.GenFile(t, "dhcp-normal-lan.pcap")})
	if out.Statistics.UniqueClientsCount != 5 || out.ClientsPage.Total != 5 || out.Statistics.StateLimits["client_messages_untracked"] == 0 ||
		!hasWarning(out, "client table full under the state budget (--max-state-bytes) at 5 clients") {
		t.Errorf("clients %d, state_limits %v, warnings %q", out.Statistics.UniqueClientsCount, out.Statistics.StateLimits, out.Warnings)
	}
	if out.DHCPPacketsFound != 202 || out.Statistics.TransactionCount != 59 {
		t.Errorf("counts must cover the capture: %d packets, %d transactions", out.DHCPPacketsFound, out.Statistics.TransactionCount)
	}
	out = analyzeWith(t, Options{MaxServers: 1}, Input{PcapFile: pcaptest.GenFile(t, "dhcp-rogue-server.pcap")})
	if out.ServersTotal != 1 || out.Statistics.StateLimits["server_replies_untracked"] == 0 || !hasWarning(out, "server table full") {
		t.Errorf("servers %d, state_limits %v, warnings %q", out.ServersTotal, out.Statistics.StateLimits, out.Warnings)
	}
}

// TestClientGrowthStops: once the client table is at its share, tracked
// clients keep exact counters but their lists stop growing.
func TestClientGrowthStops(t *testing.T) {
	o := newObserver(testConfig(t), newLimits(nil, Options{}))
	o.lim.cliBytes = int64(clientEntryBytes) // room for one client without its lists
	c := &client{hw: keyOf([]byte{2, 0, 0, 0, 0, 1})}
	m := &message{msgType: MsgDiscover, op: 1}
	p := &engine.Packet{Number: 1, Timestamp: time.Unix(1700000000, 0)}
	if kept := o.updateClient(c, result.InstantOf(p.Timestamp), p, m, netipZero, false); kept || c.discovers != 1 || len(c.discoverFrames) != 0 {
		t.Errorf("frozen client: kept %v, %d discovers, frames %v", kept, c.discovers, c.discoverFrames)
	}
	if kept := o.updateClient(c, result.InstantOf(p.Timestamp), p, m, netipZero, true); !kept || c.discovers != 2 || len(c.discoverFrames) != 1 {
		t.Errorf("growing client: kept %v, %d discovers, frames %v", kept, c.discovers, c.discoverFrames)
	}
}

// TestWindowBounds: the starvation and NAK-storm windows hold at most
// their share of the budget; past it they drop their oldest event early
// and the warnings say so and how short the window became. The other
// detector tables refuse new keys past theirs, and say so.
func TestWindowBounds(t *testing.T) {
	th := analyzer.NewThresholds(params)
	th.Set(starvationMinClients.Name, 10)
	lim := newLimits(nil, Options{})
	lim.starvationEvents, lim.nakEvents, lim.burstMACs, lim.holders = 50, 20, 30, 5
	su := starvation.New(th).(*starvationUnit)
	nu := nakStorm.New(th).(*nakStormUnit)
	du := duplicateIP.New(th).(*duplicateIPUnit)
	t0 := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	for i := range 200 { // 200 DISCOVERs, NAKs and ACKs from 200 MACs, 10 ms apart: all in one 60 s window
		p := &engine.Packet{Number: i + 1, Timestamp: t0.Add(time.Duration(i) * 10 * time.Millisecond)}
		hw := keyOf([]byte{2, 0, 0, 0, byte(i >> 8), byte(i)})
		su.Observe(&event{p: p, m: &message{msgType: MsgDiscover}, full: true, hw: hw, lim: lim})
		nu.Observe(&event{p: p, m: &message{msgType: MsgNak}, full: true, hw: hw, lim: lim})
		ack := &message{msgType: MsgAck, yiaddr: netipAddr(10, 0, byte(i>>8), byte(i))}
		du.Observe(&event{p: p, m: ack, full: true, hw: hw, lim: lim, client: &client{}})
	}
	if su.win.Len() != 50 || su.peak != 50 || lim.starvationCut != 150 || lim.starvationSpan != 490*time.Millisecond {
		t.Errorf("starvation window %d, peak %d, cut %d, span %v", su.win.Len(), su.peak, lim.starvationCut, lim.starvationSpan)
	}
	if len(su.burstMACs) != 30 || lim.burstUntracked == 0 {
		t.Errorf("burst MACs %d, untracked %d", len(su.burstMACs), lim.burstUntracked)
	}
	if nu.win.Len() != 20 || nu.peak != 20 || lim.nakCut != 180 {
		t.Errorf("NAK window %d, peak %d, cut %d", nu.win.Len(), nu.peak, lim.nakCut)
	}
	if len(du.holders) != 5 || lim.holdersUntracked != 195 {
		t.Errorf("holders %d, untracked %d", len(du.holders), lim.holdersUntracked)
	}
	ws := strings.Join(lim.warnings(0, 0, 60, 60), "\n")
	for _, want := range []string{
		"dhcp_starvation: its window holds at most 50 DISCOVERs under the state budget (--max-state-bytes); 150 DISCOVERs left it early (at its fullest it spanned 0.490 s, not 60 s)",
		"nak_storm: its window holds at most 20 NAKs",
		"duplicate_ip_assignment: 195 ACKs of addresses past the first 5 not checked",
		"dhcp_starvation: ",
	} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings lack %q:\n%s", want, ws)
		}
	}
}

// TestStateItemsFromBudget: the bounds follow --max-state-bytes.
func TestStateItemsFromBudget(t *testing.T) {
	small := newLimits(&analyzer.Env{MaxStateBytes: 64 << 20}, Options{})
	def := newLimits(&analyzer.Env{}, Options{})
	near := func(a, b int64) bool { return a >= b-b/100 && a <= b+b/100 }
	if !near(small.txBytes*8, def.txBytes) || !near(int64(small.starvationEvents*8), int64(def.starvationEvents)) || float64(small.cliBytes) > 64<<20*shareClients {
		t.Errorf("64 MiB: %+v\ndefault: %+v", small, def)
	}
	if s := shareTransactions + shareClients + shareServers + shareStarvationWindow + shareBurstMACs + shareNakWindow + shareHolders + shareDomains; s > 1 {
		t.Errorf("shares sum to %v", s)
	}
}

var netipZero netip.Addr

func netipAddr(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

// TestEvictionSameInstant: transactions all last heard at the same instant
// are still evicted a tenth at a time, not one per insert.
func TestEvictionSameInstant(t *testing.T) {
	o := newObserver(testConfig(t), newLimits(nil, Options{MaxTransactions: 100}))
	p := &engine.Packet{Timestamp: time.Unix(1700000000, 0)}
	evictions := 0
	for i := range 1000 {
		p.Number = i + 1
		before := o.lim.txEvicted
		o.track(p, &message{op: 1, xid: uint32(i), msgType: MsgDiscover, chaddr: []byte{2, 0, 0, 0, byte(i >> 8), byte(i)}})
		if o.lim.txEvicted > before {
			evictions++
		}
	}
	if len(o.txns) > 100 || len(o.txOrder) != len(o.txns) || o.lim.txEvicted+len(o.txns) != 1000 || evictions > 100 {
		t.Errorf("%d live (%d in order), %d evicted in %d evictions", len(o.txns), len(o.txOrder), o.lim.txEvicted, evictions)
	}
	for i, s := range o.txOrder {
		if s.tx.slot != i || o.txns[s.tx.key] != s.tx {
			t.Fatalf("slot %d holds a transaction that says %d", i, s.tx.slot)
		}
	}
}
