package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Paging defaults and limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// Default anomaly thresholds.
var defaultThresholds = Thresholds{
	ScannerMinTargets:        20,
	ScannerMaxSuccessRate:    0.2,
	BruteforceMinFailures:    10,
	InviteFloodMin:           50,
	InviteFloodWindowSec:     10,
	FailedCallsMin:           10,
	FailedCallsRate:          0.5,
	FailedCallsWindowSec:     60,
	UnansweredCallTimeoutSec: 32,
}

type config struct {
	maxPackets        int
	maxCalls, maxRegs int
	offset, limit     int
	callOffset        int
	callLimit         int
	regOffset         int
	regLimit          int
	limitSet          bool
	callSet, regSet   bool
	method            string
	status            int // exact code, or 0
	class             int // 1..6 for "Nxx", or 0
	callID            string
	ip, srcIP, dstIP  netip.Addr
	start, end        time.Time
	unansweredTimeout time.Duration
	floodWindow       time.Duration
	failedCallsWindow time.Duration
	filters           Filters
	th                Thresholds
}

func newConfig(in Input, opts Options, maxPackets int) (*config, error) {
	c := &config{maxPackets: maxPackets, maxCalls: opts.MaxCalls, maxRegs: opts.MaxRegistrations}
	var err error
	if c.offset, c.limit, err = analyzer.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.callOffset, c.callLimit, err = analyzer.PageArgs(in.CallsOffset, in.CallsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, fmt.Errorf("calls: %w", err)
	}
	if c.regOffset, c.regLimit, err = analyzer.PageArgs(in.RegistrationsOffset, in.RegistrationsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, fmt.Errorf("registrations: %w", err)
	}
	c.limitSet, c.callSet, c.regSet = in.Limit > 0, in.CallsLimit > 0, in.RegistrationsLimit > 0
	if s := strings.TrimSpace(in.Method); s != "" {
		if !isToken([]byte(s)) {
			return nil, fmt.Errorf("method %q is not a SIP method; use a name such as INVITE, REGISTER, OPTIONS, BYE", s)
		}
		c.method = strings.ToUpper(s)
		c.filters.Method = c.method
	}
	if s := strings.TrimSpace(in.StatusCode); s != "" {
		switch {
		case len(s) == 3 && s[0] >= '1' && s[0] <= '6' && strings.EqualFold(s[1:], "xx"):
			c.class = int(s[0] - '0')
			c.filters.StatusCode = s[:1] + "xx"
		default:
			n, err := strconv.Atoi(s)
			if err != nil || n < 100 || n > 699 {
				return nil, fmt.Errorf("status_code %q is not a SIP status; use a code from 100 to 699 (486) or a class (4xx)", s)
			}
			c.status = n
			c.filters.StatusCode = s
		}
	}
	c.callID = strings.TrimSpace(in.CallID)
	c.filters.CallID = c.callID
	for _, f := range []struct {
		name, val string
		dst       *netip.Addr
		echo      *string
	}{{"ip", in.IP, &c.ip, &c.filters.IP}, {"src_ip", in.SrcIP, &c.srcIP, &c.filters.SrcIP}, {"dst_ip", in.DstIP, &c.dstIP, &c.filters.DstIP}} {
		if *f.dst, err = analyzer.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	if c.start, c.end, err = analyzer.ParseTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = analyzer.FormatTime(c.start), analyzer.FormatTime(c.end)

	th := defaultThresholds
	analyzer.Override(in.ScannerMinTargets, &th.ScannerMinTargets)
	analyzer.Override(in.ScannerMaxSuccessRate, &th.ScannerMaxSuccessRate)
	analyzer.Override(in.BruteforceMinFailures, &th.BruteforceMinFailures)
	analyzer.Override(in.InviteFloodMin, &th.InviteFloodMin)
	analyzer.Override(in.InviteFloodWindowSec, &th.InviteFloodWindowSec)
	analyzer.Override(in.FailedCallsMin, &th.FailedCallsMin)
	analyzer.Override(in.FailedCallsRate, &th.FailedCallsRate)
	analyzer.Override(in.FailedCallsWindowSec, &th.FailedCallsWindowSec)
	analyzer.Override(in.UnansweredCallTimeoutSec, &th.UnansweredCallTimeoutSec)
	if th.ScannerMinTargets < 2 || th.BruteforceMinFailures < 1 || th.InviteFloodMin < 2 || th.FailedCallsMin < 1 ||
		th.InviteFloodWindowSec <= 0 || th.FailedCallsWindowSec <= 0 || th.UnansweredCallTimeoutSec <= 0 ||
		th.ScannerMaxSuccessRate < 0 || th.ScannerMaxSuccessRate > 1 || th.FailedCallsRate < 0 || th.FailedCallsRate > 1 {
		return nil, fmt.Errorf("thresholds must be positive (scanner_min_targets and invite_flood_min at least 2), and rates between 0 and 1")
	}
	if th.InviteFloodMin > maxFloodRing {
		return nil, fmt.Errorf("invite_flood_min %d is above the maximum of %d", th.InviteFloodMin, maxFloodRing)
	}
	c.th = th
	c.unansweredTimeout = seconds(th.UnansweredCallTimeoutSec)
	c.floodWindow = seconds(th.InviteFloodWindowSec)
	c.failedCallsWindow = seconds(th.FailedCallsWindowSec)
	return c, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// statusMatches applies the status_code filter to a code.
func (c *config) statusMatches(code int) bool {
	switch {
	case c.status != 0:
		return code == c.status
	case c.class != 0:
		return code/100 == c.class
	}
	return true
}

func (c *config) timeMatches(t time.Time) bool {
	return (c.start.IsZero() || !t.Before(c.start)) && (c.end.IsZero() || !t.After(c.end))
}

// addrsMatch applies ip, src_ip and dst_ip to a pair of addresses.
func (c *config) addrsMatch(src, dst netip.Addr) bool {
	return (!c.ip.IsValid() || src == c.ip || dst == c.ip) &&
		(!c.srcIP.IsValid() || src == c.srcIP) && (!c.dstIP.IsValid() || dst == c.dstIP)
}

// matches applies the message filters.
func (c *config) matches(m *message, md *meta) bool {
	if !c.timeMatches(md.t) || !c.addrsMatch(md.src.Addr(), md.dst.Addr()) {
		return false
	}
	if c.callID != "" && string(m.get(hdrCallID)) != c.callID {
		return false
	}
	if c.method != "" {
		method := m.method
		if !m.request {
			method = m.cseqMethod
		}
		if !bytes.EqualFold(method, []byte(c.method)) {
			return false
		}
	}
	if c.status != 0 || c.class != 0 {
		if m.request || !c.statusMatches(m.status) {
			return false
		}
	}
	return true
}
