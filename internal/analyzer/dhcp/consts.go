package dhcp

import "strconv"

// MsgType is a DHCP message type (option 53), RFC 2132 §9.6 and the IANA
// registry (RFC 4388, RFC 6926, RFC 7724, RFC 3203).
type MsgType uint8

// DHCP message types.
const (
	MsgDiscover         MsgType = 1
	MsgOffer            MsgType = 2
	MsgRequest          MsgType = 3
	MsgDecline          MsgType = 4
	MsgAck              MsgType = 5
	MsgNak              MsgType = 6
	MsgRelease          MsgType = 7
	MsgInform           MsgType = 8
	MsgForceRenew       MsgType = 9
	MsgLeaseQuery       MsgType = 10
	MsgLeaseUnassigned  MsgType = 11
	MsgLeaseUnknown     MsgType = 12
	MsgLeaseActive      MsgType = 13
	MsgBulkLeaseQuery   MsgType = 14
	MsgLeaseQueryDone   MsgType = 15
	MsgActiveLeaseQuery MsgType = 16
	MsgLeaseQueryStatus MsgType = 17
	MsgTLS              MsgType = 18
	maxKnownMsgType             = 18
	msgTypeNone         MsgType = 0 // no option 53: plain BOOTP
)

var msgTypeNames = [...]string{
	"", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM", "FORCERENEW",
	"LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE", "BULKLEASEQUERY",
	"LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS",
}

// String returns the message type name as mcpcap and Wireshark spell it
// without the DHCP prefix ("DISCOVER"), "BOOTP" for none, or "Unknown(n)".
func (t MsgType) String() string {
	switch {
	case t == msgTypeNone:
		return "BOOTP"
	case int(t) < len(msgTypeNames):
		return msgTypeNames[t]
	}
	return "Unknown(" + strconv.Itoa(int(t)) + ")"
}

// parseMsgType maps a message type name (any case, with or without a DHCP
// prefix) or number to a MsgType.
func parseMsgType(s string) (MsgType, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 256 {
		return MsgType(n), true
	}
	up := []byte(s)
	for i, c := range up {
		if c >= 'a' && c <= 'z' {
			up[i] = c - 32
		}
	}
	name := string(up)
	if len(name) > 4 && name[:4] == "DHCP" {
		name = name[4:]
	}
	if name == "BOOTP" {
		return msgTypeNone, true
	}
	for i, n := range msgTypeNames {
		if i > 0 && n == name {
			return MsgType(i), true
		}
	}
	return 0, false
}

// optKind says how an option's bytes are decoded into a typed value.
type optKind uint8

const (
	kHex     optKind = iota // opaque: lower-case hex
	kIP                     // one IPv4 address
	kIPs                    // list of IPv4 addresses
	kIPPairs                // list of (address, address) pairs: policy filters, static routes
	kU8                     // unsigned 8-bit integer
	kU16                    // unsigned 16-bit integer
	kU16s                   // list of unsigned 16-bit integers
	kU32                    // unsigned 32-bit integer (seconds for lease times)
	kI32                    // signed 32-bit integer
	kBool                   // one byte, 0 or 1
	kString                 // text (NUL padding trimmed; non-printable bytes escaped)
	kDomains                // RFC 1035 names with compression (RFC 3397)
	kFlag                   // no data: presence is the value (true)
	kSpecial                // decoded by its own function
)

// optInfo names an option: Name is the JSON key in packet options, snake
// case, using mcpcap's keys where it has them.
type optInfo struct {
	Name string
	Kind optKind
}

// Option codes with their own decoders or uses in the analysis.
const (
	optPad               = 0
	optSubnetMask        = 1
	optRouter            = 3
	optDNS               = 6
	optHostname          = 12
	optDomainName        = 15
	optStaticRoutes      = 33
	optVendorSpecific    = 43
	optRequestedIP       = 50
	optLeaseTime         = 51
	optOverload          = 52
	optMessageType       = 53
	optServerID          = 54
	optParamRequest      = 55
	optMessage           = 56
	optRenewalTime       = 58
	optRebindingTime     = 59
	optVendorClass       = 60
	optClientID          = 61
	optUserClass         = 77
	optClientFQDN        = 81
	optRelayAgent        = 82
	optClientArch        = 93
	optClientUUID        = 97
	optSIPServers        = 120
	optDomainSearch      = 119
	optClasslessRoutes   = 121
	optVIVendorClass     = 124
	optVIVendorSpecific  = 125
	optMSClasslessRoutes = 249
	optEnd               = 255
)

// options is the option table: RFC 2132 and the IANA "BOOTP Vendor
// Extensions and DHCP Options" registry, indexed by code (an array rather
// than a map: every option of every message is looked up). Codes not
// listed (an empty Name) decode as hex under "option_<code>".
var options = [256]optInfo{
	1:   {"subnet_mask", kIP},
	2:   {"time_offset", kI32},
	3:   {"router", kIPs},
	4:   {"time_servers", kIPs},
	5:   {"ien116_name_servers", kIPs},
	6:   {"dns_servers", kIPs},
	7:   {"log_servers", kIPs},
	8:   {"cookie_servers", kIPs},
	9:   {"lpr_servers", kIPs},
	10:  {"impress_servers", kIPs},
	11:  {"resource_location_servers", kIPs},
	12:  {"hostname", kString},
	13:  {"boot_file_size", kU16},
	14:  {"merit_dump_file", kString},
	15:  {"domain_name", kString},
	16:  {"swap_server", kIP},
	17:  {"root_path", kString},
	18:  {"extensions_path", kString},
	19:  {"ip_forwarding", kBool},
	20:  {"non_local_source_routing", kBool},
	21:  {"policy_filter", kIPPairs},
	22:  {"max_datagram_reassembly_size", kU16},
	23:  {"default_ip_ttl", kU8},
	24:  {"path_mtu_aging_timeout", kU32},
	25:  {"path_mtu_plateau_table", kU16s},
	26:  {"interface_mtu", kU16},
	27:  {"all_subnets_are_local", kBool},
	28:  {"broadcast_address", kIP},
	29:  {"perform_mask_discovery", kBool},
	30:  {"mask_supplier", kBool},
	31:  {"perform_router_discovery", kBool},
	32:  {"router_solicitation_address", kIP},
	33:  {"static_routes", kIPPairs},
	34:  {"trailer_encapsulation", kBool},
	35:  {"arp_cache_timeout", kU32},
	36:  {"ethernet_encapsulation", kBool},
	37:  {"tcp_default_ttl", kU8},
	38:  {"tcp_keepalive_interval", kU32},
	39:  {"tcp_keepalive_garbage", kBool},
	40:  {"nis_domain", kString},
	41:  {"nis_servers", kIPs},
	42:  {"ntp_servers", kIPs},
	43:  {"vendor_specific", kHex},
	44:  {"netbios_name_servers", kIPs},
	45:  {"netbios_dd_servers", kIPs},
	46:  {"netbios_node_type", kU8},
	47:  {"netbios_scope", kString},
	48:  {"x_font_servers", kIPs},
	49:  {"x_display_managers", kIPs},
	50:  {"requested_ip", kIP},
	51:  {"lease_time", kU32},
	52:  {"option_overload", kSpecial},
	53:  {"message_type", kSpecial},
	54:  {"server_id", kIP},
	55:  {"parameter_request_list", kSpecial},
	56:  {"message", kString},
	57:  {"max_message_size", kU16},
	58:  {"renewal_time", kU32},
	59:  {"rebinding_time", kU32},
	60:  {"vendor_class_id", kString},
	61:  {"client_id", kSpecial},
	62:  {"netware_ip_domain", kString},
	63:  {"netware_ip_information", kHex},
	64:  {"nis_plus_domain", kString},
	65:  {"nis_plus_servers", kIPs},
	66:  {"tftp_server_name", kString},
	67:  {"bootfile_name", kString},
	68:  {"mobile_ip_home_agents", kIPs},
	69:  {"smtp_servers", kIPs},
	70:  {"pop3_servers", kIPs},
	71:  {"nntp_servers", kIPs},
	72:  {"www_servers", kIPs},
	73:  {"finger_servers", kIPs},
	74:  {"irc_servers", kIPs},
	75:  {"streettalk_servers", kIPs},
	76:  {"streettalk_directory_assistance_servers", kIPs},
	77:  {"user_class", kSpecial},
	78:  {"slp_directory_agent", kHex},
	79:  {"slp_service_scope", kHex},
	80:  {"rapid_commit", kFlag},
	81:  {"client_fqdn", kSpecial},
	82:  {"relay_agent_information", kSpecial},
	83:  {"isns", kHex},
	85:  {"nds_servers", kIPs},
	86:  {"nds_tree_name", kString},
	87:  {"nds_context", kString},
	88:  {"bcmcs_controller_domains", kDomains},
	89:  {"bcmcs_controller_addresses", kIPs},
	90:  {"authentication", kHex},
	91:  {"client_last_transaction_time", kU32},
	92:  {"associated_ips", kIPs},
	93:  {"client_system_architecture", kU16s},
	94:  {"client_network_interface_id", kHex},
	95:  {"ldap", kString},
	97:  {"client_machine_id", kHex},
	98:  {"user_authentication", kString},
	99:  {"geoconf_civic", kHex},
	100: {"posix_timezone", kString},
	101: {"tz_database_timezone", kString},
	108: {"ipv6_only_preferred", kU32},
	112: {"netinfo_address", kIPs},
	113: {"netinfo_tag", kString},
	114: {"captive_portal", kString},
	116: {"auto_configure", kU8},
	117: {"name_service_search", kU16s},
	118: {"subnet_selection", kIP},
	119: {"domain_search", kDomains},
	120: {"sip_servers", kSpecial},
	121: {"classless_static_routes", kSpecial},
	122: {"cablelabs_client_configuration", kHex},
	123: {"geoconf", kHex},
	124: {"vendor_identifying_vendor_class", kSpecial},
	125: {"vendor_identifying_vendor_specific", kSpecial},
	136: {"pana_agents", kIPs},
	137: {"lost_server", kDomains},
	138: {"capwap_access_controllers", kIPs},
	139: {"mos_addresses", kHex},
	140: {"mos_domains", kHex},
	141: {"sip_ua_configuration_domains", kDomains},
	142: {"andsf_addresses", kIPs},
	144: {"geoloc", kHex},
	145: {"forcerenew_nonce_capable", kHex},
	146: {"rdnss_selection", kHex},
	150: {"tftp_server_addresses", kIPs},
	151: {"status_code", kHex},
	152: {"base_time", kU32},
	153: {"start_time_of_state", kU32},
	154: {"query_start_time", kU32},
	155: {"query_end_time", kU32},
	156: {"dhcp_state", kU8},
	157: {"data_source", kU8},
	158: {"pcp_servers", kHex},
	159: {"port_params", kHex},
	161: {"mud_url", kString},
	175: {"etherboot", kHex},
	208: {"pxelinux_magic", kHex},
	209: {"pxelinux_configuration_file", kString},
	210: {"pxelinux_path_prefix", kString},
	211: {"pxelinux_reboot_time", kU32},
	212: {"option_6rd", kHex},
	213: {"v4_access_domain", kDomains},
	220: {"subnet_allocation", kHex},
	221: {"virtual_subnet_selection", kHex},
	249: {"ms_classless_static_routes", kSpecial},
	252: {"wpad_url", kString},
}

// optionName returns the JSON key for an option code.
func optionName(code uint8) string {
	if o, ok := optionInfo(code); ok {
		return o.Name
	}
	return "option_" + strconv.Itoa(int(code))
}

// optionInfo returns the table's entry for code; ok is false for a code it
// does not list.
func optionInfo(code uint8) (info optInfo, ok bool) {
	info = options[code]
	return info, info.Name != ""
}

// relayAgentSubOptions names option 82 sub-options (RFC 3046 and later,
// IANA "DHCP Relay Agent Sub-Option Codes").
var relayAgentSubOptions = map[uint8]string{
	1:   "circuit_id",
	2:   "remote_id",
	4:   "docsis_device_class",
	5:   "link_selection",
	6:   "subscriber_id",
	7:   "radius_attributes",
	8:   "authentication",
	9:   "vendor_specific",
	10:  "relay_agent_flags",
	11:  "server_id_override",
	12:  "relay_id",
	151: "virtual_subnet_selection",
	152: "virtual_subnet_selection_control",
}

// hardwareTypes names the common ARP hardware types of the htype field.
var hardwareTypes = map[uint8]string{
	1: "Ethernet", 6: "IEEE 802", 7: "ARCNET", 15: "Frame Relay", 16: "ATM", 20: "Serial Line",
	32: "InfiniBand",
}

func hardwareTypeName(t uint8) string {
	if n, ok := hardwareTypes[t]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(t))
}
