package icmp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts, with mcpcap's names.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "icmp_network_diagnostics", Title: "ICMP network diagnostics", Description: "Reachability, loss, latency, paths and MTU problems from ICMP.", Template: diagPrompt},
		analyzer.PromptSpec{Name: "icmp_security_analysis", Title: "ICMP security review", Description: "Sweeps, floods, tunnels and redirects.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "icmp_forensic_investigation", Title: "ICMP forensic timeline", Description: "Who probed or reached whom, and when.", Template: forensicPrompt},
	)
}

const diagPrompt = `You are diagnosing reachability and path problems from ICMP in {{capture}}.

1. Call analyze_icmp_packets with pcap_file set to that capture. Read statistics: icmp_type_counts, echo_requests, echo_replies, echo_unanswered, rtt_ms, errors, unreachable_by_code and unreachable_destinations (the hosts that could not be reached, taken from the datagram each error quotes).
2. Read host_pairs: for each source and destination, sent, received, loss_percent and min/avg/max RTT. Loss or high RTT to one host but not others points at that host or its path.
3. Read traceroutes: the routers in hop order toward each destination, with RTT per hop and whether the destination was reached; a path that stops is where packets die.
4. For errors, page packets with icmp_type=destination unreachable (or time exceeded, packet too big) and read original (dst_ip, protocol, dst_port): which service could not be reached, and why (code name). fragmentation_needed_blackhole and MTU values point at path MTU problems.
5. Report what is unreachable or slow, where on the path, the evidence with packet_number values, and the likely fix (firewall rule, routing, MTU/MSS clamping).

Lists are paged: page on when packets_page.truncated is true. Statistics and anomalies cover the whole capture.`

const securityPrompt = `You are reviewing ICMP in {{capture}} for hostile activity.

1. Call analyze_icmp_packets with pcap_file set to that capture and read anomalies (type, severity, summary, evidence_frames, details):
   - ping_sweep: one source probing many hosts (reconnaissance).
   - icmp_flood: a denial-of-service rate between two hosts.
   - icmp_tunneling_suspected: large or random echo payloads (ptunnel, icmpsh, data exfiltration).
   - icmp_redirect: redirects can steer traffic through an attacker; check details.gateways.
   - unreachable_storm, fragmentation_needed_blackhole, malformed_icmp.
2. Check host_pairs for sources that send many requests, and statistics.unique_sources for unexpected scanners.
3. Drill in with src_ip=<suspect>, icmp_type, start_time/end_time; look at payload_size of echo packets and at the original datagram of errors (they reveal what a scanner probed: protocol and dst_port).
4. Report each finding with evidence (packet_number, addresses), its impact, and a mitigation (rate limits, blocking redirects, egress filtering of ICMP payloads). Say what benign activity could look alike (monitoring systems ping many hosts; path MTU discovery uses large packets).`

const forensicPrompt = `You are reconstructing ICMP activity from {{capture}} for an investigation.

1. Call analyze_icmp_packets with pcap_file set to that capture; note total_packets, icmp_packets_found and the time range.
2. List who pinged whom (host_pairs, statistics.echo_pairs) and which hosts were unreachable (statistics.unreachable_destinations).
3. For a host of interest, call again with src_ip=<host> and dst_ip=<host> and page the packets in order: timestamp (UTC), packet_number, type and code names, echo id/seq, RTT, and for errors the original datagram (who tried to reach what).
4. Use traceroutes to show the paths taken, and start_time/end_time to focus on the incident window.
5. Report a chronological table: time, packet_number, source, destination, message, detail. State what the capture cannot show (filtered ICMP, other vantage points) and keep times in UTC.`
