package tls

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging defaults and limits.
const (
	DefaultLimit     = 20
	DefaultCertLimit = 10
	MaxLimit         = 1000
)

// Shares of the state budget (--max-state-bytes) and the bytes one entry
// of each table takes, rounded up. They sum to less than 1.
const (
	bytesSession = 4096 // a session with its hellos (a large ClientHello's lists)
	shareSession = 0.45
	bytesConn    = 4096 // a live connection: its parsers' buffers, the reassembler's stream
	shareConn    = 0.25
	bytesCert    = 4096 // a decoded certificate
	shareCert    = 0.10
	shareHeld    = 0.10 // bytes of unfinished handshake messages and out-of-order CRYPTO data
)

// limits are the bounds of one analysis's tables.
type limits struct {
	sessions int // sessions kept; later ones are counted only
	conns    int // live TCP connections and QUIC connections tracked
	certs    int // distinct certificates kept
	held     int // bytes held for unfinished messages over all sessions
}

func newLimits(env *analyzer.Env, maxSessions int) limits {
	if env == nil {
		env = &analyzer.Env{}
	}
	l := limits{sessions: env.StateItems(bytesSession, shareSession), conns: env.StateItems(bytesConn, shareConn), certs: env.StateItems(bytesCert, shareCert),
		held: env.StateItems(1, shareHeld)}
	if maxSessions > 0 {
		l.sessions = min(l.sessions, maxSessions)
	}
	return l
}

type config struct {
	maxPackets            int
	lim                   limits
	offset, limit         int
	certOffset, certLimit int
	limitSet, certSet     bool
	listCiphers           bool
	sni                   string
	serverIP, clientIP    netip.Addr
	ja3, ja4              string
	version               string
	when                  result.TimeRange
	filters               Filters
	th                    analyzer.Thresholds
}

func newConfig(in Input, opts Options, env *analyzer.Env) (*config, error) {
	c := &config{lim: newLimits(env, opts.MaxSessions), listCiphers: in.ListCiphers}
	if env != nil {
		c.maxPackets = env.MaxPackets
	}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.certOffset, c.certLimit, c.certSet, err = result.Paging("certificates_offset", "certificates_limit", in.CertificatesOffset, in.CertificatesLimit, DefaultCertLimit, MaxLimit); err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	c.sni = strings.ToLower(strings.TrimSpace(in.SNI))
	c.filters.SNI = result.Text(c.sni, 256)
	for _, f := range []struct {
		name, val string
		dst       *netip.Addr
		echo      *string
	}{{"client_ip", in.ClientIP, &c.clientIP, &c.filters.ClientIP}, {"server_ip", in.ServerIP, &c.serverIP, &c.filters.ServerIP}} {
		if *f.dst, err = result.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	c.ja3 = strings.ToLower(strings.TrimSpace(in.JA3))
	c.ja4 = strings.ToLower(strings.TrimSpace(in.JA4))
	c.filters.JA3, c.filters.JA4 = result.Text(c.ja3, 64), result.Text(c.ja4, 64)
	if v := strings.TrimSpace(in.Version); v != "" {
		name, ok := parseVersionName(v)
		if !ok {
			return nil, fmt.Errorf("version %q is not a TLS version; use TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0, SSL 3.0, SSL 2.0 or none", v)
		}
		c.version, c.filters.Version = name, name
	}
	if c.when, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.when.Start), result.FormatTime(c.when.End)
	c.th = in.Thresholds
	if c.th.Params() == nil {
		c.th = analyzer.NewThresholds(detectors.Params())
	}
	return c, nil
}

// parseVersionName reads "TLS 1.2", "tls1.2", "1.2", "TLSv1.2", "SSL 3.0",
// "none".
func parseVersionName(s string) (string, bool) {
	k := strings.ToLower(strings.NewReplacer(" ", "", "v", "", "_", "").Replace(s))
	switch k {
	case "tls1.3", "1.3", "13":
		return "TLS 1.3", true
	case "tls1.2", "1.2", "12":
		return "TLS 1.2", true
	case "tls1.1", "1.1", "11":
		return "TLS 1.1", true
	case "tls1.0", "tls1", "1.0", "10":
		return "TLS 1.0", true
	case "ssl3.0", "ssl3", "3.0":
		return "SSL 3.0", true
	case "ssl2.0", "ssl2", "2.0":
		return "SSL 2.0", true
	case "none":
		return "none", true
	}
	return "", false
}

// matches applies the session filters.
func (c *config) matches(s *session) bool {
	if !c.when.Contains(s.start) {
		return false
	}
	if c.clientIP.IsValid() && s.client.Addr() != c.clientIP {
		return false
	}
	if c.serverIP.IsValid() && s.server.Addr() != c.serverIP {
		return false
	}
	if c.sni != "" && (s.ch == nil || !strings.Contains(strings.ToLower(s.ch.sni), c.sni)) {
		return false
	}
	if c.ja3 != "" && s.ja3 != c.ja3 && s.ja3s != c.ja3 {
		return false
	}
	if c.ja4 != "" && s.ja4 != c.ja4 {
		return false
	}
	if c.version != "" && versionName(s.version()) != c.version {
		return false
	}
	return true
}
