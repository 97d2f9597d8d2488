package dhcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three analysis prompts, with mcpcap's names.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "dhcp_network_analysis", Title: "DHCP network health review", Description: "Review how well DHCP serves the network: servers, leases, latency and failures.", Template: networkPrompt},
		analyzer.PromptSpec{Name: "dhcp_security_analysis", Title: "DHCP security review", Description: "Look for rogue servers, starvation, spoofing and address conflicts.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "dhcp_forensic_investigation", Title: "DHCP forensic timeline", Description: "Reconstruct which device held which address when, for an investigation.", Template: forensicPrompt},
	)
}

const networkPrompt = `You are reviewing DHCP service health in {{capture}}.

1. Call analyze_dhcp_packets with pcap_file set to that capture. Read statistics first: message_type_counts, outcome_counts (acked, naked, declined, offered, no_offer, no_ack, informed, released), discover_to_offer_ms and request_to_ack_ms (count, median, p95, max), unique_clients_count and unique_servers_count.
2. Read servers: for each server_id, its offers/acks/naks, clients_served, relayed_replies, and configurations (subnet_mask, routers, dns_servers, domain_name, lease_time). Say whether the servers agree and whether the lease times are sensible.
3. Read anomalies (type, severity, summary, evidence_frames). unanswered_discover, nak_storm and address_conflict_decline are service problems; explain the likely cause of each.
4. For failures, page transactions filtered by outcome-relevant message types, e.g. message_type=NAK or message_type=DISCOVER with transactions_limit, and look at outcome, discover_retransmissions, request_retransmissions, relay_ip and the latencies. Use client_mac to follow one device.
5. Report: a short verdict (healthy / degraded / failing), then the evidence with packet_number values so the user can open them in Wireshark, then concrete fixes (scope size, relay/ip-helper configuration, lease times, a server to check).

Every list is paged: when a page object says truncated=true, call again with offset=next_offset (or transactions_offset / clients_offset) before drawing conclusions about the whole list. Statistics and anomalies always cover the whole capture.`

const securityPrompt = `You are looking for DHCP attacks and misuse in {{capture}}.

1. Call analyze_dhcp_packets with pcap_file set to that capture and read anomalies first:
   - multiple_dhcp_servers: details.servers lists each server_id with its routers, dns_servers and possible_rogue; a server handing out a different gateway or DNS is a man-in-the-middle risk (rogue DHCP).
   - dhcp_starvation: many client MACs sending DISCOVER in a short window with few completed leases (pool exhaustion, e.g. yersinia or dhcpig).
   - chaddr_mismatch: client messages whose chaddr differs from the Ethernet source, a sign of spoofing.
   - duplicate_ip_assignment, nak_storm, address_conflict_decline, unanswered_discover, malformed_dhcp.
   Quote each anomaly's severity, summary and evidence_frames.
2. Check servers: every server_id should be an authorised server; list each one's source_macs and source_ips, offers/acks, and configurations.
3. Check clients for odd identities: clients with many transactions, unusual vendor_class or hostname values, parameter_request_fingerprint values that do not fit the claimed device, many leases in a short time.
4. Drill in with filters: server_id=<suspect server> to see whom it served, client_mac=<suspect> for one device's messages, start_time/end_time to focus on a burst; page with limit/offset.
5. Report findings ranked by severity, each with its evidence (packet_number, MAC, server_id), what an attacker gains, and the mitigation (DHCP snooping with trusted ports, port security / MAC limits, option 82 checks, rate limits).

Do not call something an attack without the evidence; say what else could explain it (a redundant server, a wireless bridge rewriting MACs, a test lab).`

const forensicPrompt = `You are reconstructing a DHCP timeline from {{capture}} for an investigation.

1. Call analyze_dhcp_packets with pcap_file set to that capture. Note file, total_packets, dhcp_packets_found, and the first and last timestamps you see.
2. Build the address-to-device history from clients: for each client_mac, its hostname, vendor_class, client_id, fqdn, parameter_request_fingerprint (identifies the OS family), and leases (address, server_id, start, lease_seconds, expiry, renewals, released, released_at, ack_packet). Page with clients_limit/clients_offset until clients_page.truncated is false.
3. For a question about an address or a device, filter: client_mac=<MAC> for one device; for an address, find the leases that hold it, then page packets with client_mac and start_time/end_time around the time of interest. Each packet has packet_number, timestamp (RFC 3339 UTC), transaction_id, your_ip, server_id and every option by name.
4. Use transactions for the exact sequence of each exchange (messages with packet_number and timestamp, outcome).
5. Report a chronological table: time, packet_number, client_mac, hostname, event (lease granted / renewed / released / declined / refused), address, server. State what the capture cannot show (leases granted before it started, devices with static addresses) and keep times in UTC.`
