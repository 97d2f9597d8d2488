package lldp

import (
	"fmt"
	"net"
	"strings"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

func intp(v int) *int { return &v }

// optInt is v, or nil when v is negative (absent).
func optInt(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

func addrs(a *announcement) []string {
	out := make([]string, 0, len(a.mgmt))
	for _, m := range a.mgmt {
		out = append(out, m.String())
	}
	return out
}

// record builds the frame record of the announcement being observed.
func record(p *engine.Packet, a *announcement, e *event) Packet {
	r := Packet{
		PacketNumber: p.Number, Timestamp: result.FormatTime(p.Timestamp), Protocol: a.proto,
		ChassisID: a.chassis(), PortID: a.port(), TTLSeconds: a.ttl,
		SystemName: result.Text(a.sysName, maxText), SystemDescription: result.Text(a.sysDesc, maxDesc), PortDescription: result.Text(a.portDesc, maxText),
		VLAN: optInt(a.vlan), Platform: result.Text(a.platform, maxText), VTPDomain: result.Text(a.vtpDomain, maxText), Duplex: a.duplex,
		PowerMilliwatts: optInt(a.powerMilliwatts), PoE: a.poe, MEDDeviceClass: a.medClass, VoiceVLAN: optInt(a.medVLAN),
		MEDInventory: result.Text(a.medModel, maxText), CDPVersion: a.cdpVersion,
	}
	if e.hasSrc {
		r.SrcMAC = e.src.String()
	}
	for _, v := range p.VLANs {
		r.VLANTags = append(r.VLANTags, int(v))
	}
	if a.proto == protoLLDP && len(a.chassisID) > 0 {
		r.ChassisIDSubtype, r.PortIDSubtype = intp(int(a.chassisSubtype)), intp(int(a.portSubtype))
	}
	if a.hasCaps {
		r.Capabilities = intp(int(a.capsSupported))
		if a.proto == protoLLDP {
			r.EnabledCapabilities = intp(int(a.capsEnabled))
		}
		r.CapabilityNames = capNames(a.proto, a.capsEnabled)
	}
	if len(a.mgmt) > 0 {
		r.ManagementAddresses = addrs(a)
	}
	if e.malformed != nil {
		r.Malformed = result.Text(e.malformed.Error(), maxText)
	}
	return r
}

// statistics returns the statistics of the whole capture.
func (o *observer) statistics() Statistics {
	st := Statistics{ByProtocol: o.byProto, Devices: len(o.devices) + o.devicesRefused, SourceMACs: len(o.srcMACs), ByCapability: map[string]int{}, Malformed: o.malformed}
	for _, d := range o.deviceOrder {
		if !d.last.hasCaps {
			continue
		}
		for _, c := range capNames(d.last.proto, d.last.capsEnabled) {
			st.ByCapability[c]++
		}
		if !d.last.infrastructure() {
			st.HostsAnnouncing++
		}
	}
	return st
}

func (o *observer) findings() []result.Finding { return o.run.Conclude(o) }

func (o *observer) device(d *device) Device {
	a := &d.last
	out := Device{
		Protocol: a.proto, ChassisID: a.chassis(), SystemName: result.Text(a.sysName, maxText), SystemDescription: result.Text(a.sysDesc, maxDesc),
		Platform: result.Text(a.platform, maxText), VTPDomain: result.Text(a.vtpDomain, maxText), Capabilities: []string{}, EnabledCapabilities: []string{},
		ManagementAddresses: append([]string{}, d.mgmt...), PortsTotal: len(d.ports) + len(d.moreIDs), SourceMACsTotal: len(d.macs) + len(d.moreMACs),
		TTLSeconds: a.ttl, PoE: a.poe, MEDDeviceClass: a.medClass, MEDInventory: result.Text(a.medModel, maxText), Frames: d.frames,
		FirstSeen: result.FormatTime(d.first), LastSeen: result.FormatTime(d.at), SourceMACs: []string{},
	}
	if a.proto == protoLLDP {
		out.ChassisIDSubtype = subtypeName(chassisSubtypes, a.chassisSubtype)
	}
	if a.hasCaps {
		out.Capabilities, out.EnabledCapabilities = capNames(a.proto, a.capsSupported), capNames(a.proto, a.capsEnabled)
	}
	if a.powerMilliwatts >= 0 && out.PoE == "" {
		out.PoE = fmt.Sprintf("CDP power consumption %d mW", a.powerMilliwatts)
	}
	for _, ps := range d.ports {
		out.Ports = append(out.Ports, Port{PortID: ps.id, PortIDSubtype: ps.subtype, PortDescription: ps.desc, VLAN: optInt(ps.vlan), VoiceVLAN: optInt(ps.voiceVLAN), Frames: ps.frames})
	}
	for _, m := range d.macs {
		out.SourceMACs = append(out.SourceMACs, m.String())
	}
	return out
}

// output builds the result after the pass.
func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	out := &Output{
		File: in.PcapFile, TotalPackets: res.Packets, DiscoveryFrames: o.found, DiscoveryAnalyzed: o.analyzed,
		Warnings: warnings, Statistics: o.statistics(), Anomalies: o.findings(), Devices: []Device{}, DevicesTotal: len(o.deviceOrder),
		Neighbors: []Neighbor{}, NeighborsTotal: len(o.neighborOrder), Filters: o.cfg.filters, Thresholds: o.cfg.th,
	}
	if o.cfg.maxPackets > 0 && o.found > o.cfg.maxPackets {
		out.Note = modkit.MaxPacketsNote(o.cfg.maxPackets, "LLDP/CDP")
	}
	if o.found == 0 {
		out.Message = "No LLDP or CDP frames found in this capture"
	}
	for i, d := range o.deviceOrder {
		if i == maxDevicesListed {
			break
		}
		out.Devices = append(out.Devices, o.device(d))
	}
	for i, n := range o.neighborOrder {
		if i == maxDevicesListed {
			break
		}
		d := o.devices[n.key.dev]
		name := d.last.chassis()
		if d.last.sysName != "" {
			name = result.Text(d.last.sysName, maxText)
		}
		st := o.stations[stationKey{n.key.iface, n.key.vlan}]
		out.Neighbors = append(out.Neighbors, Neighbor{Interface: n.key.iface, VLAN: optInt(n.key.vlan), Protocol: n.key.dev.proto, Device: name,
			PortID: n.key.port, SourceMAC: n.key.src.String(), Stations: append([]string{}, st...), Frames: n.frames})
	}
	out.Warnings = append(out.Warnings, o.limitWarnings()...)
	out.Warnings = append(out.Warnings, o.detWarnings...)
	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, o.cfg.offset, o.cfg.limit, len(o.page))
	return out
}

func (o *observer) limitWarnings() []string {
	var w []string
	if o.devicesRefused > 0 {
		w = append(w, fmt.Sprintf("devices past the first %d were not tracked (state budget, --max-state-bytes): %d of their frames count in the statistics, not in devices", o.cfg.lim.devices, o.devicesRefused))
	}
	if o.neighborsRefused > 0 {
		w = append(w, fmt.Sprintf("neighbour rows past the first %d were not kept (state budget, --max-state-bytes)", o.cfg.lim.neighbors))
	}
	if o.macsCapped {
		w = append(w, fmt.Sprintf("source MACs past %d were not counted (state budget, --max-state-bytes): source_macs is a lower bound", o.cfg.lim.macs))
	}
	return w
}

// hostFacts tells the overview the name each device announced, from the
// MAC addresses it announced from and at its management addresses, and
// what it said it is (its enabled capabilities).
func (o *observer) hostFacts() []modkit.HostFact {
	var out []modkit.HostFact
	for _, d := range o.deviceOrder {
		name, src := result.Text(d.last.sysName, maxText), strings.ToLower(d.last.proto)
		role := "network device (" + src + ")"
		if caps := capNames(d.last.proto, d.last.capsEnabled); d.last.hasCaps && len(caps) > 0 {
			role = strings.Join(caps, ", ") + " (" + src + ")"
		}
		for _, m := range d.macs {
			out = append(out, modkit.HostFact{MAC: net.HardwareAddr(m[:]), Name: name, Source: src, Role: role})
		}
		for _, a := range d.last.mgmt {
			out = append(out, modkit.HostFact{Addr: a, Name: name, Source: src, Role: role})
		}
	}
	return out
}
