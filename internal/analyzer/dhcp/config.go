package dhcp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging defaults and limits for the detail lists.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// config is one call's parsed arguments.
type config struct {
	maxPackets                   int
	offset, limit                int
	txOffset, txLimit            int
	cliOffset, cliLimit          int
	limitSet, txLimitSet, cliSet bool
	clientMAC                    *hwKey
	xid                          *uint32
	msgType                      *MsgType
	serverID                     netip.Addr
	start, end                   time.Time
	filters                      Filters
	th                           analyzer.Thresholds
}

func newConfig(in Input, maxPackets int) (*config, error) {
	c := &config{maxPackets: maxPackets}
	var err error
	if c.offset, c.limit, _, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.txOffset, c.txLimit, _, err = result.Paging("transactions_offset", "transactions_limit", in.TransactionsOffset, in.TransactionsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.cliOffset, c.cliLimit, _, err = result.Paging("clients_offset", "clients_limit", in.ClientsOffset, in.ClientsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	c.limitSet, c.txLimitSet, c.cliSet = in.Limit != nil, in.TransactionsLimit != nil, in.ClientsLimit != nil

	if s := strings.TrimSpace(in.ClientMAC); s != "" {
		mac, err := net.ParseMAC(s)
		if err != nil {
			return nil, fmt.Errorf("client_mac %q is not a MAC address; use the form 00:0b:82:01:fc:42", s)
		}
		k := keyOf(mac)
		c.clientMAC = &k
		c.filters.ClientMAC = k.String()
	}
	if s := strings.TrimSpace(in.TransactionID); s != "" {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), base(s), 32)
		if err != nil {
			return nil, fmt.Errorf("transaction_id %q is not a 32-bit number; use hex like 0x3d1d or decimal", s)
		}
		x := uint32(v)
		c.xid = &x
		c.filters.TransactionID = fmt.Sprintf("0x%08x", x)
	}
	if s := strings.TrimSpace(in.MessageType); s != "" {
		t, ok := parseMsgType(s)
		if !ok {
			return nil, fmt.Errorf("message_type %q is not a DHCP message type; use DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM, BOOTP or a number", s)
		}
		c.msgType = &t
		c.filters.MessageType = t.String()
	}
	if s := strings.TrimSpace(in.ServerID); s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("server_id %q is not an IPv4 address", s)
		}
		c.serverID = a
		c.filters.ServerID = a.String()
	}
	if c.start, c.end, err = result.ParseTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime = result.FormatTime(c.start)
	c.filters.EndTime = result.FormatTime(c.end)

	// The front end fills the thresholds from their declarations; a Go
	// caller that left them out gets the defaults.
	c.th = in.Thresholds
	if c.th.Params() == nil {
		c.th = analyzer.NewThresholds(params)
	}
	return c, nil
}

func base(s string) int {
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		return 16
	}
	return 10
}

// msgKey is what the packet filters test of a message. A message too
// short for a BOOTP header (full false) has no client, transaction, type
// or server: only the time filter can select it.
type msgKey struct {
	full   bool
	hw     hwKey
	xid    uint32
	typ    MsgType
	server netip.Addr // serverOf
	ts     time.Time
}

// matches applies the packet filters to one message.
func (c *config) matches(k msgKey) bool {
	if c.clientMAC != nil && (!k.full || k.hw != *c.clientMAC) {
		return false
	}
	if c.xid != nil && (!k.full || k.xid != *c.xid) {
		return false
	}
	if c.msgType != nil && (!k.full || k.typ != *c.msgType) {
		return false
	}
	if c.serverID.IsValid() && (!k.full || k.server != c.serverID) {
		return false
	}
	if !c.start.IsZero() && k.ts.Before(c.start) {
		return false
	}
	if !c.end.IsZero() && k.ts.After(c.end) {
		return false
	}
	return true
}

// txListKey is what the filters test of a transaction: its key, the types
// of its messages kept (the first maxTxMessages), the server that answered
// it and those that offered, and when it began and ended.
type txListKey struct {
	id          txKey
	types       [4]uint64 // a set of MsgType
	server      netip.Addr
	offering    []netip.Addr
	first, last time.Time
}

// listKey is tx's key for the filters.
func (tx *txn) listKey() txListKey {
	k := txListKey{id: tx.key, server: tx.server, offering: tx.offering, first: tx.msgs[0].t.Time(), last: tx.last.Time()}
	for _, m := range tx.msgs {
		k.types[m.typ/64] |= 1 << (m.typ % 64)
	}
	return k
}

// txMatches applies the filters to a transaction.
func (c *config) txMatches(k txListKey) bool {
	if c.clientMAC != nil && k.id.hw != *c.clientMAC {
		return false
	}
	if c.xid != nil && k.id.xid != *c.xid {
		return false
	}
	if c.msgType != nil && k.types[*c.msgType/64]&(1<<(*c.msgType%64)) == 0 {
		return false
	}
	if c.serverID.IsValid() && k.server != c.serverID && !containsAddr(k.offering, c.serverID) {
		return false
	}
	return c.inRange(k.first, k.last)
}

// clientListKey is what the filters test of a client: its MAC, the
// servers that answered it (the first maxListed), and when it was seen.
type clientListKey struct {
	hw          hwKey
	servers     []netip.Addr
	first, last time.Time
}

// listKey is cl's key for the filters.
func (cl *client) listKey() clientListKey {
	return clientListKey{hw: cl.hw, servers: cl.servers, first: cl.first.Time(), last: cl.last.Time()}
}

// clientMatches applies the filters to a client.
func (c *config) clientMatches(k clientListKey) bool {
	if c.clientMAC != nil && k.hw != *c.clientMAC {
		return false
	}
	if c.serverID.IsValid() && !containsAddr(k.servers, c.serverID) {
		return false
	}
	return c.inRange(k.first, k.last)
}

// inRange reports whether the interval [a, b] meets the time filter.
func (c *config) inRange(a, b time.Time) bool {
	if !c.start.IsZero() && b.Before(c.start) {
		return false
	}
	if !c.end.IsZero() && a.After(c.end) {
		return false
	}
	return true
}
