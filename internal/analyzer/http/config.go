package http

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging defaults and limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

type config struct {
	hashing              hashing // what a body's sink computes
	annotator            bool    // for the Annotator: keep what naming frames as tshark needs (JSON bodies, first bytes, WebSocket framing)
	maxPackets           int
	lim                  limits
	offset, limit        int
	fOffset, fLimit      int
	limitSet, fSet       bool
	headers, reveal      bool
	host, uri, ctype     string // lower case
	method               string // upper case
	statusLo, statusHi   int    // 0: any
	clientIP, serverIP   netip.Addr
	when                 result.TimeRange
	filters              Filters
	th                   analyzer.Thresholds
	filtering, timeRange bool
}

func newConfig(in Input, opts Options, env *analyzer.Env) (*config, error) {
	c := &config{lim: newLimits(env, opts)}
	if env != nil {
		c.maxPackets = env.MaxPackets
	}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.fOffset, c.fLimit, c.fSet, err = result.Paging("files_offset", "files_limit", in.FilesOffset, in.FilesLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	c.headers, c.reveal = in.Headers, in.RevealSecrets
	if s := strings.TrimSpace(in.Host); s != "" {
		c.host, c.filters.Host = strings.ToLower(s), s
	}
	if s := strings.TrimSpace(in.URI); s != "" {
		c.uri, c.filters.URI = s, s
	}
	if s := strings.TrimSpace(in.ContentType); s != "" {
		c.ctype, c.filters.ContentType = strings.ToLower(s), s
	}
	if s := strings.TrimSpace(in.Method); s != "" {
		c.method, c.filters.Method = strings.ToUpper(s), strings.ToUpper(s)
	}
	if s := strings.TrimSpace(in.Status); s != "" {
		if c.statusLo, c.statusHi, err = parseStatus(s); err != nil {
			return nil, err
		}
		c.filters.Status = s
	}
	if c.clientIP, err = result.ParseIP("client_ip", in.ClientIP); err != nil {
		return nil, err
	}
	if c.serverIP, err = result.ParseIP("server_ip", in.ServerIP); err != nil {
		return nil, err
	}
	c.filters.ClientIP, c.filters.ServerIP = result.Addr(c.clientIP), result.Addr(c.serverIP)
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

// parseStatus reads a status filter: a code (404) or a class (4xx).
func parseStatus(s string) (lo, hi int, err error) {
	if len(s) == 3 && (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X') && '1' <= s[0] && s[0] <= '5' {
		lo = int(s[0]-'0') * 100
		return lo, lo + 99, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 999 {
		return 0, 0, fmt.Errorf("status %q is not a status code; use a code such as 404 or a class such as 5xx", s)
	}
	return n, n, nil
}

// txKey is what the filters test of a finished transaction.
type txKey struct {
	when                time.Time
	client, server      netip.Addr
	host, uri, method   string
	status              int
	reqCType, respCType string
}

func txKeyOf(t *txn) txKey {
	r := &t.rec
	return txKey{when: t.when, client: t.client.Addr(), server: t.server.Addr(), host: r.Host, uri: r.URI, method: r.Method,
		status: r.Status, reqCType: r.Request.ContentType, respCType: r.Response.ContentType}
}

// matches applies the filters to a finished transaction.
func (c *config) matches(k txKey) bool {
	if !c.when.Contains(k.when) {
		return false
	}
	if c.clientIP.IsValid() && k.client != c.clientIP {
		return false
	}
	if c.serverIP.IsValid() && k.server != c.serverIP {
		return false
	}
	if c.host != "" && !strings.Contains(strings.ToLower(k.host), c.host) {
		return false
	}
	if c.uri != "" && !strings.Contains(k.uri, c.uri) {
		return false
	}
	if c.method != "" && k.method != c.method {
		return false
	}
	if c.statusLo > 0 && (k.status < c.statusLo || k.status > c.statusHi) {
		return false
	}
	if c.ctype != "" && !strings.Contains(strings.ToLower(k.reqCType), c.ctype) && !strings.Contains(strings.ToLower(k.respCType), c.ctype) {
		return false
	}
	return true
}
