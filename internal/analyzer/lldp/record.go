package lldp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_network_devices.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit     *int   `json:"limit,omitempty" jsonschema:"frames per page (default 20; 0: none)"`
	Offset    int    `json:"offset,omitempty"`
	Protocol  string `json:"protocol,omitempty" jsonschema:"only LLDP or only CDP frames"`
	Device    string `json:"device,omitempty" jsonschema:"only frames whose system name, chassis id or device id contains this text"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), filled
	// by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_network_devices, summary first: identity
// and totals, notes and warnings, statistics, anomalies, the devices and
// the neighbour table, then the paged frames, filters and thresholds.
type Output struct {
	File              string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets      int      `json:"total_packets" jsonschema:"frames in the capture"`
	DiscoveryFrames   int      `json:"discovery_frames_found" jsonschema:"LLDP and CDP frames"`
	DiscoveryAnalyzed int      `json:"discovery_frames_analyzed" jsonschema:"frames eligible for the packets list (all, or the first --max-packets)"`
	Note              string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message           string   `json:"message,omitempty" jsonschema:"set when the capture holds no LLDP or CDP"`
	Warnings          []string `json:"warnings" jsonschema:"damage to the capture, and tables cut under the state budget (what is partial)"`

	Statistics     Statistics          `json:"statistics"`
	Anomalies      []result.Finding    `json:"anomalies" jsonschema:"findings over the whole capture, most severe first; per type the 5 most significant, the rest folded into one"`
	Devices        []Device            `json:"devices" jsonschema:"devices that announced themselves, in order of first announcement (first 20; fewer when the response would pass 32 KiB)"`
	DevicesTotal   int                 `json:"devices_total"`
	Neighbors      []Neighbor          `json:"neighbors" jsonschema:"the device ports the capture's links attach to, with the stations that announced themselves on the same link (first 20)"`
	NeighborsTotal int                 `json:"neighbors_total"`
	Packets        []Packet            `json:"packets" jsonschema:"LLDP and CDP frames that match the filters, paged by limit/offset"`
	PacketsPage    result.Page         `json:"packets_page"`
	Filters        Filters             `json:"filters"`
	Thresholds     analyzer.Thresholds `json:"thresholds"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	ByProtocol      map[string]int `json:"by_protocol" jsonschema:"frames per protocol (LLDP, CDP)"`
	Devices         int            `json:"devices" jsonschema:"distinct device identities (LLDP chassis id, CDP device id)"`
	SourceMACs      int            `json:"source_macs" jsonschema:"distinct source MAC addresses of announcements"`
	ByCapability    map[string]int `json:"devices_by_capability" jsonschema:"devices per enabled capability"`
	HostsAnnouncing int            `json:"stations_announcing" jsonschema:"devices whose enabled capabilities are neither bridge nor router (phones, servers, access points)"`
	Malformed       int            `json:"malformed"`
}

// Device is one device identity and what it announced.
type Device struct {
	Protocol            string   `json:"protocol" jsonschema:"LLDP or CDP"`
	ChassisID           string   `json:"chassis_id" jsonschema:"LLDP chassis id (as its subtype says: MAC, address or text) or CDP device id"`
	ChassisIDSubtype    string   `json:"chassis_id_subtype,omitempty" jsonschema:"LLDP only"`
	SystemName          string   `json:"system_name,omitempty" jsonschema:"in its last announcement"`
	SystemDescription   string   `json:"system_description,omitempty" jsonschema:"LLDP system description or CDP software version, in its last announcement"`
	Platform            string   `json:"platform,omitempty" jsonschema:"CDP platform"`
	VTPDomain           string   `json:"vtp_domain,omitempty" jsonschema:"CDP VTP management domain"`
	Capabilities        []string `json:"capabilities" jsonschema:"supported capabilities (CDP has one set)"`
	EnabledCapabilities []string `json:"enabled_capabilities"`
	ManagementAddresses []string `json:"management_addresses" jsonschema:"first 8"`
	Ports               []Port   `json:"ports" jsonschema:"the ports it announced from (first 16)"`
	PortsTotal          int      `json:"ports_total" jsonschema:"distinct ports, counted up to 80"`
	SourceMACs          []string `json:"source_macs" jsonschema:"source MAC addresses of its announcements (first 8)"`
	SourceMACsTotal     int      `json:"source_macs_total" jsonschema:"distinct source MACs, counted up to 64"`
	TTLSeconds          int      `json:"ttl_seconds" jsonschema:"time to live of its last announcement"`
	PoE                 string   `json:"poe,omitempty" jsonschema:"power over Ethernet, as LLDP 802.3/MED or CDP says"`
	MEDDeviceClass      string   `json:"med_device_class,omitempty" jsonschema:"LLDP-MED device class"`
	MEDInventory        string   `json:"med_inventory,omitempty" jsonschema:"LLDP-MED manufacturer and model"`
	Frames              int      `json:"frames"`
	FirstSeen           string   `json:"first_seen"`
	LastSeen            string   `json:"last_seen"`
}

// Port is one port a device announced from.
type Port struct {
	PortID          string `json:"port_id"`
	PortIDSubtype   string `json:"port_id_subtype,omitempty" jsonschema:"LLDP only"`
	PortDescription string `json:"port_description,omitempty"`
	VLAN            *int   `json:"vlan,omitempty" jsonschema:"LLDP 802.1 port VLAN id or CDP native VLAN"`
	VoiceVLAN       *int   `json:"voice_vlan,omitempty" jsonschema:"LLDP-MED network policy VLAN"`
	Frames          int    `json:"frames"`
}

// Neighbor is a device port a capture link attaches to: the device
// announces on it, so the capturing host (or the hosts of a mirrored
// link) sits behind that port; stations that announced themselves on the
// same link and VLAN are listed with it.
type Neighbor struct {
	Interface int      `json:"interface" jsonschema:"capture interface index"`
	VLAN      *int     `json:"vlan_tag,omitempty" jsonschema:"802.1Q tag the announcements carried"`
	Protocol  string   `json:"protocol"`
	Device    string   `json:"device" jsonschema:"system name, else chassis id"`
	PortID    string   `json:"port_id"`
	SourceMAC string   `json:"source_mac"`
	Stations  []string `json:"stations" jsonschema:"hosts behind the port: the source MAC (and system name) of each station (not bridge or router) announcing on the same link and tag (first 8)"`
	Frames    int      `json:"frames"`
}

// Packet is one LLDP or CDP frame.
type Packet struct {
	PacketNumber        int      `json:"packet_number" jsonschema:"frame number in the capture"`
	Timestamp           string   `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	Protocol            string   `json:"protocol"`
	SrcMAC              string   `json:"src_mac"`
	VLANTags            []int    `json:"vlan_tags,omitempty"`
	ChassisID           string   `json:"chassis_id" jsonschema:"LLDP chassis id or CDP device id"`
	ChassisIDSubtype    *int     `json:"chassis_id_subtype,omitempty"`
	PortID              string   `json:"port_id"`
	PortIDSubtype       *int     `json:"port_id_subtype,omitempty"`
	TTLSeconds          int      `json:"ttl_seconds"`
	SystemName          string   `json:"system_name,omitempty"`
	SystemDescription   string   `json:"system_description,omitempty" jsonschema:"LLDP system description or CDP software version"`
	PortDescription     string   `json:"port_description,omitempty"`
	Capabilities        *int     `json:"capabilities,omitempty" jsonschema:"capability bits as sent (LLDP: supported)"`
	EnabledCapabilities *int     `json:"enabled_capabilities,omitempty" jsonschema:"LLDP enabled capability bits"`
	CapabilityNames     []string `json:"capability_names,omitempty" jsonschema:"enabled capabilities by name"`
	ManagementAddresses []string `json:"management_addresses,omitempty"`
	VLAN                *int     `json:"vlan,omitempty" jsonschema:"LLDP 802.1 port VLAN id or CDP native VLAN"`
	CDPVersion          int      `json:"cdp_version,omitempty"`
	Platform            string   `json:"platform,omitempty"`
	VTPDomain           string   `json:"vtp_domain,omitempty"`
	Duplex              string   `json:"duplex,omitempty"`
	PowerMilliwatts     *int     `json:"power_mw,omitempty" jsonschema:"CDP power consumption"`
	PoE                 string   `json:"poe,omitempty"`
	MEDDeviceClass      string   `json:"med_device_class,omitempty"`
	VoiceVLAN           *int     `json:"voice_vlan,omitempty"`
	MEDInventory        string   `json:"med_inventory,omitempty"`
	Malformed           string   `json:"malformed,omitempty"`
}

// Filters echoes the filters applied.
type Filters struct {
	Protocol  string `json:"protocol,omitempty"`
	Device    string `json:"device,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
