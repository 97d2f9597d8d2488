package tls

import (
	"encoding/binary"
	"testing"
)

// ext is one extension of a built ClientHello.
type ext struct {
	typ  uint16
	body []byte
}

// buildClientHello writes a ClientHello body (no handshake header).
func buildClientHello(version uint16, ciphers []uint16, exts []ext) []byte {
	b := binary.BigEndian.AppendUint16(nil, version)
	b = append(b, make([]byte, 32)...) // random
	b = append(b, 0)                   // session id
	b = binary.BigEndian.AppendUint16(b, uint16(2*len(ciphers)))
	for _, c := range ciphers {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	b = append(b, 1, 0) // compression: null
	if exts == nil {
		return b
	}
	var eb []byte
	for _, e := range exts {
		eb = binary.BigEndian.AppendUint16(eb, e.typ)
		eb = binary.BigEndian.AppendUint16(eb, uint16(len(e.body)))
		eb = append(eb, e.body...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(eb)))
	return append(b, eb...)
}

func sniExt(name string) ext {
	b := binary.BigEndian.AppendUint16(nil, uint16(3+len(name)))
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(name)))
	return ext{extServerName, append(b, name...)}
}

func alpnExt(protos ...string) ext {
	var l []byte
	for _, p := range protos {
		l = append(l, byte(len(p)))
		l = append(l, p...)
	}
	return ext{extALPN, append(binary.BigEndian.AppendUint16(nil, uint16(len(l))), l...)}
}

func u16Ext(typ uint16, lenBytes int, vs ...uint16) ext {
	var l []byte
	for _, v := range vs {
		l = binary.BigEndian.AppendUint16(l, v)
	}
	if lenBytes == 1 {
		return ext{typ, append([]byte{byte(len(l))}, l...)}
	}
	return ext{typ, append(binary.BigEndian.AppendUint16(nil, uint16(len(l))), l...)}
}

func empty(typ uint16) ext { return ext{typ: typ} }

// TestJA4Vectors: acceptance 2. Each want was derived by hand from FoxIO's
// JA4 specification (technical_details/JA4.md); the raw string each hash
// covers is written beside it, and the hashes are the first 12 hex digits
// of its SHA-256 (computed outside this code, with Python's hashlib).
func TestJA4Vectors(t *testing.T) {
	// Chrome's ClientHello of the specification's worked example: a GREASE
	// cipher and two GREASE extensions (ignored in the counts and hashes),
	// 15 ciphers, 16 extensions with SNI and ALPN (counted, not hashed).
	chromeCiphers := []uint16{0x8a8a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	chromeExts := []ext{empty(0x1a1a), sniExt("example.com"), empty(0x0017), empty(0xff01), u16Ext(extSupportedGroups, 2, 0x0a0a, 0x001d, 0x0017),
		ext{extECPointFormats, []byte{1, 0}}, empty(0x0023), alpnExt("h2", "http/1.1"), empty(0x0005),
		u16Ext(extSignatureAlgorithms, 2, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601),
		empty(0x0012), u16Ext(extKeyShare, 2), ext{0x002d, []byte{1, 1}}, u16Ext(extSupportedVersions, 1, 0x2a2a, 0x0304, 0x0303),
		empty(0x001b), empty(0x4469), empty(0x0015), empty(0x3a3a)}

	cases := []struct {
		name    string
		quic    bool
		version uint16
		ciphers []uint16
		exts    []ext
		want    string
	}{
		{
			// The specification's example: b hashes
			// 002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9
			// and c hashes
			// 0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601.
			name: "TLS 1.3 Chrome with GREASE, SNI and ALPN h2", version: 0x0303, ciphers: chromeCiphers, exts: chromeExts,
			want: "t13d1516h2_8daaf6152771_e5627efa2ab1",
		},
		{
			// The same hello in a QUIC Initial: only the prefix changes.
			name: "QUIC", quic: true, version: 0x0303, ciphers: chromeCiphers, exts: chromeExts,
			want: "q13d1516h2_8daaf6152771_e5627efa2ab1",
		},
		{
			// TLS 1.2 without supported_versions (the legacy version
			// counts), no SNI (i), no ALPN (00). b: 002f,009c,c02f; c:
			// 000a,000b,000d_0401,0501.
			name: "TLS 1.2 without SNI or ALPN", version: 0x0303, ciphers: []uint16{0xc02f, 0x009c, 0x002f},
			exts: []ext{u16Ext(extSupportedGroups, 2, 0x0017), ext{extECPointFormats, []byte{1, 0}}, u16Ext(extSignatureAlgorithms, 2, 0x0401, 0x0501)},
			want: "t12i030300_f81807f6db74_637ee6fc4330",
		},
		{
			// No extensions block at all: c is twelve zeros. b: 0005,0035.
			name: "TLS 1.0 without extensions", version: 0x0301, ciphers: []uint16{0x0035, 0x0005},
			want: "t10i020000_936baddc611c_000000000000",
		},
		{
			// ALPN "<h2>": its first and last bytes are not alphanumeric,
			// so the first and last characters of its hex 3c68323e are
			// used: "3e". b: 1301; c: 002b,0033 (no signature
			// algorithms: no "_").
			name: "ALPN not alphanumeric", version: 0x0303, ciphers: []uint16{0x1301},
			exts: []ext{sniExt("a.example"), alpnExt("<h2>"), u16Ext(extSupportedVersions, 1, 0x0304), u16Ext(extKeyShare, 2)},
			want: "t13d01043e_0f2cb44170f4_a56c5b993250",
		},
		{
			// Extensions without signature_algorithms: c is 0017,ff01 with
			// no trailing "_". ALPN http/1.1 gives "h1". b: c02b,c02f.
			name: "no signature algorithms", version: 0x0303, ciphers: []uint16{0xc02f, 0xc02b},
			exts: []ext{sniExt("b.example"), empty(0xff01), alpnExt("http/1.1"), empty(0x0017)},
			want: "t12d0204h1_b6f57f3be927_5333cdffa7d9",
		},
		{
			// supported_versions lists GREASE first (ignored) and
			// TLS 1.3: version 13 although the legacy version says 1.2. A
			// GREASE cipher is ignored. b: 1301,1303; c: 000d,002b_0804.
			name: "GREASE in supported_versions", version: 0x0303, ciphers: []uint16{0xdada, 0x1303, 0x1301},
			exts: []ext{u16Ext(extSupportedVersions, 1, 0x7a7a, 0x0304, 0x0303), u16Ext(extSignatureAlgorithms, 2, 0x0804)},
			want: "t13i020200_88d8eb61a8ee_7d7d0a6273d8",
		},
		{
			// SSL 3.0 gives "s3". b: 000a.
			name: "SSL 3.0", version: 0x0300, ciphers: []uint16{0x000a},
			want: "ts3i010000_a8f3e973773c_000000000000",
		},
		{
			// 120 ciphers: the count is capped at 99; b hashes all 120
			// (0001 to 0078).
			name: "more than 99 ciphers", version: 0x0303, ciphers: seq(1, 120),
			want: "t12i990000_0f8860b09f90_000000000000",
		},
		{
			// Only SNI and ALPN: both counted (02), neither hashed, so the
			// sorted extension list is empty and c is twelve zeros. b:
			// 1301,1302.
			name: "only SNI and ALPN", version: 0x0303, ciphers: []uint16{0x1302, 0x1301},
			exts: []ext{sniExt("c.example"), alpnExt("h3")},
			want: "t12d0202h3_62ed6f6ca7ad_000000000000",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := parseHello(hsClientHello, buildClientHello(c.version, c.ciphers, c.exts))
			if err != nil {
				t.Fatal(err)
			}
			if got := ja4(h, c.quic); got != c.want {
				a, b, cc := ja4Parts(h, c.quic)
				t.Errorf("ja4 = %s, want %s (a %s, b %q, c %q)", got, c.want, a, b, cc)
			}
		})
	}
}

func seq(from, to uint16) []uint16 {
	var out []uint16
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

// TestJA3GREASE: JA3 keeps wire order, drops GREASE from ciphers,
// extensions and groups, and is the MD5 of its string.
func TestJA3GREASE(t *testing.T) {
	h, err := parseHello(hsClientHello, buildClientHello(0x0303, []uint16{0x0a0a, 0xc02f, 0x1301},
		[]ext{empty(0x1a1a), u16Ext(extSupportedGroups, 2, 0x2a2a, 0x001d, 0x0017), ext{extECPointFormats, []byte{2, 0, 1}}, sniExt("x")}))
	if err != nil {
		t.Fatal(err)
	}
	full, hash := h.ja3()
	// 771 = 0x0303; 49199 = 0xc02f; 4865 = 0x1301; 10, 11, 0 extensions;
	// groups 29, 23; point formats 0, 1.
	if want := "771,49199-4865,10-11-0,29-23,0-1"; full != want {
		t.Errorf("ja3 string %q, want %q", full, want)
	}
	if hash != md5hex([]byte(full)) || len(hash) != 32 {
		t.Errorf("ja3 hash %q is not the MD5 of its string", hash)
	}
}
