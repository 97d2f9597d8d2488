package sip

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/result"
)

// A session description (RFC 8866, formerly RFC 4566) is text, one
// "<type>=<value>" per line; the lines the module reads:
//
//	o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
//	s=<session name>
//	c=<nettype> <addrtype> <connection-address>[/<ttl>][/<count>]
//	m=<media> <port>[/<count>] <proto> <fmt> ...
//	a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
//	a=sendrecv | a=sendonly | a=recvonly | a=inactive
//	a=crypto:...  (SDES keys for SRTP, RFC 4568)
//
// Lines before the first m= describe the session; the c= and direction of
// the session apply to every media section that has none of its own.

// Bounds on what one description may hold.
const (
	maxMedia   = 16
	maxCodecs  = 32
	maxFormats = 8
)

// SDP parse problems, shown in the description's malformed field.
const (
	sdpBadLine  = "sdp: a line is not <type>=<value>"
	sdpBadMedia = "sdp: an m= line is not <media> <port> <proto> <formats>"
)

// parseSDP parses a session description. It never fails: what it cannot
// read is skipped and the first problem is reported in Malformed.
func parseSDP(body []byte) SDP {
	s := SDP{Media: []Media{}}
	var sessDir, sessAddr string
	var cur *Media
	// The rtpmap attributes of the current media section, at most
	// maxCodecs payload types: a small array, not a map per section.
	var rtpmapBuf [maxCodecs]rtpmapEntry
	rtpmap := rtpmapBuf[:0]
	var formats []int
	finish := func() {
		if cur == nil {
			return
		}
		for _, pt := range formats {
			if len(cur.Codecs) == maxCodecs {
				break
			}
			var name string
			if i := rtpmapIndex(rtpmap, pt); i >= 0 {
				name = rtpmap[i].name
			}
			if name == "" {
				name = staticPayloadTypes[pt]
			}
			cur.Codecs = append(cur.Codecs, Codec{PayloadType: pt, Encoding: name})
		}
		cur = nil
	}
	bad := func(why string) {
		if s.Malformed == "" {
			s.Malformed = why
		}
	}
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = trimCR(body[:i]), body[i+1:]
		} else {
			line, body = trimCR(body), nil
		}
		if len(line) == 0 {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			bad(sdpBadLine)
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'o':
			if cur == nil {
				s.Origin = text(val, 200)
			}
		case 's':
			if cur == nil {
				s.SessionName = text(val, 200)
			}
		case 'c':
			addr := connAddr(val)
			if cur == nil {
				sessAddr = addr
				s.ConnectionAddress = addr
			} else {
				cur.Address = addr
			}
		case 'm':
			finish()
			if len(s.Media) == maxMedia {
				continue
			}
			f := strings.Fields(text(val, 1000))
			if len(f) < 3 {
				bad(sdpBadMedia)
				continue
			}
			portStr, _, _ := strings.Cut(f[1], "/")
			port, err := strconv.Atoi(portStr)
			if err != nil || port < 0 || port > 65535 {
				bad(sdpBadMedia)
				continue
			}
			s.Media = append(s.Media, Media{Type: result.Text(f[0], 32), Port: port, Protocol: result.Text(f[2], 32), Codecs: []Codec{}})
			cur = &s.Media[len(s.Media)-1]
			proto := strings.ToUpper(f[2])
			cur.Encrypted = strings.Contains(proto, "SAVP")
			rtpmap, formats = rtpmap[:0], formats[:0]
			rtp := strings.Contains(proto, "RTP")
			for _, fs := range f[3:] {
				if pt, err := strconv.Atoi(fs); rtp && err == nil && pt >= 0 && pt < 128 {
					formats = append(formats, pt)
				} else if len(cur.Formats) < maxFormats {
					// Not an RTP payload type: t38 (image, udptl), a
					// media type, a BFCP or MSRP format.
					cur.Formats = append(cur.Formats, result.Text(fs, 32))
				}
			}
		case 'a':
			attr, value, _ := bytes.Cut(val, []byte{':'})
			switch {
			case isDirection(attr):
				d := strings.ToLower(string(attr))
				if cur == nil {
					sessDir = d
				} else {
					cur.Direction = d
				}
			case equalFoldASCII(attr, "rtpmap") && cur != nil:
				ptStr, enc, ok := bytes.Cut(bytes.TrimSpace(value), []byte{' '})
				if pt, err := strconv.Atoi(string(ptStr)); ok && err == nil && len(rtpmap) < maxCodecs {
					name := text(bytes.TrimSpace(enc), 64)
					if i := rtpmapIndex(rtpmap, pt); i >= 0 {
						rtpmap[i].name = name // a later line for the same payload type wins
					} else {
						rtpmap = append(rtpmap, rtpmapEntry{pt, name})
					}
				}
			case equalFoldASCII(attr, "crypto") && cur != nil:
				cur.Encrypted = true
			}
		}
	}
	finish()
	s.Direction = sessDir
	for i := range s.Media {
		m := &s.Media[i]
		if m.Address == "" {
			m.Address = sessAddr
		}
		if m.Direction == "" {
			m.Direction = sessDir
		}
		if m.Direction == "" {
			m.Direction = "sendrecv"
		}
	}
	return s
}

// rtpmapEntry is one a=rtpmap attribute: a payload type and its encoding.
type rtpmapEntry struct {
	pt   int
	name string
}

// rtpmapIndex returns the index of payload type pt's entry in rtpmap, or -1.
func rtpmapIndex(rtpmap []rtpmapEntry, pt int) int {
	return slices.IndexFunc(rtpmap, func(e rtpmapEntry) bool { return e.pt == pt })
}

func isDirection(attr []byte) bool {
	return equalFoldASCII(attr, "sendrecv") || equalFoldASCII(attr, "sendonly") || equalFoldASCII(attr, "recvonly") || equalFoldASCII(attr, "inactive")
}

// connAddr returns the address of a c= value without its TTL or count.
func connAddr(v []byte) string {
	f := bytes.Fields(v)
	if len(f) < 3 {
		return ""
	}
	a := f[2]
	if i := bytes.IndexByte(a, '/'); i >= 0 {
		a = a[:i]
	}
	return text(a, 100)
}
