package overview

// proto names a protocol in the hierarchy. Each name is the one tshark's
// "-z io,phs" prints for the same protocol (its filter name), so the two
// trees can be compared node by node; README.md has the table of what each
// is recognised by and which are compared with tshark.
type proto uint8

const (
	pNone proto = iota
	// Link layers and what rides directly on them.
	pEth
	pVLAN
	pLLC
	pSTP
	pCDP
	pLLDP
	pARP
	pRARP
	pEAPOL
	pPPPoED
	pPPPoES
	pPPP
	pCHDLC
	pLCP
	pIPCP
	pIPv6CP
	pPAP
	pCHAP
	pMPLS
	pSLL
	pNull
	pRaw
	pRadiotap
	pWLANRadio
	pWLAN
	pWLANMgt
	pFDDI
	pNetlink
	// Network and transport.
	pIP
	pIPv6
	pTCP
	pUDP
	pICMP
	pICMPv6
	pIGMP
	pGRE
	pESP
	pAH
	pSCTP
	pOSPF
	pVRRP
	pPIM
	// Payloads.
	pData
	pDNS
	pMDNS
	pLLMNR
	pDHCP
	pDHCPv6
	pSIP
	pNTP
	pSSDP
	pNBNS
	pNBDGM
	pSNMP
	pSyslog
	pRIP
	pQUIC
	pGQUIC
	pDTLS
	pVXLAN
	pTLS
	pHTTP
	pSSH
	pSMTP
	pFTP
	numProtos
)

var protoNames = [numProtos]string{
	pNone: "", pEth: "eth", pVLAN: "vlan", pLLC: "llc", pSTP: "stp", pCDP: "cdp", pLLDP: "lldp",
	pARP: "arp", pRARP: "arp", pEAPOL: "eapol", pPPPoED: "pppoed", pPPPoES: "pppoes", pPPP: "ppp",
	pCHDLC: "chdlc", pLCP: "lcp", pIPCP: "ipcp", pIPv6CP: "ipv6cp", pPAP: "pap", pCHAP: "chap",
	pMPLS: "mpls", pSLL: "sll", pNull: "null", pRaw: "raw", pRadiotap: "radiotap",
	pWLANRadio: "wlan_radio", pWLAN: "wlan", pWLANMgt: "wlan.mgt", pFDDI: "fddi", pNetlink: "netlink",
	pIP: "ip", pIPv6: "ipv6", pTCP: "tcp", pUDP: "udp", pICMP: "icmp", pICMPv6: "icmpv6",
	pIGMP: "igmp", pGRE: "gre", pESP: "esp", pAH: "ah", pSCTP: "sctp", pOSPF: "ospf", pVRRP: "vrrp",
	pPIM: "pim", pData: "data", pDNS: "dns", pMDNS: "mdns", pLLMNR: "llmnr", pDHCP: "dhcp",
	pDHCPv6: "dhcpv6", pSIP: "sip", pNTP: "ntp", pSSDP: "ssdp", pNBNS: "nbns", pNBDGM: "nbdgm",
	pSNMP: "snmp", pSyslog: "syslog", pRIP: "rip", pQUIC: "quic", pGQUIC: "gquic", pDTLS: "dtls", pVXLAN: "vxlan", pTLS: "tls",
	pHTTP: "http", pSSH: "ssh", pSMTP: "smtp", pFTP: "ftp",
}

func (p proto) String() string { return protoNames[p] }

// ipProtos names the protocols IP headers carry, by number; the rest are
// data. A table indexed by the number, looked up on the per-packet path.
var ipProtos = func() (t [256]proto) {
	for i := range t {
		t[i] = pData
	}
	for n, p := range map[uint8]proto{1: pICMP, 2: pIGMP, 4: pIP, 6: pTCP, 17: pUDP, 41: pIPv6, 47: pGRE, 50: pESP,
		51: pAH, 58: pICMPv6, 89: pOSPF, 103: pPIM, 112: pVRRP, 132: pSCTP} {
		t[n] = p
	}
	return t
}()

// ipProto names the protocol an IP header carries, by number.
func ipProto(n uint8) proto { return ipProtos[n] }

// udpPorts names UDP payloads by port, as tshark's port registrations do
// for the protocols listed (the lower port is tried first, then the
// higher). SIP on its port must also look like SIP, and port 443 is QUIC or
// Google QUIC (see udpPayload).
var udpPorts = map[uint16]proto{
	53: pDNS, 5353: pMDNS, 5355: pLLMNR, 67: pDHCP, 68: pDHCP, 546: pDHCPv6, 547: pDHCPv6,
	5060: pSIP, 123: pNTP, 1900: pSSDP, 137: pNBNS, 138: pNBDGM, 161: pSNMP, 162: pSNMP,
	514: pSyslog, 520: pRIP, 4789: pVXLAN, 443: pQUIC, 853: pDTLS,
}

// serviceNames are the protocols a flow's content can show it carries, by
// the names of Zeek's conn.log service field (except "tls", which Zeek
// calls "ssl").
var serviceNames = map[proto]string{
	pDNS: "dns", pMDNS: "dns", pLLMNR: "dns", pDHCP: "dhcp", pSIP: "sip", pTLS: "tls", pHTTP: "http",
	pSSH: "ssh", pQUIC: "quic", pGQUIC: "gquic", pNTP: "ntp", pSMTP: "smtp", pFTP: "ftp", pDHCPv6: "dhcp", pNBNS: "netbios-ns",
}
