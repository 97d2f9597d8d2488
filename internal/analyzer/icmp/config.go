package icmp

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Paging defaults and limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

var defaultThresholds = Thresholds{
	SweepMinTargets: 20, SweepWindowSeconds: 60, FloodMinPackets: 200, TunnelMinPayload: 512, TunnelMinEntropy: 6.0,
	TunnelMinPackets: 10, UnreachableStormMin: 50, UnreachableStormWindow: 10, BlackholeMin: 3,
}

type config struct {
	maxPackets    int
	offset, limit int
	limitSet      bool
	src, dst      netip.Addr
	icmpType      *uint8
	start, end    time.Time
	filters       Filters
	th            Thresholds
	// the detectors' windows, from th
	sweepWin, unreachWin time.Duration
}

func newConfig(in Input, maxPackets int) (*config, error) {
	c := &config{maxPackets: maxPackets}
	var err error
	if c.offset, c.limit, err = analyzer.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	c.limitSet = in.Limit > 0
	for _, f := range []struct {
		name, val string
		dst       *netip.Addr
		echo      *string
	}{{"src_ip", in.SrcIP, &c.src, &c.filters.SrcIP}, {"dst_ip", in.DstIP, &c.dst, &c.filters.DstIP}} {
		if *f.dst, err = analyzer.ParseIP(f.name, f.val); err != nil {
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
	if c.start, c.end, err = analyzer.ParseTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = analyzer.FormatTime(c.start), analyzer.FormatTime(c.end)
	th := defaultThresholds
	analyzer.Override(in.SweepMinTargets, &th.SweepMinTargets)
	analyzer.Override(in.SweepWindowSeconds, &th.SweepWindowSeconds)
	analyzer.Override(in.FloodMinPackets, &th.FloodMinPackets)
	analyzer.Override(in.TunnelMinPayload, &th.TunnelMinPayload)
	analyzer.Override(in.TunnelMinEntropy, &th.TunnelMinEntropy)
	analyzer.Override(in.TunnelMinPackets, &th.TunnelMinPackets)
	analyzer.Override(in.UnreachableStormMin, &th.UnreachableStormMin)
	analyzer.Override(in.UnreachableStormWindow, &th.UnreachableStormWindow)
	analyzer.Override(in.BlackholeMin, &th.BlackholeMin)
	if th.SweepMinTargets < 2 || th.FloodMinPackets < 1 || th.TunnelMinPayload < 1 || th.TunnelMinPackets < 1 || th.UnreachableStormMin < 1 ||
		th.BlackholeMin < 1 || th.SweepWindowSeconds <= 0 || th.UnreachableStormWindow <= 0 || th.TunnelMinEntropy < 0 || th.TunnelMinEntropy > 8 {
		return nil, fmt.Errorf("thresholds must be positive (sweep_min_targets at least 2, tunnel_min_entropy at most 8)")
	}
	c.th = th
	c.sweepWin = time.Duration(th.SweepWindowSeconds * float64(time.Second))
	c.unreachWin = time.Duration(th.UnreachableStormWindow * float64(time.Second))
	return c, nil
}

func (c *config) matches(p *engine.Packet, m icmpMessage) bool {
	if c.src.IsValid() && p.SrcIP() != c.src || c.dst.IsValid() && p.DstIP() != c.dst {
		return false
	}
	if c.icmpType != nil && m.typ != *c.icmpType {
		return false
	}
	if !c.start.IsZero() && p.Timestamp.Before(c.start) || !c.end.IsZero() && p.Timestamp.After(c.end) {
		return false
	}
	return true
}
