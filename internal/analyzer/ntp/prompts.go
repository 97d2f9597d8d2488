package ntp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts: security, troubleshooting
// and forensics.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "ntp_security_analysis", Title: "NTP security review", Description: "Reflection, kiss-o'-death, rogue or unsynchronized time sources.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "ntp_troubleshooting", Title: "NTP time sync troubleshooting", Description: "Why clients do not get good time: unanswered requests, offsets, delays, server state.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "ntp_forensic_investigation", Title: "NTP forensic timeline", Description: "Who took time from whom, and when, and what the clocks said.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing NTP in {{capture}} for hostile activity.

1. Call analyze_ntp_packets with pcap_file set to that capture and read anomalies (type, severity, summary, evidence_frames, details):
   - ntp_amplification: a host receiving far more mode 6/7 response bytes (monlist above all) than it asked for: reflection, with the victim and the abused servers in details.
   - ntp_kiss_of_death: DENY/RSTR/RATE from a server; spoofed, it stops clients syncing.
   - ntp_unsynchronized_server: a server answering with leap 3 or stratum 0/16; a rogue or broken time source.
   - ntp_large_offset: a client far from its server's time (a wrong clock, or time being shifted by an attacker).
   - malformed_ntp.
2. Check statistics: private_requests/monlist_responses and control_requests (mode 6/7 queries from outside are reconnaissance), and servers for unexpected addresses serving time.
3. Drill in with mode=private or mode=control, ip=<host>, start_time/end_time; read the packets' private.request_name and control.opcode_name.
4. Report each finding with evidence (packet_number, addresses), impact and mitigation (disable monlist: 'restrict default noquery' or ntpd >= 4.2.7, BCP 38 filtering, authenticated NTP/NTS). Say what benign activity could look alike (an operator running ntpq/ntpdc against its own servers).`

const troublePrompt = `You are finding out why hosts in {{capture}} do not keep good time over NTP.

1. Call analyze_ntp_packets with pcap_file set to that capture. Read statistics: client_requests, server_responses, exchanges, unanswered_requests, offset_ms and delay_ms, by_stratum, by_leap and kiss_codes.
2. Read servers: per server its requests, responses and unanswered count, stratum, reference_id, leap, root delay and dispersion, and the offsets and delays of its clients. A server that does not answer, answers with leap 'unsynchronized' or stratum 16, or has a large root dispersion gives no usable time.
3. Read the findings: ntp_unsynchronized_server, ntp_kiss_of_death (the server refuses or rate-limits), ntp_large_offset (a client far off).
4. For a client, call again with ip=<client> and page the packets: for each response, request_packet, offset_ms and delay_ms; the origin/receive/transmit times show where time is lost.
5. Report what is wrong (unreachable server, unsynchronized upstream, rate limiting, asymmetric delay, a client clock far off) with packet_number evidence, and the fix.

Offsets assume the capture was taken at or near the client (T4 is the request's transmit time plus the capture time to the response). Lists are paged: page on when packets_page.truncated is true.`

const forensicPrompt = `You are reconstructing NTP activity from {{capture}} for an investigation.

1. Call analyze_ntp_packets with pcap_file set to that capture; note total_packets, ntp_packets_found and the capture's time range.
2. List who took time from whom (servers with their clients count and first_seen/last_seen) and who queried servers with mode 6 (ntpq) or mode 7 (ntpdc) messages.
3. For a host of interest, call again with ip=<host> and page the packets in order: timestamp (UTC), packet_number, mode_name, stratum, reference_id, the four timestamps, offset_ms. A host's own clock reading is its transmit_time in requests; compare it with the capture time.
4. Use start_time/end_time to focus on the incident window, and the anomalies for reflection or time shifting.
5. Report a chronological table: time, packet_number, source, destination, mode, detail. State what the capture cannot show (other vantage points, authenticated contents) and keep times in UTC.`
