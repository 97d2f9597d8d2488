package dns

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts, with mcpcap's names.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "security_analysis", Title: "DNS security review", Description: "Look for DNS tunneling, DGA malware, amplification and DNS on unusual ports.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "network_troubleshooting", Title: "DNS troubleshooting", Description: "Find failing, slow and unanswered name resolution.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "forensic_investigation", Title: "DNS forensic timeline", Description: "Reconstruct which host looked up what, when, and what it was told.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are hunting for malicious DNS activity in {{capture}}.

1. Call analyze_dns_packets with pcap_file set to that capture. Read anomalies first (type, severity, summary, evidence_frames, details):
   - dns_tunneling_suspected: details.registered_domain, distinct_names, mean_subdomain_length, mean_entropy, txt_null_queries and examples. Data smuggled in names looks like long random subdomains under one domain.
   - dga_suspected: a client (details.client) receiving NXDOMAIN for many random-looking names; malware searching for its controller.
   - large_response (unsolicited ones are reflection/amplification), dns_non_standard_port, high_nxdomain_rate, malformed_dns.
2. Look at top.registered_domains and top.domains for rare or odd domains, and top.qtypes for unusual TXT, NULL or ANY volume.
3. Drill in: domain=<suspect domain> with limit/offset to read the messages (questions, answers, data), client_ip=<host> to see everything a suspect host asked, qtype=TXT for data channels, rcode=NXDOMAIN for failed lookups.
4. Report each finding with the host, the domain, packet_number evidence, what it suggests, and what to do (block the domain, inspect the host). Say what else could explain it (CDNs and anti-virus lookups produce long names too).

Lists are paged: when packets_page or transactions_page says truncated=true, continue with offset=next_offset before concluding. Statistics, top lists and anomalies cover the whole capture.`

const troublePrompt = `You are troubleshooting name resolution in {{capture}}.

1. Call analyze_dns_packets with pcap_file set to that capture. Read statistics: rcode_counts (NXDOMAIN, SERVFAIL, REFUSED), answered, unanswered, retransmissions, truncated_responses, response_time_ms (median, p95, max), by_transport and by_service.
2. Read servers: for each server, queries, answer_rate, rcode_counts and response_time_ms. A low answer rate or high p95 points at the server or the path to it.
3. Read anomalies: slow_dns_server, unanswered_queries, high_nxdomain_rate.
4. Drill in with filters: rcode=SERVFAIL (or NXDOMAIN) to list failures with their names; server_ip=<server> with transactions_limit to see each query's status (answered, unanswered, pending), response_time_ms and retransmissions; domain=<name> to follow one lookup.
5. Report the verdict (healthy, slow, failing), the evidence with packet_number values so the user can open them in Wireshark, the likely cause (dead server, firewall dropping UDP 53 or TCP fallback, misconfigured search domain, upstream failure), and the fix.

Page on when a page says truncated=true; statistics and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing DNS activity from {{capture}} for an investigation.

1. Call analyze_dns_packets with pcap_file set to that capture. Note file, total_packets_in_file, dns_packets_found and the time range of the messages.
2. List the hosts (top.clients) and what each looked up: for each client, call again with client_ip=<host> and page the transactions (name, qtype, query_time, status, rcode, response_packet) and the packets (answers with their data).
3. For a domain of interest, call with domain=<name> to see who asked for it, when, and what addresses it resolved to (answers[].address, cname).
4. Use start_time/end_time to focus on the window of an incident.
5. Report a chronological table: time (UTC), packet_number, client, query name and type, answer (addresses, CNAMEs) or rcode, server. State what the capture cannot show (cached lookups, DNS over HTTPS or TLS, other resolvers) and keep times in UTC.`
