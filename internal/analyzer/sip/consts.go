package sip

import "strings"

// hdrID names the headers the module reads. Every other header is hdrOther;
// it is still kept in the packet record's headers map.
type hdrID uint8

const (
	hdrOther hdrID = iota
	hdrCallID
	hdrCSeq
	hdrFrom
	hdrTo
	hdrVia
	hdrContact
	hdrUserAgent
	hdrServer
	hdrContentType
	hdrContentLength
	hdrContentEncoding
	hdrExpires
	hdrAuthorization
	hdrProxyAuthorization
	hdrWWWAuthenticate
	hdrProxyAuthenticate
	hdrMaxForwards
	hdrSubject
	hdrSupported
	hdrEvent
	hdrReferTo
	hdrReferredBy
	hdrAllowEvents
	hdrAcceptContact
	hdrRejectContact
	hdrRequestDisposition
	hdrSessionExpires
	hdrIdentity
	hdrIdentityInfo
	numHdrIDs
)

// hdrNames are the lower-case full names, indexed by hdrID; they are the
// keys of the packet record's headers map.
var hdrNames = [numHdrIDs]string{
	hdrCallID:             "call-id",
	hdrCSeq:               "cseq",
	hdrFrom:               "from",
	hdrTo:                 "to",
	hdrVia:                "via",
	hdrContact:            "contact",
	hdrUserAgent:          "user-agent",
	hdrServer:             "server",
	hdrContentType:        "content-type",
	hdrContentLength:      "content-length",
	hdrContentEncoding:    "content-encoding",
	hdrExpires:            "expires",
	hdrAuthorization:      "authorization",
	hdrProxyAuthorization: "proxy-authorization",
	hdrWWWAuthenticate:    "www-authenticate",
	hdrProxyAuthenticate:  "proxy-authenticate",
	hdrMaxForwards:        "max-forwards",
	hdrSubject:            "subject",
	hdrSupported:          "supported",
	hdrEvent:              "event",
	hdrReferTo:            "refer-to",
	hdrReferredBy:         "referred-by",
	hdrAllowEvents:        "allow-events",
	hdrAcceptContact:      "accept-contact",
	hdrRejectContact:      "reject-contact",
	hdrRequestDisposition: "request-disposition",
	hdrSessionExpires:     "session-expires",
	hdrIdentity:           "identity",
	hdrIdentityInfo:       "identity-info",
}

// compactForms maps the one-letter compact header names to the header they
// stand for: RFC 3261 §7.3.3 (i, m, e, l, c, f, s, k, t, v) and the
// extensions registered with IANA (o, r, b, u, a, j, d, x, y, n).
var compactForms = func() (t [128]hdrID) {
	for c, id := range map[byte]hdrID{
		'i': hdrCallID, 'm': hdrContact, 'e': hdrContentEncoding, 'l': hdrContentLength, 'c': hdrContentType,
		'f': hdrFrom, 's': hdrSubject, 'k': hdrSupported, 't': hdrTo, 'v': hdrVia,
		'o': hdrEvent, 'r': hdrReferTo, 'b': hdrReferredBy, 'u': hdrAllowEvents, 'a': hdrAcceptContact,
		'j': hdrRejectContact, 'd': hdrRequestDisposition, 'x': hdrSessionExpires, 'y': hdrIdentity, 'n': hdrIdentityInfo,
	} {
		t[c] = id
	}
	return t
}()

// headerID identifies a header by its name as written: a compact form or a
// full name in any case.
func headerID(name []byte) hdrID {
	if len(name) == 1 {
		if c := name[0] | 0x20; c < 128 {
			return compactForms[c]
		}
		return hdrOther
	}
	for id := hdrCallID; id < numHdrIDs; id++ {
		if n := hdrNames[id]; len(n) == len(name) && equalFoldASCII(name, n) {
			return id
		}
	}
	return hdrOther
}

// equalFoldASCII reports whether b equals the lower-case ASCII string s,
// ignoring the case of b.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with the lower-case ASCII string s,
// ignoring the case of b.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFoldASCII(b[:len(s)], s)
}

// indexFold returns the index of the lower-case ASCII string s in b,
// ignoring the case of b, or -1.
func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if equalFoldASCII(b[i:i+len(s)], s) {
			return i
		}
	}
	return -1
}

// Ports registered for SIP (RFC 3261 §19.1.2): 5060, and 5061 for SIP over
// TLS.
const (
	portSIP    = 5060
	portSIPTLS = 5061
)

// scannerAgents are User-Agent (or Server) substrings, lower case, of tools
// that scan, enumerate extensions or crack passwords; legitimate phones
// and servers never send them. friendly-scanner is SIPVicious' default.
var scannerAgents = []string{
	"friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "sip-scan", "sipscan", "smap",
	"iwar", "sundayddr", "sivus", "pplsip", "sipsak", "voipbuster", "sipptk", "sip-pbx-scan",
}

// scannerAgent returns the scanner whose name the agent string contains,
// or "".
func scannerAgent(ua string) string {
	lower := strings.ToLower(ua)
	for _, s := range scannerAgents {
		if strings.Contains(lower, s) {
			return s
		}
	}
	return ""
}

// staticPayloadTypes are the RTP payload types with a static encoding (RFC
// 3551 §6), used for SDP formats without an rtpmap attribute.
var staticPayloadTypes = map[int]string{
	0: "PCMU/8000", 3: "GSM/8000", 4: "G723/8000", 5: "DVI4/8000", 6: "DVI4/16000", 7: "LPC/8000",
	8: "PCMA/8000", 9: "G722/8000", 10: "L16/44100/2", 11: "L16/44100", 12: "QCELP/8000", 13: "CN/8000",
	14: "MPA/90000", 15: "G728/8000", 16: "DVI4/11025", 17: "DVI4/22050", 18: "G729/8000",
	25: "CelB/90000", 26: "JPEG/90000", 28: "nv/90000", 31: "H261/90000", 32: "MPV/90000",
	33: "MP2T/90000", 34: "H263/90000",
}
