package dhcpv6

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging defaults and limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

type config struct {
	maxPackets    int
	offset, limit int
	limitSet      bool
	lim           limits
	msgType       *uint8
	duid          string // raw bytes
	addr          netip.Addr
	times         result.TimeRange
	filters       Filters
	th            analyzer.Thresholds
}

func newConfig(in Input, env *analyzer.Env) (*config, error) {
	c := &config{maxPackets: env.MaxPackets, th: in.Thresholds, lim: newLimits(env)}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(in.MsgType); s != "" {
		t, ok := parseType(s)
		if !ok {
			return nil, fmt.Errorf("msg_type %q is not a DHCPv6 message type; use a number or a name such as SOLICIT, REPLY or RELAY-FORW", s)
		}
		c.msgType, c.filters.MsgType = &t, typeName(t)
	}
	if s := strings.TrimSpace(in.DUID); s != "" {
		b, err := hex.DecodeString(strings.NewReplacer(":", "", "-", "", " ", "").Replace(s))
		if err != nil || len(b) < 2 {
			return nil, fmt.Errorf("duid %q is not a DUID in hex; write it as 000100012a3b4c5d001122334455", s)
		}
		c.duid, c.filters.DUID = string(b), hex.EncodeToString(b)
	}
	if c.addr, err = result.ParseIP("address", in.Address); err != nil {
		return nil, err
	}
	if c.addr.IsValid() {
		c.filters.Address = c.addr.String()
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

// msgKey is what the filters test of a message. keyOf takes its slices
// from the message being decoded, which the next message reuses: a key
// kept past it is own's copy.
type msgKey struct {
	ts                   time.Time
	src, dst             netip.Addr
	clientKey, serverKey string
	types                []uint8      // the relay chain's, outermost first
	addrs                []netip.Addr // the IA addresses
}

func keyOf(p *engine.Packet, m *message) msgKey {
	return msgKey{ts: p.Timestamp, src: p.SrcIP(), dst: p.DstIP(), clientKey: m.clientKey, serverKey: m.serverKey, types: m.types, addrs: m.addrs}
}

// own returns k with its own copies of its slices.
func (k msgKey) own() msgKey {
	k.types, k.addrs = slices.Clone(k.types), slices.Clone(k.addrs)
	return k
}

func (c *config) matches(k msgKey) bool {
	if c.msgType != nil && !containsType(k.types, *c.msgType) {
		return false
	}
	if c.duid != "" && k.clientKey != c.duid && k.serverKey != c.duid {
		return false
	}
	if c.addr.IsValid() && k.src != c.addr && k.dst != c.addr && !containsAddr(k.addrs, c.addr) {
		return false
	}
	return c.times.Contains(k.ts)
}

func containsType(ts []uint8, t uint8) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// Shares of the state budget (--max-state-bytes) and the bytes one entry of
// each table takes (rounded up).
const (
	shareTxns    = 0.20
	shareClients = 0.15
	shareServers = 0.01
	shareLeases  = 0.10
	shareWindow  = 0.05

	bytesTxn    = 512
	bytesClient = 512
	bytesServer = 1024
	bytesLease  = 64
	bytesWindow = 64
)

type limits struct{ txns, clients, servers, leases, window int }

func newLimits(env *analyzer.Env) limits {
	n := env.StateItems
	return limits{txns: n(bytesTxn, shareTxns), clients: n(bytesClient, shareClients), servers: n(bytesServer, shareServers),
		leases: n(bytesLease, shareLeases), window: n(bytesWindow, shareWindow)}
}
