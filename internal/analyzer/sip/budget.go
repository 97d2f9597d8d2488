package sip

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// The module's state budget. Every table that grows with the capture gets a
// share of the call's state budget (--max-state-bytes, analyzer.Env
// MaxStateBytes) and holds as many entries as that share pays for at the
// entry's estimated size (the worst case of what the module keeps per
// entry: keys and strings are cut to maxKeyBytes or less). The shares sum
// to at most 1 (TestBudgetShares); README.md's Limits section lists each
// bound and what happens past it.
//
// Past a bound, a table either evicts its longest idle entry (TCP
// connections and their buffered bytes, remembered messages for
// retransmission detection) or refuses new keys and says its counts are
// partial (calls, registrations, counters, the detectors' sources and
// targets): evicting a call or a counter key would falsify counts already
// made. Either way the result's warnings say so.
type stateBudget struct {
	share   float64
	perItem int // estimated bytes per entry; 1 for tables measured in bytes
}

var (
	budgetConns       = stateBudget{0.12, 2048} // TCP connections followed: reassembler (gopacket connection, two halves), handler state, flow map entry
	budgetStreamBytes = stateBudget{0.20, 1}    // bytes of unfinished messages and WebSocket fragments held across TCP segments
	budgetCalls       = stateBudget{0.25, 1}    // calls: bytes charged per call, INVITE transaction and media endpoint (callBytes, txBytes, mediaBytes)
	budgetRegs        = stateBudget{0.07, 1600} // registrations: struct and strings (Call-ID, AOR, contact, user agent, username, reason)
	budgetCallIDs     = stateBudget{0.08, 400}  // distinct Call-IDs counted (counter and interned string)
	budgetAgents      = stateBudget{0.03, 400}  // distinct User-Agent values counted (counter and interned string)
	budgetAgentNames  = stateBudget{0.02, 350}  // User-Agent values the scanner detector has classified
	budgetSources     = stateBudget{0.02, 80}   // distinct source addresses counted
	budgetDests       = stateBudget{0.02, 80}   // distinct destination addresses counted
	budgetRetrans     = stateBudget{0.04, 48}   // messages remembered for retransmission detection (a hash each)
	budgetScanSources = stateBudget{0.02, 480}  // sources the scanner detector follows
	budgetScanTargets = stateBudget{0.04, 48}   // extensions and hosts (hashes) the scanner detector remembers, all sources together
	budgetFlood       = stateBudget{0.03, 0}    // sources the flood detector follows: 200 bytes and 8 per INVITE time of the window (invite_flood_min)
	budgetAuthKeys    = stateBudget{0.02, 700}  // sources and AORs the brute-force detector follows (struct, AOR, usernames, evidence)
	budgetAuthOthers  = stateBudget{0.03, 48}   // AORs per source and sources per AOR (hashes) the brute-force detector counts, all together
	allBudgets        = []stateBudget{budgetConns, budgetStreamBytes, budgetCalls, budgetRegs, budgetCallIDs, budgetAgents, budgetAgentNames,
		budgetSources, budgetDests, budgetRetrans, budgetScanSources, budgetScanTargets, budgetFlood, budgetAuthKeys, budgetAuthOthers}
)

// Estimated bytes of call state: a call with its strings (Call-ID, caller,
// callee, user agent, tag: each at most maxKeyBytes or maxValue), an INVITE
// transaction with its reason, a media endpoint with its codecs.
const (
	callBytes  = 1800
	txBytes    = 400
	mediaBytes = 400
)

// Fixed bounds: tables small whatever the budget.
const (
	maxMethods     = 1000 // distinct methods counted (at most 256 bytes each: 300 KB); more are counted as (other)
	maxStatusCodes = 900  // status codes 100-999: a three-digit code is all a status line may hold
)

// limits are the bounds of one analysis, from its state budget.
type limits struct {
	budget       int64 // the state budget in bytes
	conns        int   // TCP connections followed at once
	streamBytes  int   // bytes held for unfinished messages, all connections together
	callBytes    int   // bytes of call state
	maxCalls     int   // calls tracked (Options.MaxCalls), within callBytes
	regs         int   // registrations tracked
	callIDs      int   // distinct Call-IDs counted
	agents       int   // distinct user agents counted
	agentNames   int   // user agents classified by the scanner detector
	sources      int   // distinct sources counted
	dests        int   // distinct destinations counted
	retrans      int   // messages remembered for retransmission detection
	scanSources  int   // sources the scanner detector follows
	scanTargets  int   // extensions and hosts it remembers, all sources together
	floodSources int   // sources the flood detector follows
	authKeys     int   // sources and AORs the brute-force detector follows, each
	authOthers   int   // AORs or sources it counts for them, all together
}

// newLimits divides env's state budget among the module's tables. opts may
// lower the call and registration limits further.
func newLimits(env *analyzer.Env, opts Options, floodMin int) limits {
	items := func(b stateBudget) int { return env.StateItems(b.perItem, b.share) }
	budget := env.MaxStateBytes
	if budget <= 0 {
		budget = analyzer.DefaultMaxStateBytes
	}
	l := limits{
		budget:       budget,
		conns:        items(budgetConns),
		streamBytes:  max(items(budgetStreamBytes), 4*maxMessageBytes),
		callBytes:    max(items(budgetCalls), 100*callBytes),
		maxCalls:     opts.MaxCalls,
		regs:         items(budgetRegs),
		callIDs:      items(budgetCallIDs),
		agents:       items(budgetAgents),
		agentNames:   items(budgetAgentNames),
		sources:      items(budgetSources),
		dests:        items(budgetDests),
		retrans:      items(budgetRetrans),
		scanSources:  items(budgetScanSources),
		scanTargets:  items(budgetScanTargets),
		floodSources: env.StateItems(200+8*floodMin, budgetFlood.share),
		authKeys:     items(budgetAuthKeys),
		authOthers:   items(budgetAuthOthers),
	}
	if opts.MaxRegistrations > 0 {
		l.regs = min(l.regs, opts.MaxRegistrations)
	}
	return l
}

// budgetText names the budget in a warning.
func (l *limits) budgetText() string {
	return fmt.Sprintf("the state budget (--max-state-bytes %d MiB)", l.budget>>20)
}
