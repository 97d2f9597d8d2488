package dhcp

import (
	"fmt"
	"slices"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyUnansweredDiscover: clients that kept sending DISCOVER and never got
// an OFFER or an ACK.
const AnomalyUnansweredDiscover = "unanswered_discover"

// Thresholds of unanswered_discover.
var (
	unansweredDiscoverMin = analyzer.Param{
		Name: "unanswered_discover_min", Default: 3, Unit: "DISCOVERs", Integer: true, Min: 1, Max: 1000000,
		Help: "DISCOVERs from one client that never got an OFFER or ACK",
	}
	// The default is RFC 2131's retransmission backoff (4+8+16+32 s): a
	// client still without an OFFER after it has failed, not merely
	// starting up.
	unansweredDiscoverSeconds = analyzer.Param{
		Name: "unanswered_discover_seconds", Default: 60, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "over at least this many seconds, a full RFC 2131 backoff cycle; 10 or more DISCOVERs count whatever their span",
	}
)

// unansweredDiscoverBurst DISCOVERs with no answer count whatever their
// span: far more than any client's normal backoff sends.
const unansweredDiscoverBurst = 10

var unansweredDiscover = analyzer.Detector[*event, *observer]{
	Type:   AnomalyUnansweredDiscover,
	Params: []analyzer.Param{unansweredDiscoverMin, unansweredDiscoverSeconds},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		minDiscovers, seconds := th.Int(unansweredDiscoverMin), th.Get(unansweredDiscoverSeconds)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			concludeUnanswered(o, minDiscovers, seconds, add)
		})
	},
}

// concludeUnanswered reports the tracked clients that sent at least
// minDiscovers DISCOVERs over at least seconds (or unansweredDiscoverBurst at any pace)
// and never got an OFFER or ACK.
func concludeUnanswered(o *observer, minDiscovers int, seconds float64, add func(result.Finding)) {
	var unanswered []*client
	span := time.Duration(seconds * float64(time.Second))
	for _, c := range o.cliOrd {
		if c.offers == 0 && c.acks == 0 && int(c.discovers) >= minDiscovers &&
			(c.lastDiscover.Time().Sub(c.firstDiscover.Time()) >= span || c.discovers >= unansweredDiscoverBurst) {
			unanswered = append(unanswered, c)
		}
	}
	if len(unanswered) == 0 {
		return
	}
	var frames []int
	var list []map[string]any
	total := 0
	for i, c := range unanswered {
		total += int(c.discovers)
		if i < result.MaxEvidence {
			for _, f := range c.discoverFrames {
				frames = append(frames, int(f))
			}
			list = append(list, map[string]any{"client_mac": c.hw.String(), "discovers": int(c.discovers), "first_packet": int(c.firstFrame),
				"first_discover": result.FormatTime(c.firstDiscover.Time()), "last_discover": result.FormatTime(c.lastDiscover.Time())})
		}
	}
	slices.Sort(frames)
	sev := result.Medium
	if len(unanswered) >= 10 || total >= 100 {
		sev = result.High
	}
	add(finding(AnomalyUnansweredDiscover, sev,
		fmt.Sprintf("%d client(s) sent %d DISCOVERs in all and never received an OFFER or ACK (each at least %d DISCOVERs over %.0f s, or %d or more): no DHCP server is reachable for them, the server is out of addresses or ignores them, or a relay is missing",
			len(unanswered), total, minDiscovers, seconds, unansweredDiscoverBurst),
		frames, total, map[string]any{"clients": list, "clients_total": len(unanswered), "discovers_total": total}))
}
