package icmp

import (
	"fmt"
	"net/netip"
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
	limitSet      bool // the caller gave limit: the page is not cut to fit the response budget
	lim           limits
	src, dst      netip.Addr
	icmpType      *typeFilter
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
	for _, f := range []struct {
		name, val string
		dst       *netip.Addr
		echo      *string
	}{{"src_ip", in.SrcIP, &c.src, &c.filters.SrcIP}, {"dst_ip", in.DstIP, &c.dst, &c.filters.DstIP}} {
		if *f.dst, err = result.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	if s := strings.TrimSpace(in.ICMPType); s != "" {
		t, byName, ok := parseType(s)
		if !ok {
			return nil, fmt.Errorf("icmp_type %q is not an ICMP type; use a number or a name such as echo request or destination unreachable", s)
		}
		c.icmpType = &t
		c.filters.ICMPType = t.String(byName)
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

// msgKey is what the filters test of a message.
type msgKey struct {
	src, dst netip.Addr
	ts       time.Time
	v6       bool
	typ      uint8
}

func keyOf(p *engine.Packet, m icmpMessage) msgKey {
	return msgKey{src: p.SrcIP(), dst: p.DstIP(), ts: p.Timestamp, v6: m.v6, typ: m.typ}
}

func (c *config) matches(k msgKey) bool {
	if c.src.IsValid() && k.src != c.src || c.dst.IsValid() && k.dst != c.dst {
		return false
	}
	if c.icmpType != nil && !c.icmpType.matches(k.v6, k.typ) {
		return false
	}
	return c.times.Contains(k.ts)
}

// Shares of the state budget (--max-state-bytes), one per table that grows
// with the capture, and the bytes one entry of each takes (measured by
// TestStateEntryBytes, rounded up). They sum to less than 1; the rest is
// the RTT sample and the page being built, both of fixed size.
const (
	sharePending  = 0.15 // outstanding echo requests
	sharePairs    = 0.20 // host pairs, with their icmp_flood and icmp_tunneling_suspected state
	shareSessions = 0.10 // echo sessions (source, destination, identifier)
	shareAddrs    = 0.04 // each of: distinct sources, destinations, unreachable hosts
	shareProbes   = 0.10 // low-TTL datagrams that may be traceroute probes
	shareRoutes   = 0.05 // traceroutes
	shareSweep    = 0.10 // ping_sweep's window: (source, destination) pairs probed within it
	shareStorm    = 0.02 // unreachable_storm's window: times of destination unreachables
	shareFlows    = 0.05 // fragmentation_needed_blackhole's flows
	shareGateways = 0.01 // icmp_redirect's gateways

	bytesPending = 256
	bytesPair    = 1024
	bytesSession = 200
	bytesAddr    = 100
	bytesProbe   = 256
	bytesRoute   = maxHops * 200
	bytesSweep   = 512
	bytesStorm   = 16
	bytesFlow    = 512
	bytesGateway = 100
)

// limits are how many entries each table may hold, from the call's state
// budget (analyzer.Env.StateItems).
type limits struct {
	pending, pairs, sessions, addrs, probes, routes, sweep, storm, flows, gateways int
}

func newLimits(env *analyzer.Env) limits {
	n := env.StateItems
	return limits{
		pending: n(bytesPending, sharePending), pairs: n(bytesPair, sharePairs), sessions: n(bytesSession, shareSessions),
		addrs: n(bytesAddr, shareAddrs), probes: n(bytesProbe, shareProbes), routes: n(bytesRoute, shareRoutes),
		sweep: n(bytesSweep, shareSweep), storm: n(bytesStorm, shareStorm), flows: n(bytesFlow, shareFlows),
		gateways: n(bytesGateway, shareGateways),
	}
}
