package dns

import (
	"bytes"
	"fmt"
	"net/netip"
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
	maxPackets         int
	lim                limits // the bounds of the tables, from the state budget
	offset, limit      int
	txOffset, txLimit  int
	limitSet, txSet    bool
	domain             string // the domain filter as a name key (appendKey): raw bytes, lower case
	nameScratch        []byte // the name the domain filter looks at, reused
	qtype              *uint16
	rcode              *int
	clientIP, serverIP netip.Addr
	when               result.TimeRange
	timeout            time.Duration
	filters            Filters
	th                 analyzer.Thresholds // the detectors' thresholds
}

func newConfig(in Input, opts Options, env *analyzer.Env) (*config, error) {
	c := &config{lim: newLimits(env, opts.MaxTransactions)}
	if env != nil {
		c.maxPackets = env.MaxPackets
	}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.txOffset, c.txLimit, c.txSet, err = result.Paging("transactions_offset", "transactions_limit", in.TransactionsOffset, in.TransactionsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	if s := strings.TrimSpace(in.Domain); s != "" {
		c.domain = string(appendKey(nil, unescapeName(strings.TrimSuffix(s, "."))))
		c.filters.Domain = presentKey(c.domain)
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
		if *f.dst, err = result.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	if c.when, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.when.Start), result.FormatTime(c.when.End)

	c.th = in.Thresholds
	if c.th.Params() == nil { // a caller that did not start from the tool's NewInput
		c.th = analyzer.NewThresholds(detectors.Params())
	}
	c.timeout = time.Duration(c.th.Get(unansweredTimeout) * float64(time.Second))
	return c, nil
}

// unescapeName reads a name given in presentation form: \DDD is the byte
// DDD and \X is X, so that a name shown escaped (\229\176\143) and the
// same name in UTF-8 (小) match alike.
func unescapeName(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); v < 256 {
				b = append(b, byte(v))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// client and server of a message: the sender of a query is the client.
func clientServer(m *message, md meta) (client, server netip.Addr) {
	if m.ok() && m.isResponse() {
		return md.dst.Addr(), md.src.Addr()
	}
	return md.src.Addr(), md.dst.Addr()
}

// nameBuf renders the key of a question name (appendKey) into a buffer
// reused from message to message.
func (c *config) nameBuf(name []byte) []byte {
	c.nameScratch = appendKey(c.nameScratch[:0], name)
	return c.nameScratch
}

// matches applies the packet filters.
func (c *config) matches(m *message, md meta) bool {
	if !c.when.Contains(md.t) {
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
