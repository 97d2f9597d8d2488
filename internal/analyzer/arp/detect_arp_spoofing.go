package arp

import (
	"fmt"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalySpoofing is an address claimed by a MAC that is not its owner:
// traffic diverted to a MAC right after its unsolicited ARP claim, a
// binding flapping between MACs, or a DNS or DHCP server's address claimed
// by a second MAC.
const AnomalySpoofing = "arp_spoofing"

var spoofMinChanges = analyzer.Param{Name: "spoof_min_changes", Default: 2, Unit: "changes",
	Help: "times one address moves between MACs (A to B and back counts 2) for arp_spoofing; fewer is an ip_conflict, unless the address is a DNS or DHCP server", Min: 1, Max: 1000000, Integer: true}

var arpSpoofing = analyzer.Detector[*event, *observer]{
	Type:   AnomalySpoofing,
	Params: []analyzer.Param{spoofMinChanges},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		min := th.Int(spoofMinChanges)
		return analyzer.Concluder[*event, *observer](func(o *observer, add func(result.Finding)) {
			concludeSpoofing(o, min, add)
		})
	},
}

// spoofed reports whether the changes of binding b make it arp_spoofing
// rather than an ip_conflict, and why: the role of its address when it is
// a server, or the MAC that diverted traffic when that MAC claimed it.
func (o *observer) spoofed(b *binding, minChanges int) (spoof bool, role string, mitm *mac) {
	if b.changes == 0 {
		return false, "", nil
	}
	for _, d := range o.diversions {
		if containsMAC(b.macs[1:], d.attacker) {
			return true, "", &d.attacker
		}
	}
	role = o.servers[b.ip]
	return b.changes >= minChanges || role != "", role, nil
}

// bindingEvidence is the first claim of b's address and every claim by
// another MAC.
func bindingEvidence(b *binding) result.Evidence {
	ev := evidenceOf(b.firstFrame)
	ev.Merge(b.dupEv)
	return ev
}

// divertedClaim reports whether a diversion's finding already tells of
// the claims of b (its address claimed by the diverting MAC).
func (o *observer) divertedClaim(b *binding) bool {
	for _, d := range o.diversions {
		if d.claimed == b.ip && containsMAC(b.macs, d.attacker) {
			return true
		}
	}
	return false
}

func concludeSpoofing(o *observer, minChanges int, add func(result.Finding)) {
	var cands []result.Candidate
	for i, d := range o.diversions {
		ev := evidenceOf(d.prevFrame, d.frame)
		if b := o.bindings[d.claimed]; b != nil && b.macs[0] != d.attacker {
			ev.Merge(b.dupEv)
		} else {
			ev.Merge(evidenceOf(d.claimFrame))
		}
		cands = append(cands, result.Candidate{Rank: 2, Order: i, Evidence: ev, Make: o.diversionFinding(d)})
	}
	for _, b := range o.bindingOrder {
		if b.changes == 0 || o.divertedClaim(b) {
			continue
		}
		spoof, role, mitm := o.spoofed(b, minChanges)
		if !spoof {
			continue
		}
		cands = append(cands, result.Candidate{Rank: 1 + float64(b.changes)/1e6, Order: len(o.diversions) + b.order, Evidence: bindingEvidence(b), Make: bindingFinding(b, role, mitm)})
	}
	emit(cands, add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalySpoofing, result.High, fmt.Sprintf("%d more addresses spoofed in ARP (not listed one by one)", n),
			ev, map[string]any{"findings_not_listed": n})
	})
}

// diversionFinding tells of traffic moved to a MAC after its unsolicited
// claim.
func (o *observer) diversionFinding(d diversion) func(result.Evidence) result.Finding {
	return func(ev result.Evidence) result.Finding {
		how := "the gateway toward " + d.dst.String()
		if d.claimed == d.dst {
			how = "that host"
		}
		details := map[string]any{"attacker_mac": d.attacker.String(), "claimed_ip": d.claimed.String(), "victim_mac": d.victim.String(),
			"victim_ip": d.victimIP.String(), "displaced_mac": d.displaced.String(), "destination_ip": d.dst.String(),
			"claim_frame": d.claimFrame, "diverted_frame": d.frame, "reason": "traffic diverted after an unsolicited ARP claim"}
		also := ""
		if h := o.hosts[d.attacker]; h != nil {
			var own []string
			for _, a := range h.ips {
				if a != d.claimed {
					own = append(own, a.String())
				}
			}
			if len(own) > 0 {
				details["attacker_other_ips"] = own
				also = fmt.Sprintf("; %s also claims %s", d.attacker, strings.Join(own, ", "))
			}
		}
		if b := o.bindings[d.claimed]; b != nil {
			details["claimed_ip_macs"] = macStrings(b.macs)
		}
		return result.NewFinding(AnomalySpoofing, result.High,
			fmt.Sprintf("%s claimed %s to %s (%s) in an ARP message it had not asked for (frame %d), and that host's traffic to %s then moved from %s to %s (frame %d): %s poses as %s, %s, a man in the middle%s",
				d.attacker, d.claimed, d.victimIP, d.victim, d.claimFrame, d.dst, d.displaced, d.attacker, d.frame, d.attacker, d.claimed, how, also),
			ev, details)
	}
}

// bindingFinding tells of an address flapping between MACs, or of a
// server's address claimed by a second MAC.
func bindingFinding(b *binding, role string, mitm *mac) func(result.Evidence) result.Finding {
	return func(ev result.Evidence) result.Finding {
		why := fmt.Sprintf("moved between MACs %d times", b.changes)
		reason := "binding flapping"
		first := b.changeLog[0]
		switch {
		case mitm != nil:
			why = fmt.Sprintf("was claimed by %s, the MAC that diverted traffic (see the finding of that diversion)", *mitm)
			reason = "address claimed by a man in the middle"
			first.to = *mitm
		case role != "":
			why = fmt.Sprintf("is a %s seen in the capture and was claimed by a second MAC (%d changes)", role, b.changes)
			reason = "server address claimed by a second MAC"
		}
		return result.NewFinding(AnomalySpoofing, result.High,
			fmt.Sprintf("%s %s: first %s, then %s (frame %d); %s is the likely impostor", b.ip, why, first.from, first.to, first.frame, first.to),
			ev, map[string]any{"ip": b.ip.String(), "macs": macStrings(b.macs), "attacker_mac": first.to.String(), "original_mac": first.from.String(),
				"changes": b.changes, "role": role, "reason": reason})
	}
}
