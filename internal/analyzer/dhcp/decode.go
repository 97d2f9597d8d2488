package dhcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// BOOTP message layout (RFC 951, RFC 2131 §2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+---------------+---------------+
//	|     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
//	+---------------+---------------+---------------+---------------+
//	|                            xid (4)                            |
//	+-------------------------------+-------------------------------+
//	|           secs (2)            |           flags (2)           |
//	+-------------------------------+-------------------------------+
//	|          ciaddr (4)  yiaddr (4)  siaddr (4)  giaddr (4)       |
//	+---------------------------------------------------------------+
//	|                          chaddr  (16)                         |
//	|                          sname   (64)                         |
//	|                          file    (128)                        |
//	+---------------------------------------------------------------+
//	|           magic cookie 99.130.83.99 (DHCP only), options      |
//	+---------------------------------------------------------------+
const (
	bootpFixedLen = 236 // through the file field
	dhcpMinLen    = 240 // with the magic cookie
	maxChaddr     = 16
)

// rawOption is one option after RFC 3396 concatenation: every instance of a
// code, in order (options field, then file, then sname), makes one value.
type rawOption struct {
	code uint8
	data []byte
}

// message is one decoded BOOTP/DHCP message. Its byte slices point into the
// packet (or into the message's scratch buffers) and are valid until the next
// decode: copy what is kept.
type message struct {
	layer   layers.DHCPv4
	scratch [dhcpMinLen]byte

	short    int  // > 0: only this many bytes, fewer than a BOOTP header
	partial  bool // short, but the fields present were read
	hasXid   bool // short, and the xid was present
	op       uint8
	htype    uint8
	hlen     uint8 // as sent (may exceed 16 in a malformed message)
	hops     uint8
	xid      uint32
	secs     uint16
	flags    uint16
	ciaddr   netip.Addr
	yiaddr   netip.Addr
	siaddr   netip.Addr
	giaddr   netip.Addr
	chaddr   []byte // min(hlen, 16) bytes
	sname    []byte
	file     []byte
	cookie   bool // DHCP magic cookie present
	overload uint8
	msgType  MsgType
	opts     []rawOption
	problems []string // why the message is malformed; empty when it is not

	concat []byte // backing store for concatenated option values
	seen   [4]uint64
}

var errShort = errors.New("dhcp: message shorter than the BOOTP header")

// decode parses payload. It never fails: a malformed message is decoded as
// far as it goes and m.problems says what is wrong. It returns errShort
// when not even the fixed BOOTP header is present.
func (m *message) decode(payload []byte) error {
	m.reset()
	if len(payload) < bootpFixedLen {
		m.short = len(payload)
		m.problems = append(m.problems, fmt.Sprintf("message cut short: %d bytes, a BOOTP header needs %d", len(payload), bootpFixedLen))
		m.decodePartial(payload)
		return errShort
	}
	buf := payload
	m.hlen = payload[2]
	if m.hlen > maxChaddr {
		// gopacket refuses hlen > 16; decode a copy with hlen 16 so the
		// rest of the message is still reported.
		m.problems = append(m.problems, fmt.Sprintf("hardware address length %d exceeds the 16-byte chaddr field", m.hlen))
		buf = append([]byte(nil), payload...)
		buf[2] = maxChaddr
	}
	if len(buf) < dhcpMinLen {
		// A BOOTP message without the 4 bytes a cookie needs: gopacket
		// wants 240, so pad a copy (the cookie then reads as absent).
		n := copy(m.scratch[:], buf)
		clear(m.scratch[n:])
		buf = m.scratch[:]
	}
	err := m.layer.DecodeFromBytes(buf, gopacket.NilDecodeFeedback)
	d := &m.layer
	m.op, m.htype, m.hops, m.xid, m.secs, m.flags = uint8(d.Operation), uint8(d.HardwareType), d.RelayHops, d.Xid, d.Secs, d.Flags
	m.ciaddr = addr4(d.ClientIP)
	m.yiaddr = addr4(d.YourClientIP)
	m.siaddr = addr4(d.NextServerIP)
	m.giaddr = addr4(d.RelayAgentIP)
	m.chaddr = d.ClientHWAddr
	if m.hlen > maxChaddr {
		m.chaddr = nil // no address: the length says nothing valid
	}
	m.sname, m.file = d.ServerName, d.File
	switch {
	case err == nil:
		m.cookie = true
	case errors.Is(err, layers.InvalidMagicCookie):
		// Plain BOOTP (RFC 951): the vendor area is opaque.
		m.cookie = false
	default:
		m.cookie = binary.BigEndian.Uint32(buf[236:240]) == layers.DHCPMagic
		m.problems = append(m.problems, "options: "+optionError(err))
	}
	if m.op != 1 && m.op != 2 {
		m.problems = append(m.problems, fmt.Sprintf("op %d is neither BOOTREQUEST (1) nor BOOTREPLY (2)", m.op))
	}
	if m.cookie {
		m.collectOptions()
	}
	return nil
}

// decodePartial reads the fixed fields present in a message cut short, as
// Wireshark shows them up to the cut. A message whose op is not BOOTREQUEST
// or BOOTREPLY is not read at all: with the header cut there is nothing to
// say it is BOOTP.
func (m *message) decodePartial(b []byte) {
	if len(b) < 4 || (b[0] != 1 && b[0] != 2) {
		return
	}
	m.partial = true
	m.op, m.htype, m.hlen, m.hops = b[0], b[1], b[2], b[3]
	if len(b) >= 8 {
		m.xid = binary.BigEndian.Uint32(b[4:8])
		m.hasXid = true
	}
	if len(b) >= 12 {
		m.secs, m.flags = binary.BigEndian.Uint16(b[8:10]), binary.BigEndian.Uint16(b[10:12])
	}
	for i, a := range []*netip.Addr{&m.ciaddr, &m.yiaddr, &m.siaddr, &m.giaddr} {
		if off := 12 + 4*i; len(b) >= off+4 {
			*a = netip.AddrFrom4([4]byte(b[off:]))
		}
	}
	if m.hlen <= maxChaddr && len(b) >= 28+int(m.hlen) {
		m.chaddr = b[28 : 28+int(m.hlen)]
	}
}

func optionError(err error) string {
	switch {
	case errors.Is(err, layers.DecOptionMalformed):
		return "an option's length runs past the end of the message"
	case errors.Is(err, layers.DecOptionNotEnoughData):
		return "the message ends in the middle of an option header"
	}
	return err.Error()
}

func (m *message) reset() {
	*m = message{opts: m.opts[:0], problems: m.problems[:0], concat: m.concat[:0], layer: m.layer}
}

func addr4(ip []byte) netip.Addr {
	if len(ip) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(ip))
}

// collectOptions fills m.opts from the decoded options, joining repeated
// codes (RFC 3396), and picks out the message type and overload.
func (m *message) collectOptions() {
	dup := false
	for _, o := range m.layer.Options {
		c := uint8(o.Type)
		if c == optPad || c == optEnd {
			continue
		}
		if m.seen[c/64]&(1<<(c%64)) != 0 {
			dup = true
		}
		m.seen[c/64] |= 1 << (c % 64)
		m.opts = append(m.opts, rawOption{code: c, data: o.Data})
	}
	if dup {
		m.joinRepeated()
	}
	if v, ok := m.opt(optMessageType); ok {
		if len(v) >= 1 {
			m.msgType = MsgType(v[0])
		} else {
			m.problems = append(m.problems, "message type option (53) is empty")
		}
	}
	if v, ok := m.opt(optOverload); ok && len(v) >= 1 {
		m.overload = v[0]
	}
	for _, o := range m.opts {
		if p := optionProblem(o.code, o.data); p != "" {
			m.problems = append(m.problems, p)
		}
	}
}

// joinRepeated merges every instance of a repeated code into the first,
// in order, as RFC 3396 long options are encoded.
func (m *message) joinRepeated() {
	out := m.opts[:0]
	var firstAt [256]int16
	for i := range firstAt {
		firstAt[i] = -1
	}
	for _, o := range m.opts {
		if i := firstAt[o.code]; i >= 0 {
			start := len(m.concat)
			m.concat = append(m.concat, out[i].data...)
			m.concat = append(m.concat, o.data...)
			out[i].data = m.concat[start:len(m.concat):len(m.concat)]
			continue
		}
		firstAt[o.code] = int16(len(out))
		out = append(out, o)
	}
	m.opts = out
}

// opt returns the value of an option.
func (m *message) opt(code uint8) ([]byte, bool) {
	if m.seen[code/64]&(1<<(code%64)) == 0 {
		return nil, false
	}
	for _, o := range m.opts {
		if o.code == code {
			return o.data, true
		}
	}
	return nil, false
}

// optIP returns an option holding one IPv4 address.
func (m *message) optIP(code uint8) netip.Addr {
	if v, ok := m.opt(code); ok && len(v) == 4 {
		return netip.AddrFrom4([4]byte(v))
	}
	return netip.Addr{}
}

// optU32 returns an option holding one 32-bit integer.
func (m *message) optU32(code uint8) (uint32, bool) {
	if v, ok := m.opt(code); ok && len(v) == 4 {
		return binary.BigEndian.Uint32(v), true
	}
	return 0, false
}

// clientMAC returns chaddr as a MAC string for Ethernet-like hardware, or the
// hex of chaddr for other hardware types.
func (m *message) clientMAC() string {
	return formatHW(m.chaddr)
}

// unmistakablyBOOTP reports whether a UDP payload on a port other than 67 or
// 68 is certainly a DHCP message: a full header with a sane op, hardware
// address length and type, the magic cookie, a known message type, and
// options that decode cleanly.
func (m *message) unmistakablyBOOTP(payload []byte) bool {
	if len(payload) < dhcpMinLen || (payload[0] != 1 && payload[0] != 2) || payload[2] == 0 || payload[2] > maxChaddr ||
		payload[1] == 0 || binary.BigEndian.Uint32(payload[236:240]) != layers.DHCPMagic {
		return false
	}
	m.decode(payload)
	return len(m.problems) == 0 && m.msgType >= MsgDiscover && m.msgType <= maxKnownMsgType
}

// formatHW formats a hardware address: colon-separated hex, the form
// Wireshark uses for Ethernet addresses.
func formatHW(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return string(appendHW(make([]byte, 0, len(b)*3-1), b))
}

// appendHW appends b formatted as formatHW does (and as
// net.HardwareAddr.String does) to dst.
func appendHW(dst, b []byte) []byte {
	const hexd = "0123456789abcdef"
	for i, c := range b {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexd[c>>4], hexd[c&0xf])
	}
	return dst
}
