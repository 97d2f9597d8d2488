package dhcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_dhcp_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit              *int `json:"limit,omitempty" jsonschema:"packets per page (default 20; 0: none)"`
	Offset             int  `json:"offset,omitempty"`
	TransactionsLimit  *int `json:"transactions_limit,omitempty" jsonschema:"transactions per page (default 20)"`
	TransactionsOffset int  `json:"transactions_offset,omitempty"`
	ClientsLimit       *int `json:"clients_limit,omitempty" jsonschema:"clients per page (default 20)"`
	ClientsOffset      int  `json:"clients_offset,omitempty"`

	ClientMAC     string `json:"client_mac,omitempty" jsonschema:"client MAC (chaddr)"`
	TransactionID string `json:"transaction_id,omitempty" jsonschema:"xid: 0x3d1d or decimal"`
	MessageType   string `json:"message_type,omitempty" jsonschema:"DISCOVER, OFFER, REQUEST, ACK, NAK, ..., BOOTP, or a number"`
	ServerID      string `json:"server_id,omitempty" jsonschema:"server (option 54, or a reply's source)"`
	StartTime     string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime       string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), set by
	// the front end from their declarations; the zero value means the
	// defaults.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_dhcp_packets: identity and totals first,
// then what the reader must know (note, message, warnings), the summary
// (statistics), the findings (anomalies), the servers, then the paged detail
// lists, and last the filters and thresholds in effect. The keys mcpcap
// returns keep their names and meaning; the rest are additions.
type Output struct {
	File                string   `json:"file" jsonschema:"the capture reference as given"`
	TotalPackets        int      `json:"total_packets" jsonschema:"frames in the capture"`
	DHCPPacketsFound    int      `json:"dhcp_packets_found" jsonschema:"BOOTP/DHCP messages in the capture"`
	DHCPPacketsAnalyzed int      `json:"dhcp_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note                string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list, or the capture holds DHCPv6 (not analyzed)"`
	Message             string   `json:"message,omitempty" jsonschema:"set when the capture holds no DHCP"`
	Warnings            []string `json:"warnings" jsonschema:"problems met while reading, and state-budget limits reached (what is partial)"`

	Statistics Statistics       `json:"statistics"`
	Anomalies  []result.Finding `json:"anomalies" jsonschema:"findings over the whole capture, most severe first"`

	Servers      []Server `json:"servers" jsonschema:"DHCP servers by server id, busiest first (at most 50)"`
	ServersTotal int      `json:"servers_total" jsonschema:"servers seen"`

	Clients      []Client      `json:"clients" jsonschema:"clients by MAC with their leases, paged by clients_limit/clients_offset"`
	ClientsPage  result.Page   `json:"clients_page"`
	Transactions []Transaction `json:"transactions" jsonschema:"exchanges by transaction id and client MAC, paged by transactions_limit/transactions_offset"`
	TxPage       result.Page   `json:"transactions_page"`
	Packets      []Packet      `json:"packets" jsonschema:"DHCP messages that match the filters, paged by limit/offset"`
	PacketsPage  result.Page   `json:"packets_page"`

	Filters    Filters             `json:"filters" jsonschema:"the filters applied to the packets, transactions and clients lists"`
	Thresholds analyzer.Thresholds `json:"thresholds" jsonschema:"anomaly thresholds in effect"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	UniqueClientsCount int            `json:"unique_clients_count" jsonschema:"distinct client MACs (chaddr) tracked"`
	UniqueServersCount int            `json:"unique_servers_count" jsonschema:"distinct DHCP servers (server id) tracked"`
	UniqueClients      []string       `json:"unique_clients" jsonschema:"client MACs in order of appearance (first 50)"`
	UniqueServers      []string       `json:"unique_servers" jsonschema:"server ids in order of appearance (first 50)"`
	MessageTypeCounts  map[string]int `json:"message_type_counts" jsonschema:"messages per type (BOOTP for messages without option 53, Malformed for messages too short to have a type)"`
	TransactionCount   int            `json:"transaction_count" jsonschema:"transactions (transaction id + client MAC), evicted ones included"`

	OutcomeCounts          map[string]int  `json:"outcome_counts" jsonschema:"transactions per outcome"`
	BOOTPPackets           int             `json:"bootp_packets" jsonschema:"messages without the DHCP magic cookie or without option 53"`
	RelayedPackets         int             `json:"relayed_packets" jsonschema:"messages with a relay agent address (giaddr)"`
	NonStandardPortPackets int             `json:"non_standard_port_packets" jsonschema:"DHCP messages found on ports other than 67/68"`
	MalformedPackets       int             `json:"malformed_packets" jsonschema:"messages with a format problem"`
	DHCPv6Packets          int             `json:"dhcpv6_packets" jsonschema:"UDP messages on the DHCPv6 ports 546/547: counted, not analyzed"`
	DiscoverToOfferMs      *result.Latency `json:"discover_to_offer_ms" jsonschema:"first DISCOVER to first OFFER of each transaction; null when none"`
	RequestToAckMs         *result.Latency `json:"request_to_ack_ms" jsonschema:"first REQUEST to ACK of each transaction; null when none"`
	// StateLimits counts what the state budget evicted or left untracked;
	// the warnings say what it makes partial.
	StateLimits map[string]int `json:"state_limits,omitempty" jsonschema:"what the state budget (--max-state-bytes) evicted or left untracked, by kind; absent when nothing; the warnings say what is partial"`

	// Transactions is mcpcap's map from "0x<xid>" to its messages, for the
	// first transactions of the current transactions page: it repeats
	// transactions[], so it is kept short.
	Transactions map[string][]TxMessage `json:"transactions" jsonschema:"mcpcap's view of the first 5 transactions of the current transactions page: transaction id to its messages (transactions[] has them all)"`
}

// Packet is one BOOTP/DHCP message.
type Packet struct {
	PacketNumber    int            `json:"packet_number" jsonschema:"frame number in the capture (as Wireshark numbers it)"`
	Timestamp       string         `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	SrcIP           string         `json:"src_ip"`
	DstIP           string         `json:"dst_ip"`
	SrcPort         int            `json:"src_port"`
	DstPort         int            `json:"dst_port"`
	Op              string         `json:"op" jsonschema:"Request (BOOTREQUEST) or Reply (BOOTREPLY)"`
	TransactionID   string         `json:"transaction_id" jsonschema:"xid, 0x%08x"`
	ClientIP        string         `json:"client_ip" jsonschema:"ciaddr"`
	YourIP          string         `json:"your_ip" jsonschema:"yiaddr: the address the server gives"`
	ServerIP        string         `json:"server_ip" jsonschema:"siaddr: next server (boot server)"`
	RelayIP         string         `json:"relay_ip" jsonschema:"giaddr: relay agent"`
	ClientMAC       string         `json:"client_mac" jsonschema:"chaddr"`
	MessageType     string         `json:"message_type" jsonschema:"DISCOVER, OFFER, ... ; BOOTP when there is no option 53; Unknown(n)"`
	MessageTypeCode *int           `json:"message_type_code" jsonschema:"option 53 value; null for BOOTP"`
	LeaseTime       *int64         `json:"lease_time" jsonschema:"option 51, seconds"`
	RenewalTime     *int64         `json:"renewal_time" jsonschema:"option 58 (T1), seconds"`
	RebindingTime   *int64         `json:"rebinding_time" jsonschema:"option 59 (T2), seconds"`
	ServerID        *string        `json:"server_id" jsonschema:"option 54"`
	RequestedIP     *string        `json:"requested_ip" jsonschema:"option 50"`
	ClientID        *string        `json:"client_id" jsonschema:"option 61 as hex bytes, type first"`
	Options         map[string]any `json:"options" jsonschema:"every option by name with a typed value; unknown options as option_<code>: hex"`

	Protocol        string   `json:"protocol" jsonschema:"DHCP, or BOOTP without the magic cookie"`
	OptionCodes     []int    `json:"option_codes" jsonschema:"option codes in the order sent"`
	Hostname        string   `json:"hostname,omitempty" jsonschema:"option 12 (untrusted text from the packet, escaped and bounded)"`
	Hops            int      `json:"hops"`
	Secs            int      `json:"secs" jsonschema:"seconds since the client began"`
	Broadcast       bool     `json:"broadcast" jsonschema:"broadcast flag"`
	HardwareType    string   `json:"hardware_type" jsonschema:"htype"`
	ServerName      string   `json:"server_name,omitempty" jsonschema:"sname field, when it holds a name"`
	BootFile        string   `json:"boot_file,omitempty" jsonschema:"file field, when it holds a name"`
	SrcMAC          string   `json:"src_mac,omitempty" jsonschema:"link-layer source"`
	VLANs           []int    `json:"vlans,omitempty" jsonschema:"802.1Q VLAN IDs, outermost first"`
	NonStandardPort bool     `json:"non_standard_port,omitempty" jsonschema:"found on a port other than 67/68"`
	Malformed       []string `json:"malformed,omitempty" jsonschema:"format problems, when any"`
	// OptionsCut names the list-valued options shown cut to their first
	// maxOptionItems items, with how many items each had.
	OptionsCut map[string]int `json:"options_cut,omitempty" jsonschema:"list-valued options shown cut to their first 64 items: option name to the number of items in the packet"`
}

// TxMessage is one message of a transaction.
type TxMessage struct {
	PacketNumber int    `json:"packet_number"`
	MessageType  string `json:"message_type"`
	Timestamp    string `json:"timestamp"`
	ServerID     string `json:"server_id,omitempty"`
}

// Transaction is one exchange: the messages sharing a transaction id and
// client MAC.
type Transaction struct {
	TransactionID           string      `json:"transaction_id"`
	ClientMAC               string      `json:"client_mac"`
	FirstPacket             int         `json:"first_packet"`
	StartTime               string      `json:"start_time"`
	EndTime                 string      `json:"end_time"`
	MessageTypes            []string    `json:"message_types" jsonschema:"message types in order (first 16)"`
	Messages                []TxMessage `json:"messages" jsonschema:"messages in order (first 16)"`
	MessagesTotal           int         `json:"messages_total"`
	Outcome                 string      `json:"outcome" jsonschema:"acked, naked, declined, released, informed, offered (OFFER but no REQUEST seen), no_offer, no_ack, leasequery, bootp"`
	OfferedIP               string      `json:"offered_ip,omitempty"`
	RequestedIP             string      `json:"requested_ip,omitempty"`
	AssignedIP              string      `json:"assigned_ip,omitempty"`
	ServerID                string      `json:"server_id,omitempty" jsonschema:"the server that answered last (ACK/NAK), or offered"`
	OfferingServers         []string    `json:"offering_servers,omitempty" jsonschema:"every server that sent an OFFER"`
	RelayIP                 string      `json:"relay_ip,omitempty"`
	LeaseTime               *int64      `json:"lease_time,omitempty" jsonschema:"lease seconds in the ACK"`
	DiscoverToOfferMs       *float64    `json:"discover_to_offer_ms" jsonschema:"first DISCOVER to first OFFER"`
	RequestToAckMs          *float64    `json:"request_to_ack_ms" jsonschema:"first REQUEST to the ACK (or NAK)"`
	DiscoverRetransmissions int         `json:"discover_retransmissions" jsonschema:"DISCOVERs after the first"`
	RequestRetransmissions  int         `json:"request_retransmissions" jsonschema:"REQUESTs after the first"`
}

// Client is one client (by chaddr) and what it held.
type Client struct {
	ClientMAC       string   `json:"client_mac"`
	Hostname        string   `json:"hostname,omitempty" jsonschema:"option 12, last seen"`
	VendorClass     string   `json:"vendor_class,omitempty" jsonschema:"option 60, last seen"`
	ClientID        string   `json:"client_id,omitempty" jsonschema:"option 61, hex"`
	FQDN            string   `json:"fqdn,omitempty" jsonschema:"option 81 name"`
	Fingerprint     string   `json:"parameter_request_fingerprint,omitempty" jsonschema:"option 55 codes as Fingerbank writes them, e.g. 1,3,6,15,31,33"`
	FirstSeen       string   `json:"first_seen"`
	LastSeen        string   `json:"last_seen"`
	Packets         int      `json:"packets" jsonschema:"messages for this client, both directions"`
	Transactions    int      `json:"transactions"`
	Discovers       int      `json:"discovers"`
	Requests        int      `json:"requests"`
	Acks            int      `json:"acks"`
	Naks            int      `json:"naks"`
	Declines        int      `json:"declines"`
	Releases        int      `json:"releases"`
	Addresses       []string `json:"addresses" jsonschema:"addresses ACKed to the client, in order"`
	Leases          []Lease  `json:"leases" jsonschema:"leases in order (first 16)"`
	LeasesTotal     int      `json:"leases_total"`
	Servers         []string `json:"servers" jsonschema:"servers that answered the client"`
	LastRequestedIP string   `json:"last_requested_ip,omitempty"`
}

// Lease is one address held by a client: from an ACK, extended by later ACKs
// of the same address (renewals), ended by a RELEASE.
type Lease struct {
	Address      string `json:"address"`
	ServerID     string `json:"server_id,omitempty"`
	Start        string `json:"start" jsonschema:"time of the first ACK"`
	LeaseSeconds *int64 `json:"lease_seconds" jsonschema:"lease length from the last ACK"`
	Expiry       string `json:"expiry,omitempty" jsonschema:"last ACK time plus lease length"`
	Renewals     int    `json:"renewals" jsonschema:"ACKs after the first for the same address"`
	AckPacket    int    `json:"ack_packet" jsonschema:"frame of the first ACK"`
	Released     bool   `json:"released" jsonschema:"the client released it (RELEASE)"`
	Declined     bool   `json:"declined" jsonschema:"the client declined it as already in use (DECLINE)"`
	ReleasedAt   string `json:"released_at,omitempty" jsonschema:"time of the RELEASE or DECLINE"`
}

// Server is one DHCP server (by server id).
type Server struct {
	ServerID       string         `json:"server_id"`
	SourceIPs      []string       `json:"source_ips" jsonschema:"IP sources of its replies"`
	SourceMACs     []string       `json:"source_macs" jsonschema:"link-layer sources of its replies"`
	FirstSeen      string         `json:"first_seen"`
	LastSeen       string         `json:"last_seen"`
	Offers         int            `json:"offers"`
	Acks           int            `json:"acks"`
	Naks           int            `json:"naks"`
	Other          int            `json:"other_replies"`
	ClientsServed  int            `json:"clients_served" jsonschema:"distinct clients it answered"`
	RelayedReplies int            `json:"relayed_replies" jsonschema:"replies through a relay agent (giaddr set)"`
	Configurations []ServerConfig `json:"configurations" jsonschema:"distinct configurations it handed out (first 8)"`
}

// ServerConfig is the network configuration in a server's OFFER/ACK.
type ServerConfig struct {
	SubnetMask  string   `json:"subnet_mask,omitempty"`
	Routers     []string `json:"routers,omitempty"`
	DNSServers  []string `json:"dns_servers,omitempty"`
	DomainName  string   `json:"domain_name,omitempty"`
	LeaseTime   *int64   `json:"lease_time,omitempty"`
	Packets     int      `json:"packets" jsonschema:"replies carrying this configuration"`
	FirstPacket int      `json:"first_packet"`
}

// Filters echoes the filters applied.
type Filters struct {
	ClientMAC     string `json:"client_mac,omitempty"`
	TransactionID string `json:"transaction_id,omitempty"`
	MessageType   string `json:"message_type,omitempty"`
	ServerID      string `json:"server_id,omitempty"`
	StartTime     string `json:"start_time,omitempty"`
	EndTime       string `json:"end_time,omitempty"`
}
