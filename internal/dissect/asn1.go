package dissect

import (
	_ "embed"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Wireshark's BER dissector hands the contents an OID governs (a name's
// attribute value, an extension's value, a policy qualifier, an OCSP
// response) to the protocol that registered the OID in its ber.oid table,
// and each such call adds that protocol to frame.protocols. So the last
// protocol of a frame carrying certificates is the protocol of the last
// OID dissected in it (x509ce, x509sat, pkix1explicit, ocsp, ... or tls,
// which registered the Certificate Transparency timestamp list). ASN1Walk
// replays that order over a certificate or an OCSP response.

//go:embed asn1oids.tsv
var asn1OIDsTSV string

// asn1Protos are the protocols tshark 4.0 registered OIDs for (asn1oids.tsv),
// in the order of ASN1Set's bits.
var asn1Protos = [...]Proto{ProtoX509SAT, ProtoX509CE, ProtoX509AF, ProtoX509IF, ProtoPKIX1Explicit, ProtoPKIX1Implicit,
	ProtoOCSP, ProtoPKCS1, ProtoNSCertExts, ProtoLogotypeCertExtn, ProtoCMS, ProtoPKIXAC, ProtoPKIXQualified, ProtoPKCS10,
	ProtoPKIXProxy, ProtoMUDURL, ProtoWLANCertExtn, ProtoJPEG, ProtoTLS}

// asn1OIDs maps an OID's DER contents to the protocol dissecting what it
// governs.
var asn1OIDs = func() map[string]Proto {
	m := map[string]Proto{}
	for _, line := range strings.Split(asn1OIDsTSV, "\n") {
		oid, name, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		p, ok := ProtoByName(name)
		if !ok {
			panic("asn1oids.tsv: unknown protocol " + name)
		}
		m[string(encodeOID(oid))] = p
	}
	return m
}()

// encodeOID returns the DER contents of a dotted OID.
func encodeOID(s string) []byte {
	parts := strings.Split(s, ".")
	n := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			panic("asn1oids.tsv: bad OID " + s)
		}
		n[i] = v
	}
	var b []byte
	arc := func(v uint64) {
		var tmp [10]byte
		i := len(tmp) - 1
		tmp[i] = byte(v & 0x7f)
		for v >>= 7; v > 0; v >>= 7 {
			i--
			tmp[i] = byte(v&0x7f) | 0x80
		}
		b = append(b, tmp[i:]...)
	}
	arc(n[0]*40 + n[1])
	for _, v := range n[2:] {
		arc(v)
	}
	return b
}

// LayerOnly reports whether p is a protocol tshark 4.0 lists in
// frame.protocols without adding it to the packet's tree, so that its
// name as a display filter selects nothing: the generated ASN.1
// protocols an OID hands contents to, all but ocsp (tshark -Y x509sat
// selects no frame of the corpus; -Y ocsp every frame listing ocsp), and
// NTLMSSP's verifier.
func LayerOnly(p Proto) bool {
	return p >= ProtoX509SAT && p <= ProtoJPEG && p != ProtoOCSP || p == ProtoNTLMSSPVerifier
}

// ASN1Set is the ASN.1 protocols a frame's certificates and OCSP
// responses added, and the last of them.
type ASN1Set struct {
	Bits uint32 // bit i: asn1Protos[i]
	Last Proto
}

// Add adds p, the last so far.
func (s *ASN1Set) Add(p Proto) {
	for i, q := range asn1Protos {
		if q == p {
			s.Bits |= 1 << i
		}
	}
	s.Last = p
}

// Has reports whether p is in the set.
func (s ASN1Set) Has(p Proto) bool {
	for i, q := range asn1Protos {
		if q == p {
			return s.Bits&(1<<i) != 0
		}
	}
	return false
}

// BodyASN1 is what an HTTP body of type application/ocsp-request or
// application/ocsp-response (request tells which) adds: ocsp (the media
// type's dissector), then what its OIDs add.
func BodyASN1(request bool, body []byte) ASN1Set {
	var s ASN1Set
	s.Add(ProtoOCSP)
	w := asn1Walker{emit: s.Add}
	if request {
		w.ocspRequest(cryptobyte.String(body))
	} else {
		w.ocspResponse(cryptobyte.String(body))
	}
	return s
}

// each calls emit with the protocols of s in the order a stack lists them,
// the last one last.
func (s ASN1Set) each(emit func(Proto)) {
	for _, p := range asn1Protos {
		if p != s.Last && p != ProtoTLS && s.Has(p) {
			emit(p)
		}
	}
	emit(s.Last)
}

// pushASN1 pushes the protocols of a, the last one last.
func (s *Stack) pushASN1(a ASN1Set) { a.each(s.push) }

// asn1Walker emits, in dissection order, the protocols Wireshark adds for
// the OIDs in a structure; malformed input ends the walk where the
// dissector would stop finding OIDs. Nothing it walks nests itself
// (certificates hold names, OCSP responses certificates), so its depth is
// bounded by the grammar.
type asn1Walker struct {
	emit func(Proto)
}

// ASN1Certificate emits the protocols a DER certificate adds.
func ASN1Certificate(der []byte, emit func(Proto)) {
	w := asn1Walker{emit: emit}
	w.certificate(cryptobyte.String(der))
}

// ASN1OCSPResponse emits the protocols an OCSPResponse adds when its
// dissector is called directly (TLS's CertificateStatus); a body of type
// application/ocsp-response adds ocsp first.
func ASN1OCSPResponse(der []byte, emit func(Proto)) {
	w := asn1Walker{emit: emit}
	w.ocspResponse(cryptobyte.String(der))
}

func (w *asn1Walker) oid(oid []byte) {
	if p, ok := asn1OIDs[string(oid)]; ok {
		w.emit(p)
	}
}

// certificate: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }.
func (w *asn1Walker) certificate(s cryptobyte.String) {
	var cert, tbs cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return
	}
	tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) // version
	if !tbs.SkipASN1(cbasn1.INTEGER) || !w.algorithm(&tbs) || !w.name(&tbs) ||
		!tbs.SkipASN1(cbasn1.SEQUENCE) || !w.name(&tbs) {
		return
	}
	var spki cryptobyte.String
	if !tbs.ReadASN1(&spki, cbasn1.SEQUENCE) || !w.algorithm(&spki) {
		return
	}
	tbs.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific())
	tbs.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific())
	var exts cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return
	}
	if present && !w.extensions(&exts) {
		return
	}
	w.algorithm(&cert)
}

// algorithm: AlgorithmIdentifier; parameters other than NULL are handed
// to the algorithm's protocol.
func (w *asn1Walker) algorithm(s *cryptobyte.String) bool {
	var alg, oid cryptobyte.String
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
		return false
	}
	if !alg.Empty() && !alg.PeekASN1Tag(cbasn1.NULL) {
		w.oid(oid)
	}
	return true
}

// name: Name ::= SEQUENCE OF RelativeDistinguishedName.
func (w *asn1Walker) name(s *cryptobyte.String) bool {
	var rdns cryptobyte.String
	if !s.ReadASN1(&rdns, cbasn1.SEQUENCE) {
		return false
	}
	for !rdns.Empty() {
		var rdn cryptobyte.String
		if !rdns.ReadASN1(&rdn, cbasn1.SET) || !w.rdn(rdn) {
			return false
		}
	}
	return true
}

// rdn: SET OF AttributeTypeAndValue.
func (w *asn1Walker) rdn(rdn cryptobyte.String) bool {
	for !rdn.Empty() {
		var atv, oid cryptobyte.String
		if !rdn.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
			return false
		}
		w.oid(oid)
	}
	return true
}

// extensions: [3] EXPLICIT SEQUENCE OF Extension { extnID, critical, extnValue }.
func (w *asn1Walker) extensions(s *cryptobyte.String) bool {
	var list cryptobyte.String
	if !s.ReadASN1(&list, cbasn1.SEQUENCE) {
		return false
	}
	for !list.Empty() {
		var ext, oid, val cryptobyte.String
		if !list.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
			return false
		}
		ext.SkipOptionalASN1(cbasn1.BOOLEAN)
		if !ext.ReadASN1(&val, cbasn1.OCTET_STRING) {
			return false
		}
		if _, ok := asn1OIDs[string(oid)]; !ok {
			continue
		}
		w.oid(oid)
		w.extension(string(oid), val)
	}
	return true
}

// DER contents of the OIDs whose extension values hold more OIDs.
var (
	oidCertPolicies   = string(encodeOID("2.5.29.32"))
	oidSubjectAltName = string(encodeOID("2.5.29.17"))
	oidIssuerAltName  = string(encodeOID("2.5.29.18"))
	oidAuthorityKeyID = string(encodeOID("2.5.29.35"))
	oidCRLDistPoints  = string(encodeOID("2.5.29.31"))
	oidFreshestCRL    = string(encodeOID("2.5.29.46"))
	oidNameConstraint = string(encodeOID("2.5.29.30"))
	oidAuthorityInfo  = string(encodeOID("1.3.6.1.5.5.7.1.1"))
	oidSubjectInfo    = string(encodeOID("1.3.6.1.5.5.7.1.11"))
)

// extension walks the value of an extension Wireshark dissects.
func (w *asn1Walker) extension(oid string, v cryptobyte.String) {
	var seq cryptobyte.String
	switch oid {
	case oidCertPolicies: // SEQUENCE OF PolicyInformation { policyIdentifier, policyQualifiers }
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return
		}
		for !seq.Empty() {
			var pi, quals cryptobyte.String
			if !seq.ReadASN1(&pi, cbasn1.SEQUENCE) || !pi.SkipASN1(cbasn1.OBJECT_IDENTIFIER) {
				return
			}
			if !pi.ReadASN1(&quals, cbasn1.SEQUENCE) {
				continue
			}
			for !quals.Empty() {
				var q, qid cryptobyte.String
				if !quals.ReadASN1(&q, cbasn1.SEQUENCE) || !q.ReadASN1(&qid, cbasn1.OBJECT_IDENTIFIER) {
					return
				}
				if !q.Empty() {
					w.oid(qid)
				}
			}
		}
	case oidSubjectAltName, oidIssuerAltName:
		if v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			w.generalNames(seq)
		}
	case oidAuthorityKeyID: // SEQUENCE { [0] keyIdentifier, [1] authorityCertIssuer, [2] serial }
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return
		}
		seq.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific())
		var names cryptobyte.String
		var ok bool
		if seq.ReadOptionalASN1(&names, &ok, cbasn1.Tag(1).Constructed().ContextSpecific()) && ok {
			w.generalNames(names)
		}
	case oidCRLDistPoints, oidFreshestCRL: // SEQUENCE OF DistributionPoint
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return
		}
		for !seq.Empty() {
			var dp, dpn cryptobyte.String
			var ok bool
			if !seq.ReadASN1(&dp, cbasn1.SEQUENCE) {
				return
			}
			if dp.ReadOptionalASN1(&dpn, &ok, cbasn1.Tag(0).Constructed().ContextSpecific()) && ok {
				var in cryptobyte.String
				var tag cbasn1.Tag
				if dpn.ReadAnyASN1(&in, &tag) {
					switch tag {
					case cbasn1.Tag(0).Constructed().ContextSpecific(): // fullName
						w.generalNames(in)
					case cbasn1.Tag(1).Constructed().ContextSpecific(): // nameRelativeToCRLIssuer
						w.rdn(in)
					}
				}
			}
			dp.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific())
			var issuer cryptobyte.String
			if dp.ReadOptionalASN1(&issuer, &ok, cbasn1.Tag(2).Constructed().ContextSpecific()) && ok {
				w.generalNames(issuer)
			}
		}
	case oidNameConstraint: // SEQUENCE { [0] permitted, [1] excluded } of GeneralSubtree
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return
		}
		for !seq.Empty() {
			var subtrees cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&subtrees, &tag) {
				return
			}
			for !subtrees.Empty() {
				var st cryptobyte.String
				if !subtrees.ReadASN1(&st, cbasn1.SEQUENCE) || !w.generalName(&st) {
					return
				}
			}
		}
	case oidAuthorityInfo, oidSubjectInfo: // SEQUENCE OF AccessDescription { accessMethod, accessLocation }
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return
		}
		for !seq.Empty() {
			var ad cryptobyte.String
			if !seq.ReadASN1(&ad, cbasn1.SEQUENCE) || !ad.SkipASN1(cbasn1.OBJECT_IDENTIFIER) || !w.generalName(&ad) {
				return
			}
		}
	}
}

// generalNames: the GeneralName elements of a GeneralNames' contents.
func (w *asn1Walker) generalNames(s cryptobyte.String) {
	for !s.Empty() {
		if !w.generalName(&s) {
			return
		}
	}
}

// generalName: otherName's value goes to its type's protocol, a
// directoryName is a Name.
func (w *asn1Walker) generalName(s *cryptobyte.String) bool {
	var gn cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&gn, &tag) {
		return false
	}
	switch tag {
	case cbasn1.Tag(0).Constructed().ContextSpecific(): // otherName { type-id, [0] EXPLICIT value }
		var oid cryptobyte.String
		if gn.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) && !gn.Empty() {
			w.oid(oid)
		}
	case cbasn1.Tag(4).Constructed().ContextSpecific(): // directoryName [4] EXPLICIT Name
		w.name(&gn)
	}
	return true
}

// ocspResponse: OCSPResponse ::= SEQUENCE { responseStatus, [0] EXPLICIT
// ResponseBytes { responseType, response OCTET STRING } }.
func (w *asn1Walker) ocspResponse(s cryptobyte.String) {
	var resp, rb, inner, oid, body cryptobyte.String
	var ok bool
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.SkipASN1(cbasn1.ENUM) ||
		!resp.ReadOptionalASN1(&rb, &ok, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ok ||
		!rb.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!inner.ReadASN1(&body, cbasn1.OCTET_STRING) {
		return
	}
	p, known := asn1OIDs[string(oid)]
	if !known {
		return
	}
	w.emit(p)
	if p == ProtoOCSP {
		w.basicOCSP(body)
	}
}

// basicOCSP: BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm,
// signature, [0] EXPLICIT SEQUENCE OF Certificate }.
func (w *asn1Walker) basicOCSP(s cryptobyte.String) {
	var b, rd cryptobyte.String
	if !s.ReadASN1(&b, cbasn1.SEQUENCE) || !b.ReadASN1(&rd, cbasn1.SEQUENCE) {
		return
	}
	// ResponseData ::= SEQUENCE { [0] version, responderID, producedAt,
	// responses, [1] EXPLICIT responseExtensions }
	rd.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific())
	var rid cryptobyte.String
	var tag cbasn1.Tag
	if !rd.ReadAnyASN1(&rid, &tag) {
		return
	}
	if tag == cbasn1.Tag(1).Constructed().ContextSpecific() && !w.name(&rid) { // byName
		return
	}
	var responses cryptobyte.String
	if !rd.SkipASN1(cbasn1.GeneralizedTime) || !rd.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return
	}
	for !responses.Empty() {
		// SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate,
		// [0] nextUpdate, [1] EXPLICIT singleExtensions }
		var sr, certID cryptobyte.String
		if !responses.ReadASN1(&sr, cbasn1.SEQUENCE) || !sr.ReadASN1(&certID, cbasn1.SEQUENCE) || !w.algorithm(&certID) {
			return
		}
		var status cryptobyte.String
		if !sr.ReadAnyASN1(&status, &tag) || !sr.SkipASN1(cbasn1.GeneralizedTime) {
			return
		}
		sr.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific())
		if !w.optionalExtensions(&sr, 1) {
			return
		}
	}
	if !w.optionalExtensions(&rd, 1) {
		return
	}
	if !w.algorithm(&b) || !b.SkipASN1(cbasn1.BIT_STRING) {
		return
	}
	w.certs(&b)
}

// certs: [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL.
func (w *asn1Walker) certs(s *cryptobyte.String) {
	var certs, list cryptobyte.String
	var ok bool
	if !s.ReadOptionalASN1(&certs, &ok, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ok || !certs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return
	}
	for !list.Empty() {
		var c cryptobyte.String
		var tag cbasn1.Tag
		if !list.ReadAnyASN1Element(&c, &tag) {
			return
		}
		w.certificate(c)
	}
}

// optionalExtensions: [n] EXPLICIT Extensions OPTIONAL; false when
// malformed.
func (w *asn1Walker) optionalExtensions(s *cryptobyte.String, n uint8) bool {
	var exts cryptobyte.String
	var ok bool
	return s.ReadOptionalASN1(&exts, &ok, cbasn1.Tag(n).Constructed().ContextSpecific()) && (!ok || w.extensions(&exts))
}

// ocspRequest: OCSPRequest ::= SEQUENCE { tbsRequest, [0] EXPLICIT
// optionalSignature }.
func (w *asn1Walker) ocspRequest(s cryptobyte.String) {
	var req, tbs cryptobyte.String
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return
	}
	// TBSRequest ::= SEQUENCE { [0] version, [1] EXPLICIT requestorName,
	// requestList, [2] EXPLICIT requestExtensions }
	tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific())
	var name, list cryptobyte.String
	var ok bool
	if !tbs.ReadOptionalASN1(&name, &ok, cbasn1.Tag(1).Constructed().ContextSpecific()) || ok && !w.generalName(&name) {
		return
	}
	if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return
	}
	for !list.Empty() {
		// Request ::= SEQUENCE { reqCert CertID, [0] EXPLICIT singleRequestExtensions }
		var r, certID cryptobyte.String
		if !list.ReadASN1(&r, cbasn1.SEQUENCE) || !r.ReadASN1(&certID, cbasn1.SEQUENCE) || !w.algorithm(&certID) {
			return
		}
		if !w.optionalExtensions(&r, 0) {
			return
		}
	}
	if !w.optionalExtensions(&tbs, 2) {
		return
	}
	// Signature ::= SEQUENCE { signatureAlgorithm, signature, [0] EXPLICIT certs }
	var sig, seq cryptobyte.String
	if !req.ReadOptionalASN1(&sig, &ok, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ok ||
		!sig.ReadASN1(&seq, cbasn1.SEQUENCE) || !w.algorithm(&seq) || !seq.SkipASN1(cbasn1.BIT_STRING) {
		return
	}
	w.certs(&seq)
}
