package ntp

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
	ip            netip.Addr
	mode          *Mode
	times         result.TimeRange
	filters       Filters
	th            analyzer.Thresholds
}

func newConfig(in Input, env *analyzer.Env) (*config, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	c := &config{maxPackets: env.MaxPackets, th: in.Thresholds, lim: newLimits(env)}
	if c.th.Params() == nil { // a caller that did not start from the tool's NewInput
		c.th = analyzer.NewThresholds(detectors.Params())
	}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.ip, err = result.ParseIP("ip", in.IP); err != nil {
		return nil, err
	}
	if c.ip.IsValid() {
		c.filters.IP = c.ip.String()
	}
	if s := strings.ToLower(strings.TrimSpace(in.Mode)); s != "" {
		m, ok := parseMode(s)
		if !ok {
			return nil, fmt.Errorf("mode %q is not an NTP mode; use a number from 0 to 7 or a name: client, server, symmetric active, symmetric passive, broadcast, control, private", in.Mode)
		}
		c.mode = &m
		c.filters.Mode = m.String()
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

// msgKey is what the filters test of a message.
type msgKey struct {
	ts       time.Time
	src, dst netip.Addr
	mode     Mode
	hasMode  bool // the datagram was not empty, so its first byte gave the mode
}

func keyOf(p *engine.Packet, m *message, e *event) msgKey {
	return msgKey{ts: p.Timestamp, src: e.src.Addr(), dst: e.dst.Addr(), mode: m.mode, hasMode: m.size != 0}
}

func (c *config) matches(k msgKey) bool {
	if c.ip.IsValid() && k.src != c.ip && k.dst != c.ip {
		return false
	}
	if c.mode != nil && (!k.hasMode || k.mode != *c.mode) {
		return false
	}
	return c.times.Contains(k.ts)
}

// Shares of the state budget (--max-state-bytes), one per table that grows
// with the capture, and the bytes one entry of each takes (measured by
// TestStateEntryBytes, rounded up). They sum to less than 1; the rest is
// the reservoirs and the page being built, both of fixed size.
const (
	sharePending = 0.20 // requests waiting for their response
	shareServers = 0.10 // servers, with their offset and delay samples
	sharePairs   = 0.10 // (server, client) pairs, for each server's client count
	shareAddrs   = 0.04 // distinct clients
	shareClients = 0.10 // ntp_large_offset's clients
	shareVictims = 0.05 // ntp_amplification's destinations and requesters
	shareDetSrv  = 0.02 // each of ntp_kiss_of_death's and ntp_unsynchronized_server's servers

	bytesPending = 256
	bytesServer  = 2560
	bytesPair    = 112
	bytesAddr    = 100
	bytesClient  = 1024
	bytesVictim  = 1024
	bytesDetSrv  = 1280
)

// limits are how many entries each table may hold, from the call's state
// budget (analyzer.Env.StateItems).
type limits struct {
	pending, servers, pairs, addrs, clients, victims, detServers int
}

func newLimits(env *analyzer.Env) limits {
	n := env.StateItems
	return limits{
		pending: n(bytesPending, sharePending), servers: n(bytesServer, shareServers), pairs: n(bytesPair, sharePairs),
		addrs: n(bytesAddr, shareAddrs), clients: n(bytesClient, shareClients), victims: n(bytesVictim, shareVictims),
		detServers: n(bytesDetSrv, shareDetSrv),
	}
}
