// Command gen writes the generated test captures under testdata/gen: DHCP
// attacks and faults for the anomaly detectors (each with a normal capture
// beside it that must stay silent), and a capture exercising every DHCP
// option decoder. The output is deterministic: the same program writes the
// same bytes, and a test checks the committed files against it.
//
//	go run ./testdata/gen [-out testdata/gen]
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

func main() {
	genkit.Main("testdata/gen", captures)
}

// captures maps each file name to the function that writes it.
var captures = map[string]func(*capWriter){
	"dhcp-normal-lan.pcap":          normalLAN,
	"dhcp-rogue-server.pcap":        rogueServer,
	"dhcp-redundant-servers.pcap":   redundantServers,
	"dhcp-starvation.pcap":          starvation,
	"dhcp-duplicate-ip.pcap":        duplicateIP,
	"dhcp-nak-storm.pcap":           nakStorm,
	"dhcp-declines.pcap":            declines,
	"dhcp-chaddr-spoof.pcap":        chaddrSpoof,
	"dhcp-unanswered-discover.pcap": unanswered,
	"dhcp-malformed.pcap":           malformed,
	"dhcp-options.pcap":             allOptions,
	// DNS (dns.go)
	"dns-normal.pcap":           dnsNormal,
	"dns-tunnel.pcap":           dnsTunnel,
	"dns-dga.pcap":              dnsDGA,
	"dns-nxdomain-typos.pcap":   dnsTypos,
	"dns-slow-server.pcap":      dnsSlow,
	"dns-unanswered.pcap":       dnsUnanswered,
	"dns-nonstandard-port.pcap": dnsNonStandard,
	"dns-amplification.pcap":    dnsAmplification,
	"dns-malformed.pcap":        dnsMalformed,
	// ICMP (icmp.go)
	"icmp-normal.pcap":            icmpNormal,
	"icmp-sweep.pcap":             icmpSweep,
	"icmp-flood.pcap":             icmpFlood,
	"icmp-tunnel.pcap":            icmpTunnel,
	"icmp-redirect.pcap":          icmpRedirect,
	"icmp-unreachable-storm.pcap": icmpUnreachableStorm,
	"icmp-blackhole.pcap":         icmpBlackhole,
	"icmp-malformed.pcap":         icmpMalformed,
	// NTP (ntp.go)
	"ntp-normal.pcap":         ntpNormal,
	"ntp-amplification.pcap":  ntpAmplification,
	"ntp-kiss-of-death.pcap":  ntpKissOfDeath,
	"ntp-unsynchronized.pcap": ntpUnsynchronized,
	"ntp-large-offset.pcap":   ntpLargeOffset,
	"ntp-malformed.pcap":      ntpMalformed,
	// LLDP and CDP (lldp.go)
	"lldp-normal.pcap":    lldpNormal,
	"lldp-spoofing.pcap":  lldpSpoofing,
	"lldp-malformed.pcap": lldpMalformed,
	// SIP (sip.go)
	"sip-normal.pcap":             sipNormal,
	"sip-scanner-agent.pcap":      sipScannerAgent,
	"sip-scanner-sweep.pcap":      sipScannerSweep,
	"sip-bruteforce.pcap":         sipBruteforce,
	"sip-invite-flood.pcap":       sipInviteFlood,
	"sip-failed-calls-spike.pcap": sipFailedCallsSpike,
	"sip-malformed.pcap":          sipMalformed,
	// ARP (arp.go)
	"arp-normal.pcap":           arpNormal,
	"arp-spoofing.pcap":         arpSpoofing,
	"arp-flapping.pcap":         arpFlapping,
	"arp-scan.pcap":             arpScan,
	"arp-gratuitous-flood.pcap": arpGratuitousFlood,
	"arp-ip-conflict.pcap":      arpConflict,
	"arp-unanswered.pcap":       arpUnanswered,
	"arp-malformed.pcap":        arpMalformed,
	// DHCPv6 (dhcpv6.go)
	"dhcpv6-normal.pcap":       dhcpv6Normal,
	"dhcpv6-rogue-server.pcap": dhcpv6Rogue,
	"dhcpv6-starvation.pcap":   dhcpv6Starvation,
	"dhcpv6-no-addrs.pcap":     dhcpv6NoAddrs,
	"dhcpv6-unanswered.pcap":   dhcpv6Unanswered,
	"dhcpv6-malformed.pcap":    dhcpv6Malformed,
	// TCP (tcp.go)
	"http-normal.pcap":            httpNormal,
	"http-scanner.pcap":           httpScanner,
	"http-credentials.pcap":       httpCredentials,
	"http-executable.pcap":        httpExecutable,
	"http-error-spike.pcap":       httpErrorSpike,
	"http-suspicious-agent.pcap":  httpSuspiciousAgent,
	"http-non-standard-port.pcap": httpNonStandardPort,
	"http-large-upload.pcap":      httpLargeUpload,
	"http-malformed.pcap":         httpMalformed,
	"tcp-normal.pcap":             tcpTimeline(tcpNormal),
	"tcp-port-scan.pcap":          tcpTimeline(tcpPortScan),
	"tcp-syn-flood.pcap":          tcpTimeline(tcpSynFlood),
	"tcp-retransmissions.pcap":    tcpTimeline(tcpLossy),
	"tcp-rst-storm.pcap":          tcpTimeline(tcpRstStorm),
	"tcp-zero-window.pcap":        tcpTimeline(tcpZeroWindow),
	"tcp-handshake-failures.pcap": tcpTimeline(tcpHandshakeFailures),
	"tcp-half-open.pcap":          tcpTimeline(tcpHalfOpen),
	// TLS (tls.go)
	"tls-normal.pcap":            tcpTimeline(tlsNormal),
	"tls-expired-cert.pcap":      tcpTimeline(tlsExpired),
	"tls-self-signed.pcap":       tcpTimeline(tlsSelfSigned),
	"tls-name-mismatch.pcap":     tcpTimeline(tlsNameMismatch),
	"tls-weak-tls10.pcap":        tcpTimeline(tlsWeak),
	"tls-non-standard-port.pcap": tcpTimeline(tlsOddPort),
	"tls-missing-sni.pcap":       tcpTimeline(tlsNoSNI),
	"tls-handshake-failure.pcap": tcpTimeline(tlsFailure),
	"tls-malformed.pcap":         tcpTimeline(tlsMalformed),
	// TLS recorded from Go's crypto/tls (tlsgo.go)
	"tls-go-normal.pcap":        tcpTimeline(goNormal),
	"tls-go-tls13.pcap":         tcpTimeline(goTLS13),
	"tls-go-expired-cert.pcap":  tcpTimeline(goExpired),
	"tls-go-self-signed.pcap":   tcpTimeline(goSelfSigned),
	"tls-go-name-mismatch.pcap": tcpTimeline(goNameMismatch),
	"tls-go-tls10-rc4.pcap":     tcpTimeline(goWeak),
	"tls-go-rich-cert.pcap":     tcpTimeline(goRichCert),
}

// capWriter is the capture a builder writes, its frames timed from
// genkit.Epoch.
type capWriter struct{ genkit.Capture }

func (c *capWriter) frame(t time.Duration, data []byte) { c.Write(t, data, len(data)) }

// cut writes a frame captured short of its length on the wire, as a small
// snaplen does.
func (c *capWriter) cut(t time.Duration, data []byte, wireLen int) { c.Write(t, data, wireLen) }

var (
	bcastMAC = mac(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	zeroIP   = net.IPv4zero.To4()
	bcastIP  = net.IPv4bcast.To4()
)

func mac(b ...byte) net.HardwareAddr { return net.HardwareAddr(b) }
func ip(a, b, c, d byte) net.IP      { return net.IPv4(a, b, c, d).To4() }
func u32(v uint32) []byte            { return binary.BigEndian.AppendUint32(nil, v) }
func opt(t layers.DHCPOpt, d []byte) layers.DHCPOption {
	return layers.NewDHCPOption(t, d)
}

// host is one end of a DHCP exchange.
type host struct {
	mac net.HardwareAddr
	ip  net.IP
}

// udp4 builds Ethernet/IPv4/UDP around payload.
func udp4(src, dst host, sport, dport uint16, payload gopacket.SerializableLayer) []byte {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.ip, DstIP: dst.ip}
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	u.SetNetworkLayerForChecksum(ip4)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip4, u, payload); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// msg is a DHCP message to serialize.
type msg struct {
	op                     layers.DHCPOp
	typ                    layers.DHCPMsgType
	xid                    uint32
	chaddr                 net.HardwareAddr
	ciaddr, yiaddr, giaddr net.IP
	opts                   []layers.DHCPOption
}

func (m msg) layer() *layers.DHCPv4 {
	d := &layers.DHCPv4{Operation: m.op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: m.xid,
		ClientHWAddr: m.chaddr, ClientIP: orZero(m.ciaddr), YourClientIP: orZero(m.yiaddr), NextServerIP: zeroIP, RelayAgentIP: orZero(m.giaddr)}
	if m.typ != 0 {
		d.Options = append(d.Options, opt(layers.DHCPOptMessageType, []byte{byte(m.typ)}))
	}
	d.Options = append(d.Options, m.opts...)
	return d
}

func orZero(a net.IP) net.IP {
	if a == nil {
		return zeroIP
	}
	return a
}

// server hands out one configuration.
type server struct {
	host
	mask, router, dns net.IP
	domain            string
	lease             uint32
}

func (s server) config() []layers.DHCPOption {
	return []layers.DHCPOption{
		opt(layers.DHCPOptServerID, s.ip),
		opt(layers.DHCPOptLeaseTime, u32(s.lease)),
		opt(layers.DHCPOptT1, u32(s.lease/2)),
		opt(layers.DHCPOptT2, u32(s.lease*7/8)),
		opt(layers.DHCPOptSubnetMask, s.mask),
		opt(layers.DHCPOptRouter, s.router),
		opt(layers.DHCPOptDNS, s.dns),
		opt(layers.DHCPOptDomainName, []byte(s.domain)),
	}
}

var (
	corpServer  = server{host{mac(0x00, 0x50, 0x56, 0x00, 0x00, 0x01), ip(10, 0, 0, 1)}, ip(255, 255, 255, 0), ip(10, 0, 0, 254), append(ip(10, 0, 0, 53), ip(10, 0, 0, 54)...), "corp.example", 3600}
	corpServer2 = server{host{mac(0x00, 0x50, 0x56, 0x00, 0x00, 0x02), ip(10, 0, 0, 2)}, ip(255, 255, 255, 0), ip(10, 0, 0, 254), append(ip(10, 0, 0, 53), ip(10, 0, 0, 54)...), "corp.example", 3600}
	rogue       = server{host{mac(0xde, 0xad, 0xbe, 0xef, 0x00, 0x66), ip(10, 0, 0, 66)}, ip(255, 255, 255, 0), ip(10, 0, 0, 66), ip(10, 0, 0, 66), "corp.example", 600}
)

func clientMAC(i int) net.HardwareAddr { return mac(0x3c, 0x22, 0xfb, 0x10, byte(i>>8), byte(i)) }

func prl() []layers.DHCPOption {
	return []layers.DHCPOption{
		opt(layers.DHCPOptParamsRequest, []byte{1, 121, 3, 6, 15, 119, 252, 95, 44, 46}),
		opt(layers.DHCPOptMaxMessageSize, []byte{0x05, 0xdc}),
	}
}

// dora writes a full DISCOVER/OFFER/REQUEST/ACK exchange at t.
func dora(w *capWriter, t time.Duration, s server, c net.HardwareAddr, xid uint32, addr net.IP, hostname string) {
	cl := host{c, zeroIP}
	id := opt(layers.DHCPOptClientID, append([]byte{1}, c...))
	hn := opt(layers.DHCPOptHostname, []byte(hostname))
	w.frame(t, udp4(cl, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: xid, chaddr: c, opts: append([]layers.DHCPOption{id, hn}, prl()...)}.layer()))
	w.frame(t+2*time.Millisecond, udp4(s.host, host{c, addr}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: xid, chaddr: c, yiaddr: addr, opts: s.config()}.layer()))
	w.frame(t+5*time.Millisecond, udp4(cl, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRequest, xid: xid, chaddr: c,
		opts: append([]layers.DHCPOption{id, hn, opt(layers.DHCPOptRequestIP, addr), opt(layers.DHCPOptServerID, s.ip)}, prl()...)}.layer()))
	w.frame(t+7*time.Millisecond, udp4(s.host, host{c, addr}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeAck, xid: xid, chaddr: c, yiaddr: addr, opts: s.config()}.layer()))
}

// normalLAN: one server, 40 clients getting leases, renewals, releases,
// INFORMs, one NAK and one DECLINE: nothing any detector should flag.
func normalLAN(w *capWriter) {
	s := corpServer
	for i := range 40 {
		dora(w, time.Duration(i)*3*time.Second, s, clientMAC(i), 0x1000+uint32(i), ip(10, 0, 0, byte(100+i)), fmt.Sprintf("laptop-%02d", i))
	}
	base := 150 * time.Second
	for i := range 10 { // renewals: unicast REQUEST/ACK
		c, a := clientMAC(i), ip(10, 0, 0, byte(100+i))
		t := base + time.Duration(i)*time.Second
		w.frame(t, udp4(host{c, a}, s.host, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRequest, xid: 0x2000 + uint32(i), chaddr: c, ciaddr: a}.layer()))
		w.frame(t+3*time.Millisecond, udp4(s.host, host{c, a}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeAck, xid: 0x2000 + uint32(i), chaddr: c, ciaddr: a, yiaddr: a, opts: s.config()}.layer()))
	}
	for i := 10; i < 13; i++ { // releases
		c, a := clientMAC(i), ip(10, 0, 0, byte(100+i))
		w.frame(base+20*time.Second+time.Duration(i)*time.Second, udp4(host{c, a}, s.host, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRelease, xid: 0x3000 + uint32(i), chaddr: c, ciaddr: a, opts: []layers.DHCPOption{opt(layers.DHCPOptServerID, s.ip)}}.layer()))
	}
	for i := 20; i < 22; i++ { // INFORM/ACK
		c, a := clientMAC(i), ip(10, 0, 0, byte(100+i))
		t := base + 40*time.Second + time.Duration(i)*time.Second
		w.frame(t, udp4(host{c, a}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeInform, xid: 0x4000 + uint32(i), chaddr: c, ciaddr: a}.layer()))
		w.frame(t+2*time.Millisecond, udp4(s.host, host{c, a}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeAck, xid: 0x4000 + uint32(i), chaddr: c, ciaddr: a, opts: s.config()[4:]}.layer()))
	}
	// A client asking for a stale address is refused once, then gets one.
	c := clientMAC(99)
	t := base + 80*time.Second
	w.frame(t, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRequest, xid: 0x5000, chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptRequestIP, ip(192, 168, 1, 20))}}.layer()))
	w.frame(t+time.Millisecond, udp4(s.host, host{bcastMAC, bcastIP}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeNak, xid: 0x5000, chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptServerID, s.ip)}}.layer()))
	dora(w, t+2*time.Second, s, c, 0x5001, ip(10, 0, 0, 199), "phone-99")
	// One DECLINE, then a good lease.
	c = clientMAC(98)
	dora(w, t+10*time.Second, s, c, 0x6000, ip(10, 0, 0, 198), "printer")
	w.frame(t+11*time.Second, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDecline, xid: 0x6000, chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptRequestIP, ip(10, 0, 0, 198)), opt(layers.DHCPOptServerID, s.ip)}}.layer()))
	dora(w, t+21*time.Second, s, c, 0x6001, ip(10, 0, 0, 197), "printer")
}

// rogueServer: a second server on the LAN answers too, with itself as the
// router and DNS server.
func rogueServer(w *capWriter) {
	for i := range 10 {
		c, t := clientMAC(i), time.Duration(i)*2*time.Second
		s := corpServer
		if i%2 == 1 {
			s = rogue
		}
		dora(w, t, s, c, 0x7000+uint32(i), ip(10, 0, 0, byte(100+i)), fmt.Sprintf("pc-%d", i))
	}
}

// redundantServers: two servers with the same configuration share the load.
func redundantServers(w *capWriter) {
	for i := range 10 {
		s := corpServer
		if i%2 == 1 {
			s = corpServer2
		}
		dora(w, time.Duration(i)*2*time.Second, s, clientMAC(i), 0x7100+uint32(i), ip(10, 0, 0, byte(100+i)), fmt.Sprintf("pc-%d", i))
	}
}

// starvation: 400 DISCOVERs from random MACs in 8 s (as dhcpig sends
// them); the server offers the first 30, then its pool is empty.
func starvation(w *capWriter) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		c := mac(0x02, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(i))
		t, xid := time.Duration(i)*20*time.Millisecond, r.Uint32()
		w.frame(t, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: xid, chaddr: c}.layer()))
		if i < 30 {
			w.frame(t+time.Millisecond, udp4(corpServer.host, host{bcastMAC, bcastIP}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: xid, chaddr: c, yiaddr: ip(10, 0, 0, byte(100+i)), opts: corpServer.config()}.layer()))
		}
	}
}

// duplicateIP: the server ACKs 10.0.0.150 to a second client while the first
// client's one-hour lease on it has 40 minutes to run.
func duplicateIP(w *capWriter) {
	dora(w, 0, corpServer, clientMAC(1), 0x8001, ip(10, 0, 0, 150), "alice")
	dora(w, 20*time.Minute, corpServer, clientMAC(2), 0x8002, ip(10, 0, 0, 150), "bob")
}

// nakStorm: 25 clients back from another network ask for their old
// addresses within 30 s and are refused.
func nakStorm(w *capWriter) {
	for i := range 25 {
		c, t := clientMAC(i), time.Duration(i)*1200*time.Millisecond
		w.frame(t, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRequest, xid: 0x9000 + uint32(i), chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptRequestIP, ip(192, 168, 7, byte(10+i)))}}.layer()))
		w.frame(t+time.Millisecond, udp4(corpServer.host, host{bcastMAC, bcastIP}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeNak, xid: 0x9000 + uint32(i), chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptServerID, corpServer.ip), opt(layers.DHCPOptMessage, []byte("wrong network"))}}.layer()))
	}
}

// declines: three clients find their new address already in use.
func declines(w *capWriter) {
	for i := range 3 {
		c, t, a := clientMAC(i), time.Duration(i)*5*time.Second, ip(10, 0, 0, byte(40+i))
		dora(w, t, corpServer, c, 0xa000+uint32(i), a, fmt.Sprintf("host-%d", i))
		w.frame(t+time.Second, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDecline, xid: 0xa000 + uint32(i), chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptRequestIP, a), opt(layers.DHCPOptServerID, corpServer.ip)}}.layer()))
	}
}

// chaddrSpoof: one host sends DISCOVERs for five other hardware addresses.
func chaddrSpoof(w *capWriter) {
	attacker := mac(0x02, 0xba, 0xdb, 0xad, 0x00, 0x01)
	for i := range 5 {
		t := time.Duration(i) * 500 * time.Millisecond
		c := clientMAC(200 + i)
		w.frame(t, udp4(host{attacker, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xb000 + uint32(i), chaddr: c}.layer()))
		w.frame(t+time.Millisecond, udp4(corpServer.host, host{bcastMAC, bcastIP}, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: 0xb000 + uint32(i), chaddr: c, yiaddr: ip(10, 0, 0, byte(60+i)), opts: corpServer.config()}.layer()))
	}
}

// unanswered: a client retries DISCOVER with RFC 2131 backoff for a minute
// and a second one sends 12 in a second; nobody answers.
func unanswered(w *capWriter) {
	c := clientMAC(7)
	for _, at := range []int{0, 4, 12, 28, 60} {
		w.frame(time.Duration(at)*time.Second, udp4(host{c, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xc000, chaddr: c, opts: []layers.DHCPOption{opt(layers.DHCPOptHostname, []byte("kiosk"))}}.layer()))
	}
	c2 := clientMAC(8)
	for i := range 12 {
		w.frame(70*time.Second+time.Duration(i)*80*time.Millisecond, udp4(host{c2, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xc100 + uint32(i), chaddr: c2}.layer()))
	}
}

// rawUDP wraps raw DHCP bytes.
type rawUDP []byte

func (r rawUDP) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	d, err := b.PrependBytes(len(r))
	copy(d, r)
	return err
}
func (r rawUDP) LayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

// serialize returns the bytes of a DHCP layer.
func serialize(d *layers.DHCPv4) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
		log.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// malformed: a message cut short, an option running past the end, a
// hardware length of 20, and a router option of 5 bytes.
func malformed(w *capWriter) {
	c := clientMAC(1)
	cl, all := host{c, zeroIP}, host{bcastMAC, bcastIP}
	good := serialize(msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xd000, chaddr: c}.layer())
	w.frame(0, udp4(cl, all, 68, 67, rawUDP(good[:100])))
	bad := append([]byte(nil), good[:243]...) // cookie, option 53 header...
	bad = append(bad, 12, 40, 'x')            // hostname claiming 40 bytes, giving 1
	w.frame(time.Second, udp4(cl, all, 68, 67, rawUDP(bad)))
	hl := append([]byte(nil), good...)
	hl[2] = 20
	w.frame(2*time.Second, udp4(cl, all, 68, 67, rawUDP(hl)))
	w.frame(3*time.Second, udp4(corpServer.host, all, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: 0xd000, chaddr: c, yiaddr: ip(10, 0, 0, 9),
		opts: []layers.DHCPOption{opt(layers.DHCPOptServerID, corpServer.ip), opt(layers.DHCPOptRouter, []byte{10, 0, 0, 254, 1})}}.layer()))
}

// allOptions: one OFFER carrying every option the decoder types, with a
// long option split in two (RFC 3396) and options in the file field
// (overload); a REQUEST with option 82, FQDN, user classes and a
// DUID client id; a BOOTP reply without the magic cookie; and a DORA on
// ports 6767/6868 (a relay test setup).
func allOptions(w *capWriter) {
	c := clientMAC(5)
	cl, all, s := host{c, zeroIP}, host{bcastMAC, bcastIP}, corpServer
	search := []byte{4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 3, 'l', 'a', 'b', 0xc0, 0x00}
	routes := []byte{24, 192, 168, 5, 10, 0, 0, 254, 0, 10, 0, 0, 1}
	vivs := append(u32(3561), 6, 1, 4, 't', 'e', 's', 't')
	long := bytes.Repeat([]byte("p"), 300)
	opts := append(s.config(),
		opt(layers.DHCPOptNTPServers, append(ip(10, 0, 0, 123), ip(10, 0, 0, 124)...)),
		opt(layers.DHCPOptBroadcastAddr, ip(10, 0, 0, 255)),
		opt(layers.DHCPOpt(43), []byte{1, 2, 0xaa, 0xbb}),
		opt(layers.DHCPOpt(66), []byte("tftp.corp.example")),
		opt(layers.DHCPOpt(108), u32(1800)),
		opt(layers.DHCPOpt(114), []byte("https://portal.corp.example/")),
		opt(layers.DHCPOpt(119), search),
		opt(layers.DHCPOpt(121), routes),
		opt(layers.DHCPOpt(33), append(ip(172, 16, 0, 0), ip(10, 0, 0, 254)...)),
		opt(layers.DHCPOpt(125), vivs),
		opt(layers.DHCPOpt(150), ip(10, 0, 0, 69)),
		opt(layers.DHCPOpt(249), routes),
		opt(layers.DHCPOpt(252), []byte("http://wpad.corp.example/wpad.dat\x00")),
		opt(layers.DHCPOpt(224), []byte{0xde, 0xad}),
		opt(layers.DHCPOpt(17), long[:255]),
		opt(layers.DHCPOpt(17), long[255:]),
		opt(layers.DHCPOpt(52), []byte{1}),
	)
	offer := msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: 0xe000, chaddr: c, yiaddr: ip(10, 0, 0, 77), opts: opts}.layer()
	offer.File = []byte{67, 9, 'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '0', 255}
	w.frame(0, udp4(cl, all, 68, 67, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xe000, chaddr: c, opts: prl()}.layer()))
	w.frame(time.Millisecond, udp4(s.host, all, 67, 68, offer))
	req := msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeRequest, xid: 0xe000, chaddr: c, giaddr: nil, opts: []layers.DHCPOption{
		opt(layers.DHCPOptClientID, append([]byte{255}, append(u32(0x01020304), append([]byte{0, 3, 0, 1}, c...)...)...)), // IAID + DUID-LL
		opt(layers.DHCPOptRequestIP, ip(10, 0, 0, 77)),
		opt(layers.DHCPOptServerID, s.ip),
		opt(layers.DHCPOpt(81), []byte{0x05, 0, 0, 6, 'l', 'a', 'p', 't', 'o', 'p', 4, 'c', 'o', 'r', 'p', 0}),
		opt(layers.DHCPOpt(77), []byte{4, 'i', 'p', 'x', 'e', 3, 'l', 'a', 'b'}),
		opt(layers.DHCPOptClassID, []byte("MSFT 5.0")),
		opt(layers.DHCPOpt(82), []byte{1, 6, 'e', 't', 'h', '0', '/', '1', 2, 3, 0x00, 0x11, 0x22, 5, 4, 10, 0, 0, 0, 6, 3, 's', 'u', 'b'}),
	}}
	w.frame(5*time.Millisecond, udp4(cl, all, 68, 67, req.layer()))
	w.frame(7*time.Millisecond, udp4(s.host, all, 67, 68, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeAck, xid: 0xe000, chaddr: c, yiaddr: ip(10, 0, 0, 77), opts: s.config()}.layer()))
	// Plain BOOTP reply: no magic cookie, a 64-byte vendor area.
	bootp := serialize(msg{op: layers.DHCPOpReply, xid: 0xe100, chaddr: c, yiaddr: ip(10, 0, 0, 78)}.layer())[:236]
	copy(bootp[44:], "bootserver")
	copy(bootp[108:], "/boot/vmlinuz")
	bootp = append(bootp, make([]byte, 64)...)
	w.frame(time.Second, udp4(s.host, all, 67, 68, rawUDP(bootp)))
	// DHCP on non-standard ports.
	c2 := clientMAC(6)
	w.frame(2*time.Second, udp4(host{c2, zeroIP}, all, 6868, 6767, msg{op: layers.DHCPOpRequest, typ: layers.DHCPMsgTypeDiscover, xid: 0xe200, chaddr: c2}.layer()))
	w.frame(2*time.Second+time.Millisecond, udp4(s.host, all, 6767, 6868, msg{op: layers.DHCPOpReply, typ: layers.DHCPMsgTypeOffer, xid: 0xe200, chaddr: c2, yiaddr: ip(10, 0, 0, 79), opts: s.config()}.layer()))
}
