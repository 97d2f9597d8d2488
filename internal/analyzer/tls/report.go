package tls

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// writeReport prints a readable TLS report, summary first. Strings from
// the capture in o are already escaped; the capture's name is escaped here.
func writeReport(w io.Writer, o *Output) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	sm := o.Summary
	p("TLS analysis of %s\n", result.Text(o.File, 0))
	p("  %d packets in the capture, %d sessions (%d TLS over TCP, %d QUIC) in %d packets\n", o.TotalPacketsInFile, sm.Sessions, sm.TLSSessions, sm.QUICSessions, sm.Packets)
	if o.Message != "" {
		p("  %s\n", o.Message)
	}
	if o.Note != "" {
		p("  note: %s\n", o.Note)
	}
	if sm.Sessions > 0 {
		p("  %d ClientHellos, %d ServerHellos, %d HelloRetryRequests, %d resumed, %d failed, %d certificates, %d malformed\n",
			sm.ClientHellos, sm.ServerHellos, sm.HelloRetryRequests, sm.Resumed, sm.Failed, sm.Certificates, sm.Malformed)
		p("  versions: %s\n", modkit.Counts(sm.Versions))
		if len(sm.Ciphers) > 0 {
			p("  cipher suites: %s\n", modkit.Counts(sm.Ciphers))
		}
		if len(sm.ALPN) > 0 {
			p("  ALPN: %s\n", modkit.Counts(sm.ALPN))
		}
	}
	p("\nAnomalies (%d)\n", len(o.Anomalies))
	if len(o.Anomalies) == 0 {
		p("  none\n")
	}
	for _, a := range o.Anomalies {
		p("  [%s] %s: %s\n      evidence frames: %v", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
		if a.EvidenceFramesTotal > len(a.EvidenceFrames) {
			p(" (%d in all)", a.EvidenceFramesTotal)
		}
		p("\n")
	}
	if len(o.Top.SNI.Items) > 0 {
		p("\nTop server names (%d distinct)\n", o.Top.SNI.Distinct)
		for _, it := range o.Top.SNI.Items {
			p("  %6d  %s\n", it.Count, it.Key)
		}
	}
	if len(o.Fingerprints) > 0 {
		p("\nClient fingerprints\n")
		for _, f := range o.Fingerprints {
			p("  %6d  %s  ja3 %s  clients %d\n", f.Sessions, f.JA4, f.JA3, f.ClientsTotal)
		}
	}
	if len(o.Sessions) > 0 {
		p("\nSessions (%d; showing %d)\n", o.SessionsPage.Total, len(o.Sessions))
		for _, s := range o.Sessions {
			p("  #%d %s %s -> %s  %s  sni=%q alpn=%q %s", s.ID, s.Transport, s.Client, s.Server, s.Version, s.SNI, s.ALPN, s.Cipher)
			if s.Failure != "" {
				p("  FAILED: %s", s.Failure)
			}
			p("\n")
		}
		if o.SessionsPage.Truncated {
			p("  ... use --offset %d for more\n", *o.SessionsPage.NextOffset)
		}
	}
	if len(o.Certificates) > 0 {
		p("\nCertificates (%d; showing %d)\n", o.CertificatesPage.Total, len(o.Certificates))
		for _, c := range o.Certificates {
			p("  %s  cn=%q issuer=%q %s, %s %d, not after %s", c.SHA256[:16], c.SubjectCN, c.Issuer, c.Validity, c.KeyType, c.KeyBits, c.NotAfter)
			if c.SelfSigned {
				p(", self-signed")
			}
			p("\n")
		}
	}
	for _, w := range o.Warnings {
		p("\nwarning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
