package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyInviteFlood is the finding of a call flood.
const AnomalyInviteFlood = "invite_flood"

// maxFloodRing is the largest invite_flood_min: the detector keeps that
// many INVITE times per source.
const maxFloodRing = 10000

// Thresholds of invite_flood.
var (
	inviteFloodMin = analyzer.Param{Name: "invite_flood_min", Default: 50, Unit: "INVITEs", Min: 2, Max: maxFloodRing, Integer: true,
		Help: "new INVITEs (not retransmissions) from one source within the window"}
	inviteFloodWindow = analyzer.Param{Name: "invite_flood_window_seconds", Default: 10, Unit: "seconds", Min: 0.001, Max: 86400,
		Help: "the window invite_flood_min INVITEs must come within"}
)

// inviteFlood finds call floods: invite_flood_min new INVITEs (not
// retransmissions, not re-INVITEs) from one source within
// invite_flood_window_seconds.
var inviteFlood = analyzer.Detector[*event, *observer]{
	Type:   AnomalyInviteFlood,
	Params: []analyzer.Param{inviteFloodMin, inviteFloodWindow},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &flood{min: th.Int(inviteFloodMin), windowSec: th.Get(inviteFloodWindow), window: int64(seconds(th.Get(inviteFloodWindow))),
			srcs: map[netip.Addr]*flooder{}}
	},
}

type flood struct {
	min       int
	windowSec float64
	window    int64 // ns
	srcs      map[netip.Addr]*flooder
	capped    int // INVITEs of sources not followed: more than lim.floodSources
}

// flooder is what the flood detector knows of one source.
type flooder struct {
	invites int                  // new INVITEs
	times   result.Window[int64] // times (Unix ns) of the last INVITEs
	ev      result.Evidence      // INVITEs that ended a flood window
	from    time.Time            // the first of them
}

// Observe follows each source's new initial INVITEs, and notes each that
// comes within invite_flood_window_seconds of the invite_flood_min-th
// before it.
func (u *flood) Observe(e *event) {
	m, md := e.m, &e.md
	if m == nil || !m.request || !e.initial || md.retrans || !bytes.Equal(m.method, mINVITE) {
		return
	}
	s := u.srcs[md.src.Addr()]
	if s == nil {
		if len(u.srcs) >= e.lim.floodSources {
			u.capped++
			return
		}
		s = &flooder{}
		u.srcs[md.src.Addr()] = s
	}
	s.invites++
	// The window grows to invite_flood_min times as INVITEs come, so a
	// source that sends few costs little. The first check spans
	// invite_flood_min INVITEs; once that many have come, each spans this
	// INVITE and the invite_flood_min before it, as this detector always
	// has.
	now := md.t.UnixNano()
	s.times.Push(now)
	if s.times.Len() < u.min {
		return
	}
	oldest := s.times.Front()
	if s.times.Len() > u.min {
		s.times.PopFront()
	}
	if now-oldest <= u.window {
		if s.ev.Total() == 0 {
			s.from = md.t
		}
		s.ev.Add(md.frame)
	}
}

// Conclude reports each source that flooded.
func (u *flood) Conclude(o *observer, add func(result.Finding)) {
	if u.capped > 0 {
		o.noteCapped("flood sources", fmt.Sprintf("the invite_flood detector followed %d sources and not %d INVITE(s) of further ones", len(u.srcs), u.capped))
	}
	for _, a := range sortedAddrs(u.srcs) {
		s := u.srcs[a]
		if s.ev.Total() == 0 {
			continue
		}
		add(result.NewFinding(AnomalyInviteFlood, result.High,
			fmt.Sprintf("%s sent %d or more new INVITEs within %g s (from %s; %d in all): a call flood that exhausts the server, or toll fraud dialling out",
				a, u.min, u.windowSec, s.from.Format(time.TimeOnly), s.invites),
			s.ev, map[string]any{"source": a.String(), "invites": s.invites, "window_seconds": u.windowSec, "min_invites": u.min,
				"invites_in_flood_windows": s.ev.Total()}))
	}
}
