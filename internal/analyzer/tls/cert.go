package tls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"time"

	"github.com/mcpacket/mcpacket/internal/result"
)

// certInfo is one certificate seen, decoded once and shared by the
// sessions that sent it (keyed by its SHA-256 fingerprint).
type certInfo struct {
	sha256     string
	ok         bool   // crypto/x509 parsed it
	parseErr   string // why it did not
	subjectCN  string
	subject    string
	issuer     string
	serial     string
	dnsNames   []string // DNS SANs in order
	ipSANs     []string
	notBefore  time.Time
	notAfter   time.Time
	keyType    string
	keyBits    int
	sigAlg     string
	isCA       bool
	selfSigned bool // issuer equals subject and its own key verifies its signature
	cert       *x509.Certificate

	firstFrame int
	fromClient bool // first seen from a client (a client certificate)
	sessions   []int
	nSessions  int
}

// maxCertSessions is how many session ids a certificate lists.
const maxCertSessions = 20

// newCertInfo decodes der with crypto/x509.
func newCertInfo(der []byte, sum [32]byte) *certInfo {
	ci := &certInfo{sha256: hex.EncodeToString(sum[:])}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		ci.parseErr = err.Error()
		return ci
	}
	ci.ok, ci.cert = true, c
	ci.subjectCN = c.Subject.CommonName
	ci.subject = c.Subject.String()
	ci.issuer = c.Issuer.String()
	ci.serial = c.SerialNumber.Text(16)
	ci.dnsNames = c.DNSNames
	for _, ip := range c.IPAddresses {
		ci.ipSANs = append(ci.ipSANs, ip.String())
	}
	ci.notBefore, ci.notAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	ci.sigAlg = c.SignatureAlgorithm.String()
	ci.isCA = c.IsCA
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		ci.keyType, ci.keyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		ci.keyType, ci.keyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		ci.keyType, ci.keyBits = "Ed25519", 256
	default:
		ci.keyType = c.PublicKeyAlgorithm.String()
	}
	if bytes.Equal(c.RawIssuer, c.RawSubject) {
		ci.selfSigned = c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
	}
	return ci
}

// expiredAt reports whether t is outside the certificate's validity:
// "expired" or "not_yet_valid", or "".
func (ci *certInfo) validityAt(t time.Time) string {
	switch {
	case !ci.ok || t.IsZero():
		return ""
	case t.After(ci.notAfter):
		return "expired"
	case t.Before(ci.notBefore):
		return "not_yet_valid"
	}
	return ""
}

// covers reports whether the certificate's names cover host.
func (ci *certInfo) covers(host string) bool {
	return ci.ok && ci.cert.VerifyHostname(host) == nil
}

func (ci *certInfo) addSession(id int) {
	ci.nSessions++
	if len(ci.sessions) < maxCertSessions {
		ci.sessions = append(ci.sessions, id)
	}
}

// present renders the certificate for the output.
func (ci *certInfo) present(at time.Time) Certificate {
	c := Certificate{SHA256: ci.sha256, FirstPacket: ci.firstFrame, SessionsTotal: ci.nSessions, Sessions: append([]int{}, ci.sessions...), ClientCertificate: ci.fromClient}
	if !ci.ok {
		c.ParseError = result.Text(ci.parseErr, 200)
		return c
	}
	c.SubjectCN = result.Text(ci.subjectCN, 256)
	c.Subject = result.Text(ci.subject, 512)
	c.Issuer = result.Text(ci.issuer, 512)
	c.Serial = ci.serial
	c.SANs = []string{}
	for _, n := range ci.dnsNames {
		if len(c.SANs) == 50 {
			break
		}
		c.SANs = append(c.SANs, result.Text(n, 256))
	}
	c.SANs = append(c.SANs, ci.ipSANs[:min(len(ci.ipSANs), 10)]...)
	c.SANsTotal = len(ci.dnsNames) + len(ci.ipSANs)
	c.NotBefore, c.NotAfter = result.FormatTime(ci.notBefore), result.FormatTime(ci.notAfter)
	c.KeyType, c.KeyBits, c.SignatureAlgorithm = ci.keyType, ci.keyBits, ci.sigAlg
	c.IsCA, c.SelfSigned = ci.isCA, ci.selfSigned
	c.Validity = "valid"
	if v := ci.validityAt(at); v != "" {
		c.Validity = v
	}
	return c
}

func certSum(der []byte) [32]byte { return sha256.Sum256(der) }
