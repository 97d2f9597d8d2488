package dns

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// The module's tables that grow with the capture are bounded from the
// call's state budget (--max-state-bytes, analyzer.Env.StateItems): each
// gets a share of it, turned into a number of entries by the worst-case
// size of one entry (names at their 255-byte maximum, map overhead
// included). The shares sum to 0.9, leaving room for what is not counted
// (gopacket's out-of-order pages, the page of records being built). What happens at each bound,
// and how the result says so, is in the README's Limits section.
const (
	// connBytes is one TCP connection in reassembly: gopacket's
	// connection with its two halves, the engine's stream and the
	// module's per-connection state.
	connBytes  = 1536 // 945 measured (100,000 SYNs), garbage not counted
	shareConns = 0.20
	// shareHeld bounds the bytes of unfinished DNS-over-TCP messages
	// held, all connections together (one message is at most 65,537
	// bytes with its length prefix).
	shareHeld = 0.10
	// txnBytes is one transaction: the query's record, its name, its two
	// entries in the tables that match responses to queries.
	txnBytes  = 1024
	shareTxns = 0.16
	// nameKeyBytes is one name counted in a top list.
	nameKeyBytes = 384
	shareNames   = 0.08
	shareRegs    = 0.03
	// addrKeyBytes is one address counted in a top list.
	addrKeyBytes   = 96
	shareClients   = 0.02
	shareServerTop = 0.01
	// cacheBytes is one interned name with its registered domain.
	cacheBytes = 768
	shareCache = 0.06
	// detNameBytes is one name the tunneling or DGA detector remembers.
	detNameBytes  = 320
	shareDetNames = 0.10
	// regStatBytes is one registered domain the tunneling detector
	// tracks; dgaClientBytes one client the DGA detector tracks.
	regStatBytes   = 1024
	shareRegStats  = 0.02
	dgaClientBytes = 640
	shareDGA       = 0.02
	// serverBytes is one server's statistics, its response-time sample
	// (serverSample values) included.
	serverBytes  = 6144
	shareServers = 0.06
	// pairBytes is one (server, client) pair, for a server's client count.
	pairBytes  = 128
	sharePairs = 0.03
	// largeDstBytes is one destination of large responses.
	largeDstBytes = 320
	shareLarge    = 0.01
)

// serverSample is how many response times a server keeps for its median
// and 95th percentile (count, minimum and maximum are exact).
const serverSample = 512

// maxQTypes bounds the question-type counter: there are 65,536 types.
const maxQTypes = 1 << 16

// limits are the bounds of the observer's growing tables for one call.
type limits struct {
	conns, heldBytes, txns                  int
	names, regDomains, clients, serverTop   int
	nameCache, detNames, regStats, dgaUsers int
	servers, pairs, largeDsts               int
}

// newLimits derives the bounds from the call's state budget; maxTxns, when
// positive, bounds the transactions further (Options.MaxTransactions).
func newLimits(env *analyzer.Env, maxTxns int) limits {
	if env == nil {
		env = &analyzer.Env{}
	}
	l := limits{
		conns:      env.StateItems(connBytes, shareConns),
		heldBytes:  env.StateItems(1, shareHeld),
		txns:       env.StateItems(txnBytes, shareTxns),
		names:      env.StateItems(nameKeyBytes, shareNames),
		regDomains: env.StateItems(nameKeyBytes, shareRegs),
		clients:    env.StateItems(addrKeyBytes, shareClients),
		serverTop:  env.StateItems(addrKeyBytes, shareServerTop),
		nameCache:  env.StateItems(cacheBytes, shareCache),
		detNames:   env.StateItems(detNameBytes, shareDetNames),
		regStats:   env.StateItems(regStatBytes, shareRegStats),
		dgaUsers:   env.StateItems(dgaClientBytes, shareDGA),
		servers:    env.StateItems(serverBytes, shareServers),
		pairs:      env.StateItems(pairBytes, sharePairs),
		largeDsts:  env.StateItems(largeDstBytes, shareLarge),
	}
	if maxTxns > 0 {
		l.txns = min(l.txns, maxTxns)
	}
	return l
}

// budget is the observer's state budget in use: the bounds, and what was
// evicted or turned away at them, for the result's warnings. The
// detectors reach it through the event.
type budget struct {
	lim limits

	detNames int // names the tunneling and DGA detectors remember together

	tcpDropped    int // unfinished DNS-over-TCP messages dropped (heldBytes)
	txnsEvicted   int // transactions evicted, oldest first
	evictedWaited int // of them, still waiting for a response
	srvRefused    int // queries to servers past the servers bound
	pairsRefused  int // new (server, client) pairs past the pairs bound
	regsRefused   int // queries under registered domains past regStats
	namesRefused  int // new names the detectors could not remember
	dgaRefused    int // NXDOMAINs to clients past dgaUsers
	largeRefused  int // large responses to destinations past largeDsts
}

// full reports whether the detectors may remember no more names.
func (b *budget) full() bool { return b.detNames >= b.lim.detNames }

// take counts one name remembered by a detector.
func (b *budget) take() { b.detNames++ }

// warnings says what the budget evicted or turned away.
func (o *observer) budgetWarnings() []string {
	b := &o.budget
	var w []string
	add := func(format string, args ...any) { w = append(w, fmt.Sprintf(format, args...)) }
	const why = "under the state budget (--max-state-bytes)"
	if o.reasm != nil {
		if n := o.reasm.Evicted(); n > 0 {
			add("%s DNS-over-TCP connections closed early %s, the longest idle first, at most %s held at once; a message they had not finished is lost",
				num(n), why, num(b.lim.conns))
		}
	}
	if b.tcpDropped > 0 {
		add("%s unfinished DNS-over-TCP messages dropped %s (at most %s bytes held in unfinished messages); they are not counted",
			num(b.tcpDropped), why, num(b.lim.heldBytes))
	}
	if b.txnsEvicted > 0 {
		s := fmt.Sprintf("%s DNS transactions evicted %s (at most %s held; the oldest answered first, then the oldest waiting); answered and unanswered counts include them, the transactions list holds the rest",
			num(b.txnsEvicted), why, num(b.lim.txns))
		if b.evictedWaited > 0 {
			s += fmt.Sprintf("; %s were still waiting for a response: neither answered nor unanswered, and a response to them counts as unsolicited (counts for them are partial)", num(b.evictedWaited))
		}
		w = append(w, s)
	}
	for _, c := range []struct {
		capped bool
		what   string
		n      int
	}{
		{o.names.Capped(), "question names", b.lim.names},
		{o.regDomains.Capped(), "registered domains", b.lim.regDomains},
		{o.clients.Capped(), "clients", b.lim.clients},
		{o.serverTop.Capped(), "query destinations", b.lim.serverTop},
	} {
		if c.capped {
			add("top %s: the first %s distinct kept %s; later new ones count in totals only (distinct counts are partial)", c.what, num(c.n), why)
		}
	}
	if b.srvRefused > 0 {
		add("%s queries to DNS servers past the first %s not tracked per server %s (servers list partial)", num(b.srvRefused), num(b.lim.servers), why)
	}
	if b.pairsRefused > 0 {
		add("servers' client counts are partial: %s (server, client) pairs kept %s", num(b.lim.pairs), why)
	}
	if b.regsRefused > 0 {
		add("%s: %s queries under registered domains past the first %s not checked %s", AnomalyTunneling, num(b.regsRefused), num(b.lim.regStats), why)
	}
	if b.namesRefused > 0 {
		add("%s and %s: %s new names not remembered past %s %s (distinct-name counts are partial)", AnomalyTunneling, AnomalyDGA, num(b.namesRefused), num(b.lim.detNames), why)
	}
	if b.dgaRefused > 0 {
		add("%s: %s NXDOMAINs to clients past the first %s not checked %s", AnomalyDGA, num(b.dgaRefused), num(b.lim.dgaUsers), why)
	}
	if b.largeRefused > 0 {
		add("%s: %s large responses to destinations past the first %s not counted per destination %s", AnomalyLargeResponse, num(b.largeRefused), num(b.lim.largeDsts), why)
	}
	return w
}

// num writes n with thousands separators: 12,345.
func num(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + num(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
