package dhcp

import (
	"bytes"
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyChaddrMismatch: a client's own message whose chaddr differs from
// its link-layer source.
const AnomalyChaddrMismatch = "chaddr_mismatch"

var chaddrMismatch = analyzer.Detector[*event, *observer]{
	Type: AnomalyChaddrMismatch,
	New:  func(analyzer.Thresholds) analyzer.Unit[*event, *observer] { return &chaddrMismatchUnit{} },
}

// maxMismatchSamples is how many mismatching messages are described.
const maxMismatchSamples = 5

type chaddrMismatchUnit struct {
	frames  result.Evidence
	samples []map[string]any
}

// Observe compares chaddr with the link source, for frames the client
// itself sent: no relay, and an IP source that is the client's (0.0.0.0
// before it has an address, or ciaddr); anything else was forwarded by
// another host.
func (u *chaddrMismatchUnit) Observe(e *event) {
	if !e.full {
		return
	}
	p, m := e.p, e.m
	if ipSrc := p.SrcIP(); m.op == 1 && !(m.giaddr.IsValid() && !m.giaddr.IsUnspecified()) && m.htype == 1 && len(m.chaddr) == 6 &&
		(ipSrc.IsUnspecified() || ipSrc == m.ciaddr) {
		if src := p.SrcMAC(); len(src) == 6 && !bytes.Equal(src, m.chaddr) {
			u.frames.Add(p.Number)
			if len(u.samples) < maxMismatchSamples {
				u.samples = append(u.samples, map[string]any{"packet_number": p.Number, "chaddr": formatHW(m.chaddr), "link_source": src.String(), "message_type": m.msgType.String()})
			}
		}
	}
}

func (u *chaddrMismatchUnit) Conclude(_ *observer, add func(result.Finding)) {
	n := u.frames.Total()
	if n == 0 {
		return
	}
	add(result.NewFinding(AnomalyChaddrMismatch, result.Medium,
		fmt.Sprintf("%d client message(s) sent directly (no relay) carry a client hardware address (chaddr) that differs from their Ethernet source: spoofed chaddr (starvation tools do this) or a bridging device rewriting frames", n),
		u.frames, map[string]any{"count": n, "samples": u.samples}))
}
