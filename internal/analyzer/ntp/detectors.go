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

// candidate is a finding not yet listed, ranked by rank (larger first,
// then earlier first).
type candidate struct {
	rank  float64
	order int
	ev    result.Evidence
	make  func() result.Finding
}

// addTop adds the maxFindings best candidates, then one finding made by
// rest from the count and merged evidence of the others.
func addTop(cs []candidate, add func(result.Finding), rest func(n int, ev result.Evidence) result.Finding) {
	slices.SortStableFunc(cs, func(a, b candidate) int {
		if a.rank != b.rank {
			return cmp.Compare(b.rank, a.rank)
		}
		return cmp.Compare(a.order, b.order)
	})
	var restEv result.Evidence
	for i, c := range cs {
		if i < maxFindings {
			add(c.make())
			continue
		}
		restEv.Merge(c.ev)
	}
	if n := len(cs) - maxFindings; n > 0 {
		add(rest(n, restEv))
	}
}

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
