package tcp

import (
	"encoding/binary"
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// TCP header flags (RFC 9293 §3.1; AE is RFC 9768's accurate-ECN bit, the
// former NS).
const (
	flagFIN = 0x001
	flagSYN = 0x002
	flagRST = 0x004
	flagPSH = 0x008
	flagACK = 0x010
	flagURG = 0x020
	flagECE = 0x040
	flagCWR = 0x080
	flagAE  = 0x100
)

// tcpFlagNames name the header flags in bit order, as Wireshark's Info
// column does ("SYN, ACK").
var tcpFlagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"}

// tcpFlagString names the header flags set in f, "SYN ACK"; "none" for a
// segment without any.
func tcpFlagString(f uint16) string {
	var b []byte
	for i, n := range tcpFlagNames {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ' ')
			}
			b = append(b, n...)
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// minHeaderLen is the length of a TCP header without options.
const minHeaderLen = 20

// segment is one TCP header as the analysis needs it.
type segment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint16
	window   uint16
	hdrLen   int // data offset in bytes, as the header gives it (may be bogus)
	// seglen is the payload length the IP header implies (bytes on the
	// wire, whatever the snaplen kept); valid when haveLen is set.
	seglen  uint32
	haveLen bool
	opts    options
}

// options are the TCP options the analysis reads.
type options struct {
	mss        int  // 0 when absent
	wscale     int  // shift count clamped to 14; -1 when absent
	sackPerm   bool // SACK permitted (RFC 2018)
	timestamps bool // RFC 7323 timestamps
	malformed  bool // an option ran past the header or had a bad length
}

// parseOptions reads the options area of a TCP header (the bytes after the
// fixed 20), as far as it was captured. It never fails; a bad option sets
// malformed and stops the walk.
func parseOptions(b []byte) options {
	o := options{wscale: -1}
	for len(b) > 0 {
		kind := b[0]
		switch kind {
		case 0: // end of option list
			return o
		case 1: // no-operation
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			o.malformed = true
			return o
		}
		n := int(b[1])
		data := b[2:n]
		switch kind {
		case 2:
			if n == 4 {
				o.mss = int(binary.BigEndian.Uint16(data))
			} else {
				o.malformed = true
			}
		case 3:
			if n == 3 {
				o.wscale = min(int(data[0]), 14) // RFC 7323 §2.3: use 14 for larger values
			} else {
				o.malformed = true
			}
		case 4:
			o.sackPerm = n == 2
			o.malformed = o.malformed || n != 2
		case 5: // SACK blocks
			o.malformed = o.malformed || (n-2)%8 != 0
		case 8:
			o.timestamps = n == 10
			o.malformed = o.malformed || n != 10
		}
		b = b[n:]
	}
	return o
}

// parseHeader reads a TCP header from b, which holds at least 16 bytes: as
// Wireshark does, a header cut short after the window field still names its
// connection. Options are read from what was captured.
func parseHeader(b []byte) (segment, bool) {
	var s segment
	if len(b) < 16 {
		return s, false
	}
	s.seq = binary.BigEndian.Uint32(b[4:8])
	s.ack = binary.BigEndian.Uint32(b[8:12])
	s.hdrLen = int(b[12]>>4) * 4
	s.flags = binary.BigEndian.Uint16(b[12:14]) & 0x1ff
	s.window = binary.BigEndian.Uint16(b[14:16])
	s.opts.wscale = -1
	if s.hdrLen > minHeaderLen {
		if len(b) > minHeaderLen {
			s.opts = parseOptions(b[minHeaderLen:min(s.hdrLen, len(b))])
		}
		if len(b) < s.hdrLen {
			s.opts.malformed = true // options cut short by the snaplen
		}
	}
	return s, true
}

// fromPacket extracts the TCP segment of p: from the decoded TCP layer, or,
// when gopacket could not decode it (a bogus data offset, a header cut
// short), from the IP payload. ok is false when p carries no TCP header.
func fromPacket(p *engine.Packet) (s segment, ok bool) {
	var hdr []byte // the TCP header (and, when taken from IP, what follows)
	var ipStart []byte
	var ipTotal int
	switch {
	case p.IPv4 != nil:
		if p.IPv4.Protocol != 6 {
			return s, false
		}
		ipStart = p.IPv4.Contents
		ipTotal = int(p.IPv4.Length)
		if p.TCP == nil {
			if p.IPv4.FragOffset != 0 {
				return s, false
			}
			hdr = p.IPv4.Payload
		}
	case p.IPv6 != nil:
		ipStart = p.IPv6.Contents
		ipTotal = 40 + int(p.IPv6.Length)
		if p.IPv6.Length == 0 { // jumbogram or segmentation offload
			ipTotal = 0
		}
		if p.TCP == nil {
			if p.IPv6.NextHeader != 6 {
				return s, false
			}
			hdr = p.IPv6.Payload
		}
	default:
		return s, false
	}
	if p.TCP != nil {
		hdr = p.TCP.Contents
	}
	s, ok = parseHeader(hdr)
	if !ok {
		return s, false
	}
	src, dst := p.SrcIP(), p.DstIP()
	s.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(hdr[0:2]))
	s.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(hdr[2:4]))
	if p.Fragment {
		return s, true // the length of a fragmented segment is unknown
	}
	// The segment length is what the IP header says the datagram holds after
	// the TCP header, cut to the bytes the frame had on the wire.
	reported := reportedLen(p, ipStart, ipTotal, hdr)
	if reported >= s.hdrLen {
		s.seglen = uint32(reported - s.hdrLen)
		s.haveLen = true
	}
	return s, true
}

// reportedLen is the length of the TCP segment (header and payload) that
// was on the wire. ipStart and tcp are slices of the frame's bytes starting
// at the IP and TCP headers; ipTotal is the datagram length the IP header
// gives (0 when it gives none).
func reportedLen(p *engine.Packet, ipStart []byte, ipTotal int, tcp []byte) int {
	ipOff, okIP := offsetIn(p.Data, ipStart)
	tcpOff, okTCP := offsetIn(p.Data, tcp)
	if !okIP || !okTCP {
		// A reassembled datagram: every byte of it was captured.
		if ipTotal > 0 && len(ipStart) > 0 {
			if off, ok := offsetIn(ipStart, tcp); ok {
				return ipTotal - off
			}
		}
		return len(tcp)
	}
	end := p.Length // bytes of the frame on the wire
	if ipTotal > 0 && ipOff+ipTotal < end {
		end = ipOff + ipTotal
	}
	return end - tcpOff
}

// offsetIn returns the offset of sub within buf when sub is a slice of buf's
// array at or after buf's start.
func offsetIn(buf, sub []byte) (int, bool) {
	if cap(sub) == 0 || cap(buf) < cap(sub) {
		return 0, false
	}
	off := cap(buf) - cap(sub)
	full := buf[:cap(buf)]
	if &full[off] != &sub[:1][0] {
		return 0, false
	}
	return off, true
}

// fromQuote extracts the TCP header an ICMP error quotes, when it quotes at
// least the 16 bytes up to the window field (Wireshark needs as many to
// place it in a conversation).
func fromQuote(q engine.Quoted) (segment, bool) {
	if q.Protocol != 6 {
		return segment{}, false
	}
	s, ok := parseHeader(q.Transport)
	if !ok {
		return s, false
	}
	s.src = netip.AddrPortFrom(q.Src, q.SrcPort)
	s.dst = netip.AddrPortFrom(q.Dst, q.DstPort)
	return s, true
}
