package arp

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyConflict is one IPv4 address used by two MACs: an RFC 5227 probe
// answered or met by another probe, or an address claimed by a second MAC
// (tshark's "duplicate use of IP address detected") too few times for
// arp_spoofing.
const AnomalyConflict = "ip_conflict"

var ipConflict = analyzer.Detector[*event, *observer]{
	Type: AnomalyConflict,
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		min := th.Int(spoofMinChanges)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			concludeConflicts(o, min, add)
		})
	},
}

func concludeConflicts(o *observer, minChanges int, add func(result.Finding)) {
	var cands []result.Candidate
	for i, c := range o.conflicts {
		cands = append(cands, result.Candidate{Rank: 1, Order: i, Evidence: evidenceOf(c.probeFrame, c.frame), Make: func(ev result.Evidence) result.Finding {
			how := fmt.Sprintf("%s used it (frame %d) while %s was probing for it (frame %d)", c.other, c.frame, c.prober, c.probeFrame)
			if c.simultaneousProbes {
				how = fmt.Sprintf("%s and %s probed for it at the same time (frames %d and %d)", c.prober, c.other, c.probeFrame, c.frame)
			}
			return result.NewFinding(AnomalyConflict, result.Medium, fmt.Sprintf("address conflict on %s: %s (RFC 5227)", c.ip, how),
				ev, map[string]any{"ip": c.ip.String(), "macs": []string{c.prober.String(), c.other.String()}, "reason": "probe conflict"})
		}})
	}
	for _, b := range o.bindingOrder {
		if b.changes == 0 || o.divertedClaim(b) {
			continue
		}
		if spoof, _, _ := o.spoofed(b, minChanges); spoof {
			continue
		}
		cands = append(cands, result.Candidate{Rank: 1, Order: len(o.conflicts) + b.order, Evidence: bindingEvidence(b), Make: func(ev result.Evidence) result.Finding {
			c := b.changeLog[0]
			return result.NewFinding(AnomalyConflict, result.Medium,
				fmt.Sprintf("%s claimed by %s (frame %d), then by %s (frame %d): duplicate use of the address, or a new device taking it over", b.ip, c.from, c.prevFrame, c.to, c.frame),
				ev, map[string]any{"ip": b.ip.String(), "macs": macStrings(b.macs), "changes": b.changes, "reason": "address claimed by a second MAC"})
		}})
	}
	emit(cands, add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyConflict, result.Medium, fmt.Sprintf("%d more address conflicts (not listed one by one)", n),
			ev, map[string]any{"findings_not_listed": n})
	})
}
