package lldp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts: security, troubleshooting
// and forensics.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "network_devices_security_analysis", Title: "LLDP/CDP security review", Description: "Spoofed or flooded discovery, rogue switches, what the announcements leak.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "network_devices_troubleshooting", Title: "Switch port and VLAN lookup", Description: "Which switch port and VLAN a host is on, and what the devices say of themselves.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "network_devices_forensic_investigation", Title: "LLDP/CDP device inventory timeline", Description: "Which devices announced what, from which MAC, and when.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing LLDP and CDP in {{capture}} for hostile activity and exposure.

1. Call analyze_network_devices with pcap_file set to that capture and read anomalies:
   - lldp_cdp_spoofing_suspected: details.kind says which case: identity_from_several_macs (a device port announced from several source MACs: a clone), many_identities_from_one_mac (a discovery table flood, as yersinia does), infrastructure_from_host_port (a switch or router announced by a MAC that is a DHCP client: a host forging a switch, e.g. to negotiate a trunk or a voice VLAN).
   - malformed_discovery.
2. Read devices: software versions (system_description), platforms and management addresses are what an attacker learns from these frames; note old software and exposed management addresses.
3. Read neighbors: the switch port and VLAN this capture's link is attached to; an unexpected device there is suspect.
4. Report each finding with evidence frames, the MACs involved, impact and mitigation (disable CDP/LLDP on host-facing ports, port security, 802.1X). Say what benign activity could look alike (a stack or chassis announcing from several port MACs on a mirrored trunk).`

const troublePrompt = `You are finding where hosts attach in {{capture}} from LLDP and CDP.

1. Call analyze_network_devices with pcap_file set to that capture. Read neighbors: for each capture link, the device and port_id that announced on it, its VLAN tag, and the stations (phones, servers) that announced on the same link.
2. Read devices: per device its ports with port_description, vlan (802.1 port VLAN or CDP native VLAN) and voice_vlan (LLDP-MED), capabilities, management_addresses, platform and software version, PoE.
3. A native VLAN or voice VLAN that differs from what the host expects explains a host in the wrong subnet; a duplex mismatch (CDP duplex) explains errors and slowness.
4. For one device, call again with device=<name> and read its frames in order (ttl_seconds: an announcement that stops is a device gone or a link down).
5. Report the switch, port and VLAN of each host or link, with frame evidence, and any mismatch found.`

const forensicPrompt = `You are building an inventory of network devices from {{capture}} for an investigation.

1. Call analyze_network_devices with pcap_file set to that capture; note discovery_frames_found and by_protocol.
2. List devices: chassis_id, system_name, platform, software, management addresses, capabilities, source_macs, first_seen and last_seen.
3. For a device of interest, call again with device=<name> (or protocol=LLDP/CDP) and page the frames: timestamp (UTC), packet_number, src_mac, port_id, vlan.
4. Cross-check with the anomalies: a device identity from several MACs, or a MAC announcing many identities.
5. Report a table: device, identity, MACs, ports, VLANs, addresses, first/last seen. State what the capture cannot show (devices that do not announce, links not captured) and keep times in UTC.`
