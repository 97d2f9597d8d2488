package dhcp

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
	"unsafe"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// The state budget (analyzer.Env.MaxStateBytes, --max-state-bytes) is
// divided among the module's tables that grow with the capture; the shares
// sum to 0.97. The README's Limits section documents each bound and what
// happens past it.
const (
	shareTransactions     = 0.30 // transactions: the longest idle tenth evicted
	shareClients          = 0.30 // clients: later clients not tracked
	shareServers          = 0.10 // servers and the clients each served
	shareStarvationWindow = 0.10 // dhcp_starvation: DISCOVERs in its window
	shareBurstMACs        = 0.05 // dhcp_starvation: MACs of the bursts
	shareNakWindow        = 0.05 // nak_storm: NAKs in its window
	shareHolders          = 0.05 // duplicate_ip_assignment: address holders
	shareDomains          = 0.02 // multiple_dhcp_servers: servers per broadcast domain
)

// Estimated bytes of one entry of each table: the record, its map entry
// and its place in the order list. A map holds up to about two slots per
// entry (its load factor is 7/8 and it grows by doubling), each with a
// control byte; an order list grown by append may hold twice its length. The parts that vary (message lists,
// leases, names) are counted as they grow (see txn.size, client.size,
// server.size).
const (
	txEntryBytes     = int(unsafe.Sizeof(txn{})) + (int(unsafe.Sizeof(txKey{}))+8+1)*mapRoom + 16
	clientEntryBytes = int(unsafe.Sizeof(client{})) + (int(unsafe.Sizeof(hwKey{}))+8+1)*mapRoom + 16
	serverEntryBytes = int(unsafe.Sizeof(server{})) + (int(unsafe.Sizeof(netip.Addr{}))+8+1)*mapRoom + 16
	// A DISCOVER in the starvation window: the window's slot (its backing
	// array is up to twice its length) and the per-MAC count it may add.
	discoverBytes = 2*int(unsafe.Sizeof(discover{})) + (int(unsafe.Sizeof(hwKey{}))+8+1)*mapRoom
	burstMACBytes = (int(unsafe.Sizeof(hwKey{})) + 1) * mapRoom
	nakBytes      = 2 * int(unsafe.Sizeof(nak{}))
	holderBytes   = int(unsafe.Sizeof(holder{})) + (int(unsafe.Sizeof(netip.Addr{}))+8+1)*mapRoom
	domainBytes   = int(unsafe.Sizeof(domainServer{})) + (int(unsafe.Sizeof(netip.Addr{}))+8+1)*mapRoom
	servedBytes   = (int(unsafe.Sizeof(hwKey{})) + 1) * mapRoom // one client in a server's set
	addrBytes     = int(unsafe.Sizeof(netip.Addr{}))
	ip4Bytes      = int(unsafe.Sizeof(ip4{}))
	txMsgBytes    = int(unsafe.Sizeof(txMsg{}))
	leaseBytes    = int(unsafe.Sizeof(lease{}))
	configBytes   = int(unsafe.Sizeof(serverConfig{}))
	// mapRoom is how many slots a map entry may take.
	mapRoom = 2
	// latencySamples is how many values each latency summary keeps (8
	// bytes each): its quantiles are exact up to this many transactions.
	latencySamples = 1 << 16
)

// limits are one call's table bounds, derived from the state budget (and
// the module's Options where they are set), and what the bounds did.
type limits struct {
	txBytes, cliBytes, srvBytes    int64 // byte allowances
	maxTx, maxClients, maxServers  int   // entry caps from Options; 0: none
	starvationEvents, burstMACs    int
	nakEvents, holders, domainKeys int

	txEvicted        int           // transactions evicted (longest idle first)
	cliUntracked     int           // messages of clients past the table's share
	cliFrozen        int           // updates to tracked clients' lists and names not kept
	srvUntracked     int           // replies of servers past the table's share
	srvFrozen        int           // clients served and configurations not kept
	starvationCut    int           // DISCOVERs that left the starvation window early
	starvationSpan   time.Duration // the shortest span the window covered when cut
	burstUntracked   int           // burst MACs past the table's share
	nakCut           int           // NAKs that left the NAK-storm window early
	nakSpan          time.Duration
	holdersUntracked int // ACKs of addresses past the holders table's share
	domainsUntracked int // direct OFFER/ACKs of servers past the domains table's share
}

func newLimits(env *analyzer.Env, opts Options) *limits {
	if env == nil {
		env = &analyzer.Env{}
	}
	bytes := func(per int, share float64) int64 { return int64(env.StateItems(per, share)) * int64(per) }
	return &limits{
		txBytes:          bytes(txEntryBytes, shareTransactions),
		cliBytes:         bytes(clientEntryBytes, shareClients),
		srvBytes:         bytes(serverEntryBytes, shareServers),
		maxTx:            opts.MaxTransactions,
		maxClients:       opts.MaxClients,
		maxServers:       opts.MaxServers,
		starvationEvents: env.StateItems(discoverBytes, shareStarvationWindow),
		burstMACs:        env.StateItems(burstMACBytes, shareBurstMACs),
		nakEvents:        env.StateItems(nakBytes, shareNakWindow),
		holders:          env.StateItems(holderBytes, shareHolders),
		domainKeys:       env.StateItems(domainBytes, shareDomains),
	}
}

// cutWindow records that a sliding window dropped its oldest event before
// it expired, when the window covered only span.
func cutWindow(n *int, shortest *time.Duration, span time.Duration) {
	if *n == 0 || span < *shortest {
		*shortest = span
	}
	*n++
}

// counts returns the non-zero counters by name, for statistics.state_limits;
// nil when every bound held.
func (l *limits) counts() map[string]int {
	m := map[string]int{}
	for k, v := range map[string]int{
		"transactions_evicted":               l.txEvicted,
		"client_messages_untracked":          l.cliUntracked,
		"client_updates_not_kept":            l.cliFrozen,
		"server_replies_untracked":           l.srvUntracked,
		"server_updates_not_kept":            l.srvFrozen,
		"starvation_window_discovers_cut":    l.starvationCut,
		"starvation_burst_macs_untracked":    l.burstUntracked,
		"nak_window_naks_cut":                l.nakCut,
		"duplicate_ip_acks_unchecked":        l.holdersUntracked,
		"multiple_servers_replies_untracked": l.domainsUntracked,
	} {
		if v > 0 {
			m[k] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

const budgetName = "the state budget (--max-state-bytes)"

// warnings says what each bound that was reached makes partial.
func (l *limits) warnings(trackedClients, trackedServers int, starvationWindow, nakWindow float64) []string {
	var out []string
	if l.txEvicted > 0 {
		out = append(out, fmt.Sprintf("%s DHCP transactions evicted under %s, the longest idle first: statistics count them, the transactions list does not show them, and a later message of one starts a new transaction", thousands(l.txEvicted), budgetName))
	}
	if l.cliUntracked > 0 {
		out = append(out, fmt.Sprintf("client table full under %s at %s clients: %s messages of later clients counted but not tracked; unique_clients_count, the clients list and unanswered_discover cover the tracked clients only", budgetName, thousands(trackedClients), thousands(l.cliUntracked)))
	}
	if l.cliFrozen > 0 {
		out = append(out, fmt.Sprintf("client table full under %s: %s later changes to tracked clients' leases, addresses, servers and names not kept (their counters stay exact)", budgetName, thousands(l.cliFrozen)))
	}
	if l.srvUntracked > 0 {
		out = append(out, fmt.Sprintf("server table full under %s at %s servers: %s replies of later servers counted but not tracked", budgetName, thousands(trackedServers), thousands(l.srvUntracked)))
	}
	if l.srvFrozen > 0 {
		out = append(out, fmt.Sprintf("server table full under %s: %s clients served or configurations not recorded; clients_served and configurations are partial", budgetName, thousands(l.srvFrozen)))
	}
	if l.starvationCut > 0 {
		out = append(out, fmt.Sprintf("dhcp_starvation: its window holds at most %s DISCOVERs under %s; %s DISCOVERs left it early (at its fullest it spanned %s s, not %s s), so peak_distinct_macs may be an undercount", thousands(l.starvationEvents), budgetName, thousands(l.starvationCut), seconds(l.starvationSpan), strconv.FormatFloat(starvationWindow, 'f', -1, 64)))
	}
	if l.burstUntracked > 0 {
		out = append(out, fmt.Sprintf("dhcp_starvation: %s DISCOVERs of MACs past the first %s of the bursts not tracked under %s; burst_macs and completed_leases cover those %s", thousands(l.burstUntracked), thousands(l.burstMACs), budgetName, thousands(l.burstMACs)))
	}
	if l.nakCut > 0 {
		out = append(out, fmt.Sprintf("nak_storm: its window holds at most %s NAKs under %s; %s NAKs left it early (at its fullest it spanned %s s, not %s s), so peak_naks may be an undercount", thousands(l.nakEvents), budgetName, thousands(l.nakCut), seconds(l.nakSpan), strconv.FormatFloat(nakWindow, 'f', -1, 64)))
	}
	if l.holdersUntracked > 0 {
		out = append(out, fmt.Sprintf("duplicate_ip_assignment: %s ACKs of addresses past the first %s not checked under %s", thousands(l.holdersUntracked), thousands(l.holders), budgetName))
	}
	if l.domainsUntracked > 0 {
		out = append(out, fmt.Sprintf("multiple_dhcp_servers: %s direct replies past %s server and broadcast-domain pairs not counted under %s", thousands(l.domainsUntracked), thousands(l.domainKeys), budgetName))
	}
	return out
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// thousands formats n with comma separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
