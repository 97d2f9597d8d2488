package icmp

import (
	"fmt"
	"net/netip"
	"strings"

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
	src, dst      netip.Addr
	icmpType      *uint8
	times         result.TimeRange
	filters       Filters
	th            analyzer.Thresholds
}

func newConfig(in Input, maxPackets int) (*config, error) {
	c := &config{maxPackets: maxPackets, th: in.Thresholds}
	var err error
	if c.offset, c.limit, err = result.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	c.limitSet = in.Limit > 0
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
		t, ok := parseType(s)
		if !ok {
			return nil, fmt.Errorf("icmp_type %q is not an ICMP type; use a number or a name such as echo request or destination unreachable", s)
		}
		c.icmpType = &t
		c.filters.ICMPType = fmt.Sprint(t)
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

func (c *config) matches(p *engine.Packet, m icmpMessage) bool {
	if c.src.IsValid() && p.SrcIP() != c.src || c.dst.IsValid() && p.DstIP() != c.dst {
		return false
	}
	if c.icmpType != nil && m.typ != *c.icmpType {
		return false
	}
	return c.times.Contains(p.Timestamp)
}
