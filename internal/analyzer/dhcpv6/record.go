package dhcpv6

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_dhcpv6_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit     *int   `json:"limit,omitempty" jsonschema:"packets per page (default 20; 0: none)"`
	Offset    int    `json:"offset,omitempty"`
	MsgType   string `json:"msg_type,omitempty" jsonschema:"message type number or name (SOLICIT, REPLY, RELAY-FORW, ...), of any message of the relay chain"`
	DUID      string `json:"duid,omitempty" jsonschema:"client or server DUID in hex"`
	Address   string `json:"address,omitempty" jsonschema:"IPv6 address: source, destination, or an IA address"`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), filled
	// by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_dhcpv6_packets, summary first.
type Output struct {
	File                  string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp     string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets          int      `json:"total_packets" jsonschema:"frames in the capture"`
	DHCPv6PacketsFound    int      `json:"dhcpv6_packets_found" jsonschema:"DHCPv6 messages (UDP 546/547) in the capture"`
	DHCPv6PacketsAnalyzed int      `json:"dhcpv6_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note                  string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message               string   `json:"message,omitempty" jsonschema:"set when the capture holds no DHCPv6"`
	Warnings              []string `json:"warnings" jsonschema:"damage to the capture, and tables cut under the state budget (what is partial)"`

	Statistics        Statistics          `json:"statistics"`
	Anomalies         []result.Finding    `json:"anomalies" jsonschema:"findings over the whole capture, most severe first; per type the 5 most significant, the rest folded into one"`
	Servers           []Server            `json:"servers" jsonschema:"servers by DUID with what they hand out (first 10; fewer when the response would pass 32 KiB)"`
	ServersTotal      int                 `json:"servers_total"`
	Clients           []Client            `json:"clients" jsonschema:"clients by DUID with the addresses and prefixes they hold (first 20; fewer when the response would pass 32 KiB)"`
	ClientsTotal      int                 `json:"clients_total"`
	Transactions      []Transaction       `json:"transactions" jsonschema:"exchanges by transaction id, in order of appearance (first 20; fewer when the response would pass 32 KiB)"`
	TransactionsTotal int                 `json:"transactions_total"`
	Packets           []Packet            `json:"packets" jsonschema:"DHCPv6 messages that match the filters, paged by limit/offset"`
	PacketsPage       result.Page         `json:"packets_page"`
	Filters           Filters             `json:"filters"`
	Thresholds        analyzer.Thresholds `json:"thresholds"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	MessageTypes       map[string]int  `json:"message_types" jsonschema:"messages per type of the innermost message (a relayed SOLICIT counts as SOLICIT)"`
	Relayed            int             `json:"relayed" jsonschema:"messages inside RELAY-FORW or RELAY-REPL"`
	StatusCodes        map[string]int  `json:"status_codes" jsonschema:"status codes servers sent (message or IA level)"`
	Transactions       int             `json:"transactions"`
	Completed          int             `json:"completed" jsonschema:"transactions that got a REPLY"`
	UnansweredSolicits int             `json:"unanswered_solicits" jsonschema:"SOLICIT transactions with no ADVERTISE or REPLY"`
	Clients            int             `json:"clients" jsonschema:"distinct client DUIDs"`
	Servers            int             `json:"servers" jsonschema:"distinct server DUIDs"`
	AddressesAssigned  int             `json:"addresses_assigned" jsonschema:"distinct IA_NA/IA_TA addresses in REPLYs with a non-zero valid lifetime"`
	PrefixesDelegated  int             `json:"prefixes_delegated" jsonschema:"distinct IA_PD prefixes in REPLYs with a non-zero valid lifetime"`
	LatencyMs          *result.Latency `json:"latency_ms" jsonschema:"first client message to first server answer, per transaction; null when none"`
	Malformed          int             `json:"malformed"`
}

// Server is one DHCPv6 server, by its DUID.
type Server struct {
	DUID              DUID     `json:"duid"`
	Addresses         []string `json:"addresses" jsonschema:"IPv6 addresses it sent from (first 8)"`
	Advertises        int      `json:"advertises"`
	Replies           int      `json:"replies"`
	AddressesAssigned int      `json:"addresses_assigned" jsonschema:"IA addresses in its REPLYs"`
	Leases            []string `json:"leases" jsonschema:"addresses and prefixes it handed out (first 8)"`
	DNSServers        []string `json:"dns_servers,omitempty"`
	DomainList        []string `json:"domain_list,omitempty"`
	NoAddrsAvail      int      `json:"no_addrs_avail" jsonschema:"NoAddrsAvail status codes it sent"`
	FirstFrame        int      `json:"first_frame"`
}

// Client is one DHCPv6 client, by its DUID.
type Client struct {
	DUID         DUID     `json:"duid"`
	FirstSeen    string   `json:"first_seen"`
	LastSeen     string   `json:"last_seen"`
	Messages     int      `json:"messages"`
	Transactions int      `json:"transactions"`
	Addresses    []string `json:"addresses" jsonschema:"addresses its REPLYs gave it (first 8)"`
	Prefixes     []string `json:"prefixes" jsonschema:"prefixes delegated to it (first 8)"`
	FQDN         string   `json:"fqdn,omitempty"`
}

// Transaction is one exchange, by transaction id.
type Transaction struct {
	TransactionID string   `json:"transaction_id" jsonschema:"as tshark's dhcpv6.xid"`
	ClientDUID    string   `json:"client_duid,omitempty" jsonschema:"hex"`
	ServerDUID    string   `json:"server_duid,omitempty" jsonschema:"hex, of the first server that answered"`
	Messages      []string `json:"messages" jsonschema:"message types in order (first 8)"`
	FirstFrame    int      `json:"first_frame"`
	FirstSeen     string   `json:"first_seen"`
	Outcome       string   `json:"outcome" jsonschema:"replied, advertised (no REPLY), unanswered, or the REPLY's status name"`
	LatencyMs     *float64 `json:"latency_ms,omitempty" jsonschema:"first client message to first server answer"`
	Addresses     []string `json:"addresses,omitempty" jsonschema:"IA addresses and prefixes of its server messages (first 8)"`
}

// Packet is one DHCPv6 message: the relay chain outermost first, then the
// relayed (or only) message's fields and options by name.
type Packet struct {
	PacketNumber      int      `json:"packet_number" jsonschema:"frame number in the capture"`
	Timestamp         string   `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SrcIP             string   `json:"src_ip"`
	DstIP             string   `json:"dst_ip"`
	SrcPort           int      `json:"src_port"`
	DstPort           int      `json:"dst_port"`
	MsgType           int      `json:"msg_type" jsonschema:"of the innermost message"`
	MsgTypeName       string   `json:"msg_type_name"`
	MsgTypes          []string `json:"msg_types,omitempty" jsonschema:"for a relayed message: every type, outermost first"`
	TransactionID     string   `json:"transaction_id,omitempty" jsonschema:"as tshark's dhcpv6.xid"`
	Relays            []Relay  `json:"relays,omitempty"`
	ClientDUID        *DUID    `json:"client_duid,omitempty"`
	ServerDUID        *DUID    `json:"server_duid,omitempty"`
	IANA              []IA     `json:"ia_na,omitempty"`
	IATA              []IA     `json:"ia_ta,omitempty"`
	IAPD              []IA     `json:"ia_pd,omitempty"`
	Status            *Status  `json:"status,omitempty"`
	RequestedOptions  []string `json:"requested_options,omitempty" jsonschema:"option request option, by name (first 16)"`
	Preference        *int     `json:"preference,omitempty"`
	ElapsedMs         *int     `json:"elapsed_ms,omitempty"`
	ServerUnicast     string   `json:"server_unicast,omitempty"`
	RapidCommit       bool     `json:"rapid_commit,omitempty"`
	ReconfigureAccept bool     `json:"reconfigure_accept,omitempty"`
	ReconfigureMsg    string   `json:"reconfigure_msg,omitempty"`
	VendorClass       *Vendor  `json:"vendor_class,omitempty"`
	VendorOpts        []Vendor `json:"vendor_opts,omitempty"`
	UserClass         string   `json:"user_class,omitempty" jsonschema:"escaped, first 64 bytes"`
	DNSServers        []string `json:"dns_servers,omitempty"`
	DomainList        []string `json:"domain_list,omitempty"`
	FQDN              string   `json:"fqdn,omitempty"`
	AFTRName          string   `json:"aftr_name,omitempty"`
	SolMaxRT          *int     `json:"sol_max_rt,omitempty" jsonschema:"seconds"`
	InfMaxRT          *int     `json:"inf_max_rt,omitempty" jsonschema:"seconds"`
	InfoRefreshTime   *int     `json:"information_refresh_time,omitempty" jsonschema:"seconds"`
	MUDURL            string   `json:"mud_url,omitempty"`
	ClientLinkLayer   string   `json:"client_link_layer_address,omitempty"`
	OtherOptions      []string `json:"other_options,omitempty" jsonschema:"names of options not decoded (first 8)"`
	Malformed         string   `json:"malformed,omitempty"`
}

// Relay is one relay agent's message around the client's.
type Relay struct {
	MsgType     string `json:"msg_type"`
	HopCount    int    `json:"hop_count"`
	LinkAddress string `json:"link_address"`
	PeerAddress string `json:"peer_address"`
	InterfaceID string `json:"interface_id,omitempty" jsonschema:"escaped"`
	RemoteID    string `json:"remote_id,omitempty" jsonschema:"enterprise:hex"`
}

// DUID is a DHCP unique identifier (RFC 8415 §11).
type DUID struct {
	Type             int    `json:"type"`
	TypeName         string `json:"type_name"`
	LinkLayerAddress string `json:"link_layer_address,omitempty"`
	Enterprise       *int   `json:"enterprise,omitempty"`
	Hex              string `json:"hex" jsonschema:"the DUID's bytes (first 64)"`
}

// IA is an identity association: IA_NA, IA_TA or IA_PD.
type IA struct {
	IAID      string  `json:"iaid"`
	T1        *int    `json:"t1,omitempty" jsonschema:"seconds"`
	T2        *int    `json:"t2,omitempty" jsonschema:"seconds"`
	Addresses []Lease `json:"addresses,omitempty" jsonschema:"addresses (IA_NA, IA_TA) or prefixes (IA_PD), first 8"`
	Status    *Status `json:"status,omitempty"`
}

// Lease is an address or prefix with its lifetimes.
type Lease struct {
	Address          string  `json:"address"`
	PrefixLength     *int    `json:"prefix_length,omitempty"`
	PreferredSeconds int64   `json:"preferred_lifetime"`
	ValidSeconds     int64   `json:"valid_lifetime"`
	Status           *Status `json:"status,omitempty"`
}

// Status is a status code option.
type Status struct {
	Code    uint16 `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message,omitempty" jsonschema:"escaped"`
}

// Vendor is a vendor class or vendor-specific information option.
type Vendor struct {
	Enterprise int    `json:"enterprise"`
	Data       string `json:"data" jsonschema:"escaped, first 64 bytes"`
}

// Filters echoes the filters applied.
type Filters struct {
	MsgType   string `json:"msg_type,omitempty"`
	DUID      string `json:"duid,omitempty"`
	Address   string `json:"address,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
