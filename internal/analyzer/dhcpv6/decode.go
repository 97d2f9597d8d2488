package dhcpv6

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/result"
)

// Messages (RFC 8415 §7.3, decoded by gopacket's layers.DHCPv6):
//
//	client/server message              relay message
//	+---------+---------------------+  +---------+-----------+
//	| msg-type| transaction-id (3)  |  | msg-type| hop-count |
//	+---------+---------------------+  +---------+-----------+
//	|  options (code 2, length 2,   |  | link-address (16)   |
//	|  data)                        |  | peer-address (16)   |
//	+-------------------------------+  | options: RELAY_MSG  |
//	                                   |  holds the next one |
//	                                   +---------------------+
//
// gopacket splits a message into its options; the options inside options
// (IA_NA, IA_TA, IA_PD and their addresses, prefixes and status codes)
// and the relayed message are decoded here.

// Message types (RFC 8415 §7.3, RFC 5007, RFC 7341 ...).
const (
	typeSolicit     = 1
	typeAdvertise   = 2
	typeRequest     = 3
	typeConfirm     = 4
	typeRenew       = 5
	typeRebind      = 6
	typeReply       = 7
	typeRelease     = 8
	typeDecline     = 9
	typeReconfigure = 10
	typeInfoRequest = 11
	typeRelayForw   = 12
	typeRelayRepl   = 13
)

var typeNames = map[uint8]string{1: "SOLICIT", 2: "ADVERTISE", 3: "REQUEST", 4: "CONFIRM", 5: "RENEW", 6: "REBIND", 7: "REPLY",
	8: "RELEASE", 9: "DECLINE", 10: "RECONFIGURE", 11: "INFORMATION-REQUEST", 12: "RELAY-FORW", 13: "RELAY-REPL",
	14: "LEASEQUERY", 15: "LEASEQUERY-REPLY", 16: "LEASEQUERY-DONE", 17: "LEASEQUERY-DATA", 18: "RECONFIGURE-REQUEST",
	19: "RECONFIGURE-REPLY", 20: "DHCPV4-QUERY", 21: "DHCPV4-RESPONSE", 22: "ACTIVELEASEQUERY", 23: "STARTTLS",
	24: "BNDUPD", 25: "BNDREPLY", 26: "POOLREQ", 27: "POOLRESP", 28: "UPDREQ", 29: "UPDREQALL", 30: "UPDDONE",
	31: "CONNECT", 32: "CONNECTREPLY", 33: "DISCONNECT", 34: "STATE", 35: "CONTACT", 36: "ADDR-REG-INFORM", 37: "ADDR-REG-REPLY"}

func typeName(t uint8) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(t))
}

// parseType reads a message type filter: a number or a name.
func parseType(s string) (uint8, bool) {
	if n, err := strconv.ParseUint(s, 10, 8); err == nil {
		return uint8(n), true
	}
	s = strings.ToUpper(strings.TrimSpace(strings.ReplaceAll(s, "_", "-")))
	for t, n := range typeNames {
		if n == s {
			return t, true
		}
	}
	return 0, false
}

// fromServer reports a message type servers send.
func fromServer(t uint8) bool { return t == typeAdvertise || t == typeReply || t == typeReconfigure }

// Option codes (IANA "DHCPv6 Option Codes").
const (
	optClientID     = 1
	optServerID     = 2
	optIANA         = 3
	optIATA         = 4
	optIAAddr       = 5
	optORO          = 6
	optPreference   = 7
	optElapsedTime  = 8
	optRelayMsg     = 9
	optAuth         = 11
	optUnicast      = 12
	optStatusCode   = 13
	optRapidCommit  = 14
	optUserClass    = 15
	optVendorClass  = 16
	optVendorOpts   = 17
	optInterfaceID  = 18
	optReconfMsg    = 19
	optReconfAccept = 20
	optDNSServers   = 23
	optDomainList   = 24
	optIAPD         = 25
	optIAPrefix     = 26
	optInfoRefresh  = 32
	optRemoteID     = 37
	optFQDN         = 39
	optAFTRName     = 64
	optClientLLAddr = 79
	optSolMaxRT     = 82
	optInfMaxRT     = 83
	optMUDURL       = 112
)

var optNames = map[uint16]string{1: "client identifier", 2: "server identifier", 3: "IA_NA", 4: "IA_TA", 5: "IA address", 6: "option request",
	7: "preference", 8: "elapsed time", 9: "relay message", 11: "authentication", 12: "server unicast", 13: "status code", 14: "rapid commit",
	15: "user class", 16: "vendor class", 17: "vendor-specific information", 18: "interface-id", 19: "reconfigure message", 20: "reconfigure accept",
	21: "SIP servers domain list", 22: "SIP servers", 23: "DNS recursive name servers", 24: "domain search list", 25: "IA_PD", 26: "IA prefix",
	27: "NIS servers", 29: "NIS domain name", 31: "SNTP servers", 32: "information refresh time", 37: "remote-id", 38: "subscriber-id",
	39: "client FQDN", 56: "NTP server", 64: "AFTR name", 79: "client link-layer address", 82: "SOL_MAX_RT", 83: "INF_MAX_RT", 112: "MUD URL"}

func optName(c uint16) string {
	if n, ok := optNames[c]; ok {
		return n
	}
	return "option " + strconv.Itoa(int(c))
}

var statusNames = map[uint16]string{0: "Success", 1: "UnspecFail", 2: "NoAddrsAvail", 3: "NoBinding", 4: "NotOnLink", 5: "UseMulticast",
	6: "NoPrefixAvail", 7: "UnknownQueryType", 8: "MalformedQuery", 9: "NotConfigured", 10: "NotAllowed"}

func statusName(c uint16) string {
	if n, ok := statusNames[c]; ok {
		return n
	}
	return "status " + strconv.Itoa(int(c))
}

const statusNoAddrsAvail = 2

// Bounds of what one message record holds.
const (
	maxRelayDepth = 8  // relayed messages decoded inside one another (RFC 8415 HOP_COUNT_LIMIT is 8)
	maxListed     = 8  // entries of one list in a record
	maxShown      = 64 // bytes of an opaque value shown (hex, or text)
)

var (
	errShort      = errors.New("dhcpv6: message shorter than its header")
	errOptOverrun = errors.New("dhcpv6: an option runs past the end of its message")
	errDepth      = errors.New("dhcpv6: relay messages nested deeper than 8")
	errNoRelayMsg = errors.New("dhcpv6: relay message without a relayed message")
)

// message is one DHCPv6 message as decoded: the relay chain outermost
// first, then the innermost client/server message (its fields in Packet).
type message struct {
	types     []uint8 // outermost first
	relays    []Relay
	inner     uint8
	xid       uint32
	hasXID    bool
	rec       Packet // the innermost message's decoded options
	clientKey string // raw client DUID (as a string key), "" when none
	serverKey string
	noAddrs   int // NoAddrsAvail status codes (the message's or its IAs')
	addrs     []netip.Addr
	prefixes  []netip.Prefix
	malformed string
}

// decode decodes a DHCPv6 message (a UDP payload) into m, reusing l.
func decode(b []byte, l *layers.DHCPv6, m *message) {
	*m = message{types: m.types[:0], relays: m.relays[:0], addrs: m.addrs[:0], prefixes: m.prefixes[:0]}
	for depth := 0; ; depth++ {
		if depth > maxRelayDepth {
			m.malformed = errDepth.Error()
			return
		}
		if len(b) < 4 {
			m.malformed = errShort.Error()
			if len(b) > 0 {
				m.types = append(m.types, b[0])
				m.inner = b[0]
			}
			return
		}
		if err := l.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			// The header is readable; an option overruns or a relay
			// header is cut.
			m.types = append(m.types, b[0])
			m.inner = b[0]
			if b[0] != typeRelayForw && b[0] != typeRelayRepl {
				m.xid, m.hasXID = uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), true
			}
			m.malformed = fmt.Sprintf("%s (%v)", errOptOverrun, err)
			return
		}
		t := uint8(l.MsgType)
		m.types = append(m.types, t)
		m.inner = t
		if t == typeRelayForw || t == typeRelayRepl {
			r := Relay{MsgType: typeName(t), HopCount: int(l.HopCount), LinkAddress: addr16(l.LinkAddr), PeerAddress: addr16(l.PeerAddr)}
			var next []byte
			for _, o := range l.Options {
				switch uint16(o.Code) {
				case optRelayMsg:
					next = o.Data
				case optInterfaceID:
					r.InterfaceID = result.TextBytes(o.Data, maxShown)
				case optRemoteID:
					if len(o.Data) >= 4 {
						r.RemoteID = fmt.Sprintf("%d:%s", binary.BigEndian.Uint32(o.Data), result.HexCut(o.Data[4:], maxShown))
					}
				}
			}
			m.relays = append(m.relays, r)
			if next == nil {
				m.malformed = errNoRelayMsg.Error()
				return
			}
			b = next
			continue
		}
		m.xid, m.hasXID = binary.BigEndian.Uint32(append([]byte{0}, l.TransactionID...)), true
		m.options(l.Options)
		return
	}
}

// options decodes the options of the innermost message.
func (m *message) options(opts []layers.DHCPv6Option) {
	r := &m.rec
	for _, o := range opts {
		code, d := uint16(o.Code), o.Data
		switch code {
		case optClientID:
			r.ClientDUID, m.clientKey = duid(d), string(d)
		case optServerID:
			r.ServerDUID, m.serverKey = duid(d), string(d)
		case optIANA, optIATA, optIAPD:
			ia, err := m.ia(code, d)
			if err != nil {
				m.malformed = err.Error()
			}
			switch code {
			case optIANA:
				r.IANA = appendIA(r.IANA, ia)
			case optIATA:
				r.IATA = appendIA(r.IATA, ia)
			default:
				r.IAPD = appendIA(r.IAPD, ia)
			}
		case optORO:
			for i := 0; i+2 <= len(d) && len(r.RequestedOptions) < 2*maxListed; i += 2 {
				r.RequestedOptions = append(r.RequestedOptions, optName(binary.BigEndian.Uint16(d[i:])))
			}
		case optPreference:
			if len(d) == 1 {
				r.Preference = intp(int(d[0]))
			}
		case optElapsedTime:
			if len(d) == 2 {
				r.ElapsedMs = intp(10 * int(binary.BigEndian.Uint16(d)))
			}
		case optUnicast:
			r.ServerUnicast = addr16(d)
		case optStatusCode:
			s := status(d)
			r.Status = s
			if s != nil && s.Code == statusNoAddrsAvail {
				m.noAddrs++
			}
		case optRapidCommit:
			r.RapidCommit = true
		case optReconfAccept:
			r.ReconfigureAccept = true
		case optReconfMsg:
			if len(d) == 1 {
				r.ReconfigureMsg = typeName(d[0])
			}
		case optVendorClass, optVendorOpts:
			if len(d) >= 4 {
				v := Vendor{Enterprise: int(binary.BigEndian.Uint32(d)), Data: result.TextBytes(d[4:], maxShown)}
				if code == optVendorClass {
					r.VendorClass = &v
				} else {
					r.VendorOpts = append(r.VendorOpts, v)
				}
			}
		case optUserClass:
			r.UserClass = result.TextBytes(d, maxShown)
		case optDNSServers:
			for i := 0; i+16 <= len(d); i += 16 {
				r.DNSServers = appendCapped(r.DNSServers, addr16(d[i:i+16]))
			}
		case optDomainList:
			for _, n := range names(d) {
				r.DomainList = appendCapped(r.DomainList, n)
			}
		case optFQDN:
			if len(d) >= 1 {
				if ns := names(d[1:]); len(ns) > 0 {
					r.FQDN = ns[0]
				} else {
					r.FQDN = result.TextBytes(d[1:], maxShown)
				}
			}
		case optAFTRName:
			if ns := names(d); len(ns) > 0 {
				r.AFTRName = ns[0]
			}
		case optSolMaxRT, optInfMaxRT, optInfoRefresh:
			if len(d) == 4 {
				v := intp(int(binary.BigEndian.Uint32(d)))
				switch code {
				case optSolMaxRT:
					r.SolMaxRT = v
				case optInfMaxRT:
					r.InfMaxRT = v
				default:
					r.InfoRefreshTime = v
				}
			}
		case optMUDURL:
			r.MUDURL = result.TextBytes(d, 256)
		case optClientLLAddr:
			if len(d) >= 2 {
				r.ClientLinkLayer = hwString(d[2:])
			}
		default:
			if len(r.OtherOptions) < maxListed {
				r.OtherOptions = append(r.OtherOptions, optName(code))
			}
		}
	}
}

// ia decodes an IA_NA, IA_TA or IA_PD option: its identifier, times and
// addresses or prefixes with their lifetimes and status codes.
func (m *message) ia(code uint16, d []byte) (IA, error) {
	head := 12
	if code == optIATA {
		head = 4
	}
	if len(d) < head {
		return IA{}, fmt.Errorf("dhcpv6: %s option of %d bytes, shorter than its %d-byte header", optName(code), len(d), head)
	}
	ia := IA{IAID: fmt.Sprintf("0x%08x", binary.BigEndian.Uint32(d))}
	if head == 12 {
		ia.T1, ia.T2 = intp(int(binary.BigEndian.Uint32(d[4:]))), intp(int(binary.BigEndian.Uint32(d[8:])))
	}
	err := walk(d[head:], func(c uint16, v []byte) error {
		switch c {
		case optIAAddr:
			if len(v) < 24 {
				return fmt.Errorf("dhcpv6: IA address option of %d bytes, shorter than 24", len(v))
			}
			a, _ := netip.AddrFromSlice(v[:16])
			m.addrs = append(m.addrs, a)
			l := Lease{Address: a.String(), PreferredSeconds: int64(binary.BigEndian.Uint32(v[16:])), ValidSeconds: int64(binary.BigEndian.Uint32(v[20:]))}
			l.Status = m.subStatus(v[24:])
			if len(ia.Addresses) < maxListed {
				ia.Addresses = append(ia.Addresses, l)
			}
		case optIAPrefix:
			if len(v) < 25 {
				return fmt.Errorf("dhcpv6: IA prefix option of %d bytes, shorter than 25", len(v))
			}
			a, _ := netip.AddrFromSlice(v[9:25])
			p := netip.PrefixFrom(a, int(v[8]))
			m.prefixes = append(m.prefixes, p)
			l := Lease{Address: a.String(), PrefixLength: intp(int(v[8])), PreferredSeconds: int64(binary.BigEndian.Uint32(v)), ValidSeconds: int64(binary.BigEndian.Uint32(v[4:]))}
			l.Status = m.subStatus(v[25:])
			if len(ia.Addresses) < maxListed {
				ia.Addresses = append(ia.Addresses, l)
			}
		case optStatusCode:
			ia.Status = status(v)
			if ia.Status != nil && ia.Status.Code == statusNoAddrsAvail {
				m.noAddrs++
			}
		}
		return nil
	})
	return ia, err
}

// subStatus returns the status code among an address's or prefix's
// options.
func (m *message) subStatus(b []byte) *Status {
	var s *Status
	_ = walk(b, func(c uint16, v []byte) error {
		if c == optStatusCode {
			s = status(v)
		}
		return nil
	})
	return s
}

// walk calls f for each option of b, and fails on an option that runs
// past the end of b.
func walk(b []byte, f func(code uint16, data []byte) error) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return errOptOverrun
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+n {
			return errOptOverrun
		}
		if err := f(binary.BigEndian.Uint16(b), b[4:4+n]); err != nil {
			return err
		}
		b = b[4+n:]
	}
	return nil
}

func status(d []byte) *Status {
	if len(d) < 2 {
		return nil
	}
	c := binary.BigEndian.Uint16(d)
	return &Status{Code: c, Name: statusName(c), Message: result.TextBytes(d[2:], 128)}
}

// duid describes a DUID (RFC 8415 §11): its type, the link-layer address
// of an LLT or LL DUID, the enterprise number of an EN DUID, and its
// bytes in hex.
func duid(d []byte) *DUID {
	if len(d) < 2 {
		return &DUID{Hex: result.HexCut(d, maxShown)}
	}
	t := binary.BigEndian.Uint16(d)
	out := &DUID{Type: int(t), TypeName: layers.DHCPv6DUIDType(t).String(), Hex: result.HexCut(d, maxShown)}
	switch {
	case t == 1 && len(d) >= 8:
		out.LinkLayerAddress = hwString(d[8:])
	case t == 3 && len(d) >= 4:
		out.LinkLayerAddress = hwString(d[4:])
	case t == 2 && len(d) >= 6:
		out.Enterprise = intp(int(binary.BigEndian.Uint32(d[2:])))
	case t == 4:
		out.TypeName = "UUID"
	}
	return out
}

// names decodes a list of uncompressed DNS names (RFC 8415 §10), each
// escaped; a name cut short ends the list.
func names(b []byte) []string {
	var out []string
	var cur []string
	for len(b) > 0 && len(out) < maxListed {
		n := int(b[0])
		b = b[1:]
		if n == 0 {
			out = append(out, strings.Join(cur, ".")+".")
			cur = cur[:0]
			continue
		}
		if n > 63 || n > len(b) {
			break
		}
		cur = append(cur, result.TextBytes(b[:n], 63))
		b = b[n:]
	}
	if len(cur) > 0 && len(out) < maxListed {
		out = append(out, strings.Join(cur, "."))
	}
	return out
}

func addr16(b []byte) string {
	if a, ok := netip.AddrFromSlice(b); ok && len(b) == 16 {
		return a.String()
	}
	return ""
}

func hwString(b []byte) string {
	if len(b) > 16 {
		return result.HexCut(b, maxShown)
	}
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

func intp(v int) *int { return &v }

func appendCapped(list []string, v string) []string {
	if len(list) < maxListed {
		list = append(list, v)
	}
	return list
}

func appendIA(list []IA, ia IA) []IA {
	if len(list) < maxListed {
		list = append(list, ia)
	}
	return list
}
