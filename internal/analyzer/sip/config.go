package sip

import (
	"fmt"
	"net/netip"
	"strconv"
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
	maxPackets        int
	lim               limits
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
	times             result.TimeRange
	unansweredTimeout time.Duration
	filters           Filters
	th                analyzer.Thresholds
}

func newConfig(in Input, opts Options, env *analyzer.Env) (*config, error) {
	c := &config{maxPackets: env.MaxPackets}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.callOffset, c.callLimit, c.callSet, err = result.Paging("calls_offset", "calls_limit", in.CallsOffset, in.CallsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	if c.regOffset, c.regLimit, c.regSet, err = result.Paging("registrations_offset", "registrations_limit", in.RegistrationsOffset, in.RegistrationsLimit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
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
		if *f.dst, err = result.ParseIP(f.name, f.val); err != nil {
			return nil, err
		}
		if f.dst.IsValid() {
			*f.echo = f.dst.String()
		}
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)

	c.th = in.Thresholds
	if len(c.th.Params()) == 0 {
		c.th = analyzer.NewThresholds(detectors.Params())
	}
	c.unansweredTimeout = seconds(c.th.Get(unansweredCallTimeout))
	c.lim = newLimits(env, opts, c.th.Int(inviteFloodMin))
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

// addrsMatch applies ip, src_ip and dst_ip to a pair of addresses.
func (c *config) addrsMatch(src, dst netip.Addr) bool {
	return (!c.ip.IsValid() || src == c.ip || dst == c.ip) &&
		(!c.srcIP.IsValid() || src == c.srcIP) && (!c.dstIP.IsValid() || dst == c.dstIP)
}

// msgKey is what the message filters test of a message.
type msgKey struct {
	t        time.Time
	src, dst netip.Addr
	callID   string // the whole Call-ID
	method   string // a request's method, a response's CSeq method
	request  bool
	status   int
}

// matches applies the message filters.
func (c *config) matches(k msgKey) bool {
	if !c.times.Contains(k.t) || !c.addrsMatch(k.src, k.dst) {
		return false
	}
	if c.callID != "" && k.callID != c.callID {
		return false
	}
	if c.method != "" && !strings.EqualFold(k.method, c.method) {
		return false
	}
	if c.status != 0 || c.class != 0 {
		if k.request || !c.statusMatches(k.status) {
			return false
		}
	}
	return true
}

// listKey is what the filters test of a call or a registration: when it
// began, its Call-ID, its two ends (caller and callee, client and
// registrar) and its final status code (0 while it has none).
type listKey struct {
	t        time.Time
	id       string
	src, dst netip.Addr
	code     int
}

// listMatches applies the filters to a call or a registration.
func (c *config) listMatches(k listKey) bool {
	if !c.times.Contains(k.t) || (c.callID != "" && k.id != c.callID) {
		return false
	}
	if !c.addrsMatch(k.src, k.dst) {
		return false
	}
	if c.status != 0 || c.class != 0 {
		if k.code == 0 || !c.statusMatches(k.code) {
			return false
		}
	}
	return true
}
