package main

// tls-go-rich-cert.pcap: a TLS 1.2 handshake whose server presents a leaf
// with most of the extensions public certificates carry (policies with
// CPS and user-notice qualifiers, authority information access, CRL
// distribution points, a Certificate Transparency list, a Netscape
// comment, names of several kinds, an issuer alternative name that is a
// directory name) and an ECDSA key, and staples an OCSP response (a
// responder named by its name, a nonce, a certificate): what Wireshark's
// BER dissector hands on to x509sat, x509ce, pkix1explicit, pkix1implicit,
// pkcs-1, ns_cert_exts, ocsp and tls, frame by frame.

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"log"
	"math/big"
	"net"
	"net/url"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/mcpacket/mcpacket/testdata/gen/genkit"
)

func goRichCert(w *timeline) {
	leaf := richLeaf()
	cc, sc := goPair("rich.example.com", [][]byte{leaf, tlsCACert}, ecdsaKey(), tls.VersionTLS12, tls.VersionTLS12, nil)
	sc.Certificates[0].OCSPStaple = ocspStaple()
	writeGoTLS(w, goTLS(cc, sc), tlsClient, tlsServer, 51010, 443, 78)
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func oid(s ...int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier(s) }

// richLeaf is the leaf certificate, for the ECDSA key, signed by the CA.
func richLeaf() []byte {
	type qualifier struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	type policy struct {
		ID         asn1.ObjectIdentifier
		Qualifiers []qualifier `asn1:"optional"`
	}
	ia5 := func(s string) asn1.RawValue { return asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte(s)} }
	notice := mustMarshal(struct {
		Text string `asn1:"utf8"`
	}{"generated for mcpacket's tests"})
	policies := mustMarshal([]policy{
		{ID: oid(2, 23, 140, 1, 2, 1)},
		{ID: oid(1, 3, 6, 1, 4, 1, 44947, 1, 1, 1), Qualifiers: []qualifier{
			{ID: oid(1, 3, 6, 1, 5, 5, 7, 2, 1), Value: ia5("http://cps.example.com")},
			{ID: oid(1, 3, 6, 1, 5, 5, 7, 2, 2), Value: asn1.RawValue{FullBytes: notice}},
		}},
	})
	// issuerAltName: GeneralNames holding a directoryName ([4] EXPLICIT Name).
	dirName := mustMarshal(pkix.Name{CommonName: "Gen Test Root CA", Organization: []string{"mcpacket generated"}}.ToRDNSequence())
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(dirName) })
	})
	ian := b.BytesOrPanic()
	u, _ := url.Parse("https://rich.example.com/id")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(30),
		Subject: pkix.Name{CommonName: "rich.example.com", Organization: []string{"mcpacket generated"}, OrganizationalUnit: []string{"tests"},
			Country: []string{"FR"}, Province: []string{"Ile-de-France"}, Locality: []string{"Paris"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oid(1, 2, 840, 113549, 1, 9, 1), Value: "pki@example.com"}}},
		NotBefore: genkit.Epoch.AddDate(0, -1, 0), NotAfter: genkit.Epoch.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, SubjectKeyId: []byte{1, 2, 3, 4},
		DNSNames: []string{"rich.example.com", "www.rich.example.com"}, IPAddresses: []net.IP{net.IPv4(192, 0, 2, 10)},
		EmailAddresses: []string{"pki@example.com"}, URIs: []*url.URL{u},
		CRLDistributionPoints: []string{"http://crl.example.com/ca.crl"},
		OCSPServer:            []string{"http://ocsp.example.com"}, IssuingCertificateURL: []string{"http://ca.example.com/ca.crt"},
		ExtraExtensions: []pkix.Extension{
			{Id: oid(2, 5, 29, 32), Value: policies},
			{Id: oid(2, 5, 29, 18), Value: ian},
			{Id: oid(2, 16, 840, 1, 113730, 1, 13), Value: mustMarshal("generated certificate")},
			// An empty Certificate Transparency list (its TLS encoding in an OCTET STRING).
			{Id: oid(1, 3, 6, 1, 4, 1, 11129, 2, 4, 2), Value: mustMarshal([]byte{0, 0})},
		},
	}
	der, err := x509.CreateCertificate(nil, tmpl, caCert(), &ecdsaKey().PublicKey, tlsCAKey)
	if err != nil {
		log.Fatal(err)
	}
	return der
}

// ocspStaple is an OCSP response for the leaf: a BasicOCSPResponse whose
// responder is named by its name, with a nonce and the CA's certificate
// (the signature is not checked by anything that reads it).
func ocspStaple() []byte {
	name := mustMarshal(pkix.Name{CommonName: "Gen Test OCSP", Organization: []string{"mcpacket generated"}}.ToRDNSequence())
	when := genkit.Epoch.UTC()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // BasicOCSPResponse
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseData
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(name) })
			b.AddASN1GeneralizedTime(when)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // responses
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SingleResponse
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertID
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oid(1, 3, 14, 3, 2, 26))
							b.AddASN1NULL()
						})
						b.AddASN1OctetString(make([]byte, 20))
						b.AddASN1OctetString(make([]byte, 20))
						b.AddASN1Int64(30)
					})
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {}) // good
					b.AddASN1GeneralizedTime(when)
				})
			})
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // responseExtensions
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // nonce
						b.AddASN1ObjectIdentifier(oid(1, 3, 6, 1, 5, 5, 7, 48, 1, 2))
						b.AddASN1OctetString(mustMarshal([]byte("0123456789abcdef")))
					})
				})
			})
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid(1, 3, 101, 112)) })
		b.AddASN1BitString(make([]byte, 64))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(tlsCACert) })
		})
	})
	basic := b.BytesOrPanic()
	var r cryptobyte.Builder
	r.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // OCSPResponse
		b.AddASN1Enum(0)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid(1, 3, 6, 1, 5, 5, 7, 48, 1, 1))
				b.AddASN1OctetString(basic)
			})
		})
	})
	return r.BytesOrPanic()
}
