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
	keyAll             bool                // keys carry every field: the pass is kept for the result cache
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

// pktKey is what the packet filters test of a message. A key made for the
// result cache (keyAll) has every field; otherwise only those the call's
// filters test, so that a call without filters spends nothing on them.
type pktKey struct {
	t              time.Time
	client, server netip.Addr
	name           []byte // the first question's name as a key (appendKey)
	hasQ           bool   // the message has a question
	qtype          uint16 // the first question's type
	rcode          int    // the response code of a well-formed response, else -1
}

// keyOf makes the key of message m; its name is in c's scratch buffer
// (valid until the next call) unless the key is kept.
func (c *config) keyOf(m *message, md meta) pktKey {
	k := pktKey{t: md.t, rcode: -1}
	if c.keyAll || c.clientIP.IsValid() || c.serverIP.IsValid() {
		k.client, k.server = clientServer(m, md)
	}
	if c.keyAll || c.domain != "" || c.qtype != nil {
		var name []byte
		if name, k.qtype, k.hasQ = m.firstQuestion(); k.hasQ && (c.keyAll || c.domain != "") {
			k.name = c.nameBuf(name)
		}
	}
	if (c.keyAll || c.rcode != nil) && m.ok() && m.isResponse() {
		k.rcode = m.rcode()
	}
	return k
}

// matches applies the packet filters.
func (c *config) matches(k pktKey) bool {
	if !c.when.Contains(k.t) {
		return false
	}
	if c.clientIP.IsValid() && k.client != c.clientIP || c.serverIP.IsValid() && k.server != c.serverIP {
		return false
	}
	if c.domain != "" || c.qtype != nil {
		if !k.hasQ {
			return false
		}
		if c.domain != "" && !bytes.Contains(k.name, []byte(c.domain)) {
			return false
		}
		if c.qtype != nil && k.qtype != *c.qtype {
			return false
		}
	}
	if c.rcode != nil && k.rcode != *c.rcode {
		return false
	}
	return true
}
