package dhcp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyDuplicateIP: an address ACKed to a second client while another
// client's lease on it was still active.
const AnomalyDuplicateIP = "duplicate_ip_assignment"

var duplicateIP = analyzer.Detector[*event, *observer]{
	Type: AnomalyDuplicateIP,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &duplicateIPUnit{holders: map[netip.Addr]*holder{}}
	},
}

// maxDuplicates is how many duplicate assignments are described.
const maxDuplicates = 20

// holder is the last client an address was ACKed to.
type holder struct {
	hw       hwKey
	expiry   time.Time // zero: unknown lease length
	frame    int
	released bool
}

type duplicateRec struct {
	addr           netip.Addr
	first, second  hwKey
	frame1, frame2 int
	at             time.Time
}

// duplicateIPUnit follows who holds each address, from the ACKs, RELEASEs
// and DECLINEs of tracked clients.
type duplicateIPUnit struct {
	holders    map[netip.Addr]*holder // at most limits.holders
	duplicates []duplicateRec         // the first maxDuplicates
	n          int
}

func (u *duplicateIPUnit) Observe(e *event) {
	if !e.full || e.client == nil {
		return
	}
	m := e.m
	switch m.msgType {
	case MsgDecline:
		u.release(m.optIP(optRequestedIP), e.hw)
	case MsgRelease:
		u.release(m.ciaddr, e.hw)
	case MsgAck:
		if addr, secs, ok := m.lease(); ok {
			u.assign(addr, e.hw, e.p.Timestamp, secs, e.p.Number, e.lim)
		}
	}
}

// assign records that addr was ACKed to hw, and notes a duplicate when
// another client still holds an unexpired, unreleased lease on it.
func (u *duplicateIPUnit) assign(addr netip.Addr, hw hwKey, t time.Time, secs int64, frame int, lim *limits) {
	h := u.holders[addr]
	if h != nil && h.hw != hw && !h.released && (h.expiry.IsZero() || t.Before(h.expiry)) {
		u.n++
		if len(u.duplicates) < maxDuplicates {
			u.duplicates = append(u.duplicates, duplicateRec{addr: addr, first: h.hw, second: hw, frame1: h.frame, frame2: frame, at: t})
		}
	}
	var expiry time.Time
	if secs >= 0 && secs != 0xffffffff {
		expiry = t.Add(time.Duration(secs) * time.Second)
	}
	if h == nil {
		if len(u.holders) >= lim.holders {
			lim.holdersUntracked++
			return
		}
		h = &holder{}
		u.holders[addr] = h
	}
	*h = holder{hw: hw, expiry: expiry, frame: frame}
}

func (u *duplicateIPUnit) release(addr netip.Addr, hw hwKey) {
	if h := u.holders[addr]; h != nil && h.hw == hw {
		h.released = true
	}
}

func (u *duplicateIPUnit) Conclude(_ *observer, add func(result.Finding)) {
	if u.n == 0 {
		return
	}
	var frames []int
	var cases []map[string]any
	for _, d := range u.duplicates {
		frames = append(frames, d.frame1, d.frame2)
		cases = append(cases, map[string]any{"address": d.addr.String(), "first_client": d.first.String(), "first_ack_packet": d.frame1,
			"second_client": d.second.String(), "second_ack_packet": d.frame2, "at": result.FormatTime(d.at)})
	}
	add(finding(AnomalyDuplicateIP, result.High,
		fmt.Sprintf("%d address(es) ACKed to a second client while another client's lease on it was still active (first: %s to %s and %s)",
			u.n, u.duplicates[0].addr, u.duplicates[0].first, u.duplicates[0].second),
		frames, 2*u.n, map[string]any{"count": u.n, "cases": cases}))
}
