package main

// TLS captures for the tls module's detectors: handshakes written byte by
// byte (ClientHello, ServerHello, Certificate, ServerHelloDone, alerts,
// ChangeCipherSpec and application data records) over simulated TCP
// connections, with certificates made by crypto/x509 from fixed Ed25519
// keys: the cases Go's crypto/tls will not produce (a fatal alert to every
// hello, a malformed hello, a hello without SNI, several sessions per
// capture). tlsgo.go records real crypto/tls sessions.

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"log"
	"math/big"
	"time"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

var (
	tlsClient  = host{mac(0x02, 0x11, 0, 0, 0, 0x21), ip(192, 168, 1, 21)}
	tlsClient2 = host{mac(0x02, 0x11, 0, 0, 0, 0x22), ip(192, 168, 1, 22)}
	tlsServer  = host{gateway.mac, ip(203, 0, 113, 10)}
	tlsServer2 = host{gateway.mac, ip(203, 0, 113, 20)}
)

// edKey is an Ed25519 key from a fixed seed.
func edKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

// certOpts describe a generated certificate.
type certOpts struct {
	cn         string
	names      []string
	notBefore  time.Time
	notAfter   time.Time
	selfSigned bool
	serial     int64
}

var (
	tlsCAKey  = edKey(1)
	tlsLeaf   = edKey(2)
	tlsCACert = mkCert(certOpts{cn: "Gen Test Root CA", notBefore: genkit.Epoch.AddDate(-5, 0, 0), notAfter: genkit.Epoch.AddDate(5, 0, 0), selfSigned: true, serial: 1}, nil)
)

// mkCert returns the DER of a certificate: signed by the CA, or by its own
// key when selfSigned (the CA itself when parent is nil).
func mkCert(o certOpts, parent *x509.Certificate) []byte {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(o.serial), Subject: pkix.Name{CommonName: o.cn, Organization: []string{"mcpacket generated"}},
		NotBefore: o.notBefore, NotAfter: o.notAfter, DNSNames: o.names, BasicConstraintsValid: true}
	signer, pub := tlsCAKey, tlsCAKey.Public()
	if parent == nil {
		tmpl.IsCA = true
		tmpl.KeyUsage = x509.KeyUsageCertSign
		parent = tmpl
	} else if o.selfSigned {
		signer, pub = tlsLeaf, tlsLeaf.Public()
		parent = tmpl
	} else {
		pub = tlsLeaf.Public()
	}
	der, err := x509.CreateCertificate(nil, tmpl, parent, pub, signer)
	if err != nil {
		log.Fatal(err)
	}
	return der
}

func caCert() *x509.Certificate {
	c, err := x509.ParseCertificate(tlsCACert)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// leafCert is a server certificate signed by the generated CA.
func leafCert(cn string, names []string, notBefore, notAfter time.Time, serial int64) []byte {
	return mkCert(certOpts{cn: cn, names: names, notBefore: notBefore, notAfter: notAfter, serial: serial}, caCert())
}

// Wire builders.

func be16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }
func be24(v int) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }

func vec8(b []byte) []byte  { return append([]byte{byte(len(b))}, b...) }
func vec16(b []byte) []byte { return append(be16(len(b)), b...) }
func vec24(b []byte) []byte { return append(be24(len(b)), b...) }

func tlsRecord(typ byte, version int, body []byte) []byte {
	return append(append([]byte{typ}, be16(version)...), vec16(body)...)
}

func hsMsg(typ byte, body []byte) []byte { return append([]byte{typ}, vec24(body)...) }

func tlsExt(typ int, body []byte) []byte { return append(be16(typ), vec16(body)...) }

func u16list(vs ...int) []byte {
	var b []byte
	for _, v := range vs {
		b = append(b, be16(v)...)
	}
	return b
}

// helloSpec is what a generated ClientHello offers.
type helloSpec struct {
	version  int // legacy version
	sni      string
	alpn     []string
	ciphers  []int
	tls13    bool // supported_versions 1.3, 1.2 and a key share
	badExtLn bool // an extension longer than the block (malformed)
}

func clientHello(h helloSpec, seed byte) []byte {
	body := append(be16(h.version), body32(seed)...)
	body = append(body, vec8(nil)...)
	body = append(body, vec16(u16list(h.ciphers...))...)
	body = append(body, 1, 0)
	var exts []byte
	if h.sni != "" {
		name := append([]byte{0}, vec16([]byte(h.sni))...)
		exts = append(exts, tlsExt(0, vec16(name))...)
	}
	exts = append(exts, tlsExt(10, vec16(u16list(29, 23)))...)
	exts = append(exts, tlsExt(11, vec8([]byte{0}))...)
	exts = append(exts, tlsExt(13, vec16(u16list(0x0807, 0x0403, 0x0804)))...)
	if len(h.alpn) > 0 {
		var l []byte
		for _, a := range h.alpn {
			l = append(l, vec8([]byte(a))...)
		}
		exts = append(exts, tlsExt(16, vec16(l))...)
	}
	if h.tls13 {
		exts = append(exts, tlsExt(43, vec8(u16list(0x0304, 0x0303)))...)
		exts = append(exts, tlsExt(51, vec16(append(be16(29), vec16(body32(seed+1))...)))...)
	}
	if h.badExtLn {
		exts = append(exts, 0xff, 0x01, 0x40, 0x00) // announces 16 KiB
	}
	return hsMsg(1, append(body, vec16(exts)...))
}

func body32(seed byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed*31 + byte(i)*7
	}
	return b
}

func serverHello(version, cipher int, alpn string, tls13 bool, seed byte) []byte {
	body := append(be16(version), body32(seed)...)
	body = append(body, vec8(nil)...)
	body = append(body, be16(cipher)...)
	body = append(body, 0)
	var exts []byte
	exts = append(exts, tlsExt(0xff01, vec8(nil))...)
	if alpn != "" {
		exts = append(exts, tlsExt(16, vec16(vec8([]byte(alpn))))...)
	}
	if tls13 {
		exts = append(exts, tlsExt(43, be16(0x0304))...)
		exts = append(exts, tlsExt(51, append(be16(29), vec16(body32(seed+2))...))...)
	}
	return hsMsg(2, append(body, vec16(exts)...))
}

func certificateMsg(chain ...[]byte) []byte {
	var l []byte
	for _, c := range chain {
		l = append(l, vec24(c)...)
	}
	return hsMsg(11, vec24(l))
}

// tlsSession is one handshake to write over a simulated TCP connection.
type tlsSession struct {
	hello      helloSpec
	version    int // negotiated (0: the server answers with an alert)
	cipher     int
	alpn       string
	chain      [][]byte
	alert      byte // fatal alert the server sends instead of a ServerHello
	splitHello bool // the ClientHello record over two segments
}

// write writes the session on k from t and returns when it ends.
func (ts tlsSession) write(k *tcpConn, t time.Duration, seed byte) time.Duration {
	t = k.handshake(t)
	ch := tlsRecord(22, 0x0301, clientHello(ts.hello, seed))
	if ts.splitHello {
		k.seg(t, true, tPSH|tACK, ch[:60], nil)
		k.seg(t+time.Millisecond, true, tPSH|tACK, ch[60:], nil)
	} else {
		k.seg(t, true, tPSH|tACK, ch, nil)
	}
	t += k.rtt
	if ts.alert != 0 {
		k.seg(t, false, tPSH|tACK, tlsRecord(21, 0x0303, []byte{2, ts.alert}), nil)
		return k.close(t + k.rtt)
	}
	tls13 := ts.version == 0x0304
	rv := ts.version
	if tls13 {
		rv = 0x0303
	}
	flight := serverHello(rv, ts.cipher, ts.alpn, tls13, seed)
	if !tls13 {
		flight = append(flight, certificateMsg(ts.chain...)...)
		flight = append(flight, hsMsg(14, nil)...)
	}
	k.seg(t, false, tPSH|tACK, tlsRecord(22, rv, flight), nil)
	if tls13 {
		k.seg(t+100*time.Microsecond, false, tPSH|tACK, append(tlsRecord(20, 0x0303, []byte{1}), tlsRecord(23, 0x0303, body(600, seed))...), nil)
		t += k.rtt / 2
		k.seg(t, true, tPSH|tACK, append(tlsRecord(20, 0x0303, []byte{1}), tlsRecord(23, 0x0303, body(53, seed))...), nil)
	} else {
		t += k.rtt / 2
		cke := tlsRecord(22, rv, hsMsg(16, vec8(body32(seed+3))))
		k.seg(t, true, tPSH|tACK, append(append(cke, tlsRecord(20, rv, []byte{1})...), tlsRecord(22, rv, body(40, seed))...), nil)
		t += k.rtt
		k.seg(t, false, tPSH|tACK, append(tlsRecord(20, rv, []byte{1}), tlsRecord(22, rv, body(40, seed))...), nil)
	}
	t += time.Millisecond
	k.seg(t, true, tPSH|tACK, tlsRecord(23, rv, body(300, seed)), nil)
	t += k.rtt
	k.seg(t, false, tPSH|tACK, tlsRecord(23, rv, body(1200, seed)), nil)
	return k.close(t + time.Millisecond)
}

// goodChain is a valid chain for www.example.com at the capture's time.
func goodChain() [][]byte {
	return [][]byte{leafCert("www.example.com", []string{"www.example.com", "example.com"}, genkit.Epoch.AddDate(0, -1, 0), genkit.Epoch.AddDate(0, 11, 0), 10), tlsCACert}
}

var modernHello = helloSpec{version: 0x0303, sni: "www.example.com", alpn: []string{"h2", "http/1.1"}, ciphers: []int{0x1301, 0xc02b, 0xc02f}, tls13: true}

// tlsWrite runs sessions one after the other, each on its own connection.
func tlsWrite(w *timeline, sessions []tlsSession, client, server host, port uint16) {
	t := time.Duration(0)
	for i, s := range sessions {
		k := newConn(w, client, uint16(50000+i), server, port, 20*time.Millisecond, uint32(i+1))
		t = s.write(k, t, byte(i+1)) + 50*time.Millisecond
	}
}

// tlsNormal: a TLS 1.2 session with a valid chain (its ClientHello split
// over two segments), a TLS 1.3 session and one from a second client,
// all with SNI on port 443: no detector fires.
func tlsNormal(w *timeline) {
	tls12 := modernHello
	tls12.tls13 = false
	tlsWrite(w, []tlsSession{
		{hello: tls12, version: 0x0303, cipher: 0xc02b, alpn: "h2", chain: goodChain(), splitHello: true},
		{hello: modernHello, version: 0x0304, cipher: 0x1301, alpn: "h2"},
	}, tlsClient, tlsServer, 443)
	var w2 timeline
	tlsWrite(&w2, []tlsSession{{hello: modernHello, version: 0x0304, cipher: 0x1302, alpn: "http/1.1"}}, tlsClient2, tlsServer2, 443)
	for _, f := range w2.frames {
		w.frame(f.t+time.Second, f.data)
	}
}

// tlsExpired: the server presents a certificate that expired a month
// before the capture.
func tlsExpired(w *timeline) {
	chain := [][]byte{leafCert("www.example.com", []string{"www.example.com"}, genkit.Epoch.AddDate(-1, 0, 0), genkit.Epoch.AddDate(0, -1, 0), 11), tlsCACert}
	tls12 := modernHello
	tls12.tls13 = false
	tlsWrite(w, []tlsSession{{hello: tls12, version: 0x0303, cipher: 0xc02b, alpn: "h2", chain: chain}}, tlsClient, tlsServer, 443)
}

// tlsSelfSigned: the server presents a self-signed certificate.
func tlsSelfSigned(w *timeline) {
	chain := [][]byte{mkCert(certOpts{cn: "www.example.com", names: []string{"www.example.com"}, notBefore: genkit.Epoch.AddDate(0, -1, 0), notAfter: genkit.Epoch.AddDate(1, 0, 0), selfSigned: true, serial: 12}, caCert())}
	tls12 := modernHello
	tls12.tls13 = false
	tlsWrite(w, []tlsSession{{hello: tls12, version: 0x0303, cipher: 0xc02b, alpn: "h2", chain: chain}}, tlsClient, tlsServer, 443)
}

// tlsNameMismatch: the certificate names other.example.net; the client
// asked for www.example.com.
func tlsNameMismatch(w *timeline) {
	chain := [][]byte{leafCert("other.example.net", []string{"other.example.net"}, genkit.Epoch.AddDate(0, -1, 0), genkit.Epoch.AddDate(1, 0, 0), 13), tlsCACert}
	tls12 := modernHello
	tls12.tls13 = false
	tlsWrite(w, []tlsSession{{hello: tls12, version: 0x0303, cipher: 0xc02b, chain: chain}}, tlsClient, tlsServer, 443)
}

// tlsWeak: TLS 1.0 with RC4 (TLS_RSA_WITH_RC4_128_SHA).
func tlsWeak(w *timeline) {
	h := helloSpec{version: 0x0301, sni: "www.example.com", ciphers: []int{0x0005, 0x000a, 0x002f}}
	tlsWrite(w, []tlsSession{{hello: h, version: 0x0301, cipher: 0x0005, chain: goodChain()}}, tlsClient, tlsServer, 443)
}

// tlsOddPort: TLS on port 8444.
func tlsOddPort(w *timeline) {
	tlsWrite(w, []tlsSession{{hello: modernHello, version: 0x0304, cipher: 0x1301, alpn: "h2"}}, tlsClient, tlsServer, 8444)
}

// tlsNoSNI: two TLS 1.3 ClientHellos without a server name to a public
// address.
func tlsNoSNI(w *timeline) {
	h := modernHello
	h.sni = ""
	tlsWrite(w, []tlsSession{{hello: h, version: 0x0304, cipher: 0x1301}, {hello: h, version: 0x0304, cipher: 0x1301}}, tlsClient, tlsServer, 443)
}

// tlsFailure: the server answers three ClientHellos with a fatal
// handshake_failure alert.
func tlsFailure(w *timeline) {
	h := helloSpec{version: 0x0303, sni: "www.example.com", ciphers: []int{0x009c}}
	s := tlsSession{hello: h, alert: 40}
	tlsWrite(w, []tlsSession{s, s, s}, tlsClient, tlsServer, 443)
}

// tlsMalformed: a ClientHello whose last extension announces more bytes
// than the message holds.
func tlsMalformed(w *timeline) {
	h := modernHello
	h.badExtLn = true
	tlsWrite(w, []tlsSession{{hello: h, version: 0x0304, cipher: 0x1301}}, tlsClient, tlsServer, 443)
}
