package lldp

import (
	"fmt"
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
	proto         string
	device        string // lower case
	times         result.TimeRange
	filters       Filters
	th            analyzer.Thresholds
}

func newConfig(in Input, env *analyzer.Env) (*config, error) {
	if env == nil {
		env = &analyzer.Env{}
	}
	c := &config{maxPackets: env.MaxPackets, th: in.Thresholds, lim: newLimits(env)}
	if c.th.Params() == nil {
		c.th = analyzer.NewThresholds(detectors.Params())
	}
	var err error
	if c.offset, c.limit, c.limitSet, err = result.Paging("offset", "limit", in.Offset, in.Limit, DefaultLimit, MaxLimit); err != nil {
		return nil, err
	}
	switch p := strings.ToUpper(strings.TrimSpace(in.Protocol)); p {
	case "":
	case protoLLDP, protoCDP:
		c.proto, c.filters.Protocol = p, p
	default:
		return nil, fmt.Errorf("protocol %q is not a discovery protocol; use LLDP or CDP", in.Protocol)
	}
	if d := strings.TrimSpace(in.Device); d != "" {
		c.device, c.filters.Device = strings.ToLower(d), d
	}
	if c.times, err = result.NewTimeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	c.filters.StartTime, c.filters.EndTime = result.FormatTime(c.times.Start), result.FormatTime(c.times.End)
	return c, nil
}

// frameKey is what the filters test of a frame: its protocol, time and
// the names the device filter looks in (the chassis id as bytes, made
// text only when that filter is set).
type frameKey struct {
	ts             time.Time
	proto, sysName string
	chassisSubtype uint8
	chassisID      []byte // the announcement's own copy, never changed
}

func keyOf(p *engine.Packet, a *announcement) frameKey {
	return frameKey{ts: p.Timestamp, proto: a.proto, sysName: a.sysName, chassisSubtype: a.chassisSubtype, chassisID: a.chassisID}
}

func (c *config) matches(k frameKey) bool {
	if c.proto != "" && k.proto != c.proto {
		return false
	}
	if c.device != "" && !strings.Contains(strings.ToLower(k.sysName), c.device) &&
		!strings.Contains(strings.ToLower(chassisText(k.proto, k.chassisSubtype, k.chassisID)), c.device) {
		return false
	}
	return c.times.Contains(k.ts)
}

// Shares of the state budget (--max-state-bytes), one per table that grows
// with the capture, and the bytes one entry of each takes (measured by
// TestStateEntryBytes, rounded up).
const (
	shareDevices   = 0.05 // devices, with their ports and source MACs
	shareNeighbors = 0.02 // (interface, tag, device, port, source MAC) rows
	shareKeys      = 0.05 // lldp_cdp_spoofing_suspected: (identity, port) -> source MACs
	shareMACs      = 0.05 // lldp_cdp_spoofing_suspected: source MAC -> identities, and DHCP client MACs

	bytesDevice   = 8192
	bytesNeighbor = 1024
	bytesKey      = 1024
	bytesMAC      = 512
)

type limits struct{ devices, neighbors, keys, macs int }

func newLimits(env *analyzer.Env) limits {
	n := env.StateItems
	return limits{devices: n(bytesDevice, shareDevices), neighbors: n(bytesNeighbor, shareNeighbors), keys: n(bytesKey, shareKeys), macs: n(bytesMAC, shareMACs)}
}
