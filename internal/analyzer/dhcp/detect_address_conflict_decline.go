package dhcp

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyDecline: clients DECLINEd the address they were given, having
// found it already in use.
const AnomalyDecline = "address_conflict_decline"

var declineMin = analyzer.Param{
	Name: "decline_min", Default: 2, Unit: "DECLINEs", Integer: true, Min: 1, Max: 1000000,
	Help: "DECLINEs in the capture",
}

var decline = analyzer.Detector[*event, *observer]{
	Type:   AnomalyDecline,
	Params: []analyzer.Param{declineMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &declineUnit{min: th.Int(declineMin)}
	},
}

// maxDeclineRecords is how many DECLINEs are described.
const maxDeclineRecords = result.MaxEvidence

type declineRec struct {
	frame int
	addr  netip.Addr
	hw    hwKey
}

// declineUnit counts the DECLINEs and keeps the first maxDeclineRecords.
type declineUnit struct {
	min      int
	declines []declineRec
	n        int
}

func (u *declineUnit) Observe(e *event) {
	if !e.full || e.m.msgType != MsgDecline {
		return
	}
	u.n++
	if len(u.declines) < maxDeclineRecords {
		addr := e.m.optIP(optRequestedIP)
		if !addr.IsValid() {
			addr = e.m.ciaddr
		}
		u.declines = append(u.declines, declineRec{e.p.Number, addr, e.hw})
	}
}

func (u *declineUnit) Conclude(_ *observer, add func(result.Finding)) {
	if u.n < u.min {
		return
	}
	byAddr := map[string][]string{}
	var frames []int
	for _, d := range u.declines {
		frames = append(frames, d.frame)
		a := addrString(d.addr)
		if a == "" {
			a = "unknown"
		}
		byAddr[a] = append(byAddr[a], d.hw.String())
	}
	var addrs []map[string]any
	for _, a := range slices.Sorted(maps.Keys(byAddr)) {
		addrs = append(addrs, map[string]any{"address": a, "declined_by": byAddr[a]})
	}
	add(finding(AnomalyDecline, result.Medium,
		fmt.Sprintf("%d DECLINE(s): clients found the address they were given already in use on the network (a static address inside the pool, or two servers sharing a pool)", u.n),
		frames, u.n, map[string]any{"declines": u.n, "addresses": addrs}))
}
