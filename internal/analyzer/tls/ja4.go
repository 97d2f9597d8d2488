package tls

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// ja4 computes the JA4 fingerprint of a ClientHello, to FoxIO's JA4
// specification (technical_details/JA4.md, BSD-3-Clause):
//
//	a: protocol (t TLS over TCP, q QUIC), version (the highest non-GREASE
//	   supported_versions entry, else the legacy version: 13 12 11 10 s3
//	   s2, 00 otherwise), d when SNI is present else i, the number of
//	   non-GREASE ciphers and extensions (two digits, at most 99), and the
//	   first and last characters of the first ALPN value (00 without ALPN;
//	   the first and last hex digits when either is not alphanumeric);
//	b: the first 12 hex digits of SHA-256 of the non-GREASE ciphers as
//	   4-digit hex, sorted, comma-separated (000000000000 when none);
//	c: the same of the sorted non-GREASE extensions without SNI (0000) and
//	   ALPN (0010), then "_" and the signature algorithms in their order
//	   (without "_" when there are none; 000000000000 when no extensions).
func ja4(h *hello, quic bool) string {
	a, b, c := ja4Parts(h, quic)
	return a + "_" + hash12(b) + "_" + hash12(c)
}

// ja4Parts returns JA4's part a and the strings parts b and c hash.
func ja4Parts(h *hello, quic bool) (a, b, c string) {
	var sb strings.Builder
	if quic {
		sb.WriteByte('q')
	} else {
		sb.WriteByte('t')
	}
	sb.WriteString(ja4Version(h.maxVersion()))
	sni := slices.Contains(h.exts, extServerName)
	if sni {
		sb.WriteByte('d')
	} else {
		sb.WriteByte('i')
	}
	var ciphers, exts []string
	for _, v := range h.ciphers {
		if !isGREASE(v) {
			ciphers = append(ciphers, fmt.Sprintf("%04x", v))
		}
	}
	nExt := 0
	for _, v := range h.exts {
		if isGREASE(v) {
			continue
		}
		nExt++
		if v != extServerName && v != extALPN {
			exts = append(exts, fmt.Sprintf("%04x", v))
		}
	}
	fmt.Fprintf(&sb, "%02d%02d", min(len(ciphers), 99), min(nExt, 99))
	sb.WriteString(ja4ALPN(h.alpn))
	slices.Sort(ciphers)
	slices.Sort(exts)
	b = strings.Join(ciphers, ",")
	c = strings.Join(exts, ",")
	if len(exts) > 0 || len(h.sigAlgs) > 0 {
		var sigs []string
		for _, v := range h.sigAlgs {
			if !isGREASE(v) {
				sigs = append(sigs, fmt.Sprintf("%04x", v))
			}
		}
		if len(sigs) > 0 {
			c += "_" + strings.Join(sigs, ",")
		}
	}
	return sb.String(), b, c
}

func hash12(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func ja4Version(v uint16) string {
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// ja4ALPN is the ALPN part of JA4 a.
func ja4ALPN(alpn []string) string {
	if len(alpn) == 0 || alpn[0] == "" {
		return "00"
	}
	v := alpn[0]
	first, last := v[0], v[len(v)-1]
	if isAlnum(first) && isAlnum(last) {
		return string([]byte{first, last})
	}
	x := hex.EncodeToString([]byte(v))
	return string([]byte{x[0], x[len(x)-1]})
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
