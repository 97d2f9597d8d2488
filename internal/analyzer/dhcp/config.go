package dhcp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
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

// matches applies the packet filters to one message.
func (c *config) matches(p *engine.Packet, m *message) bool {
	if c.clientMAC != nil && (m.short > 0 || keyOf(m.chaddr) != *c.clientMAC) {
		return false
	}
	if c.xid != nil && (m.short > 0 || m.xid != *c.xid) {
		return false
	}
	if c.msgType != nil && (m.short > 0 || m.msgType != *c.msgType) {
		return false
	}
	if c.serverID.IsValid() && (m.short > 0 || serverOf(p, m) != c.serverID) {
		return false
	}
	if !c.start.IsZero() && p.Timestamp.Before(c.start) {
		return false
	}
	if !c.end.IsZero() && p.Timestamp.After(c.end) {
		return false
	}
	return true
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
