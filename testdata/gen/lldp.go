package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"time"
)

// LLDP and CDP captures: a wiring closet switch announcing on a host port,
// the phone, access point and server behind it announcing themselves, and
// the attacks and faults the lldp module's detectors look for.

var (
	lldpMulticast = mac(0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e)
	cdpMulticast  = mac(0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc)
	swChassis     = mac(0x00, 0x1b, 0x54, 0xaa, 0x00, 0x00) // the switch's base MAC
	swPort5       = mac(0x00, 0x1b, 0x54, 0xaa, 0x00, 0x05) // its Gi1/0/5 port MAC
	phoneMAC      = mac(0x00, 0x04, 0xf2, 0x11, 0x22, 0x33)
	apMAC         = mac(0x24, 0xa4, 0x3c, 0x44, 0x55, 0x66)
	serverMAC     = mac(0x52, 0x54, 0x00, 0x77, 0x88, 0x99)
	laptopMAC     = mac(0x3c, 0x22, 0xfb, 0xba, 0xdb, 0xad)
)

// tlv is one LLDP TLV: 7 bits of type, 9 of length.
func tlv(t int, v []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(t)<<9|uint16(len(v))), v...)
}

func org(oui uint32, subtype byte, v []byte) []byte {
	return tlv(127, append([]byte{byte(oui >> 16), byte(oui >> 8), byte(oui), subtype}, v...))
}

// lldpDev is what an LLDP agent announces.
type lldpDev struct {
	chassis       []byte // chassis id with its subtype byte first
	port          []byte // port id with its subtype byte first
	portDesc      string
	name, desc    string
	caps, enabled uint16
	mgmt          net.IP
	pvid          uint16
	medClass      byte // 0: no LLDP-MED
	voiceVLAN     uint16
	model         string
}

func (d lldpDev) frame(src net.HardwareAddr) []byte {
	var b []byte
	b = append(b, tlv(1, d.chassis)...)
	b = append(b, tlv(2, d.port)...)
	b = append(b, tlv(3, []byte{0, 120})...)
	if d.portDesc != "" {
		b = append(b, tlv(4, []byte(d.portDesc))...)
	}
	if d.name != "" {
		b = append(b, tlv(5, []byte(d.name))...)
	}
	if d.desc != "" {
		b = append(b, tlv(6, []byte(d.desc))...)
	}
	b = append(b, tlv(7, binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, d.caps), d.enabled))...)
	if d.mgmt != nil {
		a := d.mgmt.To4()
		v := append([]byte{5, 1}, a...)
		v = append(v, 2, 0, 0, 0, 5, 0) // ifIndex 5, no OID
		b = append(b, tlv(8, v)...)
	}
	if d.pvid != 0 {
		b = append(b, org(0x0080c2, 1, binary.BigEndian.AppendUint16(nil, d.pvid))...)
	}
	if d.medClass != 0 {
		b = append(b, org(0x0012bb, 1, []byte{0x00, 0x33, d.medClass})...)
		if d.voiceVLAN != 0 {
			v := uint32(1)<<24 | uint32(1)<<22 | uint32(d.voiceVLAN)<<9 | 5<<6 | 46 // voice, tagged, priority 5, DSCP 46
			b = append(b, org(0x0012bb, 2, binary.BigEndian.AppendUint32(nil, v))...)
		}
		if d.model != "" {
			b = append(b, org(0x0012bb, 9, []byte("Example Corp"))...)
			b = append(b, org(0x0012bb, 10, []byte(d.model))...)
		}
	}
	b = append(b, tlv(0, nil)...)
	return ether(src, lldpMulticast, 0x88cc, b)
}

func ether(src, dst net.HardwareAddr, typ uint16, payload []byte) []byte {
	b := append(append(append([]byte(nil), dst...), src...), byte(typ>>8), byte(typ))
	b = append(b, payload...)
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

func macID(subtype byte, m net.HardwareAddr) []byte { return append([]byte{subtype}, m...) }
func textID(subtype byte, s string) []byte          { return append([]byte{subtype}, s...) }

// cdpDev is what a CDP agent announces.
type cdpDev struct {
	id, port, platform, software, vtp string
	caps                              uint32
	addr                              net.IP
	nativeVLAN                        uint16
}

func cdpTLV(t uint16, v []byte) []byte {
	return append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, t), uint16(4+len(v))), v...)
}

// cdpFrame wraps CDP TLVs (version 2, TTL 180) in 802.3/LLC/SNAP, with
// its checksum.
func cdpFrame(src net.HardwareAddr, version byte, tlvs []byte) []byte {
	c := append([]byte{version, 180, 0, 0}, tlvs...)
	binary.BigEndian.PutUint16(c[2:], inetChecksum(c))
	llc := append([]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}, c...)
	return ether(src, cdpMulticast, uint16(len(llc)), llc)
}

// inetChecksum is the Internet checksum CDP uses (an odd last byte is
// taken as is, as Cisco does).
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func (d cdpDev) frame(src net.HardwareAddr) []byte {
	var b []byte
	b = append(b, cdpTLV(0x0001, []byte(d.id))...)
	if d.addr != nil {
		v := binary.BigEndian.AppendUint32(nil, 1)
		v = append(v, 1, 1, 0xcc, 0, 4)
		v = append(v, d.addr.To4()...)
		b = append(b, cdpTLV(0x0002, v)...)
	}
	b = append(b, cdpTLV(0x0003, []byte(d.port))...)
	b = append(b, cdpTLV(0x0004, binary.BigEndian.AppendUint32(nil, d.caps))...)
	b = append(b, cdpTLV(0x0005, []byte(d.software))...)
	b = append(b, cdpTLV(0x0006, []byte(d.platform))...)
	if d.vtp != "" {
		b = append(b, cdpTLV(0x0009, []byte(d.vtp))...)
	}
	if d.nativeVLAN != 0 {
		b = append(b, cdpTLV(0x000a, binary.BigEndian.AppendUint16(nil, d.nativeVLAN))...)
	}
	b = append(b, cdpTLV(0x000b, []byte{1})...)
	return cdpFrame(src, 2, b)
}

var (
	accessSwitch = lldpDev{chassis: macID(4, swChassis), port: textID(5, "Gi1/0/5"), portDesc: "desk 2.14", name: "sw-access-01.corp.example",
		desc: "Cisco IOS Software, C2960X Software, Version 15.2(7)E4", caps: 0x0014, enabled: 0x0004, mgmt: ip(10, 0, 0, 2), pvid: 10, medClass: 4, voiceVLAN: 20}
	accessSwitchCDP = cdpDev{id: "sw-access-01.corp.example", port: "GigabitEthernet1/0/5", platform: "cisco WS-C2960X-48FPD-L",
		software: "Cisco IOS Software, C2960X Software, Version 15.2(7)E4", vtp: "corp", caps: 0x28, addr: ip(10, 0, 0, 2), nativeVLAN: 10}
	deskPhone = lldpDev{chassis: append([]byte{5, 1}, ip(10, 0, 20, 31)...), port: macID(3, phoneMAC), name: "SEP0004F2112233", desc: "IP phone 7.1",
		caps: 0x0024, enabled: 0x0020, medClass: 3, voiceVLAN: 20, model: "DeskPhone 400"}
	accessPoint = lldpDev{chassis: macID(4, apMAC), port: textID(5, "eth0"), name: "ap-2nd-floor", desc: "AP firmware 6.4", caps: 0x000c, enabled: 0x000c, mgmt: ip(10, 0, 0, 40)}
	fileServer  = lldpDev{chassis: macID(4, serverMAC), port: macID(3, serverMAC), portDesc: "ens3", name: "files01", desc: "Debian GNU/Linux 12", caps: 0x0094, enabled: 0x0080}
)

// dhcpDiscover is a DHCP DISCOVER from m.
func dhcpDiscover(m net.HardwareAddr, xid uint32) []byte {
	return udp4(host{m, zeroIP}, host{bcastMAC, bcastIP}, 68, 67, msg{op: 1, typ: 1, xid: xid, chaddr: m}.layer())
}

// lldpNormal: the switch announces LLDP and CDP on Gi1/0/5 every 30 s;
// behind it a phone (LLDP-MED, voice VLAN 20), an access point and a
// server announce themselves, and the phone and access point get their
// addresses by DHCP. Nothing any detector should flag.
func lldpNormal(w *capWriter) {
	w.frame(0, dhcpDiscover(phoneMAC, 0x10))
	w.frame(time.Millisecond, dhcpDiscover(apMAC, 0x11))
	for i := range 5 {
		t := time.Duration(i)*30*time.Second + time.Second
		w.frame(t, accessSwitch.frame(swPort5))
		w.frame(t+100*time.Millisecond, accessSwitchCDP.frame(swPort5))
		w.frame(t+2*time.Second, deskPhone.frame(phoneMAC))
		w.frame(t+3*time.Second, accessPoint.frame(apMAC))
		w.frame(t+4*time.Second, fileServer.frame(serverMAC))
	}
}

// lldpSpoofing: a laptop that got its address by DHCP clones the switch's
// LLDP identity on the same port (to be taken for the switch), then floods
// CDP with twelve made-up switches.
func lldpSpoofing(w *capWriter) {
	w.frame(0, dhcpDiscover(laptopMAC, 0x20))
	for i := range 3 {
		t := time.Duration(i)*30*time.Second + time.Second
		w.frame(t, accessSwitch.frame(swPort5))
		w.frame(t+5*time.Second, accessSwitch.frame(laptopMAC))
	}
	for i := range 12 {
		d := cdpDev{id: fmt.Sprintf("rogue-%02d", i), port: "GigabitEthernet0/1", platform: "cisco WS-C3750", software: "IOS 12.2", caps: 0x29}
		w.frame(100*time.Second+time.Duration(i)*10*time.Millisecond, d.frame(laptopMAC))
	}
}

// lldpMalformed: an LLDP frame without its TTL and end TLVs, one whose
// TLV runs past the frame, a CDP frame of version 3, one whose TLV
// claims 2 bytes, then a good announcement of each.
func lldpMalformed(w *capWriter) {
	b := append(append(tlv(1, macID(4, swChassis)), tlv(2, textID(5, "Gi1/0/5"))...), tlv(5, []byte("no-ttl"))...)
	w.frame(0, ether(swPort5, lldpMulticast, 0x88cc, b))
	b = append(append(tlv(1, macID(4, swChassis)), tlv(2, textID(5, "Gi1/0/5"))...), 0x0a, 0xff, 'x') // system name of 255 bytes, 1 given
	w.frame(time.Second, ether(swPort5, lldpMulticast, 0x88cc, b))
	w.frame(2*time.Second, cdpFrame(swPort5, 3, cdpTLV(0x0001, []byte("v3-switch"))))
	w.frame(3*time.Second, cdpFrame(swPort5, 2, append(cdpTLV(0x0001, []byte("short-tlv")), 0x00, 0x03, 0x00, 0x02)))
	w.frame(4*time.Second, accessSwitch.frame(swPort5))
	w.frame(5*time.Second, accessSwitchCDP.frame(swPort5))
}
