package lldp

import (
	"cmp"
	"net"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Fixed bounds of what one device or neighbour row keeps.
const (
	maxPorts         = 16
	maxMACs          = 8
	maxMgmt          = 8
	maxStations      = 8
	maxDevicesListed = 20
	maxMorePorts     = 64 // ports counted (not kept) past maxPorts
	maxMoreMACs      = 56 // source MACs counted (not listed) past maxMACs
)

// hashPort is an FNV-1a hash of a port id, to count ports not kept.
func hashPort(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

type mac [6]byte

func (m mac) String() string { return net.HardwareAddr(m[:]).String() }

func macOf(hw net.HardwareAddr) (mac, bool) {
	if len(hw) != 6 {
		return mac{}, false
	}
	return mac(hw), true
}

// identity is a device: its protocol and chassis id (LLDP) or device id
// (CDP), as raw bytes.
type identity struct {
	proto   string
	subtype uint8
	id      string
}

type portStat struct {
	id, subtype     string
	desc            string
	vlan, voiceVLAN int
	frames          int
}

type device struct {
	key       identity
	last      announcement // its last announcement (copies)
	ports     []*portStat
	moreIDs   []uint64 // hashes of the ports past maxPorts, counted up to maxMorePorts
	macs      []mac
	moreMACs  []mac // past maxMACs, counted up to maxMoreMACs
	mgmt      []string
	frames    int
	first, at time.Time
}

type neighborKey struct {
	iface int
	vlan  int // the innermost 802.1Q tag, or -1
	dev   identity
	port  string
	src   mac
}

type neighbor struct {
	key    neighborKey
	frames int
}

type stationKey struct {
	iface, vlan int
}

type observer struct {
	cfg *config

	found, analyzed, matched int
	page                     []Packet
	kept                     *result.Kept[frameKey, Packet] // every frame, for the result cache (nil when not cached)

	byProto    map[string]int
	malformed  int
	srcMACs    map[mac]struct{} // bounded by lim.macs
	macsCapped bool

	devices          map[identity]*device
	deviceOrder      []*device
	devicesRefused   int
	neighbors        map[neighborKey]*neighbor
	neighborOrder    []*neighbor
	neighborsRefused int
	stations         map[stationKey][]string // stations per link ("MAC (name)"), at most maxStations each

	ann announcement // the frame being observed, decoded

	run         *analyzer.Run[*event, *observer]
	ev          event
	detWarnings []string
}

var _ engine.Interested = (*observer)(nil)

func newObserver(cfg *config) *observer {
	return &observer{cfg: cfg, byProto: map[string]int{}, srcMACs: map[mac]struct{}{}, devices: map[identity]*device{},
		neighbors: map[neighborKey]*neighbor{}, stations: map[stationKey][]string{}, run: detectors.Start(cfg.th)}
}

// Interest asks for LLDP and CDP frames, and for DHCP client messages (UDP
// port 68), whose source MACs are end hosts for the spoofing detector.
func (o *observer) Interest() engine.Interest {
	return engine.Interest{EtherTypes: []layers.EthernetType{layers.EthernetTypeLinkLayerDiscovery, layers.EthernetTypeCiscoDiscovery}, UDPPorts: []uint16{68}}
}

// event is what the observer hands its detectors: an announcement, or a
// DHCP client message (host set, ann nil).
type event struct {
	p         *engine.Packet
	ann       *announcement
	src       mac
	hasSrc    bool
	key       identity
	port      string
	malformed error
	host      bool // a DHCP client message from src
	lim       *limits
}

// Observe decodes an LLDP or CDP frame, or notes a DHCP client.
func (o *observer) Observe(p *engine.Packet) {
	src, hasSrc := macOf(p.SrcMAC())
	proto := ""
	switch p.EtherType {
	case layers.EthernetTypeLinkLayerDiscovery:
		proto = protoLLDP
	case layers.EthernetTypeCiscoDiscovery:
		proto = protoCDP
	default:
		if p.UDP != nil && p.UDP.SrcPort == 68 && p.UDP.DstPort == 67 && hasSrc {
			o.ev = event{p: p, src: src, hasSrc: true, host: true, lim: &o.cfg.lim}
			o.run.Observe(&o.ev)
		}
		return
	}
	o.found++
	o.byProto[proto]++
	a := &o.ann
	err := decode(proto, p.NetworkPayload, a)
	if hasSrc {
		if _, ok := o.srcMACs[src]; !ok {
			if len(o.srcMACs) < o.cfg.lim.macs {
				o.srcMACs[src] = struct{}{}
			} else {
				o.macsCapped = true
			}
		}
	}
	o.ev = event{p: p, ann: a, src: src, hasSrc: hasSrc, malformed: err, lim: &o.cfg.lim}
	if err != nil {
		o.malformed++
	}
	if err == nil && len(a.chassisID) > 0 { // a malformed frame's ids are shown, not counted
		o.ev.key = identity{proto, a.chassisSubtype, string(a.chassisID)}
		o.ev.port = a.port()
		o.count(p, a, &o.ev)
	}
	o.run.Observe(&o.ev)
	o.maybePage(p, a, &o.ev)
}

// count takes an announcement into its device and the neighbour table.
func (o *observer) count(p *engine.Packet, a *announcement, e *event) {
	d := o.devices[e.key]
	if d == nil {
		if len(o.devices) >= o.cfg.lim.devices {
			o.devicesRefused++
			return
		}
		d = &device{key: e.key, first: p.Timestamp}
		o.devices[e.key] = d
		o.deviceOrder = append(o.deviceOrder, d)
	}
	d.frames++
	d.at = p.Timestamp
	d.last = *a
	d.last.mgmt = nil
	for _, m := range a.mgmt {
		if s := m.String(); !slices.Contains(d.mgmt, s) && len(d.mgmt) < maxMgmt {
			d.mgmt = append(d.mgmt, s)
		}
	}
	i := slices.IndexFunc(d.ports, func(ps *portStat) bool { return ps.id == e.port })
	switch {
	case i >= 0:
		d.ports[i].frames++
		d.ports[i].desc, d.ports[i].vlan, d.ports[i].voiceVLAN = result.Text(a.portDesc, maxText), a.vlan, a.medVLAN
	case len(d.ports) < maxPorts:
		st := ""
		if a.proto == protoLLDP {
			st = subtypeName(portSubtypes, a.portSubtype)
		}
		d.ports = append(d.ports, &portStat{id: e.port, subtype: st, desc: result.Text(a.portDesc, maxText), vlan: a.vlan, voiceVLAN: a.medVLAN, frames: 1})
	default:
		if h := hashPort(e.port); !slices.Contains(d.moreIDs, h) && len(d.moreIDs) < maxMorePorts {
			d.moreIDs = append(d.moreIDs, h)
		}
	}
	if e.hasSrc {
		if !slices.Contains(d.macs, e.src) {
			if len(d.macs) < maxMACs {
				d.macs = append(d.macs, e.src)
			} else if !slices.Contains(d.moreMACs, e.src) && len(d.moreMACs) < maxMoreMACs {
				d.moreMACs = append(d.moreMACs, e.src)
			}
		}
	}
	vlan := -1
	if n := len(p.VLANs); n > 0 {
		vlan = int(p.VLANs[n-1])
	}
	if a.hasCaps && !a.infrastructure() || a.medClass != "" && !a.infrastructure() {
		sk := stationKey{p.Interface, vlan}
		id := e.src.String()
		if name := cmp.Or(result.Text(a.sysName, maxText), a.chassis()); e.hasSrc && name != "" {
			id += " (" + name + ")"
		}
		if e.hasSrc && !slices.Contains(o.stations[sk], id) && len(o.stations[sk]) < maxStations && len(o.stations) < o.cfg.lim.neighbors {
			o.stations[sk] = append(o.stations[sk], id)
		}
		return
	}
	nk := neighborKey{p.Interface, vlan, e.key, e.port, e.src}
	n := o.neighbors[nk]
	if n == nil {
		if len(o.neighbors) >= o.cfg.lim.neighbors {
			o.neighborsRefused++
			return
		}
		n = &neighbor{key: nk}
		o.neighbors[nk] = n
		o.neighborOrder = append(o.neighborOrder, n)
	}
	n.frames++
}

func (o *observer) maybePage(p *engine.Packet, a *announcement, e *event) {
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		return
	}
	o.analyzed++
	k := keyOf(p, a)
	in := o.cfg.matches(k)
	if in {
		o.matched++
	}
	onPage := in && o.matched-1 >= o.cfg.offset && o.matched-1 < o.cfg.offset+o.cfg.limit
	if !onPage && !o.kept.Whole() {
		return
	}
	rec := record(p, a, e)
	if onPage {
		o.page = append(o.page, rec)
	}
	if o.kept != nil {
		o.kept.Add(k, rec)
	}
}
