package tls

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Listing bounds of the aggregates.
const (
	maxTop          = 10
	maxFingerprints = 20
	maxMix          = 16
)

// summary counts over every session kept.
func (o *observer) summary() Summary {
	sm := Summary{Sessions: o.sessionsTotal, Packets: o.tlsPackets, Versions: map[string]int{}, Ciphers: map[string]int{}, ALPN: map[string]int{},
		Certificates: len(o.certOrder) + o.certsDropped, Malformed: o.malformedCount}
	ciphers := result.NewCounter[uint16](1<<16, 0)
	for _, s := range o.sessions {
		if s.ch != nil && s.ch.sni != "" {
			if sm.names == nil {
				sm.names = map[connKey]string{}
			}
			sm.names[keyOf(s.client, s.server)] = text(s.ch.sni)
		}
		if s.quic {
			sm.QUICSessions++
		} else {
			sm.TLSSessions++
		}
		sm.ClientHellos += s.hellos
		if s.sh != nil {
			sm.ServerHellos++
			ciphers.Add(s.sh.ciphers[0])
			alpn := "none"
			if len(s.sh.alpn) > 0 {
				alpn = text(s.sh.alpn[0])
			}
			sm.ALPN[alpn]++
		}
		if s.hrr {
			sm.HelloRetryRequests++
		}
		if s.resumption() != "" {
			sm.Resumed++
		}
		if f, _ := s.failed(); f {
			sm.Failed++
		}
		sm.Versions[versionName(s.version())]++
		if s.retry {
			sm.QUICRetries++
		}
		if s.vneg {
			sm.QUICVersionNeg++
		}
	}
	sm.Sessions = max(sm.Sessions, len(o.sessions))
	for i, it := range ciphers.Top(func(c uint16) string { return cipherName(c) }).Items {
		if i == maxMix {
			break
		}
		sm.Ciphers[it.Key] = it.Count
	}
	return sm
}

// output builds the tool's result for a call's configuration cfg (its
// filters, pages and thresholds; the tables' bounds are the observer's).
// It reads the observer and changes nothing, so one pass (the result
// cache's) serves any number of calls, at once.
func (o *observer) output(cfg *config, in Input, res *engine.Result, warnings []string) *Output {
	out := &Output{File: in.PcapFile, TotalPacketsInFile: res.Packets, Warnings: warnings, Summary: o.summary(), Anomalies: o.findings(cfg.th),
		Filters: cfg.filters, Thresholds: cfg.th}
	if len(o.sessions) == 0 {
		out.Message = "No TLS or QUIC handshakes found in the capture"
	}
	if o.skipped > 0 {
		out.Note = modkit.MaxPacketsNote(cfg.maxPackets, "TLS session")
	}
	if o.sessionsDropped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d sessions past the state budget were counted but not analysed (--max-state-bytes)", o.sessionsDropped))
	}
	if o.connsEvicted > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d connections were evicted before their end to stay within the state budget; their later records were not parsed", o.connsEvicted))
	}
	if o.heldRefused > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d handshake messages or CRYPTO frames were passed over, undecoded, because the bytes held for unfinished messages reached their share of the state budget (--max-state-bytes)", o.heldRefused))
	}
	if o.certsDropped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d certificates past the state budget were not kept for listing", o.certsDropped))
	}

	matched, certs := o.selection(cfg)
	out.Top, out.Fingerprints = o.aggregates(matched)
	out.Sessions, out.SessionsPage = o.presentSessions(matched, cfg.offset, cfg.limit, cfg.listCiphers)
	out.Certificates, out.CertificatesPage = o.presentCerts(certs, cfg.certOffset, cfg.certLimit)
	return out
}

// selection is the sessions that match cfg's filters, in order of start,
// and their distinct certificates, in order of first appearance.
func (o *observer) selection(cfg *config) ([]*session, []*certInfo) {
	var matched []*session
	for _, s := range o.sessions {
		if cfg.matches(s) {
			matched = append(matched, s)
		}
	}
	var certs []*certInfo
	seen := map[*certInfo]bool{}
	for _, s := range matched {
		for _, c := range append(s.serverCerts, s.clientCerts...) {
			if !seen[c] {
				seen[c] = true
				certs = append(certs, c)
			}
		}
	}
	return matched, certs
}

// presentSessions renders the page of ss from offset, at most limit.
func (o *observer) presentSessions(ss []*session, offset, limit int, listCiphers bool) ([]Session, result.Page) {
	page, pg := result.Paginate(ss, offset, limit)
	out := make([]Session, 0, len(page))
	for _, s := range page {
		out = append(out, s.present(listCiphers))
	}
	return out, pg
}

// presentCerts renders the page of certs from offset, at most limit.
func (o *observer) presentCerts(certs []*certInfo, offset, limit int) ([]Certificate, result.Page) {
	page, pg := result.Paginate(certs, offset, limit)
	out := make([]Certificate, 0, len(page))
	for _, c := range page {
		out = append(out, c.present(o.lastTime))
	}
	return out, pg
}

// aggregates are the top lists and fingerprints of ss.
func (o *observer) aggregates(ss []*session) (TopLists, []Fingerprint) {
	snis := result.NewCounter[string](o.cfg.lim.sessions, 0)
	regs := result.NewCounter[string](o.cfg.lim.sessions, 0)
	srvs := result.NewCounter[netip.Addr](o.cfg.lim.sessions, 0)
	ja3s := result.NewCounter[string](o.cfg.lim.sessions, 0)
	ja4s := result.NewCounter[string](o.cfg.lim.sessions, 0)
	type fp struct {
		f       Fingerprint
		clients map[netip.Addr]bool
	}
	fps := map[string]*fp{}
	var fpOrder []*fp
	for _, s := range ss {
		srvs.Add(s.server.Addr())
		if s.ch == nil {
			continue
		}
		if sni := strings.ToLower(s.ch.sni); sni != "" {
			snis.Add(sni)
			reg, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(sni, "."))
			if err != nil {
				reg = sni
			}
			regs.Add(reg)
		}
		if s.ja3 != "" {
			ja3s.Add(s.ja3)
		}
		ja4s.Add(s.ja4)
		k := s.ja4 + "|" + s.ja3
		f := fps[k]
		if f == nil {
			f = &fp{f: Fingerprint{JA4: s.ja4, JA3: s.ja3, Clients: []string{}, SNIExamples: []string{}}, clients: map[netip.Addr]bool{}}
			fps[k] = f
			fpOrder = append(fpOrder, f)
		}
		f.f.Sessions++
		if c := s.client.Addr(); !f.clients[c] {
			f.clients[c] = true
			f.f.ClientsTotal++
			if len(f.f.Clients) < 10 {
				f.f.Clients = append(f.f.Clients, c.String())
			}
		}
		if sni := text(s.ch.sni); sni != "" && len(f.f.SNIExamples) < 5 && !contains(f.f.SNIExamples, sni) {
			f.f.SNIExamples = append(f.f.SNIExamples, sni)
		}
	}
	name := func(s string) string { return text(s) }
	top := TopLists{SNI: cut(snis.Top(name)), RegisteredDomains: cut(regs.Top(name)), Servers: cut(srvs.Top(netip.Addr.String)),
		JA3: cut(ja3s.Top(name)), JA4: cut(ja4s.Top(name))}
	// Most sessions first, then first seen.
	sorted := make([]*fp, len(fpOrder))
	copy(sorted, fpOrder)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].f.Sessions > sorted[j-1].f.Sessions; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	out := make([]Fingerprint, 0, min(len(sorted), maxFingerprints))
	for _, f := range sorted[:min(len(sorted), maxFingerprints)] {
		out = append(out, f.f)
	}
	return top, out
}

func cut(t result.TopList) result.TopList {
	if len(t.Items) > maxTop {
		t.Items = t.Items[:maxTop]
	}
	return t
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// resumption says how a session resumed: "psk" (TLS 1.3 PSK accepted),
// "session_id" (TLS <= 1.2: the server echoed the client's session id) or
// "ticket" (the client sent a ticket and the server echoed the id or sent
// no Certificate), or "".
func (s *session) resumption() string {
	if s.ch == nil || s.sh == nil {
		return ""
	}
	if s.sh.psk {
		return "psk"
	}
	if s.version() == 0x0304 || s.quic {
		return ""
	}
	echoed := s.ch.sessionIDLen > 0 && string(s.ch.sessionID) == string(s.sh.sessionID)
	switch {
	case s.ch.ticketLen > 0 && (echoed || len(s.serverCerts) == 0 && s.ccs[dirServer]):
		return "ticket"
	case echoed:
		return "session_id"
	}
	return ""
}

// present renders a session.
func (s *session) present(listCiphers bool) Session {
	out := Session{ID: s.id, Transport: "tls", Client: s.client.String(), Server: s.server.String(), FirstPacket: s.first,
		Start: result.FormatTime(s.start), Version: versionName(s.version()), Resumption: s.resumption(), HRR: s.hrr,
		JA3: s.ja3, JA3S: s.ja3s, JA4: s.ja4, ClientHelloP: s.chFrame, ServerHelloP: s.shFrame,
		BytesToSrv: s.encBytes[dirClient], BytesToCli: s.encBytes[dirServer], CCS: s.ccs[0] || s.ccs[1],
		Finished: s.finished[0] || s.finished[1], Malformed: s.malformed}
	if s.dtls {
		out.Transport = "dtls"
	}
	if s.quic {
		out.Transport = "quic"
		out.QUICVersion = quicVersionName(s.qVersion)
		out.DCID, out.SCID = hex.EncodeToString(s.dcid), hex.EncodeToString(s.scid)
		out.Retry, out.VersionNeg = s.retry, s.vneg
		out.ShortToServer, out.ShortToClient = s.shortPackets[dirClient], s.shortPackets[dirServer]
	}
	if h := s.ch; h != nil {
		out.SNI = text(h.sni)
		for _, a := range h.alpn {
			if len(out.ALPNOffered) < 10 {
				out.ALPNOffered = append(out.ALPNOffered, text(a))
			}
		}
		for _, v := range h.versions {
			if !isGREASE(v) {
				out.Versions = append(out.Versions, versionName(v))
			}
		}
		out.ClientHello = versionName(h.version)
		out.CipherCount = len(h.ciphers)
		for _, g := range h.keyShares {
			if !isGREASE(g) {
				out.Groups = append(out.Groups, groupName(g))
			}
		}
		out.SigAlgs = len(h.sigAlgs)
		if listCiphers {
			for _, c := range h.ciphers {
				out.Ciphers = append(out.Ciphers, cipherName(c))
			}
			for _, e := range h.exts {
				out.Extensions = append(out.Extensions, int(e))
			}
			out.JA3String = s.ja3Full
		}
	}
	if h := s.sh; h != nil {
		out.Cipher = cipherName(h.ciphers[0])
		if len(h.alpn) > 0 {
			out.ALPN = text(h.alpn[0])
		}
		if !s.chTime.IsZero() {
			ms := float64(s.shTime.Sub(s.chTime).Microseconds()) / 1000
			out.HandshakeMs = &ms
		}
	}
	if !s.appTime.IsZero() && !s.chTime.IsZero() && !s.appTime.Before(s.chTime) {
		ms := float64(s.appTime.Sub(s.chTime).Microseconds()) / 1000
		out.FirstDataMs = &ms
	}
	for _, a := range s.alerts {
		al := Alert{Packet: a.frame, From: "client", Level: "warning"}
		if a.fromSrv {
			al.From = "server"
		}
		switch {
		case a.encrypted:
			al.Level = "encrypted"
		case a.level == 2:
			al.Level = "fatal"
		}
		if !a.encrypted {
			al.Description = alertName(a.desc)
		}
		out.Alerts = append(out.Alerts, al)
	}
	_, out.Failure = s.failed()
	for _, c := range s.serverCerts {
		out.Certificates = append(out.Certificates, c.sha256)
	}
	for _, c := range s.clientCerts {
		out.ClientCerts = append(out.ClientCerts, c.sha256)
	}
	return out
}
