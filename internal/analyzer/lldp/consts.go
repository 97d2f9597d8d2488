package lldp

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/mcpacket/mcpacket/internal/result"
)

// lldpCaps are the LLDP system capability bits (IEEE 802.1AB §8.5.8.1),
// lowest first.
var lldpCaps = []string{"other", "repeater", "bridge", "WLAN access point", "router", "telephone", "DOCSIS cable device", "station only", "C-VLAN component", "S-VLAN component", "two-port MAC relay"}

// cdpCaps are the CDP capability bits, lowest first.
var cdpCaps = []string{"router", "transparent bridge", "source route bridge", "switch", "host", "IGMP capable", "repeater", "phone", "remotely managed", "CVTA", "two-port MAC relay"}

// capNames names the bits set in v.
func capNames(proto string, v uint32) []string {
	names := lldpCaps
	if proto == protoCDP {
		names = cdpCaps
	}
	out := []string{}
	for i := 0; i < 32; i++ {
		if v&(1<<i) == 0 {
			continue
		}
		if i < len(names) {
			out = append(out, names[i])
		} else {
			out = append(out, "bit "+strconv.Itoa(i))
		}
	}
	return out
}

// Capability bits the spoofing detector reads.
const (
	lldpBridge, lldpWLAN, lldpRouter, lldpPhone              = 1 << 2, 1 << 3, 1 << 4, 1 << 5
	cdpRouter, cdpTBBridge, cdpSRBridge, cdpSwitch, cdpPhone = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 7
)

// infrastructure reports an announcement whose enabled capabilities say
// it is a switch or a router (and not a phone or an access point, which
// bridge too and are end hosts on the wire).
func (a *announcement) infrastructure() bool {
	if !a.hasCaps {
		return false
	}
	c := a.capsEnabled
	if a.proto == protoCDP {
		return c&(cdpRouter|cdpTBBridge|cdpSRBridge|cdpSwitch) != 0 && c&cdpPhone == 0
	}
	return c&(lldpBridge|lldpRouter) != 0 && c&(lldpWLAN|lldpPhone) == 0
}

// chassisSubtypes and portSubtypes name the LLDP id subtypes (IEEE
// 802.1AB §8.5.2.2, §8.5.3.2).
var (
	chassisSubtypes = []string{"reserved", "chassis component", "interface alias", "port component", "MAC address", "network address", "interface name", "locally assigned"}
	portSubtypes    = []string{"reserved", "interface alias", "port component", "MAC address", "network address", "interface name", "agent circuit id", "locally assigned"}
)

func subtypeName(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return "reserved " + strconv.Itoa(int(v))
}

// presentID shows an id as its subtype says: a MAC address, a network
// address (IANA family 1 or 2), or text (escaped and bounded).
func presentID(mac, network bool, id []byte) string {
	switch {
	case mac && len(id) == 6:
		return net.HardwareAddr(id).String()
	case network && len(id) == 5 && id[0] == 1:
		return netip.AddrFrom4([4]byte(id[1:])).String()
	case network && len(id) == 17 && id[0] == 2:
		return netip.AddrFrom16([16]byte(id[1:])).String()
	}
	return result.TextBytes(id, maxText)
}

// chassis returns the chassis id (LLDP) or device id (CDP) as text.
func (a *announcement) chassis() string { return chassisText(a.proto, a.chassisSubtype, a.chassisID) }

// chassisText returns an LLDP chassis id of the given subtype, or a CDP
// device id, as text.
func chassisText(proto string, subtype uint8, id []byte) string {
	if proto == protoCDP {
		return result.TextBytes(id, maxText)
	}
	return presentID(subtype == 4, subtype == 5, id)
}

// port returns the port id as text.
func (a *announcement) port() string {
	if a.proto == protoCDP {
		return result.TextBytes(a.portID, maxText)
	}
	return presentID(a.portSubtype == 3, a.portSubtype == 4, a.portID)
}

// maxText bounds the text of an id or name; descriptions get maxDesc.
const (
	maxText = 128
	maxDesc = 512
)
