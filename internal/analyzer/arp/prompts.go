package arp

import "github.com/mcpacket/mcpacket/internal/analyzer"

// Prompts returns the module's three prompts: security, troubleshooting,
// forensic.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "arp_security_analysis", Title: "ARP security review", Description: "Spoofing (man in the middle), scans, gratuitous floods and address conflicts from ARP.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "arp_troubleshooting", Title: "ARP troubleshooting", Description: "Who is who on the LAN, unanswered hosts and address conflicts.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "arp_forensic_investigation", Title: "ARP forensic timeline", Description: "Which MAC held which address, and when.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing ARP in {{capture}} for impersonation on the local network.

1. Call analyze_arp_packets with pcap_file set to that capture and read anomalies (type, severity, summary, evidence_frames, details):
   - arp_spoofing: details.attacker_mac is the impostor. reason "traffic diverted after an unsolicited ARP claim" means a host's traffic moved to that MAC right after it claimed an address (often the gateway) the host had not asked for: a man in the middle. "binding flapping" and "server address claimed by a second MAC" come from the bindings.
   - arp_scan (host discovery), gratuitous_arp_flood (poisoning by announcement), ip_conflict, unanswered_arp, malformed_arp.
2. Read bindings (addresses with changes > 0 first, with every MAC that claimed them) and hosts (MACs claiming several addresses first): a MAC that claims the gateway and its own address is suspect.
3. Drill in with mac=<attacker> or ip=<claimed address> and read the packets in order: unsolicited replies, ethernet_sender_mismatch, gratuitous messages.
4. Report each finding with its evidence frames, the attacker's MAC, the victims, the impact (interception, denial of service) and mitigations (dynamic ARP inspection, static entries for the gateway, port security). Say what benign activity looks alike (a replaced NIC, a VM that moved, VRRP/HSRP failover, a host with two addresses).`

const troublePrompt = `You are troubleshooting address resolution in {{capture}}.

1. Call analyze_arp_packets with pcap_file set to that capture. Read statistics: requests, replies, unanswered_requests, unsolicited_replies, gratuitous, probes, binding_changes, malformed.
2. unanswered_arp findings name addresses asked for again and again that never answered: a host down, a wrong gateway or server address configured, or a VLAN problem. Check which MAC asked (details.last_asker_mac).
3. ip_conflict findings name an address used by two MACs (an RFC 5227 probe answered, or a second MAC claiming it): two hosts configured alike, or a DHCP problem.
4. Read bindings and hosts to tell who is who; page packets with ip=<address> to see the exchanges in order.
5. Report each problem with its frames and the likely fix.

Lists are paged: page on when packets_page.truncated is true. Statistics and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing ARP activity from {{capture}} for an investigation.

1. Call analyze_arp_packets with pcap_file set to that capture; note total_packets, arp_packets_found and the time range.
2. From bindings, list each address with the MACs that claimed it, first_seen/last_seen (UTC) and changes; from hosts, each MAC with its addresses.
3. For an address or MAC of interest, call again with ip=<address> or mac=<MAC> and page the packets in order: timestamp, packet_number, opcode_name, sender and target MAC and IP, gratuitous, probe, unsolicited.
4. Use start_time/end_time to focus on the incident window, and the anomalies' evidence_frames to anchor events.
5. Report a chronological table: time, packet_number, MAC, address, what it claimed or asked. Keep times in UTC and say what the capture cannot show (other segments, switch tables).`
