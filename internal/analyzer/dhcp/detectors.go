package dhcp

import (
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one line each, in the order their
// findings are listed within a severity.
var detectors = analyzer.Detectors[*event, *observer]{
	multipleServers,
	starvation,
	duplicateIP,
	nakStorm,
	decline,
	chaddrMismatch,
	unansweredDiscover,
	malformed,
}

// params are the tool's thresholds: the detectors' declarations, in the
// order the output has always echoed them. That is the detectors' order
// but for decline_min, which came last: address_conflict_decline lists its
// findings before unanswered_discover's, so its detector stays before that
// one in detectors.
var params = echoOrder(detectors.Params(), declineMin.Name)

// echoOrder returns ps with the parameter named last moved to the end.
func echoOrder(ps []analyzer.Param, last string) []analyzer.Param {
	i := slices.IndexFunc(ps, func(p analyzer.Param) bool { return p.Name == last })
	p := ps[i]
	return append(slices.Delete(ps, i, i+1), p)
}

// event is one BOOTP/DHCP message as the observer hands it to the detectors
// that observe, after it has updated its own records with it. It is the
// observer's, reused for every message: a detector keeps what it needs,
// never the event.
type event struct {
	p *engine.Packet
	m *message
	// full is set when m has a full BOOTP header; only then are the
	// fields below set.
	full bool
	hw   hwKey // chaddr
	// client is the record of the client the message concerns; nil when
	// the client limit left it untracked.
	client *client
	// server is the record of the server a reply came from; nil for a
	// request, or when the server limit left it untracked.
	server *server
	// lim holds the bounds of the detectors' tables (from the state
	// budget), and counts what they left out.
	lim *limits
}

// finding builds a finding whose evidence is a list the detector built
// itself (sorted, or a sample): its first result.MaxEvidence frames, and
// total as the count (at least the length of the list).
func finding(typ string, sev result.Severity, summary string, frames []int, total int, details map[string]any) result.Finding {
	total = max(total, len(frames))
	if frames == nil {
		frames = []int{}
	}
	return result.Finding{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: frames[:min(len(frames), result.MaxEvidence)], EvidenceFramesTotal: total, Details: details}
}
