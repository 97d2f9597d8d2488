package arp

import (
	"fmt"
	"net"
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
	mac           *mac
	ip            netip.Addr
	opcode        *uint16
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
	if s := strings.TrimSpace(in.MAC); s != "" {
		hw, err := net.ParseMAC(s)
		m, ok := macOf(hw)
		if err != nil || !ok {
			return nil, fmt.Errorf("mac %q is not a 6-byte MAC address; write it as 00:11:22:33:44:55", s)
		}
		c.mac, c.filters.MAC = &m, m.String()
	}
	if c.ip, err = result.ParseIP("ip", in.IP); err != nil {
		return nil, err
	}
	if c.ip.IsValid() {
		if !c.ip.Unmap().Is4() {
			return nil, fmt.Errorf("ip %q is not an IPv4 address; ARP resolves IPv4 only", in.IP)
		}
		c.ip = c.ip.Unmap()
		c.filters.IP = c.ip.String()
	}
	if s := strings.TrimSpace(in.Opcode); s != "" {
		op, ok := parseOpcode(s)
		if !ok {
			return nil, fmt.Errorf("opcode %q is not an ARP opcode; use a number or a name such as request, reply or reverse request", s)
		}
		c.opcode, c.filters.Opcode = &op, opName(op)
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

// msgKey is what the filters test of a message.
type msgKey struct {
	ts            time.Time
	spa, tpa      netip.Addr
	op            uint16
	hasIP, hasMAC bool
	sha, tha, src mac // src: the link-layer source, zero when it is not 6 bytes
}

func keyOf(p *engine.Packet, m *message) msgKey {
	src, _ := macOf(p.SrcMAC())
	return msgKey{ts: p.Timestamp, spa: m.spa, tpa: m.tpa, op: m.op, hasIP: m.hasIP, hasMAC: m.hasMAC, sha: m.sha, tha: m.tha, src: src}
}

func (c *config) matches(k msgKey) bool {
	if c.opcode != nil && k.op != *c.opcode {
		return false
	}
	if c.ip.IsValid() && !(k.hasIP && (k.spa == c.ip || k.tpa == c.ip)) {
		return false
	}
	if c.mac != nil && !(k.hasMAC && (k.sha == *c.mac || k.tha == *c.mac)) && k.src != *c.mac {
		return false
	}
	return c.times.Contains(k.ts)
}

// Shares of the state budget (--max-state-bytes), one per table that grows
// with the capture, and the bytes one entry of each takes (rounded up from
// the entry and its map slot). They sum to less than 1.
const (
	shareBindings = 0.15 // IPv4 address → MAC bindings
	shareHosts    = 0.10 // MAC → addresses
	shareTargets  = 0.15 // addresses asked for: requests, replies, probes
	shareRoutes   = 0.20 // (source MAC, destination IPv4) → next-hop MAC, for arp_spoofing's diversions
	shareClaims   = 0.05 // directed ARP claims (sender MAC, receiver MAC)
	shareServers  = 0.01 // DNS and DHCP servers seen
	shareScan     = 0.05 // arp_scan's and gratuitous_arp_flood's per-sender windows

	bytesBinding = 320
	bytesHost    = 320
	bytesTarget  = 160
	bytesRoute   = 64
	bytesClaim   = 64
	bytesServer  = 48
	bytesScan    = 256
)

// limits are how many entries each table may hold, from the call's state
// budget (analyzer.Env.StateItems).
type limits struct {
	bindings, hosts, targets, routes, claims, servers, scan int
}

func newLimits(env *analyzer.Env) limits {
	n := env.StateItems
	return limits{
		bindings: n(bytesBinding, shareBindings), hosts: n(bytesHost, shareHosts), targets: n(bytesTarget, shareTargets),
		routes: n(bytesRoute, shareRoutes), claims: n(bytesClaim, shareClaims), servers: n(bytesServer, shareServers),
		scan: n(bytesScan, shareScan),
	}
}
