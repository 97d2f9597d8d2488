package sip

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_sip_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit               *int `json:"limit,omitempty" jsonschema:"messages per page (default 20; 0: none)"`
	Offset              int  `json:"offset,omitempty"`
	CallsLimit          *int `json:"calls_limit,omitempty" jsonschema:"calls per page (default 20)"`
	CallsOffset         int  `json:"calls_offset,omitempty"`
	RegistrationsLimit  *int `json:"registrations_limit,omitempty" jsonschema:"registrations per page (default 20)"`
	RegistrationsOffset int  `json:"registrations_offset,omitempty"`

	Method     string `json:"method,omitempty" jsonschema:"requests with this method, and their responses"`
	StatusCode string `json:"status_code,omitempty" jsonschema:"404 or 4xx (final status for calls, registrations)"`
	CallID     string `json:"call_id,omitempty" jsonschema:"this Call-ID (exact)"`
	IP         string `json:"ip,omitempty" jsonschema:"this address at either end"`
	SrcIP      string `json:"src_ip,omitempty" jsonschema:"from this address (caller, registering client)"`
	DstIP      string `json:"dst_ip,omitempty" jsonschema:"to this address (callee, registrar)"`
	StartTime  string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime    string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), set by
	// the front end from their declarations; the zero value means every
	// one at its default.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_sip_packets. The keys mcpcap returns keep
// their names and meaning (packet_number is the frame number, timestamps
// are RFC 3339 UTC); the rest are additions.
type Output struct {
	File               string `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPacketsInFile int    `json:"total_packets_in_file" jsonschema:"frames in the capture"`
	SIPPacketsFound    int    `json:"sip_packets_found" jsonschema:"SIP messages found over UDP, TCP and WebSocket (a TCP segment can carry several)"`
	SIPPacketsAnalyzed int    `json:"sip_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note               string `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message            string `json:"message,omitempty" jsonschema:"set when the capture holds no SIP"`
	// Warnings say what the analysis could not do in full: a damaged
	// capture, tables bounded by the state budget, lists cut to fit.
	Warnings []string `json:"warnings"`

	Statistics Statistics       `json:"statistics"`
	Anomalies  []result.Finding `json:"anomalies" jsonschema:"findings over the whole capture, most severe first: sip_scanner, registration_bruteforce, invite_flood, failed_calls_spike, malformed_sip"`
	Top        TopLists         `json:"top" jsonschema:"top user agents, sources and destinations"`

	Calls             []Call         `json:"calls" jsonschema:"INVITE dialogs by Call-ID, in order of their first INVITE, paged by calls_limit/offset"`
	CallsPage         result.Page    `json:"calls_page"`
	Registrations     []Registration `json:"registrations" jsonschema:"REGISTER exchanges by Call-ID, in order of appearance, paged by registrations_limit/offset"`
	RegistrationsPage result.Page    `json:"registrations_page"`
	Packets           []Packet       `json:"packets" jsonschema:"SIP messages that match the filters, paged by limit/offset"`
	PacketsPage       result.Page    `json:"packets_page"`

	Filters    Filters             `json:"filters"`
	Thresholds analyzer.Thresholds `json:"thresholds" jsonschema:"anomaly thresholds in effect"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	Requests        int            `json:"requests" jsonschema:"request messages"`
	Responses       int            `json:"responses" jsonschema:"response messages"`
	Methods         map[string]int `json:"methods" jsonschema:"requests per method (the 30 most frequent; the rest as (other))"`
	ResponseClasses map[string]int `json:"response_classes" jsonschema:"responses per class: 1xx ... 6xx"`
	UniqueCallIDs   int            `json:"unique_call_ids" jsonschema:"distinct Call-IDs"`
	CallIDs         []string       `json:"call_ids" jsonschema:"distinct Call-IDs in order of appearance (the first 50 of unique_call_ids, fewer if the response would pass 32 KiB)"`
	CallIDsCapped   bool           `json:"call_ids_capped,omitempty" jsonschema:"true when more distinct Call-IDs existed than the state budget lets the counter keep; unique_call_ids is then a lower bound"`
	Transports      map[string]int `json:"transports" jsonschema:"messages per transport: UDP, TCP, WS (WebSocket over TCP)"`
	UserAgents      []string       `json:"user_agents" jsonschema:"distinct User-Agent values, sorted (the first 50 of user_agents_total, fewer if the response would pass 32 KiB)"`
	UserAgentsTotal int            `json:"user_agents_total" jsonschema:"distinct User-Agent values"`

	StatusCodes     map[string]int    `json:"status_codes" jsonschema:"responses per status code (the 30 most frequent; the rest as (other))"`
	Retransmissions int               `json:"retransmissions" jsonschema:"messages repeating an earlier one (same Call-ID, CSeq, method or status, top Via branch, source and destination)"`
	Malformed       int               `json:"malformed" jsonschema:"messages with a structural problem (see anomalies: malformed_sip)"`
	NonStandardPort int               `json:"non_standard_port" jsonschema:"messages on neither port 5060 nor 5061"`
	Calls           CallStats         `json:"calls"`
	Registrations   RegistrationStats `json:"registrations"`
}

// CallStats summarize every tracked call.
type CallStats struct {
	Total           int             `json:"total" jsonschema:"calls (INVITE dialogs by Call-ID)"`
	Answered        int             `json:"answered"`
	Busy            int             `json:"busy" jsonschema:"final 486 or 600"`
	Declined        int             `json:"declined" jsonschema:"final 603"`
	Cancelled       int             `json:"cancelled" jsonschema:"final 487, or CANCEL before the final response"`
	Redirected      int             `json:"redirected" jsonschema:"final 3xx"`
	Challenged      int             `json:"challenged" jsonschema:"final 401/407 not followed by a retry with credentials"`
	Failed          int             `json:"failed" jsonschema:"other final 4xx-6xx"`
	Unanswered      int             `json:"unanswered" jsonschema:"no final response within unanswered_call_timeout_seconds"`
	InProgress      int             `json:"in_progress" jsonschema:"no final response yet when the capture ends"`
	ReInviteFailed  int             `json:"re_invite_failed" jsonschema:"calls (of any state, mostly answered) with a re-INVITE that failed (final 3xx-6xx other than 401/407): a media change such as a switch to T.38 fax refused"`
	PostDialDelayMs *result.Latency `json:"post_dial_delay_ms" jsonschema:"INVITE to first 180/183 (ringing or progress); null when none"`
	SetupTimeMs     *result.Latency `json:"setup_time_ms" jsonschema:"INVITE to final response; null when none"`
	DurationSeconds *result.Latency `json:"duration_seconds" jsonschema:"answered calls: answer to BYE; null when none"`
}

// RegistrationStats summarize every tracked registration.
type RegistrationStats struct {
	Total        int `json:"total" jsonschema:"registrations (REGISTER exchanges by Call-ID)"`
	Registered   int `json:"registered" jsonschema:"last final response 2xx with a non-zero expiry"`
	Unregistered int `json:"unregistered" jsonschema:"last final response 2xx to an expiry of 0 (binding removed)"`
	Challenged   int `json:"challenged" jsonschema:"last final response 401/407"`
	Failed       int `json:"failed" jsonschema:"last final response another 3xx-6xx"`
	Unanswered   int `json:"unanswered" jsonschema:"no final response"`
	AuthFailures int `json:"auth_failures" jsonschema:"403 responses and 401/407 to REGISTERs with credentials"`
}

// Packet is one SIP message. Its keys are mcpcap's, with additions.
type Packet struct {
	PacketNumber    int    `json:"packet_number" jsonschema:"frame number in the capture (over TCP, the frame that completed the message)"`
	Timestamp       string `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SourceIP        string `json:"source_ip"`
	DestinationIP   string `json:"destination_ip"`
	SourcePort      int    `json:"source_port"`
	DestinationPort int    `json:"destination_port"`
	Transport       string `json:"transport" jsonschema:"UDP, TCP, or WS (RFC 7118 WebSocket frames over TCP)"`
	MessageType     string `json:"message_type" jsonschema:"request or response"`
	StartLine       string `json:"start_line"`
	Method          string `json:"method,omitempty" jsonschema:"request method"`
	RequestURI      string `json:"request_uri,omitempty"`
	SIPVersion      string `json:"sip_version,omitempty" jsonschema:"requests: SIP/2.0"`
	StatusCode      int    `json:"status_code,omitempty" jsonschema:"responses: status code"`
	ReasonPhrase    string `json:"reason_phrase,omitempty" jsonschema:"responses: reason phrase"`
	CallID          string `json:"call_id" jsonschema:"Call-ID (or its compact form i)"`
	CSeq            string `json:"cseq"`
	From            string `json:"from" jsonschema:"From (f)"`
	To              string `json:"to" jsonschema:"To (t)"`
	Contact         string `json:"contact" jsonschema:"first Contact (m)"`
	UserAgent       string `json:"user_agent"`
	Server          string `json:"server"`
	Via             string `json:"via" jsonschema:"first (topmost) Via (v) entry: the last hop that sent the message"`
	ContentType     string `json:"content_type" jsonschema:"Content-Type (c)"`
	ContentLength   *int   `json:"content_length" jsonschema:"Content-Length (l); null when absent or not a number"`
	BodyLength      int    `json:"body_length" jsonschema:"body bytes"`
	KnownSIPPort    bool   `json:"known_sip_port" jsonschema:"source or destination port is 5060 or 5061"`
	// Headers holds every header, bounded.
	Headers          map[string]string `json:"headers" jsonschema:"every header by lower-case full name (compact forms expanded; repeated headers joined with ', '); at most 40 names and 8 KiB, values cut at 256 bytes"`
	HeadersTruncated bool              `json:"headers_truncated,omitempty" jsonschema:"true when headers was cut"`
	Summary          string            `json:"summary" jsonschema:"one line, like Wireshark's Info column"`

	CSeqNumber     int    `json:"cseq_number" jsonschema:"CSeq sequence number"`
	CSeqMethod     string `json:"cseq_method" jsonschema:"CSeq method"`
	ViaHops        int    `json:"via_hops" jsonschema:"Via entries: hops the request went through"`
	SDP            *SDP   `json:"sdp,omitempty" jsonschema:"the session description in an application/sdp body"`
	Retransmission bool   `json:"retransmission,omitempty" jsonschema:"repeats an earlier message"`
	Malformed      string `json:"malformed,omitempty" jsonschema:"the first structural problem of the message"`
}

// SDP is a parsed session description (RFC 8866).
type SDP struct {
	Origin            string  `json:"origin,omitempty" jsonschema:"origin (o= line): username, session id, version, network and address"`
	SessionName       string  `json:"session_name,omitempty" jsonschema:"session name (s= line)"`
	ConnectionAddress string  `json:"connection_address,omitempty" jsonschema:"session-level c= address"`
	Direction         string  `json:"direction,omitempty" jsonschema:"session-level direction attribute"`
	Media             []Media `json:"media" jsonschema:"media sections (m= lines), first 16"`
	Malformed         string  `json:"malformed,omitempty" jsonschema:"the first line that could not be read"`
}

// Media is one m= section of a session description.
type Media struct {
	Type      string   `json:"type" jsonschema:"audio, video, application, ..."`
	Port      int      `json:"port" jsonschema:"transport port (RTP); 0 means the stream is rejected or disabled"`
	Protocol  string   `json:"protocol" jsonschema:"RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, ..."`
	Address   string   `json:"address" jsonschema:"connection address: media-level c=, else session-level"`
	Codecs    []Codec  `json:"codecs" jsonschema:"RTP payload formats in order of preference (first 32)"`
	Formats   []string `json:"formats,omitempty" jsonschema:"formats that are not RTP payload types (first 8): t38 (image/udptl fax), a media type, ..."`
	Direction string   `json:"direction" jsonschema:"sendrecv, sendonly, recvonly or inactive (default sendrecv)"`
	Encrypted bool     `json:"encrypted,omitempty" jsonschema:"SRTP: a SAVP profile or a crypto attribute"`
}

// Codec is one payload format of a media section.
type Codec struct {
	PayloadType int    `json:"payload_type" jsonschema:"RTP payload type"`
	Encoding    string `json:"encoding" jsonschema:"name/clock rate[/channels] from a=rtpmap, or the static type (RFC 3551); empty when unknown"`
}

// Call is one INVITE dialog, keyed by Call-ID.
type Call struct {
	CallID        string `json:"call_id"`
	State         string `json:"state" jsonschema:"answered, busy, declined, cancelled, redirected, challenged, failed, unanswered or in_progress"`
	Caller        string `json:"caller" jsonschema:"From URI of the first INVITE"`
	Callee        string `json:"callee" jsonschema:"To URI of the first INVITE"`
	CallerAddress string `json:"caller_address" jsonschema:"ip:port that sent the first INVITE"`
	CalleeAddress string `json:"callee_address" jsonschema:"ip:port the first INVITE went to (a proxy or the callee)"`
	Transport     string `json:"transport"`
	UserAgent     string `json:"user_agent,omitempty" jsonschema:"User-Agent of the first INVITE"`
	InviteFrame   int    `json:"invite_frame" jsonschema:"frame of the first INVITE"`
	InviteTime    string `json:"invite_time"`
	Invites       int    `json:"invites" jsonschema:"initial INVITEs seen, retransmissions, retries after a challenge and copies forwarded by proxies included"`
	ReInvites     int    `json:"re_invites" jsonschema:"re-INVITE transactions: INVITEs within the dialog (To tag set), retransmissions and proxy copies not counted"`
	// ReInvitesFailed and ReInviteFailure say when the dialog was answered
	// but a change to it was refused.
	ReInvitesFailed int    `json:"re_invites_failed" jsonschema:"re-INVITE transactions whose final response was a failure (3xx-6xx other than 401/407)"`
	ReInviteFailure string `json:"re_invite_failure,omitempty" jsonschema:"what the failed re-INVITEs were: how many, their final responses, what the last one offered"`
	AuthChallenges  int    `json:"auth_challenges" jsonschema:"401/407 responses to the INVITE"`
	FinalCode       *int   `json:"final_code" jsonschema:"final response to the last initial INVITE transaction (the answer code or failure code); null when none"`
	FinalReason     string `json:"final_reason,omitempty"`
	FinalFrame      *int   `json:"final_frame"`
	// Timing is measured from the first transmission of the INVITE
	// transaction that received the final response (after a challenge, the
	// retry with credentials).
	FirstResponseMs *float64    `json:"first_response_ms" jsonschema:"INVITE to the first response of any kind (usually 100 Trying)"`
	PostDialDelayMs *float64    `json:"post_dial_delay_ms" jsonschema:"INVITE to the first 180 Ringing or 183 Session Progress"`
	SetupTimeMs     *float64    `json:"setup_time_ms" jsonschema:"INVITE to the final response"`
	AnswerTime      string      `json:"answer_time,omitempty" jsonschema:"time of the first 2xx"`
	CancelFrame     *int        `json:"cancel_frame,omitempty"`
	ByeFrame        *int        `json:"bye_frame,omitempty"`
	EndTime         string      `json:"end_time,omitempty" jsonschema:"time of the first BYE"`
	EndedBy         string      `json:"ended_by,omitempty" jsonschema:"caller or callee: the side whose BYE ended the call"`
	DurationSeconds *float64    `json:"duration_seconds,omitempty" jsonschema:"answer to BYE"`
	Media           []CallMedia `json:"media" jsonschema:"media in effect: where each side receives RTP (first 4 per side), from the last session description it sent in the initial INVITE transaction, in a re-INVITE transaction that was accepted, or in an UPDATE or PRACK"`
	// Transactions are the dialog's INVITE transactions.
	Transactions      []InviteTransaction `json:"invite_transactions" jsonschema:"every INVITE transaction of the dialog, initial and re-INVITEs, with the media offered and answered and the final response (the first 7 and the latest)"`
	TransactionsTotal int                 `json:"invite_transactions_total" jsonschema:"INVITE transactions of the dialog"`
	Messages          int                 `json:"messages" jsonschema:"SIP messages with this Call-ID"`
	LastFrame         int                 `json:"last_frame"`
}

// InviteTransaction is one INVITE transaction of a call: the initial
// INVITE (or its retry after a challenge) or a re-INVITE.
type InviteTransaction struct {
	Kind        string   `json:"kind" jsonschema:"initial or re-INVITE"`
	SentBy      string   `json:"sent_by" jsonschema:"caller or callee"`
	CSeq        int      `json:"cseq"`
	Frame       int      `json:"frame" jsonschema:"frame of the INVITE's first transmission"`
	Time        string   `json:"time"`
	Result      string   `json:"result" jsonschema:"accepted (2xx), challenged (401/407), cancelled (487), failed (other 3xx-6xx) or pending (no final response)"`
	FinalCode   *int     `json:"final_code" jsonschema:"final response; null when none"`
	FinalReason string   `json:"final_reason,omitempty"`
	FinalFrame  *int     `json:"final_frame,omitempty"`
	Offer       []string `json:"offer,omitempty" jsonschema:"media the INVITE offered, one line each: type address:port protocol formats direction (image ... udptl t38 is T.38 fax); absent when it carried no session description"`
	Answer      []string `json:"answer,omitempty" jsonschema:"media its responses (or the ACK) answered; absent when none did"`
}

// CallMedia is a media endpoint one side of a call announced in SDP.
type CallMedia struct {
	Side      string   `json:"side" jsonschema:"caller or callee"`
	Frame     int      `json:"frame" jsonschema:"frame of the SDP"`
	Type      string   `json:"type"`
	Address   string   `json:"address"`
	Port      int      `json:"port"`
	Protocol  string   `json:"protocol"`
	Codecs    []string `json:"codecs" jsonschema:"encoding names in order of preference"`
	Direction string   `json:"direction"`
}

// Registration is one REGISTER exchange, keyed by Call-ID (a client keeps
// its Call-ID across refreshes).
type Registration struct {
	CallID           string `json:"call_id"`
	Result           string `json:"result" jsonschema:"registered, unregistered, challenged, failed or unanswered (from the last final response)"`
	AOR              string `json:"aor" jsonschema:"address of record: the To URI"`
	Contact          string `json:"contact" jsonschema:"Contact of the last REGISTER"`
	Client           string `json:"client" jsonschema:"ip:port that sent the REGISTER"`
	Registrar        string `json:"registrar" jsonschema:"ip:port it went to"`
	UserAgent        string `json:"user_agent,omitempty"`
	AuthUsername     string `json:"auth_username,omitempty" jsonschema:"username of the last credentials sent"`
	Requests         int    `json:"requests" jsonschema:"REGISTER requests (retransmissions included)"`
	Challenges       int    `json:"challenges" jsonschema:"401/407 responses"`
	AuthFailures     int    `json:"auth_failures" jsonschema:"403 responses, and 401/407 to a REGISTER that carried credentials"`
	LastStatusCode   *int   `json:"last_status_code" jsonschema:"last final response; null when none"`
	LastReason       string `json:"last_reason,omitempty"`
	RequestedExpires *int   `json:"requested_expires_seconds" jsonschema:"expiry the last REGISTER asked for (Contact expires parameter or Expires header)"`
	GrantedExpires   *int   `json:"granted_expires_seconds" jsonschema:"expiry the last 2xx granted"`
	FirstFrame       int    `json:"first_frame"`
	FirstTime        string `json:"first_time"`
	LastFrame        int    `json:"last_frame"`
	LastTime         string `json:"last_time"`
}

// TopLists are bounded top-N lists with their totals.
type TopLists struct {
	UserAgents   result.TopList `json:"user_agents" jsonschema:"User-Agent values"`
	Sources      result.TopList `json:"sources" jsonschema:"addresses that sent SIP"`
	Destinations result.TopList `json:"destinations" jsonschema:"addresses SIP was sent to"`
}

// Filters echoes the filters applied.
type Filters struct {
	Method     string `json:"method,omitempty"`
	StatusCode string `json:"status_code,omitempty"`
	CallID     string `json:"call_id,omitempty"`
	IP         string `json:"ip,omitempty"`
	SrcIP      string `json:"src_ip,omitempty"`
	DstIP      string `json:"dst_ip,omitempty"`
	StartTime  string `json:"start_time,omitempty"`
	EndTime    string `json:"end_time,omitempty"`
}
