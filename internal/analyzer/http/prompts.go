package http

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's three prompts.
func (*Module) Prompts() []analyzer.Prompt {
	return analyzer.CapturePrompts(
		analyzer.PromptSpec{Name: "http_security_analysis", Title: "HTTP security review", Description: "Look for scanners, leaked credentials, malware downloads, exfiltration and HTTP on odd ports.", Template: securityPrompt},
		analyzer.PromptSpec{Name: "http_troubleshooting", Title: "HTTP troubleshooting", Description: "Find failing, slow and broken HTTP and gRPC exchanges.", Template: troublePrompt},
		analyzer.PromptSpec{Name: "http_forensic_investigation", Title: "HTTP forensic timeline", Description: "Reconstruct who fetched or sent what over HTTP, with file hashes.", Template: forensicPrompt},
	)
}

const securityPrompt = `You are hunting for malicious HTTP activity in {{capture}}.

1. Call analyze_http_transactions with pcap_file set to that capture. Read anomalies first (type, severity, summary, evidence_frames, details):
   - http_scanner: a client announcing sqlmap, nikto, nmap... or collecting many 404s over many paths.
   - cleartext_credentials: Basic/Digest/Bearer Authorization or password form fields sent without TLS; details.user and details.host. Secrets stay redacted unless the user asks and you call again with reveal_secrets=true.
   - executable_download: PE/ELF/Mach-O/script bodies, high when the declared type hides them; details.sha256 to look up.
   - large_upload (exfiltration to a rarely seen host), http_non_standard_port, suspicious_user_agent, malformed_http (possible smuggling).
2. Read top (hosts, user_agents, uris, clients_per_host) for rare hosts and odd agents.
3. Drill in: host=<host>, client_ip=<addr>, uri=<substring>, status=404, method=POST; page files with files_limit/files_offset and compare sniffed_type with declared_type.
4. Report each finding with the client, host, URI, frame evidence, file hashes, what it suggests and what to do; say what innocent explanation fits.

Lists are paged: when transactions_page or files_page says truncated=true, continue with offset=next_offset. Summary, top and anomalies cover the whole capture.`

const troublePrompt = `You are troubleshooting HTTP in {{capture}}.

1. Call analyze_http_transactions with pcap_file set to that capture. Read summary: requests, responses, unanswered, latency_ms (median, p95, max), malformed, h2_resets and h2_goaways; top.statuses.
2. Read anomalies: http_error_spike (a failing server or backend), malformed_http.
3. Drill in: status=5xx (or 4xx) to list failures with their URIs and servers; server_ip=<server> for one server's transactions and latency_ms; for gRPC, top.grpc_methods and each transaction's grpc.status and grpc.message; problem says when a response was cut, reset or never came.
4. Report the verdict (healthy, slow, failing), the evidence with frame numbers to open in Wireshark, the likely cause and the fix.

Page on when a page says truncated=true; summary and anomalies cover the whole capture.`

const forensicPrompt = `You are reconstructing HTTP activity from {{capture}} for an investigation.

1. Call analyze_http_transactions with pcap_file set to that capture. Note the summary and the time range of the transactions.
2. List the files (name, direction, host, uri, declared_type, sniffed_type, size, complete, sha256, md5), paging with files_offset; hashes are of the decoded body, as Wireshark's Export Objects writes it.
3. For each client of interest call again with client_ip=<addr> and page the transactions (request_time, method, host, uri, status, user_agent, referer); use start_time/end_time to focus on an incident window and headers=true for every field line.
4. Report a chronological table: time (UTC), frame, client, method, host+URI, status, file name and SHA-256. State what the capture cannot show (HTTPS content, bodies cut by lost packets: complete=false).`
