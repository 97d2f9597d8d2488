package tcp

import (
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Prompts returns the module's two prompts, with mcpcap's names.
func (*Module) Prompts() []analyzer.Prompt {
	args := []analyzer.PromptArg{
		analyzer.CaptureArg,
		{Name: "server_ip", Description: "the server the user cares about (optional)"},
	}
	return []analyzer.Prompt{
		{Name: "tcp_connection_troubleshooting", Title: "TCP connection troubleshooting", Description: "Why connections fail, stall, reset or crawl.", Args: args, Render: render(troubleshootPrompt)},
		{Name: "tcp_security_analysis", Title: "TCP security review", Description: "Scans, floods, reset storms and other hostile TCP patterns.", Args: args, Render: render(securityPrompt)},
	}
}

// render fills {{capture}} as every module does, and {{server}} with the
// server_ip argument.
func render(tmpl string) func(map[string]string) (string, error) {
	return func(args map[string]string) (string, error) {
		server := ""
		if s := strings.TrimSpace(args["server_ip"]); s != "" {
			server = " Focus on the server " + s + ": pass server_ip=" + s + " to every tool."
		}
		return analyzer.CapturePrompt(strings.ReplaceAll(tmpl, "{{server}}", server))(args)
	}
}

const troubleshootPrompt = `You are troubleshooting TCP connections in {{capture}}.{{server}}

1. Call analyze_tcp_connections. Read summary: completed and failed handshakes (refused = RST to the SYN, unanswered = no reply, half_open = SYN-ACK never acknowledged), resets, normal closes, the median handshake RTT, and issues.
2. Page connections with state=refused, syn_sent or syn_received to see which client:server pairs fail to connect; with sort_by=retransmissions or sort_by=duration to find the sick or slow ones. Each connection's stream is Wireshark's tcp.stream, so the user can open it with the filter tcp.stream eq N.
3. For a connection of interest call analyze_tcp_connections with detailed=true (and server_ip/client_ip to narrow): handshake timing splits the RTT into the server side (SYN to SYN-ACK) and client side (SYN-ACK to ACK); options show MSS, window scaling and SACK; zero_window_max_ms shows a receiver that stopped reading.
4. Call analyze_tcp_retransmissions: the rate against its threshold, the worst connections, and whether retransmissions are fast (loss detected by duplicate ACKs), plain (timeouts) or spurious (data already acknowledged: delay, not loss). Lost segments before the capture point versus retransmissions after it tell you which side of the capture point loses packets.
5. Call analyze_tcp_anomalies and read analysis_counts and the flagged segments (filter analysis_flag=zero_window, window_full, duplicate_ack, ...) for the connection's stream.
6. With a server in mind, call analyze_traffic_flow with its server_ip: who sends the RSTs, which way the data flows, and which clients suffer.
7. Report each problem with the connections (client -> server, stream) and packet_number evidence, what it means (server down or filtered, loss on a path, receiver stalls, middlebox resets), and what to check next.

Statistics cover every connection that matches the filters; lists are paged: page on when a page's truncated is true.`

const securityPrompt = `You are reviewing TCP in {{capture}} for hostile or abusive activity.{{server}}

1. Call analyze_tcp_anomalies. Read anomalies first: port_scan (one source probing many host:port targets, most refused or unanswered), syn_flood (a burst of connection attempts on one server port that mostly never complete), half_open_connections, handshake_failures, rst_storm (many established connections reset at once), high_retransmission_rate and zero_window_stall. Each has evidence_frames and details (scanner, targets, answered ports, peak rate, sources).
2. Read statistics.rst_distribution (who sends resets, to which side) and flags (SYN versus SYN-ACK counts: a large gap means many unanswered attempts) and patterns.
3. Call analyze_tcp_connections with state=refused, syn_sent or syn_received, and with client_ip set to a suspected scanner, to list its attempts; answered_ports in a port_scan anomaly are the services the scanner found open.
4. Look for reused ports (reused_ports) and connections seen only in ICMP errors, and for RSTs sent in the established state by a third party (reset_by and reset_in_state) that suggest injection or an IPS.
5. For a targeted server, call analyze_traffic_flow with its server_ip to see its clients ranked by bytes and resets.
6. Report each finding with its source and target addresses, time span, the evidence packet numbers, how confident you are, and a recommended action (block, rate-limit, SYN cookies, investigate the host).

Lists are paged; statistics and anomalies cover every connection that matches the filters.`
