package sip

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts, with mcpcap's names.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "sip_security_analysis", Title: "SIP security review", Description: "Look for SIP scanners, password guessing, INVITE floods, toll fraud and malformed signalling.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "sip_troubleshooting_analysis", Title: "SIP troubleshooting", Description: "Find why calls or registrations fail, are slow to ring, or have no audio.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "sip_forensic_investigation", Title: "SIP forensic timeline", Description: "Reconstruct who registered, who called whom, when, and what media was negotiated.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing the SIP signalling in {{capture}} for attacks on a VoIP system.

1. Call analyze_sip_packets with pcap_file set to that capture. Start with anomalies (type, severity, summary, evidence_frames, details):
   - sip_scanner: a source whose User-Agent names a scanning tool (details.scanner, details.user_agent), or one that probed many extensions or hosts (distinct_extensions, distinct_hosts) and was mostly refused. Scans precede password guessing and toll fraud.
   - registration_bruteforce: failed authentications (403, or 401/407 to requests that carried credentials) from one source (details.source, aors, usernames) or against one AOR from many sources.
   - invite_flood: one source sending INVITEs faster than any person dials; a denial of service, or a compromised account dialling out.
   - failed_calls_spike and malformed_sip: rejected calls in bulk, and messages that break the protocol (fuzzing, broken or hostile clients).
2. Read statistics (methods, status_codes, user_agents, registrations.auth_failures) and top.sources: who talks SIP, and which agents they claim to be.
3. Drill in: src_ip=<suspect> to read every message of a source; status_code=401 or 403 for authentication failures; method=REGISTER with registrations_limit to see which accounts were attacked and whether any ended registered after many failures (a guessed password); method=INVITE and calls to see where calls went (callee, final_code) - expensive or international destinations after a successful registration suggest toll fraud.
4. Report each finding with the source, the accounts or extensions concerned, packet_number evidence, how confident you are, and what to do (block the source, reset the password, rate-limit REGISTER and INVITE, restrict dialling).

Lists are paged: when a page says truncated=true, continue with offset=next_offset (or calls_offset, registrations_offset) before concluding. Statistics, top lists and anomalies cover the whole capture.`

const troublePrompt = `You are troubleshooting SIP calls and registrations in {{capture}}.

1. Call analyze_sip_packets with pcap_file set to that capture. Read statistics.calls (answered, busy, failed, cancelled, unanswered, in_progress; post_dial_delay_ms, setup_time_ms, duration_seconds), statistics.registrations (registered, challenged, failed, unanswered), status_codes, retransmissions and transports.
2. Read calls: for each call, state, final_code and final_reason, first_response_ms (is the server answering at all?), post_dial_delay_ms (slow routing), auth_challenges, ended_by and duration_seconds, and media (address, port, codecs per side). Private addresses announced to a public peer, a port of 0, no codec in common, or sendonly/inactive media explain one-way or missing audio.
3. Read registrations: result, last_status_code, challenges, auth_failures, requested and granted expiry. Repeated challenges with no 2xx point at wrong credentials; no answer at all points at the network or the registrar's address.
4. Drill in with filters: call_id=<id> to read one call's messages in order (start_line, via, contact, sdp); status_code=4xx (or 5xx) to list failures; ip=<host> to follow one phone or trunk. Many retransmissions mean lost messages: look for a NAT or firewall dropping replies (check via and contact against the source address).
5. Report the verdict (healthy, failing, slow, one-way audio), the evidence with packet_number values so the user can open them in Wireshark, the likely cause, and the fix.

Page on when a page says truncated=true; statistics and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing SIP activity from {{capture}} for an investigation.

1. Call analyze_sip_packets with pcap_file set to that capture. Note file, total_packets_in_file, sip_packets_found, unique_call_ids, statistics.user_agents and the time range of the messages.
2. Registrations: page through registrations (registrations_limit/offset) and list which account (aor, auth_username) registered from which address (client, contact), to which registrar, when (first_time, last_time) and with what result.
3. Calls: page through calls and list caller, callee, caller_address, invite_time, state, final_code, answer_time, end_time, ended_by, duration_seconds and the media endpoints each side announced (where RTP would flow).
4. For a call or an account of interest, call again with call_id=<id> or ip=<address> to read every message (start_line, from, to, contact, via, user_agent, sdp) with its packet_number; use start_time/end_time to focus on the window of an incident.
5. Report a chronological table in UTC: time, packet_number, source, destination, method or status, Call-ID, and what it shows. State what the capture cannot show: media content (RTP is not decoded here), SIP over TLS (port 5061) or SCTP, and traffic outside the capture.`
