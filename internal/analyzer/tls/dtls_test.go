package tls

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// dtlsHello wraps a hello body in a DTLS handshake header and record.
func dtlsHello(typ uint8, body []byte, seq uint16) []byte {
	hs := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	hs = binary.BigEndian.AppendUint16(hs, seq)
	hs = append(hs, 0, 0, 0, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	hs = append(hs, body...)
	rec := []byte{ctHandshake, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, byte(seq)}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

// dtlsClientHelloBody is a DTLS 1.2 ClientHello body with a cookie.
func dtlsClientHelloBody(cookie []byte) []byte {
	plain := buildClientHello(0xfefd, []uint16{0xc02b, 0xc02f, 0x009c}, []ext{sniExt("media.example"),
		u16Ext(extSupportedGroups, 2, 0x001d), ext{extECPointFormats, []byte{1, 0}}, u16Ext(extSignatureAlgorithms, 2, 0x0403), ext{0x000e, []byte{0, 2, 0, 1, 0}}}) // use_srtp: SRTP_AES128_CM_HMAC_SHA1_80
	// Insert the cookie after the session id (version 2, random 32, sid length 1 + 0).
	out := append([]byte{}, plain[:35]...)
	out = append(out, byte(len(cookie)))
	out = append(out, cookie...)
	return append(out, plain[35:]...)
}

// TestDTLS: a DTLS 1.2 ClientHello with a cookie and its ServerHello on an
// arbitrary UDP port are one dtls session with its SNI, version, cipher
// and a JA4 with the d prefix; tshark (told the port is DTLS) computes the
// same JA3 and JA3S.
func TestDTLS(t *testing.T) {
	sh := serverHelloBody(0xfefd, 0xc02b)
	frames := []pcaptest.Frame{
		{Time: time.Unix(1700000000, 0), Data: pcaptest.UDP4(t, "02:00:00:00:00:01", "02:00:00:00:00:02", "10.0.0.1", "10.0.0.2", 50000, 4444, dtlsHello(hsClientHello, dtlsClientHelloBody([]byte{1, 2, 3, 4}), 1))},
		{Time: time.Unix(1700000000, 5e6), Data: pcaptest.UDP4(t, "02:00:00:00:00:02", "02:00:00:00:00:01", "10.0.0.2", "10.0.0.1", 4444, 50000, dtlsHello(hsServerHello, sh, 1))},
	}
	file := filepath.Join(t.TempDir(), "dtls.pcap")
	if err := os.WriteFile(file, pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames), 0o644); err != nil {
		t.Fatal(err)
	}
	out := analyze(t, Input{PcapFile: file})
	if len(out.Sessions) != 1 {
		t.Fatalf("%d sessions", len(out.Sessions))
	}
	s := out.Sessions[0]
	if s.Transport != "dtls" || s.SNI != "media.example" || s.Version != "DTLS 1.2" || s.Cipher != "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" ||
		s.JA4[:4] != "dd2d" || s.Client != "10.0.0.1:50000" || len(out.Anomalies) != 0 {
		t.Errorf("session %+v anomalies %v", s, out.Anomalies)
	}
	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Skip("tshark is not installed")
	}
	rows := pcaptest.Tshark(t, bin, file, "-d", "udp.port==4444,dtls", "-T", "fields", "-E", "header=y", "-e", "frame.number", "-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s", "-e", "dtls.handshake.ja3", "-e", "dtls.handshake.ja3s")
	if len(rows) != 2 {
		t.Fatalf("tshark rows %v", rows)
	}
	got := map[int]string{1: s.JA3, 2: s.JA3S}
	for _, r := range rows {
		n, _ := strconv.Atoi(r["frame.number"])
		want := r["dtls.handshake.ja3"] + r["dtls.handshake.ja3s"] + r["tls.handshake.ja3"] + r["tls.handshake.ja3s"]
		if got[n] != want {
			t.Errorf("frame %d: ja3/ja3s %q, tshark %q", n, got[n], want)
		}
	}
}

// serverHelloBody is a ServerHello body with renegotiation_info.
func serverHelloBody(version, cipher uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, version)
	b = append(b, make([]byte, 32)...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, cipher)
	b = append(b, 0)
	ext := []byte{0xff, 0x01, 0, 1, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
	return append(b, ext...)
}
