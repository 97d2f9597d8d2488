package ntp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one per finding type, each in its
// file detect_<type>.go: their findings come out in this order within a
// severity, and their thresholds in this order in the input and output.
// Adding one is a file and a line here.
var detectors = analyzer.Detectors[*event, *observer]{
	amplification,
	kissOfDeath,
	unsynchronized,
	largeOffset,
	malformedNTP,
}

// maxFindings is how many findings of one type a result lists one by one
// (a victim, a server, a client each); the rest are folded into one
// finding of the same type, so a hostile capture cannot make the
// anomalies list grow without bound.
const maxFindings = 5

// hostSet counts distinct addresses, listing the first few.
type hostSet struct {
	first []netip.Addr
	n     int
	more  map[netip.Addr]struct{} // past the listed ones, up to maxHostSet in all
}

const (
	maxHostsListed = 10
	maxHostSet     = 1000
)

func (h *hostSet) add(a netip.Addr) {
	if slices.Contains(h.first, a) {
		return
	}
	if len(h.first) < maxHostsListed {
		h.first = append(h.first, a)
		h.n++
		return
	}
	if _, ok := h.more[a]; ok || len(h.more) >= maxHostSet {
		return
	}
	if h.more == nil {
		h.more = map[netip.Addr]struct{}{}
	}
	h.more[a] = struct{}{}
	h.n++
}

func (h *hostSet) list() []string {
	out := make([]string, len(h.first))
	for i, a := range h.first {
		out[i] = result.Addr(a)
	}
	return out
}

// perServer is the state kissOfDeath and unsynchronized keep about one
// server.
type perServer struct {
	order   int
	n       int
	why     map[string]int // reason or code -> messages
	clients hostSet
	ev      result.Evidence
}

// servers is a bounded table of perServer, the first bound servers.
type servers struct {
	m       map[netip.Addr]*perServer
	refused int
}

func (s *servers) get(a netip.Addr, bound int) *perServer {
	if s.m == nil {
		s.m = map[netip.Addr]*perServer{}
	}
	ps := s.m[a]
	if ps == nil {
		if len(s.m) >= bound {
			s.refused++
			return nil
		}
		ps = &perServer{order: len(s.m), why: map[string]int{}}
		s.m[a] = ps
	}
	return ps
}

// note counts one message of server a (to client c, in frame), for the
// reason why; it does nothing for a server past bound.
func (s *servers) note(a, c netip.Addr, why string, frame, bound int) {
	ps := s.get(a, bound)
	if ps == nil {
		return
	}
	ps.n++
	if _, ok := ps.why[why]; ok || len(ps.why) < 16 {
		ps.why[why]++
	}
	ps.clients.add(c)
	ps.ev.Add(frame)
}

// conclude adds a finding, made by f, for each server with min messages
// or more (the most first, maxFindings of them), then one that rest makes
// for the others; and the table's warning under typ.
func (s *servers) conclude(o *observer, typ string, min int, add func(result.Finding), f func(a netip.Addr, ps *perServer) result.Finding, rest func(n int, ev result.Evidence) result.Finding) {
	var cs []result.Candidate
	for a, ps := range s.m {
		if ps.n >= min {
			cs = append(cs, result.Candidate{Rank: float64(ps.n), Order: ps.order, Evidence: ps.ev, Make: func(result.Evidence) result.Finding { return f(a, ps) }})
		}
	}
	result.AddTop(cs, maxFindings, add, rest)
	s.warn(o, typ)
}

// warn adds a warning when the table refused servers.
func (s *servers) warn(o *observer, typ string) {
	if s.refused > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("%s: servers past the first %d were not tracked (state budget, --max-state-bytes); %d of their messages were not examined", typ, len(s.m), s.refused))
	}
}

// counts renders a reason map for a summary: "RATE 3, DENY 1".
func counts(m map[string]int) string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	return s
}
