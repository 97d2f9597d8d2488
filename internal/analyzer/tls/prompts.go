package tls

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts, named tls_* like the other modules' own.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "tls_security_analysis", Title: "TLS security review", Description: "Look for weak TLS, bad certificates and suspicious clients in encrypted traffic.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "tls_troubleshooting_analysis", Title: "TLS troubleshooting", Description: "Find failing or slow TLS and QUIC handshakes and why they fail.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "tls_forensic_investigation", Title: "TLS forensic timeline", Description: "Reconstruct which host talked to which server name, with which client software.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are reviewing the encrypted traffic in {{capture}} for security risks.

1. Call analyze_tls_sessions with pcap_file set to that capture. Read summary (versions, cipher_suites, failed_handshakes) and anomalies first (type, severity, summary, evidence_frames, details):
   - deprecated_tls_version and weak_cipher_suite: servers still negotiating SSL 3.0, TLS 1.0/1.1, RC4, 3DES, NULL, EXPORT or anonymous suites.
   - expired_certificate, self_signed_certificate, certificate_name_mismatch: possible interception (TLS-inspecting proxy, attacker in the middle) or neglected servers. Compare details.issuer with what the server should present.
   - missing_sni (clients connecting to bare public addresses: malware and scanners do this), tls_non_standard_port (TLS on unusual ports: tunnels, C2), malformed_tls.
2. Read fingerprints: a JA4/JA3 shared by few clients, or one that does not match the clients' usual software, deserves a look; check top.sni and top.registered_domains for rare or odd domains.
3. Drill in: ja4=<fingerprint> or ja3=<hash> to list its sessions, sni=<name>, server_ip=<addr>; certificates_limit to read the certificate chain (issuer, validity, SANs, sha256).
4. Report each finding with the client, server, server name, packet numbers, what it suggests and what to do. Say what else could explain it (internal CAs, lab servers, CDNs).

Lists are paged: when sessions_page or certificates_page says truncated=true, continue with offset=next_offset before concluding. Summary, aggregates and anomalies cover the whole capture.`

const troublePrompt = `You are troubleshooting TLS and QUIC connections in {{capture}}.

1. Call analyze_tls_sessions with pcap_file set to that capture. Read summary: failed_handshakes, hello_retry_requests, versions, alpn, quic_retries, quic_version_negotiations.
2. Read anomalies: handshake_failures (details.reasons: a fatal alert such as handshake_failure, protocol_version, unknown_ca, certificate_unknown, or no ServerHello at all), certificate_name_mismatch, expired_certificate.
3. Drill in with server_ip=<server> or sni=<name> and read each session's alerts (who sent which alert), failure, versions_offered against version, ciphers (list_ciphers=true to see every suite offered), handshake_ms and first_data_ms, and the certificate chain.
4. Report the verdict per server (healthy, failing, slow), the evidence with packet numbers so the user can open them in Wireshark, the likely cause (no common version or cipher, certificate not trusted or expired, wrong name, SNI missing, middlebox resetting), and the fix.

Page on when a page says truncated=true; summary and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing encrypted activity from {{capture}} for an investigation.

1. Call analyze_tls_sessions with pcap_file set to that capture. Note file, total_packets_in_file and summary.sessions.
2. List who talked to what: top.sni, top.registered_domains and top.servers; fingerprints tell which client software (JA4/JA3) each host used.
3. For a host, call again with client_ip=<host> and page the sessions (start, server, sni, alpn, version, ja4, bytes each way); for a name, sni=<name>; use start_time/end_time to focus on the window of an incident.
4. Read the certificates a server presented (subject, issuer, SANs, validity, sha256) to identify it without the name.
5. Report a chronological table: time (UTC), packet number, client, server, server name, ALPN, fingerprint, bytes each way. State what the capture cannot show: the content (encrypted), names hidden by Encrypted Client Hello, TLS 1.3 certificates (encrypted), sessions that began before the capture.`
