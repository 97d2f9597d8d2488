package sip

import (
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// detectors are the module's detectors, one file detect_<type>.go each, in
// the order their findings are listed within a severity. Adding one is a
// file and a line here.
var detectors = analyzer.Detectors[*event, *observer]{
	sipScanner,
	registrationBruteforce,
	inviteFlood,
	failedCallsSpike,
	malformedSIP,
}

// event is what the observer hands the detectors: one SIP message, with
// where it was carried and what call and registration tracking made of it,
// or bytes on a SIP connection that are not SIP.
type event struct {
	m   *message // the message; nil for bytes that are not SIP
	md  meta     // where and when it was carried (for non-SIP bytes, the frame)
	lim *limits  // the bounds of the detectors' tables

	// initial is set for a request outside a dialog (no To tag).
	initial bool
	// positive is set for the first positive answer of a transaction (a
	// 2xx, or an 18x to an INVITE): its destination had its request
	// answered.
	positive bool
	// authFailure is set when the message fails an authentication (a 403,
	// or a 401/407 to a request with credentials); aor is the account,
	// authSrc the source that tried and user the username it gave.
	authFailure bool
	aor, user   string
	authSrc     netip.Addr

	// junk counts bytes that are not SIP; problem, when set, is what else
	// was wrong with them.
	junk    int
	problem error
}

// round2 rounds a share for a finding's details.
func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// sortedAddrs returns the keys of m in address order, so that findings
// come out in the same order every time.
func sortedAddrs[V any](m map[netip.Addr]V) []netip.Addr {
	out := make([]netip.Addr, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// hashOf hashes a key a detector counts but need not show (an extension,
// an AOR): 8 bytes in place of up to maxKeyBytes.
func hashOf(b []byte) uint64 {
	h := newHash()
	h.bytes(b)
	return h.sum
}

// addrHash hashes an address for the same purpose.
func addrHash(a netip.Addr) uint64 {
	h := newHash()
	h.addrPort(netip.AddrPortFrom(a, 0))
	return h.sum
}

// noteCapped records that a detector's table, bounded by the state
// budget, refused entries, for the result's warnings.
func (o *observer) noteCapped(key, warning string) {
	o.capped[key] = warning + " under " + o.lim.budgetText()
}
