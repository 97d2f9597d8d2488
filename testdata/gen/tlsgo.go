//go:debug cryptocustomrand=1

package main

// Real TLS handshakes recorded from Go's crypto/tls client and server
// talking over net.Pipe, written as TCP segments. To write the same bytes
// on every run, every random source is a reader of one constant byte (the
// GODEBUG above makes crypto honour Config.Rand; a constant stream is
// unaffected by the extra byte crypto/internal/randutil may or may not
// read), keys are fixed (Ed25519 from seeds, ECDSA from a fixed scalar),
// session tickets are off, and the two sides speak in turn.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

// constReader reads an endless run of one byte.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// recConn records what each side writes, in order.
type recConn struct {
	net.Conn
	client bool
	log    *[]recWrite
	mu     *sync.Mutex
}

type recWrite struct {
	client bool
	data   []byte
}

func (c *recConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	*c.log = append(*c.log, recWrite{c.client, append([]byte(nil), b...)})
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// goTLS runs one crypto/tls handshake and a request/response between cc
// and sc and returns the writes of both sides in order.
func goTLS(cc, sc *tls.Config) []recWrite {
	var log_ []recWrite
	var mu sync.Mutex
	a, b := net.Pipe()
	client := tls.Client(&recConn{a, true, &log_, &mu}, cc)
	server := tls.Server(&recConn{b, false, &log_, &mu}, sc)
	done := make(chan error, 1)
	go func() {
		if err := server.Handshake(); err != nil {
			done <- err
			return
		}
		buf := make([]byte, 64)
		n, err := server.Read(buf)
		if err != nil {
			done <- err
			return
		}
		_, err = server.Write(bytes.Repeat(buf[:n], 20))
		done <- err
	}()
	if err := client.Handshake(); err != nil {
		log.Fatalf("crypto/tls client: %v", err)
	}
	if _, err := client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		log.Fatal(err)
	}
	resp := make([]byte, 4096)
	if _, err := io.ReadAtLeast(client, resp, 540); err != nil {
		log.Fatal(err)
	}
	if err := <-done; err != nil {
		log.Fatalf("crypto/tls server: %v", err)
	}
	a.Close()
	b.Close()
	return log_
}

// goPair returns a client and a server configuration: the server presents
// chain (with key), the client asks for sni and checks nothing (the
// certificates are judged by the analysis, not by the client).
func goPair(sni string, chain [][]byte, key any, minV, maxV uint16, suites []uint16) (*tls.Config, *tls.Config) {
	now := func() time.Time { return genkit.Epoch }
	cert := tls.Certificate{Certificate: chain, PrivateKey: key}
	sc := &tls.Config{Certificates: []tls.Certificate{cert}, Rand: constReader(7), Time: now, MinVersion: minV, MaxVersion: maxV,
		CipherSuites: suites, SessionTicketsDisabled: true, CurvePreferences: []tls.CurveID{tls.X25519}, NextProtos: []string{"h2", "http/1.1"}}
	cc := &tls.Config{ServerName: sni, InsecureSkipVerify: true, Rand: constReader(9), Time: now, MinVersion: minV, MaxVersion: maxV,
		CipherSuites: suites, CurvePreferences: []tls.CurveID{tls.X25519}, NextProtos: []string{"h2", "http/1.1"}, SessionTicketsDisabled: true}
	return cc, sc
}

// writeGoTLS writes a recorded session on a simulated connection from t.
func writeGoTLS(w *timeline, writes []recWrite, client, server host, cport, sport uint16, seed uint32) {
	k := newConn(w, client, cport, server, sport, 20*time.Millisecond, seed)
	t := k.handshake(0)
	prev := true
	for _, wr := range writes {
		if wr.client != prev {
			t += k.rtt / 2
			prev = wr.client
		} else {
			t += 100 * time.Microsecond
		}
		for data := wr.data; len(data) > 0; {
			n := min(len(data), 1400)
			k.seg(t, wr.client, tPSH|tACK, data[:n], nil)
			data = data[n:]
			t += 50 * time.Microsecond
		}
	}
	k.close(t + time.Millisecond)
}

// ecdsaKey is a P-256 key from a fixed scalar.
func ecdsaKey() *ecdsa.PrivateKey {
	d := make([]byte, 32)
	d[31] = 0x2a
	d[0] = 0x11
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		log.Fatal(err)
	}
	return k
}

// ecdsaLeaf is a certificate for the ECDSA key, signed by the CA.
func ecdsaLeaf(cn string) []byte {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(20), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		NotBefore: genkit.Epoch.AddDate(0, -1, 0), NotAfter: genkit.Epoch.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(constReader(3), tmpl, caCert(), &ecdsaKey().PublicKey, tlsCAKey)
	if err != nil {
		log.Fatal(err)
	}
	return der
}

// goCase is one recorded crypto/tls session.
type goCase struct {
	sni    string
	chain  [][]byte
	key    any
	v      uint16
	suites []uint16
}

func (g goCase) build(w *timeline) {
	cc, sc := goPair(g.sni, g.chain, g.key, g.v, g.v, g.suites)
	writeGoTLS(w, goTLS(cc, sc), tlsClient, tlsServer, 51000, 443, 77)
}

func goNormal(w *timeline) {
	goCase{sni: "www.example.com", chain: goodChain(), key: tlsLeaf, v: tls.VersionTLS12}.build(w)
}

func goExpired(w *timeline) {
	chain := [][]byte{leafCert("www.example.com", []string{"www.example.com"}, genkit.Epoch.AddDate(-1, 0, 0), genkit.Epoch.AddDate(0, -1, 0), 11), tlsCACert}
	goCase{sni: "www.example.com", chain: chain, key: tlsLeaf, v: tls.VersionTLS12}.build(w)
}

func goSelfSigned(w *timeline) {
	chain := [][]byte{mkCert(certOpts{cn: "www.example.com", names: []string{"www.example.com"}, notBefore: genkit.Epoch.AddDate(0, -1, 0), notAfter: genkit.Epoch.AddDate(1, 0, 0), selfSigned: true, serial: 12}, caCert())}
	goCase{sni: "www.example.com", chain: chain, key: tlsLeaf, v: tls.VersionTLS12}.build(w)
}

func goNameMismatch(w *timeline) {
	chain := [][]byte{leafCert("other.example.net", []string{"other.example.net"}, genkit.Epoch.AddDate(0, -1, 0), genkit.Epoch.AddDate(1, 0, 0), 13), tlsCACert}
	goCase{sni: "www.example.com", chain: chain, key: tlsLeaf, v: tls.VersionTLS12}.build(w)
}

// goWeak: TLS 1.0 with TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, which Go still
// negotiates when both sides are configured for it.
func goWeak(w *timeline) {
	goCase{sni: "www.example.com", chain: [][]byte{ecdsaLeaf("www.example.com"), tlsCACert}, key: ecdsaKey(), v: tls.VersionTLS10,
		suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA}}.build(w)
}

// goTLS13: a TLS 1.3 handshake (certificates encrypted).
func goTLS13(w *timeline) {
	goCase{sni: "www.example.com", chain: goodChain(), key: tlsLeaf, v: tls.VersionTLS13}.build(w)
}
