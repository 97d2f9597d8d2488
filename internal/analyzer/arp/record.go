package arp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Input is the argument object of analyze_arp_packets.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`

	Limit     *int   `json:"limit,omitempty" jsonschema:"packets per page (default 20; 0: none)"`
	Offset    int    `json:"offset,omitempty"`
	MAC       string `json:"mac,omitempty" jsonschema:"only packets with this MAC as ARP sender or target or as Ethernet source"`
	IP        string `json:"ip,omitempty" jsonschema:"only packets with this IPv4 address as ARP sender or target"`
	Opcode    string `json:"opcode,omitempty" jsonschema:"opcode number or name: request, reply, reverse request, reverse reply, ..."`
	StartTime string `json:"start_time,omitempty" jsonschema:"only from this time"`
	EndTime   string `json:"end_time,omitempty" jsonschema:"only up to this time"`

	// Thresholds are the detectors' thresholds (see detectors.go), filled
	// by the front end from their declarations.
	Thresholds analyzer.Thresholds `json:"-"`
}

// Output is the result of analyze_arp_packets, summary first: identity
// and totals, notes and warnings, statistics, anomalies, the IP→MAC
// bindings and the MAC→IPs view, then the paged packets, filters and
// thresholds.
type Output struct {
	File               string   `json:"file" jsonschema:"the capture reference as given"`
	AnalysisTimestamp  string   `json:"analysis_timestamp" jsonschema:"when the analysis ran (RFC 3339 UTC)"`
	TotalPackets       int      `json:"total_packets" jsonschema:"frames in the capture"`
	ARPPacketsFound    int      `json:"arp_packets_found" jsonschema:"ARP and RARP messages in the capture"`
	ARPPacketsAnalyzed int      `json:"arp_packets_analyzed" jsonschema:"messages eligible for the packets list (all, or the first --max-packets)"`
	Note               string   `json:"note,omitempty" jsonschema:"set when --max-packets limited the packets list"`
	Message            string   `json:"message,omitempty" jsonschema:"set when the capture holds no ARP"`
	Warnings           []string `json:"warnings" jsonschema:"damage to the capture, and tables cut under the state budget (what is partial)"`

	Statistics    Statistics          `json:"statistics"`
	Anomalies     []result.Finding    `json:"anomalies" jsonschema:"findings over the whole capture, most severe first; per type the 5 most significant, the rest folded into one"`
	Bindings      []Binding           `json:"bindings" jsonschema:"IPv4 address to MAC bindings claimed in ARP sender fields: changed ones first, then in order of appearance (first 20; fewer when the response would pass 32 KiB)"`
	BindingsTotal int                 `json:"bindings_total"`
	Hosts         []Host              `json:"hosts" jsonschema:"MAC to IPv4 addresses claimed: MACs claiming several addresses first (first 20; fewer when the response would pass 32 KiB)"`
	HostsTotal    int                 `json:"hosts_total"`
	Packets       []Packet            `json:"packets" jsonschema:"ARP messages that match the filters, paged by limit/offset"`
	PacketsPage   result.Page         `json:"packets_page"`
	Filters       Filters             `json:"filters"`
	Thresholds    analyzer.Thresholds `json:"thresholds"`
}

// Statistics cover the whole capture, whatever the filters and paging.
type Statistics struct {
	OpcodeCounts   map[string]int `json:"opcode_counts" jsonschema:"messages per opcode name"`
	Requests       int            `json:"requests" jsonschema:"ARP requests (opcode 1), probes and announcements included"`
	Replies        int            `json:"replies" jsonschema:"ARP replies (opcode 2)"`
	Gratuitous     int            `json:"gratuitous" jsonschema:"requests or replies whose sender and target IPv4 addresses are equal (as tshark's arp.isgratuitous)"`
	Probes         int            `json:"probes" jsonschema:"RFC 5227 probes: requests with sender address 0.0.0.0"`
	Announcements  int            `json:"announcements" jsonschema:"RFC 5227 announcements: gratuitous requests"`
	Unanswered     int            `json:"unanswered_requests" jsonschema:"requests (not probes, not gratuitous) for an address that never answered in the capture"`
	Unsolicited    int            `json:"unsolicited_replies" jsonschema:"non-gratuitous replies to a host that had not asked for the address"`
	EthMismatch    int            `json:"ethernet_sender_mismatch" jsonschema:"messages whose ARP sender MAC is not the Ethernet source"`
	Malformed      int            `json:"malformed"`
	UniqueIPs      int            `json:"unique_ips" jsonschema:"distinct IPv4 addresses claimed in sender fields"`
	UniqueMACs     int            `json:"unique_macs" jsonschema:"distinct sender MACs"`
	BindingChanges int            `json:"binding_changes" jsonschema:"times an address was claimed by another MAC than its last one"`
}

// Binding is one IPv4 address and the MACs that claimed it.
type Binding struct {
	IP         string   `json:"ip"`
	MAC        string   `json:"mac" jsonschema:"the MAC that claimed it last"`
	MACs       []string `json:"macs" jsonschema:"every MAC that claimed it, in order of first claim (first 8)"`
	FirstSeen  string   `json:"first_seen"`
	LastSeen   string   `json:"last_seen"`
	FirstFrame int      `json:"first_frame"`
	LastFrame  int      `json:"last_frame"`
	Frames     int      `json:"frames" jsonschema:"messages claiming it"`
	Changes    int      `json:"changes" jsonschema:"times it was claimed by another MAC than its last one"`
}

// Host is one MAC and the IPv4 addresses it claimed.
type Host struct {
	MAC       string   `json:"mac"`
	IPs       []string `json:"ips" jsonschema:"addresses claimed in sender fields, in order (first 8)"`
	IPsTotal  int      `json:"ips_total"`
	Frames    int      `json:"frames" jsonschema:"messages it sent"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
}

// Packet is one ARP message. MAC fields are set for 6-byte hardware
// addresses and IP fields for 4-byte IPv4 addresses, as tshark shows them
// (arp.src.hw_mac, arp.src.proto_ipv4, ...); other lengths are given in hex.
type Packet struct {
	PacketNumber int    `json:"packet_number" jsonschema:"frame number in the capture"`
	Timestamp    string `json:"timestamp" jsonschema:"capture time, RFC 3339 UTC"`
	Opcode       int    `json:"opcode"`
	OpcodeName   string `json:"opcode_name"`
	SenderMAC    string `json:"sender_mac,omitempty"`
	SenderIP     string `json:"sender_ip,omitempty"`
	TargetMAC    string `json:"target_mac,omitempty"`
	TargetIP     string `json:"target_ip,omitempty"`
	EthSrc       string `json:"eth_src,omitempty" jsonschema:"link-layer source"`
	EthDst       string `json:"eth_dst,omitempty" jsonschema:"Ethernet destination"`
	Gratuitous   bool   `json:"gratuitous,omitempty"`
	Probe        bool   `json:"probe,omitempty" jsonschema:"RFC 5227 probe"`
	Unsolicited  bool   `json:"unsolicited,omitempty" jsonschema:"a reply to a host that had not asked"`
	EthMismatch  bool   `json:"ethernet_sender_mismatch,omitempty"`
	HardwareType int    `json:"hardware_type"`
	ProtocolType int    `json:"protocol_type"`
	HwSize       int    `json:"hardware_size"`
	ProtoSize    int    `json:"protocol_size"`
	SenderHW     string `json:"sender_hw,omitempty" jsonschema:"sender hardware address in hex when it is not 6 bytes (first 32 bytes)"`
	SenderProto  string `json:"sender_proto,omitempty" jsonschema:"sender protocol address in hex when it is not IPv4 (first 32 bytes)"`
	Malformed    string `json:"malformed,omitempty"`
}

// Filters echoes the filters applied.
type Filters struct {
	MAC       string `json:"mac,omitempty"`
	IP        string `json:"ip,omitempty"`
	Opcode    string `json:"opcode,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}
