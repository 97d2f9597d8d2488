package capture

import "fmt"

// LinkType is a capture link-layer header type (a LINKTYPE_ value from
// https://www.tcpdump.org/linktypes.html), as written in a pcap file header or
// a pcapng Interface Description Block.
type LinkType uint16

// Link types the engine decodes, named as in the tcpdump registry.
const (
	LinkTypeNull           LinkType = 0   // BSD loopback, host byte order family
	LinkTypeEthernet       LinkType = 1   // IEEE 802.3 Ethernet
	LinkTypePPP            LinkType = 9   // PPP
	LinkTypeFDDI           LinkType = 10  // FDDI
	LinkTypeRawOld         LinkType = 12  // raw IP (DLT_RAW on most BSDs)
	LinkTypeRawOld2        LinkType = 14  // raw IP (DLT_RAW on OpenBSD)
	LinkTypePPPSerial      LinkType = 50  // PPP in HDLC-like framing, or Cisco HDLC
	LinkTypeRaw            LinkType = 101 // raw IPv4 or IPv6
	LinkTypeIEEE80211      LinkType = 105 // 802.11 without radio header
	LinkTypeLoop           LinkType = 108 // OpenBSD loopback, network byte order family
	LinkTypeLinuxSLL       LinkType = 113 // Linux cooked capture v1
	LinkTypeIEEE80211Radio LinkType = 127 // 802.11 with a radiotap header
	LinkTypeIPv4           LinkType = 228 // raw IPv4
	LinkTypeIPv6           LinkType = 229 // raw IPv6
	LinkTypeNFLOG          LinkType = 239 // Linux netfilter log
	LinkTypeLinuxSLL2      LinkType = 276 // Linux cooked capture v2
)

// linkTypeName is the Wireshark (wiretap) name of an encapsulation: Short is
// the name capinfos prints after "File encapsulation:", Long the one it prints
// in interface details.
type linkTypeName struct{ Short, Long string }

// linkTypeNames maps LINKTYPE_ values to Wireshark's encapsulation names. It
// covers the registry entries Wireshark reads; others print as "linktype-N".
var linkTypeNames = map[LinkType]linkTypeName{
	0:   {"null", "NULL/Loopback"},
	1:   {"ether", "Ethernet"},
	3:   {"ax25-kiss", "AX.25 with KISS header"},
	6:   {"tr", "Token Ring"},
	7:   {"arcnet", "ARCNET"},
	8:   {"slip", "SLIP"},
	9:   {"ppp", "PPP"},
	10:  {"fddi-swapped", "FDDI with bit-swapped MAC addresses"},
	12:  {"rawip", "Raw IP"},
	14:  {"rawip", "Raw IP"},
	32:  {"redback", "Redback SmartEdge"},
	50:  {"ppp", "PPP"},
	51:  {"pppoes", "PPP-over-Ethernet session"},
	99:  {"symantec", "Symantec Enterprise Firewall"},
	100: {"atm-rfc1483", "RFC 1483 ATM"},
	101: {"rawip", "Raw IP"},
	104: {"chdlc", "Cisco HDLC"},
	105: {"ieee-802-11", "IEEE 802.11 Wireless LAN"},
	106: {"linux-atm-clip", "Linux ATM CLIP"},
	107: {"frelay", "Frame Relay"},
	108: {"loop", "OpenBSD loopback"},
	109: {"enc", "OpenBSD enc(4) encapsulating interface"},
	112: {"chdlc", "Cisco HDLC"},
	113: {"linux-sll", "Linux cooked-mode capture v1"},
	114: {"ltalk", "Localtalk"},
	117: {"pflog", "OpenBSD PF Firewall logs"},
	119: {"prism", "IEEE 802.11 plus Prism II monitor mode radio header"},
	122: {"ip-over-fc", "RFC 2625 IP-over-Fibre Channel"},
	123: {"sunatm", "SunATM ATM"},
	127: {"ieee-802-11-radiotap", "IEEE 802.11 plus radiotap radio header"},
	129: {"arcnet_linux", "Linux ARCNET"},
	138: {"apple_ip_over_ieee1394", "Apple IP-over-IEEE 1394"},
	139: {"mtp2-with-phdr", "MTP2 with pseudoheader"},
	140: {"mtp2", "SS7 MTP2"},
	141: {"mtp3", "SS7 MTP3"},
	142: {"sccp", "SS7 SCCP"},
	143: {"docsis", "Data Over Cable Service Interface Specification"},
	144: {"irda", "IrDA"},
	147: {"user0", "USER 0"},
	148: {"user1", "USER 1"},
	149: {"user2", "USER 2"},
	150: {"user3", "USER 3"},
	151: {"user4", "USER 4"},
	152: {"user5", "USER 5"},
	153: {"user6", "USER 6"},
	154: {"user7", "USER 7"},
	155: {"user8", "USER 8"},
	156: {"user9", "USER 9"},
	157: {"user10", "USER 10"},
	158: {"user11", "USER 11"},
	159: {"user12", "USER 12"},
	160: {"user13", "USER 13"},
	161: {"user14", "USER 14"},
	162: {"user15", "USER 15"},
	163: {"ieee-802-11-avs", "IEEE 802.11 plus AVS radio header"},
	165: {"bacnet-ms-tp", "BACnet MS/TP"},
	166: {"ppp-with-direction", "PPP with Directional Info"},
	169: {"gprs-llc", "GPRS LLC"},
	177: {"linux-lapd", "LAPD"},
	187: {"bluetooth-h4", "Bluetooth H4"},
	189: {"usb-linux", "USB packets with Linux header"},
	192: {"ppi", "Per-Packet Information header"},
	195: {"wpan", "IEEE 802.15.4 Wireless PAN"},
	196: {"sita-wan", "SITA WAN packets"},
	197: {"erf", "Extensible Record Format"},
	201: {"bluetooth-h4-linux", "Bluetooth H4 with linux header"},
	209: {"ipmb", "Intelligent Platform Management Bus"},
	215: {"wpan-nonask-phy", "IEEE 802.15.4 Wireless PAN non-ASK PHY"},
	220: {"usb-linux-mmapped", "USB packets with Linux header and padding"},
	224: {"fibre-channel-fc2", "Fibre Channel FC-2"},
	225: {"fibre-channel-fc2-with-frame-delims", "Fibre Channel FC-2 With Frame Delimiter"},
	226: {"ipnet", "Solaris IPNET"},
	227: {"socketcan", "SocketCAN"},
	228: {"rawip4", "Raw IPv4"},
	229: {"rawip6", "Raw IPv6"},
	230: {"wpan-nofcs", "IEEE 802.15.4 Wireless PAN with FCS not present"},
	231: {"dbus", "D-Bus"},
	235: {"dvbci", "DVB-CI (Common Interface)"},
	239: {"nflog", "NFLOG"},
	240: {"netanalyzer", "Hilscher netANALYZER"},
	241: {"netanalyzer-transparent", "Hilscher netANALYZER-Transparent"},
	242: {"ipoib", "IP over Infiniband"},
	243: {"mpeg_2_ts", "ISO/IEC 13818-1 MPEG2-TS"},
	244: {"ng40", "ng40 protocol tester"},
	245: {"nfc-llcp", "NFC LLCP"},
	247: {"infiniband", "InfiniBand"},
	248: {"sctp", "SCTP"},
	249: {"usbpcap", "USB packets with USBPcap header"},
	251: {"bluetooth-le-ll", "Bluetooth Low Energy Link Layer"},
	252: {"wireshark-upper-pdu", "Wireshark Upper PDU export"},
	253: {"netlink", "Linux Netlink"},
	254: {"bluetooth-linux-monitor", "Bluetooth Linux Monitor"},
	255: {"bluetooth-bredr-bb-rf", "Bluetooth BR/EDR Baseband RF"},
	256: {"bluetooth-le-ll-rf", "Bluetooth Low Energy Link Layer RF"},
	257: {"pktap", "Apple PKTAP"},
	258: {"epon", "Ethernet Passive Optical Network"},
	259: {"ipmi-trace", "IPMI Trace Data Collection"},
	260: {"loratap", "LoRaTap"},
	261: {"x2e-serial", "X2E serial line capture"},
	262: {"x2e-xoraya", "X2E Xoraya"},
	263: {"nordic_ble", "nRF Sniffer for Bluetooth LE"},
	266: {"ieee-802-15-4-tap", "IEEE 802.15.4 Wireless with TAP pseudo-header"},
	270: {"ebhscr", "Elektrobit High Speed Capture and Replay"},
	271: {"vpp", "Vector Packet Processing graph dispatch trace"},
	272: {"ieee-802-15-4-tap", "IEEE 802.15.4 Wireless with TAP pseudo-header"},
	273: {"ieee-802-15-4-tap", "IEEE 802.15.4 Wireless with TAP pseudo-header"},
	274: {"mp4", "MP4 files"},
	276: {"linux-sll2", "Linux cooked-mode capture v2"},
	278: {"zwave-serial", "Z-Wave Serial API packets"},
	279: {"mdb", "MDB (Multi-Drop Bus)"},
	281: {"etw", "Event Tracing for Windows messages"},
	// Not a registry value: packets of a pcapng interface this reader did
	// not keep track of (see LinkTypeUntracked).
	LinkTypeUntracked: {"untracked", "Interface past the reader's limits"},
}

// ShortName returns Wireshark's short name for the encapsulation ("ether",
// "linux-sll", "rawip"), or "linktype-N" for a type Wireshark does not name.
func (t LinkType) ShortName() string {
	if n, ok := linkTypeNames[t]; ok {
		return n.Short
	}
	return fmt.Sprintf("linktype-%d", uint16(t))
}

// String returns Wireshark's descriptive name for the encapsulation
// ("Ethernet", "Linux cooked-mode capture v2"), or "Unknown link type N".
func (t LinkType) String() string {
	if n, ok := linkTypeNames[t]; ok {
		return n.Long
	}
	return fmt.Sprintf("Unknown link type %d", uint16(t))
}
