package lldp

import (
	"fmt"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalySpoofing is a device identity that does not hold together: one
// device port announced from several source MACs (a clone of a switch,
// as with yersinia or scapy), one source MAC announcing many device
// identities (a CDP/LLDP table flood), or a switch or router announced
// from a MAC that behaves as an end host (it asked for an address by
// DHCP): an announcement from a host port.
const AnomalySpoofing = "lldp_cdp_spoofing_suspected"

var (
	spoofMinMACs       = analyzer.Param{Name: "spoof_min_macs", Default: 2, Unit: "MACs", Help: "source MACs announcing the same device and port", Min: 2, Max: 1e6, Integer: true}
	spoofMinIdentities = analyzer.Param{Name: "spoof_min_identities", Default: 4, Unit: "devices", Help: "device identities announced from one source MAC", Min: 2, Max: 1e6, Integer: true}
)

var spoofing = analyzer.Detector[*event, *observer]{
	Type:   AnomalySpoofing,
	Params: []analyzer.Param{spoofMinMACs, spoofMinIdentities},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &spoofDetector{minMACs: th.Int(spoofMinMACs), minIDs: th.Int(spoofMinIdentities),
			ports: map[portKey]*portMACs{}, macs: map[mac]*announcer{}, hosts: map[mac]int{}}
	},
}

type portKey struct {
	dev  identity
	port string
}

// portMACs are the source MACs one device port was announced from.
type portMACs struct {
	order int
	name  string // the device as shown
	macs  []mac
	n     int // distinct MACs, counted up to maxCounted
	ev    result.Evidence
}

// announcer is what one source MAC announced.
type announcer struct {
	order   int
	ids     []string // identities as shown, counted up to maxCounted
	infra   bool     // it claimed a switch or router
	infraID string
	infraEv result.Evidence
	ev      result.Evidence
}

const maxCounted = 64

type spoofDetector struct {
	minMACs, minIDs int
	ports           map[portKey]*portMACs // at most lim.keys
	macs            map[mac]*announcer    // at most lim.macs
	hosts           map[mac]int           // DHCP client MACs, with the frame of the first message; at most lim.macs
	refused         int
}

// Observe notes who announced what, and which MACs are DHCP clients.
func (d *spoofDetector) Observe(e *event) {
	if !e.hasSrc {
		return
	}
	if e.host {
		if _, ok := d.hosts[e.src]; !ok {
			if len(d.hosts) >= e.lim.macs {
				d.refused++
				return
			}
			d.hosts[e.src] = e.p.Number
		}
		return
	}
	if e.key.id == "" {
		return
	}
	name := e.ann.chassis()
	if e.ann.sysName != "" {
		name = result.Text(e.ann.sysName, maxText)
	}
	pk := portKey{e.key, e.port}
	pm := d.ports[pk]
	if pm == nil {
		if len(d.ports) >= e.lim.keys {
			d.refused++
		} else {
			pm = &portMACs{order: len(d.ports), name: name}
			d.ports[pk] = pm
		}
	}
	if pm != nil {
		pm.ev.Add(e.p.Number)
		if !slices.Contains(pm.macs, e.src) && len(pm.macs) < maxCounted {
			pm.macs = append(pm.macs, e.src)
			pm.n++
		}
	}
	an := d.macs[e.src]
	if an == nil {
		if len(d.macs) >= e.lim.macs {
			d.refused++
			return
		}
		an = &announcer{order: len(d.macs)}
		d.macs[e.src] = an
	}
	an.ev.Add(e.p.Number)
	id := e.key.proto + " " + e.ann.chassis()
	if !slices.Contains(an.ids, id) && len(an.ids) < maxCounted {
		an.ids = append(an.ids, id)
	}
	if e.ann.infrastructure() {
		if !an.infra {
			an.infra, an.infraID = true, name
		}
		an.infraEv.Add(e.p.Number)
	}
}

// Conclude reports each device port announced from spoof_min_macs source
// MACs, each source MAC announcing spoof_min_identities identities, and
// each DHCP client MAC that announced a switch or router.
func (d *spoofDetector) Conclude(o *observer, add func(result.Finding)) {
	var cs []result.Candidate
	for pk, pm := range d.ports {
		if pm.n < d.minMACs {
			continue
		}
		cs = append(cs, result.Candidate{Rank: float64(pm.n), Order: pm.order, Evidence: pm.ev, Make: func(result.Evidence) result.Finding {
			macs := make([]string, 0, min(len(pm.macs), maxMACs))
			for _, m := range pm.macs[:min(len(pm.macs), maxMACs)] {
				macs = append(macs, m.String())
			}
			return result.NewFinding(AnomalySpoofing, result.High,
				fmt.Sprintf("%s device %s port %s was announced from %d source MACs (%v): one of them impersonates it", pk.dev.proto, pm.name, pk.port, pm.n, macs),
				pm.ev, map[string]any{"kind": "identity_from_several_macs", "protocol": pk.dev.proto, "device": pm.name, "port_id": pk.port, "source_macs": macs, "source_macs_total": pm.n})
		}})
	}
	for m, an := range d.macs {
		if len(an.ids) >= d.minIDs {
			cs = append(cs, result.Candidate{Rank: float64(len(an.ids)), Order: 1<<20 + an.order, Evidence: an.ev, Make: func(result.Evidence) result.Finding {
				ids := an.ids[:min(len(an.ids), maxMACs)]
				return result.NewFinding(AnomalySpoofing, result.High,
					fmt.Sprintf("source MAC %s announced %d device identities (%v...): a discovery table flood, or a host forging devices", m, len(an.ids), ids[:min(len(ids), 3)]),
					an.ev, map[string]any{"kind": "many_identities_from_one_mac", "source_mac": m.String(), "identities": ids, "identities_total": len(an.ids)})
			}})
		}
		if first, ok := d.hosts[m]; ok && an.infra {
			ev := an.infraEv
			cs = append(cs, result.Candidate{Rank: 1, Order: 1<<21 + an.order, Evidence: ev, Make: func(result.Evidence) result.Finding {
				return result.NewFinding(AnomalySpoofing, result.High,
					fmt.Sprintf("%s announced itself as switch or router %s, but the same MAC asked for an address by DHCP (frame %d) as an end host does: announcements from a host port", m, an.infraID, first),
					ev, map[string]any{"kind": "infrastructure_from_host_port", "source_mac": m.String(), "device": an.infraID, "dhcp_frame": first})
			}})
		}
	}
	result.AddTop(cs, maxFindings, add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalySpoofing, result.High, fmt.Sprintf("%d more suspected discovery spoofing case(s)", n), ev, map[string]any{"cases": n})
	})
	if d.refused > 0 {
		o.detWarnings = append(o.detWarnings, fmt.Sprintf("%s: device ports or MACs past the state budget (--max-state-bytes) were not tracked; %d frames not examined", AnomalySpoofing, d.refused))
	}
}
