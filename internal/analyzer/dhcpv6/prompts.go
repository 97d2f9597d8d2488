package dhcpv6

import "github.com/mcpacket/mcpacket/internal/analyzer"

// Prompts returns the module's three prompts: security, troubleshooting,
// forensic.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "dhcpv6_security_analysis", Title: "DHCPv6 security review", Description: "Rogue servers, starvation and pool exhaustion from DHCPv6.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "dhcpv6_troubleshooting", Title: "DHCPv6 troubleshooting", Description: "Clients that get no address, slow or failing servers.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "dhcpv6_forensic_investigation", Title: "DHCPv6 forensic timeline", Description: "Which client (DUID) held which address or prefix, and when.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing DHCPv6 in {{capture}} for hostile activity.

1. Call analyze_dhcpv6_packets with pcap_file set to that capture and read anomalies (type, severity, summary, evidence_frames, details):
   - multiple_dhcpv6_servers: several server DUIDs answer; high when they hand out different DNS servers (a rogue server redirecting DNS). details.servers lists each with its addresses and DNS servers.
   - dhcpv6_starvation: many client DUIDs soliciting at once (forged DUIDs exhausting the pool); no_addrs_avail_storm: the pool is exhausted.
   - unanswered_solicit, malformed_dhcpv6.
2. Read servers (DUID, source addresses, what they hand out: leases, dns_servers, domain_list) and decide which is authorised.
3. Drill in with duid=<server DUID> or msg_type=ADVERTISE and read the packets: server_duid, ia_na/ia_pd, dns_servers, preference, relays.
4. Report each finding with its evidence frames, impact (traffic redirection via DNS, denial of service) and mitigations (DHCPv6 guard / RA guard on switch ports, server allow-lists on relays).`

const troublePrompt = `You are troubleshooting IPv6 address assignment in {{capture}}.

1. Call analyze_dhcpv6_packets with pcap_file set to that capture. Read statistics: message_types, transactions, completed, unanswered_solicits, status_codes, latency_ms, relayed.
2. unanswered_solicit names clients whose SOLICITs no server answered: no server on the link, or a relay/firewall dropping UDP 547. no_addrs_avail_storm and status_codes NoAddrsAvail/NoPrefixAvail mean the pool is exhausted; NotOnLink means the client moved.
3. Read transactions (messages in order, outcome, latency_ms) and clients (DUID, addresses, prefixes); page packets with duid=<client DUID> to follow one client.
4. Report each problem with its frames and the likely fix.

Lists are paged: page on when packets_page.truncated is true. Statistics and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing DHCPv6 activity from {{capture}} for an investigation.

1. Call analyze_dhcpv6_packets with pcap_file set to that capture; note total_packets, dhcpv6_packets_found and the time range.
2. From clients, list each DUID (type, link-layer address when the DUID holds one), first/last seen, the addresses and prefixes it was given and its FQDN; from servers, who handed them out.
3. For a client or address of interest, call again with duid=<DUID> or address=<IPv6> and page the packets in order: timestamp, packet_number, msg_type_name, transaction_id, ia_na/ia_pd with lifetimes, relays.
4. Report a chronological table: time, packet_number, client DUID, message, address or prefix, server. Keep times in UTC and say what the capture cannot show (SLAAC addresses, other links).`
