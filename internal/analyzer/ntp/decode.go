package ntp

import (
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// An NTP message is one UDP datagram to or from port 123. Its first byte
// holds the version (bits 3-5) and the mode (bits 0-2) in every mode; the
// rest depends on the mode.
//
// Modes 1 to 5 (RFC 5905 §7.3), decoded by gopacket's layers.NTP: a
// 48-byte header, then extension fields and a MAC:
//
//	|LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
//	|                         Root Delay                            |
//	|                       Root Dispersion                         |
//	|                          Reference ID                         |
//	|                  Reference Timestamp (64)                     |
//	|                    Origin Timestamp (64)                      |
//	|                    Receive Timestamp (64)                     |
//	|                    Transmit Timestamp (64)                    |
//
// Mode 6, control (RFC 1305 appendix B, RFC 9327), which gopacket lacks: a
// 12-byte header, then Count bytes of data:
//
//	|LI | VN  | 6   |R|E|M| OpCode  |        Sequence Number        |
//	|            Status             |        Association ID         |
//	|            Offset             |            Count              |
//
// Mode 7, private (ntpd's ntp_request.h; ntpdc), which gopacket lacks: an
// 8-byte header, then Number items of Size bytes:
//
//	|R|M| VN  | 7   |A|  Sequence   | Implementation|   Req Code    |
//	|  Err  |  Number of items      |  MBZ  |  Size of an item      |

// Sizes of the headers.
const (
	headerLen  = 48
	controlLen = 12
	privateLen = 8
)

// Malformed messages: the decoder's complaints, shown in a packet's
// malformed field and counted by malformed_ntp.
var (
	errShortHeader    = errors.New("ntp: shorter than the 48-byte header")
	errShortControl   = errors.New("ntp: control message shorter than its 12-byte header")
	errControlCount   = errors.New("ntp: control message count runs past the end of the datagram")
	errShortPrivate   = errors.New("ntp: private message shorter than its 8-byte header")
	errPrivateItems   = errors.New("ntp: private message items run past the end of the datagram")
	errVersion        = errors.New("ntp: version 0 or above 4")
	errReservedMode   = errors.New("ntp: reserved mode 0")
	errExtensionShort = errors.New("ntp: bytes after the header are not a MAC or extension fields")
)

// message is one decoded NTP message. The decoder reuses it; fields of a
// mode the message is not are left as they were.
type message struct {
	version, leap uint8
	mode          Mode
	size          int // the UDP payload's length

	// modes 0 to 5: the header (hdr holds gopacket's decoding)
	hdr       layers.NTP
	hasHeader bool

	// mode 6
	ctl control
	// mode 7
	priv private
	data []byte // its items, a slice of the datagram: valid during Observe only
}

// control is a mode 6 header.
type control struct {
	response, err, more bool
	opcode              uint8
	seq, status, assoc  uint16
	offset, count       uint16
}

// private is a mode 7 header.
type private struct {
	response, more, auth bool
	seq, impl, reqcode   uint8
	errCode              uint8
	items, itemSize      uint16
}

// isRequest reports a message a client or an operator sends: mode 3, and
// modes 6 and 7 without the response bit.
func (m *message) isRequest() bool {
	switch m.mode {
	case ModeClient:
		return true
	case ModeControl:
		return !m.ctl.response
	case ModePrivate:
		return !m.priv.response
	}
	return false
}

// isResponse reports a message a server sends in answer: mode 4, and modes
// 6 and 7 with the response bit.
func (m *message) isResponse() bool {
	switch m.mode {
	case ModeServer:
		return true
	case ModeControl:
		return m.ctl.response
	case ModePrivate:
		return m.priv.response
	}
	return false
}

// decode reads b into m. It returns an error for a malformed message, with
// m holding what came before the fault: always the version and mode when b
// is not empty.
func decode(b []byte, m *message) error {
	m.size, m.hasHeader, m.data = len(b), false, nil
	if len(b) == 0 {
		m.version, m.mode, m.leap = 0, 0, 0
		return errShortHeader
	}
	m.version, m.mode, m.leap = (b[0]>>3)&7, Mode(b[0]&7), b[0]>>6
	switch m.mode {
	case ModeControl:
		if len(b) < controlLen {
			return errShortControl
		}
		c := &m.ctl
		c.response, c.err, c.more, c.opcode = b[1]&0x80 != 0, b[1]&0x40 != 0, b[1]&0x20 != 0, b[1]&0x1f
		c.seq = binary.BigEndian.Uint16(b[2:])
		c.status = binary.BigEndian.Uint16(b[4:])
		c.assoc = binary.BigEndian.Uint16(b[6:])
		c.offset = binary.BigEndian.Uint16(b[8:])
		c.count = binary.BigEndian.Uint16(b[10:])
		if int(c.count) > len(b)-controlLen {
			return errControlCount
		}
	case ModePrivate:
		m.leap = 0 // bits 6-7 are the response and more flags
		if len(b) < privateLen {
			return errShortPrivate
		}
		p := &m.priv
		p.response, p.more = b[0]&0x80 != 0, b[0]&0x40 != 0
		p.auth, p.seq = b[1]&0x80 != 0, b[1]&0x7f
		p.impl, p.reqcode = b[2], b[3]
		p.errCode = b[4] >> 4
		p.items = binary.BigEndian.Uint16(b[4:]) & 0x0fff
		p.itemSize = binary.BigEndian.Uint16(b[6:]) & 0x0fff
		if int(p.items)*int(p.itemSize) > len(b)-privateLen {
			return errPrivateItems
		}
		m.data = b[privateLen : privateLen+int(p.items)*int(p.itemSize)]
	default:
		if len(b) < headerLen {
			return errShortHeader
		}
		if err := m.hdr.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return errShortHeader
		}
		m.hasHeader = true
		if m.mode == ModeReserved {
			return errReservedMode
		}
		if !trailerOK(len(b) - headerLen) {
			return errExtensionShort
		}
	}
	if m.version == 0 || m.version > 4 {
		return errVersion
	}
	return nil
}

// peerSummary is the size of ntpd's struct info_peer_summary, the item of
// a PEER_LIST_SUM response (ntp_request.h):
//
//	0 dstadr(4) 4 srcadr(4) 8 srcport(2) 10 stratum 11 hpoll 12 ppoll
//	13 reach 14 flags 15 hmode 16 delay(4) 20 offset(8) 28 dispersion(4)
//	32 v6_flag(4) 36 unused(4) 40 dstadr6(16) 56 srcadr6(16)
const peerSummary = 72

// peers decodes the items of a PEER_LIST_SUM response, at most max; n is
// how many there are.
func peers(m *message, max int) (out []Peer, n int) {
	p := m.priv
	if m.mode != ModePrivate || !p.response || p.reqcode != 1 || p.itemSize < peerSummary || len(m.data) < int(p.items)*int(p.itemSize) {
		return nil, 0 // not a PEER_LIST_SUM response, or one whose items run past the datagram
	}
	for i := 0; i < int(p.items); i++ {
		it := m.data[i*int(p.itemSize):]
		if len(out) == max {
			continue
		}
		a := netip.AddrFrom4([4]byte(it[4:8]))
		if binary.BigEndian.Uint32(it[32:36]) != 0 {
			a = netip.AddrFrom16([16]byte(it[56:72]))
		}
		out = append(out, Peer{Address: a.String(), Port: int(binary.BigEndian.Uint16(it[8:10])), Stratum: int(it[10]), Reach: int(it[13])})
	}
	return out, int(p.items)
}

// trailerOK reports whether n bytes after the header can be what RFC 5905
// allows there: nothing, a MAC (a 4-byte key id with a 16- or 20-byte
// digest, or the 4-byte crypto-NAK), or extension fields (multiples of 4
// bytes, at least 16 each) and a MAC.
func trailerOK(n int) bool {
	return n == 0 || n == 4 || n%4 == 0 && n >= 16
}

// refID presents the reference id: for stratum 0 the kiss code and for
// stratum 1 the clock source, both as text (their bytes, escaped by the
// caller); above, an IPv4 address (the server's upstream, or for an IPv6
// upstream the first four bytes of its address's MD5 hash).
func refID(stratum uint8, id uint32) (text []byte, addr string) {
	b := binary.BigEndian.AppendUint32(nil, id)
	if stratum <= 1 {
		end := len(b)
		for end > 0 && b[end-1] == 0 {
			end--
		}
		return b[:end], ""
	}
	return nil, netip.AddrFrom4([4]byte(b)).String()
}

// ntpEpoch is 1900-01-01 as Unix seconds; era 1 begins in 2036 (RFC 5905
// §6). A timestamp whose top bit is clear is taken to be in era 1, as
// RFC 4330 §3 advises.
const ntpEpoch = -2208988800

// timeOf converts a 64-bit NTP timestamp; zero means "not set".
func timeOf(ts uint64) (time.Time, bool) {
	if ts == 0 {
		return time.Time{}, false
	}
	sec := int64(ts >> 32)
	if sec < 1<<31 {
		sec += 1 << 32
	}
	frac := ts & 0xffffffff
	nanos := int64((frac*1e9 + 1<<31) >> 32)
	return time.Unix(sec+ntpEpoch, nanos).UTC(), true
}

// diffSeconds is a - b in seconds, for timestamps within 68 years of each
// other (RFC 5905 §6: differences are taken in 64-bit two's complement).
func diffSeconds(a, b uint64) float64 { return float64(int64(a-b)) / (1 << 32) }

// short is a 32-bit NTP short format value (root delay, dispersion): 16
// bits of seconds and 16 of fraction.
func short(v uint32) float64 { return float64(v) / (1 << 16) }

// log2Seconds turns poll or precision (log2 seconds) into seconds.
func log2Seconds(v int8) float64 { return math.Ldexp(1, int(v)) }
