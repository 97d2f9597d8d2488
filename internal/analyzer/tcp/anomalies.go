package tcp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Anomaly types.
const (
	AnomalyPortScan      = "port_scan"
	AnomalySynFlood      = "syn_flood"
	AnomalyRetrans       = "high_retransmission_rate"
	AnomalyRstStorm      = "rst_storm"
	AnomalyZeroWindow    = "zero_window_stall"
	AnomalyHandshakeFail = "handshake_failures"
	AnomalyHalfOpen      = "half_open_connections"
)

// maxPerType bounds the anomalies of one type (one per scanner or server);
// the rest are counted in the last one's details.
const maxPerType = 10

// anomalies runs the detectors over the matching connections.
func (r *results) anomalies(th Thresholds) []Anomaly {
	out := []Anomaly{}
	add := func(typ, sev, summary string, ev modkit.Evidence, details map[string]any) {
		out = append(out, Anomaly{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: ev.Frames(), EvidenceFramesTotal: ev.Total(), Details: details})
	}
	r.portScans(th, add)
	r.serverAttempts(th, add)
	r.retransmissionRate(th, add)
	r.rstStorm(th, add)
	r.zeroWindow(th, add)
	slices.SortStableFunc(out, func(a, b Anomaly) int { return modkit.CompareSeverity(a.Severity, b.Severity) })
	return out
}

type addFunc func(typ, sev, summary string, ev modkit.Evidence, details map[string]any)

// failedAttempt reports whether a connection attempt (a SYN) came to
// nothing: refused or never answered.
func failedAttempt(v *view) bool { return v.tcpState == "refused" || v.tcpState == "syn_sent" }

// portScans finds sources that sent SYNs to many host:port targets, most of
// which refused or ignored them.
func (r *results) portScans(th Thresholds, add addFunc) {
	type scan struct {
		targets     map[netip.AddrPort]bool
		ports       map[uint16]bool
		hostSet     map[netip.Addr]bool
		failed      int
		refused     int
		unanswered  int
		open        []string
		first, last int64
		ev          modkit.Evidence
	}
	scans := map[netip.Addr]*scan{}
	var order []netip.Addr
	for _, v := range r.views {
		if v.c.synFrame == 0 || v.source != "syn" && v.source != "server_filter" {
			continue
		}
		s := scans[v.client.Addr()]
		if s == nil {
			s = &scan{targets: map[netip.AddrPort]bool{}, ports: map[uint16]bool{}, hostSet: map[netip.Addr]bool{}, first: v.c.synTime}
			scans[v.client.Addr()] = s
			order = append(order, v.client.Addr())
		}
		if !s.targets[v.server] {
			s.targets[v.server] = true
			if failedAttempt(v) {
				s.failed++
			}
			if v.c.synAckFrame != 0 && len(s.open) < 20 {
				s.open = append(s.open, v.server.String())
			}
		}
		switch v.tcpState {
		case "refused":
			s.refused++
		case "syn_sent":
			s.unanswered++
		}
		s.ports[v.server.Port()] = true
		s.hostSet[v.server.Addr()] = true
		s.last = v.c.synTime
		s.ev.Add(v.c.synFrame)
	}
	n := 0
	for _, a := range order {
		s := scans[a]
		if len(s.targets) < th.ScanMinTargets || ratio(s.failed, len(s.targets)) < th.ScanMinFailedRate {
			continue
		}
		if n++; n > maxPerType {
			continue
		}
		kind := "port scan"
		if len(s.hostSet) > len(s.ports) {
			kind = "host sweep"
		}
		add(AnomalyPortScan, "high",
			fmt.Sprintf("%s sent SYNs to %d targets (%d hosts, %d ports) in %.1f s; %d refused and %d unanswered: a %s", a, len(s.targets), len(s.hostSet), len(s.ports),
				secondsOf(s.last-s.first), s.refused, s.unanswered, kind),
			s.ev, map[string]any{"scanner": a.String(), "targets": len(s.targets), "hosts": len(s.hostSet), "ports": len(s.ports),
				"refused": s.refused, "unanswered": s.unanswered, "answered_ports": s.open, "duration_seconds": secondsOf(s.last - s.first)})
	}
}

// serverAttempts finds servers flooded with SYNs, servers that fail many
// handshakes, and servers left with half-open connections.
func (r *results) serverAttempts(th Thresholds, add addFunc) {
	type server struct {
		syns                          []int64
		attempts, completed, failed   int
		refused, unanswered, halfOpen int
		clients                       map[netip.Addr]bool
		synEv, failEv, halfEv         modkit.Evidence
	}
	servers := map[netip.AddrPort]*server{}
	var order []netip.AddrPort
	for _, v := range r.views {
		if v.c.synFrame == 0 {
			continue
		}
		s := servers[v.server]
		if s == nil {
			s = &server{clients: map[netip.Addr]bool{}}
			servers[v.server] = s
			order = append(order, v.server)
		}
		s.attempts++
		s.syns = append(s.syns, v.c.synTime)
		s.synEv.Add(v.c.synFrame)
		if len(s.clients) < 100000 {
			s.clients[v.client.Addr()] = true
		}
		switch {
		case v.complete:
			s.completed++
		case v.tcpState == "syn_received":
			s.halfOpen++
			s.failed++
			s.halfEv.Add(v.c.synAckFrame)
			s.failEv.Add(v.c.synFrame)
		case failedAttempt(v):
			s.failed++
			s.failEv.Add(v.c.synFrame)
			if v.tcpState == "refused" {
				s.refused++
			} else {
				s.unanswered++
			}
		}
	}
	var flood, fails, half int
	for _, k := range order {
		s := servers[k]
		slices.Sort(s.syns)
		peak, j := 0, 0
		for i := range s.syns {
			for s.syns[i]-s.syns[j] >= 1e9 {
				j++
			}
			peak = max(peak, i-j+1)
		}
		if peak >= th.SynFloodMinSyns && ratio(s.completed, s.attempts) <= th.SynFloodMaxCompletion {
			if flood++; flood <= maxPerType {
				add(AnomalySynFlood, "high",
					fmt.Sprintf("SYN flood on %s: up to %d connection attempts per second from %d sources; %d of %d completed the handshake", k, peak, len(s.clients), s.completed, s.attempts),
					s.synEv, map[string]any{"server": k.String(), "peak_per_second": peak, "attempts": s.attempts, "completed": s.completed,
						"half_open": s.halfOpen, "sources": len(s.clients)})
			}
		}
		if s.failed >= th.HandshakeFailMin && ratio(s.failed, s.attempts) >= th.HandshakeFailMinRate {
			if fails++; fails <= maxPerType {
				add(AnomalyHandshakeFail, "medium",
					fmt.Sprintf("%d of %d connection attempts to %s failed (%d refused, %d unanswered, %d never acknowledged): the service is down, filtered or overloaded", s.failed, s.attempts, k, s.refused, s.unanswered, s.halfOpen),
					s.failEv, map[string]any{"server": k.String(), "attempts": s.attempts, "failed": s.failed, "refused": s.refused,
						"unanswered": s.unanswered, "half_open": s.halfOpen, "clients": len(s.clients)})
			}
		}
		if s.halfOpen >= th.HalfOpenMin {
			if half++; half <= maxPerType {
				add(AnomalyHalfOpen, "medium",
					fmt.Sprintf("%s answered %d SYNs with SYN-ACKs that were never acknowledged: half-open connections (spoofed SYNs, a SYN flood, or a client-side path problem)", k, s.halfOpen),
					s.halfEv, map[string]any{"server": k.String(), "half_open": s.halfOpen, "attempts": s.attempts, "clients": len(s.clients)})
			}
		}
	}
}

// retransmissionRate flags connections, and the capture, that retransmit
// a large share of their segments.
func (r *results) retransmissionRate(th Thresholds, add addFunc) {
	type worst struct {
		v    *view
		rate float64
	}
	var bad []worst
	total, retrans := 0, 0
	for _, v := range r.views {
		p, n := v.packets(), v.retrans()
		total += p
		retrans += n
		if p >= th.RetransMinPackets && ratio(n, p) >= th.RetransMinRate {
			bad = append(bad, worst{v, ratio(n, p)})
		}
	}
	overall := ratio(retrans, total)
	if len(bad) == 0 && (total < th.RetransMinPackets || overall < th.RetransMinRate) {
		return
	}
	slices.SortStableFunc(bad, func(a, b worst) int { return cmp.Compare(b.rate, a.rate) })
	var ev modkit.Evidence
	streams := map[int]bool{}
	list := []map[string]any{}
	for i, w := range bad {
		streams[w.v.c.stream] = true
		if i < 10 {
			list = append(list, map[string]any{"connection": w.v.label(), "stream": w.v.c.stream, "retransmissions": w.v.retrans(),
				"packets": w.v.packets(), "rate": round3(w.rate)})
		}
	}
	// Evidence: the flagged connections' retransmissions, or with none
	// flagged (the capture as a whole is), every matching connection's.
	for _, e := range r.segments(func(e *event) bool {
		return e.flags&anyRetransmission != 0 && (len(bad) == 0 || streams[int(e.stream)])
	}) {
		ev.Add(int(e.frame))
	}
	summary := fmt.Sprintf("%d of %d segments (%.1f%%) are retransmissions overall", retrans, total, 100*overall)
	if len(bad) > 0 {
		summary = fmt.Sprintf("%d connection(s) retransmit at least %.0f%% of their segments (worst %s: %.1f%%); %s", len(bad), 100*th.RetransMinRate, bad[0].v.label(), 100*bad[0].rate, summary)
	}
	add(AnomalyRetrans, "medium", summary+": packet loss, congestion or a bad link on the path", ev,
		map[string]any{"overall_rate": round3(overall), "retransmissions": retrans, "packets": total, "connections": list, "connections_over_threshold": len(bad)})
}

// rstStorm finds many established connections reset within a short window,
// when resets are most of the connections that ended in it: a busy capture
// with a steady trickle of resets is not a storm.
func (r *results) rstStorm(th Thresholds, add addFunc) {
	type rst struct {
		t     int64
		frame int
		v     *view
	}
	var rs []rst
	ends := make([]int64, 0, len(r.views))
	for _, v := range r.views {
		c := v.c
		ends = append(ends, c.lastTime)
		if c.rstFrame == 0 || c.rstState == "syn_sent" || c.rstState == "syn_received" {
			continue
		}
		rs = append(rs, rst{c.rstTime, c.rstFrame, v})
	}
	slices.SortFunc(rs, func(a, b rst) int { return cmp.Compare(a.t, b.t) })
	slices.Sort(ends)
	win := int64(th.RstStormWindowSec * 1e9)
	peak, at, ended, k := 0, 0, 0, 0
	for j := range rs {
		for k < len(rs) && rs[k].t-rs[j].t <= win {
			k++
		}
		n := k - j
		lo, _ := slices.BinarySearch(ends, rs[j].t)
		hi, _ := slices.BinarySearch(ends, rs[j].t+win+1)
		if n > peak && n >= th.RstStormMin && ratio(n, hi-lo) >= th.RstStormMinShare {
			peak, at, ended = n, j, hi-lo
		}
	}
	if peak == 0 {
		return
	}
	var ev modkit.Evidence
	by := map[string]int{}
	senders := map[string]int{}
	for _, x := range rs[at : at+peak] {
		ev.Add(x.frame)
		who := "client"
		if int(x.v.c.rstDir) == x.v.sv {
			who = "server"
		}
		by[who]++
		ends := [2]netip.AddrPort{x.v.c.a, x.v.c.b}
		senders[ends[x.v.c.rstDir].Addr().String()]++
	}
	add(AnomalyRstStorm, "medium",
		fmt.Sprintf("%d established connections were reset within %.0f s (by client %d, by server %d), %d of the %d connections that ended then: a crashing service, a middlebox or IPS tearing connections down, or an attack",
			peak, th.RstStormWindowSec, by["client"], by["server"], peak, ended),
		ev, map[string]any{"resets": peak, "window_seconds": th.RstStormWindowSec, "connections_ended": ended, "reset_by": by, "senders": topN(senders, 10)})
}

// zeroWindow finds receivers that kept their window shut.
func (r *results) zeroWindow(th Thresholds, add addFunc) {
	type stall struct {
		v   *view
		d   int
		dur int64
	}
	var stalls []stall
	min := int64(th.ZeroWindowMinSec * 1e9)
	for _, v := range r.views {
		for d := range v.c.f {
			if st := &v.c.f[d].st; st.zeroWinMax >= min && st.zeroWinFrame != 0 {
				stalls = append(stalls, stall{v, d, st.zeroWinMax})
			}
		}
	}
	if len(stalls) == 0 {
		return
	}
	slices.SortStableFunc(stalls, func(a, b stall) int { return cmp.Compare(b.dur, a.dur) })
	var ev modkit.Evidence
	list := []map[string]any{}
	for i, s := range stalls {
		ev.Add(s.v.c.f[s.d].st.zeroWinFrame)
		if i < 10 {
			who := "client"
			if s.d == s.v.sv {
				who = "server"
			}
			list = append(list, map[string]any{"connection": s.v.label(), "stream": s.v.c.stream, "receiver": who,
				"zero_window_ms": msOf(s.dur), "still_zero_at_end": s.v.c.f[s.d].st.zeroWinStart != 0})
		}
	}
	w := stalls[0]
	add(AnomalyZeroWindow, "medium",
		fmt.Sprintf("%d connection side(s) advertised a zero window for %.1f s or more (longest %.1f s, %s): the receiving application stopped reading", len(stalls), th.ZeroWindowMinSec, secondsOf(w.dur), w.v.label()),
		ev, map[string]any{"stalls": list, "count": len(stalls)})
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// issues phrases anomalies as mcpcap's issues strings.
func issues(as []Anomaly) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, strings.ToUpper(a.Severity[:1])+a.Severity[1:]+": "+a.Type+": "+a.Summary)
	}
	return out
}
