package sip

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// maxHeaderNames bounds the headers map of a packet record.
const maxHeaderNames = 40

// record builds the packet record of the message being handled.
func record(m *message, md *meta) Packet {
	p := Packet{
		PacketNumber:    md.frame,
		Timestamp:       result.FormatTime(md.t),
		SourceIP:        md.src.Addr().String(),
		DestinationIP:   md.dst.Addr().String(),
		SourcePort:      int(md.src.Port()),
		DestinationPort: int(md.dst.Port()),
		Transport:       md.transport,
		StartLine:       text(m.line, 1000),
		CallID:          text(m.get(hdrCallID), maxValue),
		CSeq:            text(m.get(hdrCSeq), maxValue),
		From:            text(m.get(hdrFrom), maxValue),
		To:              text(m.get(hdrTo), maxValue),
		Contact:         text(m.get(hdrContact), maxValue),
		UserAgent:       text(m.get(hdrUserAgent), maxValue),
		Server:          text(m.get(hdrServer), maxValue),
		Via:             text(m.topVia(), maxValue),
		ContentType:     text(m.get(hdrContentType), maxValue),
		BodyLength:      m.bodyLen,
		Headers:         map[string]string{},
		CSeqNumber:      int(m.cseq),
		CSeqMethod:      text(m.cseqMethod, 64),
		ViaHops:         m.vias,
		Retransmission:  md.retrans,
	}
	sp, dp := md.src.Port(), md.dst.Port()
	p.KnownSIPPort = sp == portSIP || sp == portSIPTLS || dp == portSIP || dp == portSIPTLS
	if m.contentLength >= 0 {
		n := m.contentLength
		p.ContentLength = &n
	}
	if m.request {
		p.MessageType, p.Method, p.RequestURI, p.SIPVersion = "request", text(m.method, 64), text(m.uri, 1000), string(m.version)
		p.Summary = "Request: " + text(m.method, 64) + " " + p.RequestURI
	} else {
		p.MessageType, p.StatusCode, p.ReasonPhrase = "response", m.status, text(m.reason, maxValue)
		p.Summary = "Status: " + strconv.Itoa(m.status) + " " + p.ReasonPhrase
		if len(m.cseqMethod) > 0 {
			p.Summary += " (" + p.CSeqMethod + ")"
		}
	}
	for _, h := range m.headers {
		name := hdrNames[h.id]
		if h.id == hdrOther {
			name = strings.ToLower(text(h.name, 64))
		}
		v := text(h.value, maxValue)
		if old, ok := p.Headers[name]; ok {
			if len(old)+2+len(v) > maxValue {
				p.HeadersTruncated = true
				continue
			}
			v = old + ", " + v
		} else if len(p.Headers) >= maxHeaderNames {
			p.HeadersTruncated = true
			continue
		}
		p.Headers[name] = v
	}
	if m.isSDP() {
		s := parseSDP(m.body)
		p.SDP = &s
	}
	if m.err != nil {
		p.Malformed = m.err.Error()
	}
	return p
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// state classifies a call by the final response to its last initial
// INVITE transaction.
func (o *observer) state(c *call) string {
	code := c.final.code
	switch {
	case c.final.frame == 0 && c.cancelFrame != 0:
		return "cancelled"
	case c.final.frame == 0 && o.lastTime.Sub(c.txTime) >= o.cfg.unansweredTimeout:
		return "unanswered"
	case c.final.frame == 0:
		return "in_progress"
	case code/100 == 2:
		return "answered"
	case c.cancelFrame != 0 && c.cancelFrame < c.final.frame:
		return "cancelled" // the caller gave up first; the final is 487, or a timeout
	case code == 486 || code == 600:
		return "busy"
	case code == 603:
		return "declined"
	case code == 487:
		return "cancelled"
	case code/100 == 3:
		return "redirected"
	case code == 401 || code == 407:
		return "challenged"
	}
	return "failed"
}

func (o *observer) callOutput(c *call) Call {
	out := Call{
		CallID: result.Text(c.id, maxValue), State: o.state(c), Caller: c.caller, Callee: c.callee, CallerAddress: c.callerAddr.String(), CalleeAddress: c.calleeAddr.String(),
		Transport: c.transport, UserAgent: c.userAgent, InviteFrame: c.firstFrame, InviteTime: result.FormatTime(c.firstTime),
		Invites: c.invites, ReInvites: c.reinvites, AuthChallenges: c.challenges, Media: []CallMedia{}, Messages: c.messages, LastFrame: c.lastFrame,
	}
	since := func(r response) *float64 {
		if r.frame == 0 {
			return nil
		}
		v := ms(r.t.Sub(c.txTime))
		return &v
	}
	if c.final.frame != 0 {
		code, frame := c.final.code, c.final.frame
		out.FinalCode, out.FinalFrame, out.FinalReason = &code, &frame, c.finalReason
	}
	out.FirstResponseMs, out.PostDialDelayMs, out.SetupTimeMs = since(c.firstResp), since(c.ring), since(c.final)
	if c.answer.frame != 0 {
		out.AnswerTime = result.FormatTime(c.answer.t)
	}
	if c.cancelFrame != 0 {
		f := c.cancelFrame
		out.CancelFrame = &f
	}
	if c.bye.frame != 0 {
		f := c.bye.frame
		out.ByeFrame, out.EndTime = &f, result.FormatTime(c.bye.t)
		out.EndedBy = "callee"
		if c.byeFromCaller {
			out.EndedBy = "caller"
		}
		if c.answer.frame != 0 && !c.bye.t.Before(c.answer.t) {
			d := float64(c.bye.t.Sub(c.answer.t).Microseconds()) / 1e6
			out.DurationSeconds = &d
		}
	}
	out.Media = append(append(out.Media, c.media[0]...), c.media[1]...)
	return out
}

func (c *config) callMatches(cl *call) bool {
	if !c.times.Contains(cl.firstTime) || (c.callID != "" && cl.id != c.callID) {
		return false
	}
	if !c.addrsMatch(cl.callerAddr.Addr(), cl.calleeAddr.Addr()) {
		return false
	}
	if c.status != 0 || c.class != 0 {
		if cl.final.frame == 0 || !c.statusMatches(cl.final.code) {
			return false
		}
	}
	return true
}

func (r *registration) result() string {
	switch {
	case r.lastCode == 0:
		return "unanswered"
	case r.lastCode/100 == 2 && r.granted == 0:
		return "unregistered"
	case r.lastCode/100 == 2:
		return "registered"
	case r.lastCode == 401 || r.lastCode == 407:
		return "challenged"
	}
	return "failed"
}

func regOutput(r *registration) Registration {
	out := Registration{
		CallID: result.Text(r.id, maxValue), Result: r.result(), AOR: r.aor, Contact: r.contact, Client: r.client.String(), Registrar: r.registrar.String(),
		UserAgent: r.userAgent, AuthUsername: r.authUser, Requests: r.requests, Challenges: r.challenges, AuthFailures: r.authFailures,
		LastReason: r.lastReason, FirstFrame: r.firstFrame, FirstTime: result.FormatTime(r.firstTime), LastFrame: r.lastFrame,
		LastTime: result.FormatTime(r.lastTime),
	}
	if r.lastCode != 0 {
		code := r.lastCode
		out.LastStatusCode = &code
	}
	if r.reqExpires >= 0 {
		v := r.reqExpires
		out.RequestedExpires = &v
	}
	if r.lastCode/100 == 2 && r.granted >= 0 {
		v := r.granted
		out.GrantedExpires = &v
	}
	return out
}

func (c *config) regMatches(r *registration) bool {
	if !c.times.Contains(r.firstTime) || (c.callID != "" && r.id != c.callID) {
		return false
	}
	if !c.addrsMatch(r.client.Addr(), r.registrar.Addr()) {
		return false
	}
	if c.status != 0 || c.class != 0 {
		if r.lastCode == 0 || !c.statusMatches(r.lastCode) {
			return false
		}
	}
	return true
}

// findings concludes the detectors.
func (o *observer) findings() []result.Finding { return o.run.Conclude(o) }

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{
		File:               in.PcapFile,
		TotalPacketsInFile: res.Packets,
		SIPPacketsFound:    o.found,
		SIPPacketsAnalyzed: o.analyzed,
		Anomalies:          o.findings(), // before the warnings: the detectors say when they followed too many sources
		Filters:            c.filters,
		Thresholds:         c.th,
		Warnings:           warnings,
	}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "SIP")
	}
	if o.found == 0 {
		out.Message = "No SIP packets found in this capture"
	}
	if o.callsCapped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("call limit of %d reached: %d later calls counted as messages but not tracked", c.maxCalls, o.callsCapped))
	}
	if o.regsCapped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("registration limit of %d reached: %d later REGISTERs counted as messages but not tracked", c.maxRegs, o.regsCapped))
	}
	if o.flowsCapped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("more than %d TCP connections carried SIP at once: %d segments of further connections were not read", maxTCPFlows, o.flowsCapped))
	}
	if o.srcsCapped {
		out.Warnings = append(out.Warnings, fmt.Sprintf("more than %d SIP sources: the scanner and flood detectors followed the first %d", maxSources, maxSources))
	}
	if o.wsDropped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d WebSocket message(s) not decoded: compressed (permessage-deflate) or larger than %d bytes", o.wsDropped, maxMessageBytes))
	}
	out.Statistics = o.statistics()

	out.Packets = o.page
	if out.Packets == nil {
		out.Packets = []Packet{}
	}
	out.PacketsPage = result.PageOf(o.matched, c.offset, c.limit, len(out.Packets))

	var calls []*call
	for _, cl := range o.callOrder {
		if c.callMatches(cl) {
			calls = append(calls, cl)
		}
	}
	pageCalls, pg := result.Paginate(calls, c.callOffset, c.callLimit)
	out.CallsPage = pg
	out.Calls = make([]Call, 0, len(pageCalls))
	for _, cl := range pageCalls {
		out.Calls = append(out.Calls, o.callOutput(cl))
	}
	var regs []*registration
	for _, r := range o.regOrder {
		if c.regMatches(r) {
			regs = append(regs, r)
		}
	}
	pageRegs, pg := result.Paginate(regs, c.regOffset, c.regLimit)
	out.RegistrationsPage = pg
	out.Registrations = make([]Registration, 0, len(pageRegs))
	for _, r := range pageRegs {
		out.Registrations = append(out.Registrations, regOutput(r))
	}

	str := func(s string) string { return text([]byte(s), maxValue) }
	out.Top = TopLists{UserAgents: o.agents.Top(str), Sources: o.sources.Top(netip.Addr.String), Destinations: o.dests.Top(netip.Addr.String)}
	return out
}

// statistics summarizes the whole capture, whatever the filters and paging.
func (o *observer) statistics() Statistics {
	var st Statistics
	st.Requests, st.Responses = o.requests, o.responses
	st.Methods, st.ResponseClasses, st.StatusCodes = map[string]int{}, map[string]int{}, map[string]int{}
	kept := 0
	o.methods.All(func(k string, n int) {
		st.Methods[k] = n
		kept += n
	})
	if o.methods.Capped() {
		st.Methods["(other)"] = o.methods.Total() - kept
	}

	for code, n := range o.statusCodes {
		st.StatusCodes[strconv.Itoa(code)] += n
		st.ResponseClasses[strconv.Itoa(code/100)+"xx"] += n
	}
	st.UniqueCallIDs, st.CallIDs, st.CallIDsCapped = o.callIDs.Distinct(), callIDList(o.callIDs.Order()), o.callIDs.Capped()
	st.Transports = o.transports
	st.UserAgents = []string{}
	o.agents.All(func(k string, _ int) { st.UserAgents = append(st.UserAgents, text([]byte(k), maxValue)) })
	slices.Sort(st.UserAgents)
	st.UserAgentsTotal = len(st.UserAgents)
	if len(st.UserAgents) > maxUniqueListed {
		st.UserAgents = st.UserAgents[:maxUniqueListed]
	}
	st.Retransmissions, st.Malformed, st.NonStandardPort = o.retransmissions, o.malformed, o.nonStd

	var pdd, setup, dur []float64
	cs := &st.Calls
	cs.Total = len(o.callOrder)
	for _, cl := range o.callOrder {
		switch o.state(cl) {
		case "answered":
			cs.Answered++
		case "busy":
			cs.Busy++
		case "declined":
			cs.Declined++
		case "cancelled":
			cs.Cancelled++
		case "redirected":
			cs.Redirected++
		case "challenged":
			cs.Challenged++
		case "failed":
			cs.Failed++
		case "unanswered":
			cs.Unanswered++
		case "in_progress":
			cs.InProgress++
		}
		if cl.ring.frame != 0 {
			pdd = append(pdd, ms(cl.ring.t.Sub(cl.txTime)))
		}
		if cl.final.frame != 0 {
			setup = append(setup, ms(cl.final.t.Sub(cl.txTime)))
		}
		if cl.answer.frame != 0 && cl.bye.frame != 0 && !cl.bye.t.Before(cl.answer.t) {
			dur = append(dur, float64(cl.bye.t.Sub(cl.answer.t).Microseconds())/1e6)
		}
	}
	cs.PostDialDelayMs, cs.SetupTimeMs, cs.DurationSeconds = result.LatencyOf(pdd), result.LatencyOf(setup), result.LatencyOf(dur)
	rs := &st.Registrations
	rs.Total = len(o.regOrder)
	for _, r := range o.regOrder {
		switch r.result() {
		case "registered":
			rs.Registered++
		case "unregistered":
			rs.Unregistered++
		case "challenged":
			rs.Challenged++
		case "failed":
			rs.Failed++
		case "unanswered":
			rs.Unanswered++
		}
		rs.AuthFailures += r.authFailures
	}
	return st
}

// callIDList returns Call-IDs as packet text made safe for output.
func callIDList(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = result.Text(id, maxValue)
	}
	return out
}
