package lldp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Announcements are decoded with gopacket's layers: LLDP (IEEE 802.1AB,
// EtherType 0x88cc) with layers.LinkLayerDiscovery and
// LinkLayerDiscoveryInfo (its 802.1, 802.3 and LLDP-MED TLVs by
// Decode8021, Decode8023 and DecodeMedia), CDP (LLC/SNAP, Cisco OUI, PID
// 0x2000) with layers.CiscoDiscovery and CiscoDiscoveryInfo. What gopacket
// lacks is read here from the raw TLVs it keeps: every LLDP management
// address TLV (gopacket keeps the last one only), and the capability bits
// as numbers (gopacket gives booleans, and drops CDP's newer bits).

// Protocols.
const (
	protoLLDP = "LLDP"
	protoCDP  = "CDP"
)

var (
	errNoLayer   = errors.New("lldp: gopacket decoded no discovery layer")
	errMandatory = errors.New("lldp: the first TLVs are not chassis id, port id and TTL (IEEE 802.1AB §8.2)")
)

// mandatoryFirst reports whether an LLDPDU begins with the chassis id,
// port id and TTL TLVs, in that order, as IEEE 802.1AB requires; gopacket
// accepts them anywhere and a missing TTL.
func mandatoryFirst(b []byte) bool {
	for want := 1; want <= 3; want++ {
		if len(b) < 2 || int(b[0]>>1) != want {
			return false
		}
		n := 2 + (int(b[0]&1)<<8 | int(b[1]))
		if len(b) < n {
			return false
		}
		b = b[n:]
	}
	return true
}

// partialIDs reads the chassis and port ids of an LLDPDU gopacket could
// not decode, when its first two TLVs are whole: what tshark shows of it.
func partialIDs(b []byte, a *announcement) {
	for want := 1; want <= 2; want++ {
		if len(b) < 2 || int(b[0]>>1) != want {
			return
		}
		n := 2 + (int(b[0]&1)<<8 | int(b[1]))
		if len(b) < n || n < 4 {
			return
		}
		if want == 1 {
			a.chassisSubtype, a.chassisID = b[2], clone(b[3:n])
		} else {
			a.portSubtype, a.portID = b[2], clone(b[3:n])
		}
		b = b[n:]
	}
}

// announcement is one decoded LLDP or CDP frame.
type announcement struct {
	proto string

	// LLDP: the chassis and port ids with their subtypes (IEEE 802.1AB
	// §8.5.2, §8.5.3); CDP: the device id and port id (subtype 0).
	chassisSubtype, portSubtype uint8
	chassisID, portID           []byte // copies
	ttl                         int    // seconds

	sysName, sysDesc, portDesc string
	capsSupported, capsEnabled uint32
	hasCaps                    bool
	mgmt                       []netip.Addr
	vlan                       int // LLDP 802.1 port VLAN id, CDP native VLAN; -1 when absent

	// CDP only.
	cdpVersion          int
	platform, vtpDomain string
	duplex              string // "full", "half" or ""
	powerMilliwatts     int    // CDP power consumption; -1 when absent

	// LLDP 802.3 power via MDI and LLDP-MED.
	poe      string // a summary of what the device says of power over Ethernet
	medClass string // LLDP-MED device class
	medVLAN  int    // LLDP-MED network policy VLAN (voice); -1 when absent
	medModel string // LLDP-MED inventory: manufacturer and model
}

// decode reads the LLDP or CDP payload b (after the link layers) into a;
// an error means the frame is malformed, and a holds what came before it.
func decode(proto string, b []byte, a *announcement) error {
	*a = announcement{proto: proto, vlan: -1, medVLAN: -1, powerMilliwatts: -1}
	if proto == protoCDP {
		return decodeCDP(b, a)
	}
	return decodeLLDP(b, a)
}

func decodeLLDP(b []byte, a *announcement) error {
	pkt := gopacket.NewPacket(b, layers.LayerTypeLinkLayerDiscovery, gopacket.DecodeOptions{NoCopy: true, SkipDecodeRecovery: false})
	l, _ := pkt.Layer(layers.LayerTypeLinkLayerDiscovery).(*layers.LinkLayerDiscovery)
	if l == nil {
		partialIDs(b, a)
		if el := pkt.ErrorLayer(); el != nil {
			return fmt.Errorf("lldp: %w", el.Error())
		}
		return errNoLayer
	}
	a.chassisSubtype, a.chassisID = uint8(l.ChassisID.Subtype), clone(l.ChassisID.ID)
	a.portSubtype, a.portID = uint8(l.PortID.Subtype), clone(l.PortID.ID)
	a.ttl = int(l.TTL)
	for _, v := range l.Values {
		switch v.Type {
		case layers.LLDPTLVSysCapabilities:
			if len(v.Value) >= 4 {
				a.capsSupported, a.capsEnabled, a.hasCaps = uint32(binary.BigEndian.Uint16(v.Value)), uint32(binary.BigEndian.Uint16(v.Value[2:])), true
			}
		case layers.LLDPTLVMgmtAddress:
			if addr, ok := mgmtAddress(v.Value); ok {
				a.mgmt = append(a.mgmt, addr)
			}
		}
	}
	info, _ := pkt.Layer(layers.LayerTypeLinkLayerDiscoveryInfo).(*layers.LinkLayerDiscoveryInfo)
	if info != nil {
		a.sysName, a.sysDesc, a.portDesc = info.SysName, info.SysDescription, info.PortDescription
	}
	if el := pkt.ErrorLayer(); el != nil {
		return fmt.Errorf("lldp: %w", el.Error())
	}
	if !mandatoryFirst(b) {
		return errMandatory
	}
	if info == nil {
		return nil
	}
	if i, err := info.Decode8021(); err == nil && i.PVID != 0 {
		a.vlan = int(i.PVID)
	}
	if i, err := info.Decode8023(); err == nil && hasOrg(info, layers.IEEEOUI8023, 2) {
		p := i.PowerViaMDI
		role := "device powered (PD)"
		if p.PortClassPSE {
			role = "power source (PSE)"
		}
		a.poe = fmt.Sprintf("802.3 power via MDI: %s, supported %v, enabled %v, class %d", role, p.PSESupported, p.PSEEnabled, p.PSEClass)
	}
	if hasOrg(info, layers.IEEEOUIMedia, -1) {
		if i, err := info.DecodeMedia(); err == nil {
			a.medClass = i.MediaCapabilities.Class.String()
			if i.NetworkPolicy.VLANId != 0 {
				a.medVLAN = int(i.NetworkPolicy.VLANId)
			}
			if i.Manufacturer != "" || i.Model != "" {
				a.medModel = i.Manufacturer + " " + i.Model
			}
			if i.PowerViaMDI.Value != 0 {
				a.poe = fmt.Sprintf("LLDP-MED power via MDI: %s, %.1f W", i.PowerViaMDI.Type, float64(i.PowerViaMDI.Value)/10)
			}
		}
	}
	return nil
}

// hasOrg reports an organizationally specific TLV of oui (and subtype,
// unless it is negative).
func hasOrg(info *layers.LinkLayerDiscoveryInfo, oui layers.IEEEOUI, subtype int) bool {
	for _, o := range info.OrgTLVs {
		if o.OUI == oui && (subtype < 0 || int(o.SubType) == subtype) {
			return true
		}
	}
	return false
}

// mgmtAddress reads an LLDP management address TLV (802.1AB §8.5.9): the
// address string length (subtype included), the IANA address family, the
// address. Families other than IPv4 and IPv6 are skipped.
func mgmtAddress(v []byte) (netip.Addr, bool) {
	if len(v) < 2 {
		return netip.Addr{}, false
	}
	n := int(v[0]) - 1
	if n < 0 || len(v) < 2+n {
		return netip.Addr{}, false
	}
	switch addr := v[2 : 2+n]; {
	case v[1] == 1 && n == 4:
		return netip.AddrFrom4([4]byte(addr)), true
	case v[1] == 2 && n == 16:
		return netip.AddrFrom16([16]byte(addr)), true
	}
	return netip.Addr{}, false
}

// CDP TLV types read from the raw values.
const (
	cdpCapabilities = 0x0004
	cdpPower        = 0x0010
	cdpDuplex       = 0x000b
)

func decodeCDP(b []byte, a *announcement) error {
	pkt := gopacket.NewPacket(b, layers.LayerTypeCiscoDiscovery, gopacket.DecodeOptions{NoCopy: true})
	c, _ := pkt.Layer(layers.LayerTypeCiscoDiscovery).(*layers.CiscoDiscovery)
	if c == nil {
		partialCDP(b, a)
		if el := pkt.ErrorLayer(); el != nil {
			return fmt.Errorf("cdp: %w", el.Error())
		}
		return errNoLayer
	}
	a.cdpVersion, a.ttl = int(c.Version), int(c.TTL)
	for _, v := range c.Values {
		switch v.Type {
		case cdpCapabilities:
			if len(v.Value) >= 4 {
				a.capsEnabled, a.hasCaps = binary.BigEndian.Uint32(v.Value), true
				a.capsSupported = a.capsEnabled
			}
		case cdpPower:
			if len(v.Value) >= 2 {
				a.powerMilliwatts = int(binary.BigEndian.Uint16(v.Value))
			}
		case cdpDuplex:
			if len(v.Value) >= 1 {
				a.duplex = "half"
				if v.Value[0] != 0 {
					a.duplex = "full"
				}
			}
		}
	}
	info, _ := pkt.Layer(layers.LayerTypeCiscoDiscoveryInfo).(*layers.CiscoDiscoveryInfo)
	if info != nil {
		// CDP strings may end in NULs (C strings), which tshark does not show.
		a.chassisID, a.portID = []byte(cstr(info.DeviceID)), []byte(cstr(info.PortID))
		a.sysName, a.sysDesc, a.platform, a.vtpDomain = cstr(info.SysName), cstr(info.Version), cstr(info.Platform), cstr(info.VTPDomain)
		if info.NativeVLAN != 0 {
			a.vlan = int(info.NativeVLAN)
		}
		for _, ip := range append(info.Addresses, info.MgmtAddresses...) {
			if addr, ok := netip.AddrFromSlice(ip); ok {
				a.mgmt = append(a.mgmt, addr.Unmap())
			}
		}
	}
	if el := pkt.ErrorLayer(); el != nil {
		return fmt.Errorf("cdp: %w", el.Error())
	}
	return nil
}

// partialCDP reads the version and the whole TLVs before the first broken
// one of a CDP frame gopacket could not decode: the device id, port id and
// platform, as tshark shows them.
func partialCDP(b []byte, a *announcement) {
	if len(b) < 4 {
		return
	}
	a.cdpVersion, a.ttl = int(b[0]), int(b[1])
	for b = b[4:]; len(b) >= 4; {
		t, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if n < 4 || n > len(b) {
			return
		}
		switch v := cstr(string(b[4:n])); t {
		case 0x0001:
			a.chassisID = []byte(v)
		case 0x0003:
			a.portID = []byte(v)
		case 0x0006:
			a.platform = v
		}
		b = b[n:]
	}
}

// cstr drops the NULs that end a C string.
func cstr(s string) string { return strings.TrimRight(s, "\x00") }

func clone(b []byte) []byte { return append([]byte(nil), b...) }
