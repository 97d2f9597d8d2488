package dns

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Paging defaults and limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// Default anomaly thresholds.
var defaultThresholds = Thresholds{
	TunnelMinSubdomains:   30,
	TunnelMinLabelLength:  24,
	TunnelMinEntropy:      3.5,
	DGAMinNXDomain:        20,
	NXDomainMinResponses:  20,
	NXDomainMaxRate:       0.3,
	SlowServerMedianMs:    250,
	SlowServerMinAnswered: 5,
	UnansweredMin:         5,
	UnansweredMinRate:     0.2,
	UnansweredTimeoutSec:  5,
	LargeResponseBytes:    2048,
	LargeResponseMin:      5,
}

type config struct {
	maxPackets         int
	maxTransactions    int
	offset, limit      int
	txOffset, txLimit  int
	limitSet, txSet    bool
	domain             string
	nameScratch        []byte // the name the domain filter looks at, reused
	qtype              *uint16
	rcode              *int
	clientIP, serverIP netip.Addr
	start, end         time.Time
	timeout            time.Duration
	filters            Filters
	th                 Thresholds
}

func newConfig(in Input, opts Options, maxPackets int) (*config, error) {
	c := &config{maxPackets: maxPackets, maxTransactions: opts.MaxTransactions}
	var err error
	if c.offset, c.limit, err = analyzer.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.txOffset, c.txLimit, err = analyzer.PageArgs(in.TransactionsOffset, in.TransactionsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	c.limitSet, c.txSet = in.Limit > 0, in.TransactionsLimit > 0
	if s := strings.TrimSpace(in.Domain); s != "" {
		c.domain = strings.ToLower(strings.TrimSuffix(s, "."))
		c.filters.Domain = c.domain
	}
	if s := strings.TrimSpace(in.QType); s != "" {
		t, ok := parseType(s)
		if !ok {
			return nil, fmt.Errorf("qtype %q is not a DNS type; use a name such as A, AAAA, TXT, MX, or a number", s)
		}
		c.qtype = &t
		c.filters.QType = typeName(t)
	}
	if s := strings.TrimSpace(in.RCode); s != "" {
		r, ok := parseRcode(s)
		if !ok {
			return nil, fmt.Errorf("rcode %q is not a DNS response code; use NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or a number", s)
		}
		c.rcode = &r
		c.filters.RCode = rcodeName(r)
	}
	for _, f := range []struct {
		name, val string
		dst       *netip.Addr
		echo      *string
	}{{"client_ip", in.ClientIP, &c.clientIP, &c.filters.ClientIP}, {"server_ip", in.ServerIP, &c.serverIP, &c.filters.ServerIP}} {
		if *f.dst, err = analyzer.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	if c.start, c.end, err = analyzer.ParseTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = analyzer.FormatTime(c.start), analyzer.FormatTime(c.end)

	th := defaultThresholds
	analyzer.Override(in.TunnelMinSubdomains, &th.TunnelMinSubdomains)
	analyzer.Override(in.TunnelMinLabelLength, &th.TunnelMinLabelLength)
	analyzer.Override(in.TunnelMinEntropy, &th.TunnelMinEntropy)
	analyzer.Override(in.DGAMinNXDomain, &th.DGAMinNXDomain)
	analyzer.Override(in.NXDomainMinResponses, &th.NXDomainMinResponses)
	analyzer.Override(in.NXDomainMaxRate, &th.NXDomainMaxRate)
	analyzer.Override(in.SlowServerMedianMs, &th.SlowServerMedianMs)
	analyzer.Override(in.SlowServerMinAnswered, &th.SlowServerMinAnswered)
	analyzer.Override(in.UnansweredMin, &th.UnansweredMin)
	analyzer.Override(in.UnansweredMinRate, &th.UnansweredMinRate)
	analyzer.Override(in.UnansweredTimeoutSec, &th.UnansweredTimeoutSec)
	analyzer.Override(in.LargeResponseBytes, &th.LargeResponseBytes)
	analyzer.Override(in.LargeResponseMin, &th.LargeResponseMin)
	if th.TunnelMinSubdomains < 1 || th.DGAMinNXDomain < 1 || th.NXDomainMinResponses < 1 || th.SlowServerMinAnswered < 1 ||
		th.UnansweredMin < 1 || th.LargeResponseBytes < 1 || th.LargeResponseMin < 1 || th.TunnelMinLabelLength < 0 ||
		th.TunnelMinEntropy < 0 || th.SlowServerMedianMs < 0 || th.UnansweredTimeoutSec <= 0 ||
		th.NXDomainMaxRate < 0 || th.NXDomainMaxRate > 1 || th.UnansweredMinRate < 0 || th.UnansweredMinRate > 1 {
		return nil, fmt.Errorf("thresholds must be positive, and rates between 0 and 1")
	}
	c.th = th
	c.timeout = time.Duration(th.UnansweredTimeoutSec * float64(time.Second))
	return c, nil
}

// client and server of a message: the sender of a query is the client.
func clientServer(m *message, md meta) (client, server netip.Addr) {
	if m.ok() && m.isResponse() {
		return md.dst.Addr(), md.src.Addr()
	}
	return md.src.Addr(), md.dst.Addr()
}

// matches applies the packet filters.
// nameBuf renders a question name in lower case into a buffer reused from
// message to message.
func (c *config) nameBuf(name []byte) []byte {
	c.nameScratch = appendLowerName(c.nameScratch[:0], name)
	return c.nameScratch
}

func (c *config) matches(m *message, md meta) bool {
	if !c.start.IsZero() && md.t.Before(c.start) {
		return false
	}
	if !c.end.IsZero() && md.t.After(c.end) {
		return false
	}
	if c.clientIP.IsValid() || c.serverIP.IsValid() {
		cl, sv := clientServer(m, md)
		if c.clientIP.IsValid() && cl != c.clientIP {
			return false
		}
		if c.serverIP.IsValid() && sv != c.serverIP {
			return false
		}
	}
	if c.domain != "" || c.qtype != nil {
		name, qt, ok := m.firstQuestion()
		if !ok {
			return false
		}
		if c.domain != "" && !bytes.Contains(c.nameBuf(name), []byte(c.domain)) {
			return false
		}
		if c.qtype != nil && qt != *c.qtype {
			return false
		}
	}
	if c.rcode != nil && (!m.ok() || !m.isResponse() || m.rcode() != *c.rcode) {
		return false
	}
	return true
}
