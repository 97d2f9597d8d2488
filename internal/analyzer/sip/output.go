package sip

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// maxHeaderNames and maxHeadersBytes bound the headers map of a packet
// record: 40 names, 8 KiB of values.
const (
	maxHeaderNames  = 40
	maxHeadersBytes = 8 << 10
)

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
	size := 0
	for _, h := range m.headers {
		name := hdrNames[h.id]
		if h.id == hdrOther {
			name = strings.ToLower(text(h.name, 64))
		}
		v := text(h.value, maxValue)
		old, ok := p.Headers[name]
		switch {
		case size+len(name)+len(v) > maxHeadersBytes:
			p.HeadersTruncated = true
			continue
		case ok && len(old)+2+len(v) > maxValue:
			p.HeadersTruncated = true
			continue
		case ok:
			v = old + ", " + v
		case len(p.Headers) >= maxHeaderNames:
			p.HeadersTruncated = true
			continue
		}
		if !ok {
			size += len(name)
		}
		size += len(v) - len(old)
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
	case c.final.frame == 0 && o.lastTime.Sub(c.txTime.Time()) >= o.cfg.unansweredTimeout:
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
		Transport: c.transport, UserAgent: c.userAgent, InviteFrame: int(c.firstFrame), InviteTime: result.FormatTime(c.firstTime.Time()),
		Invites: c.invites, ReInvites: c.reinvites, AuthChallenges: c.challenges, Media: []CallMedia{}, Messages: c.messages, LastFrame: int(c.lastFrame),
	}
	since := func(r response) *float64 {
		if r.frame == 0 {
			return nil
		}
		v := ms(r.t.Time().Sub(c.txTime.Time()))
		return &v
	}
	if c.final.frame != 0 {
		code, frame := int(c.final.code), int(c.final.frame)
		out.FinalCode, out.FinalFrame, out.FinalReason = &code, &frame, c.finalReason
	}
	out.FirstResponseMs, out.PostDialDelayMs, out.SetupTimeMs = since(c.firstResp), since(c.ring), since(c.final)
	if c.answer.frame != 0 {
		out.AnswerTime = result.FormatTime(c.answer.t.Time())
	}
	if c.cancelFrame != 0 {
		f := int(c.cancelFrame)
		out.CancelFrame = &f
	}
	if c.bye.frame != 0 {
		f := int(c.bye.frame)
		out.ByeFrame, out.EndTime = &f, result.FormatTime(c.bye.t.Time())
		out.EndedBy = "callee"
		if c.byeFromCaller {
			out.EndedBy = "caller"
		}
		if answer, bye := c.answer.t.Time(), c.bye.t.Time(); c.answer.frame != 0 && !bye.Before(answer) {
			d := float64(bye.Sub(answer).Microseconds()) / 1e6
			out.DurationSeconds = &d
		}
	}
	out.Media = append(append(out.Media, c.media[0]...), c.media[1]...)
	out.ReInvitesFailed, out.TransactionsTotal = c.reFailed, c.txTotal
	out.Transactions = make([]InviteTransaction, 0, len(c.txs))
	for i := range c.txs {
		out.Transactions = append(out.Transactions, txOutput(&c.txs[i]))
	}
	if c.reFailed > 0 {
		out.ReInviteFailure = reInviteFailure(c)
	}
	return out
}

// txResult classifies an INVITE transaction by its final response.
func txResult(code int) string {
	switch {
	case code == 0:
		return "pending"
	case code/100 == 2:
		return "accepted"
	case code == 401 || code == 407:
		return "challenged"
	case code == 487:
		return "cancelled"
	}
	return "failed"
}

func txOutput(tx *inviteTx) InviteTransaction {
	out := InviteTransaction{Kind: "initial", SentBy: "callee", CSeq: int(tx.cseq), Frame: int(tx.frame), Time: result.FormatTime(tx.t.Time()),
		Result: txResult(int(tx.final.code)), FinalReason: tx.reason, Offer: mediaLines(tx.offer), Answer: mediaLines(tx.answer)}
	if tx.reinvite {
		out.Kind = "re-INVITE"
	}
	if tx.byCaller {
		out.SentBy = "caller"
	}
	if tx.final.frame != 0 {
		code, frame := int(tx.final.code), int(tx.final.frame)
		out.FinalCode, out.FinalFrame = &code, &frame
	}
	return out
}

// mediaLines writes media endpoints one line each: "audio
// 192.0.2.1:4000 RTP/AVP PCMU,PCMA sendrecv", "image 192.0.2.1:5004 udptl
// t38 sendrecv".
func mediaLines(ms []CallMedia) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.line())
	}
	return out
}

func (m *CallMedia) line() string {
	var b strings.Builder
	b.WriteString(m.Type)
	b.WriteByte(' ')
	if a, err := netip.ParseAddr(m.Address); err == nil {
		b.WriteString(netip.AddrPortFrom(a, uint16(m.Port)).String())
	} else {
		fmt.Fprintf(&b, "%s:%d", m.Address, m.Port)
	}
	if m.Port == 0 {
		b.WriteString(" (rejected)")
	}
	b.WriteString(" " + m.Protocol)
	if len(m.Codecs) > 0 {
		b.WriteString(" " + strings.Join(m.Codecs, ","))
	}
	b.WriteString(" " + m.Direction)
	return b.String()
}

// reInviteFailure says what a call's failed re-INVITEs were.
func reInviteFailure(c *call) string {
	f := c.reFail
	s := fmt.Sprintf("%d of %d re-INVITE(s) failed; the last, from the %s at frame %d, got %d %s", c.reFailed, c.reinvites,
		map[bool]string{true: "caller", false: "callee"}[f.byCaller], f.frame, f.final.code, f.reason)
	if len(f.offer) > 0 {
		s += " to an offer of " + strings.Join(mediaLines(f.offer), "; ")
		for _, m := range f.offer {
			if strings.EqualFold(m.Type, "image") && slices.ContainsFunc(m.Codecs, func(c string) bool { return strings.EqualFold(c, "t38") }) {
				s += ": the switch to T.38 fax was refused"
				break
			}
		}
	}
	return s
}

// listKey is cl's key for the filters.
func (cl *call) listKey() listKey {
	k := listKey{t: cl.firstTime.Time(), id: cl.id, src: cl.callerAddr.Addr(), dst: cl.calleeAddr.Addr()}
	if cl.final.frame != 0 {
		k.code = int(cl.final.code)
	}
	return k
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
		LastReason: r.lastReason, FirstFrame: int(r.firstFrame), FirstTime: result.FormatTime(r.firstTime.Time()), LastFrame: int(r.lastFrame),
		LastTime: result.FormatTime(r.lastTime.Time()),
	}
	if r.lastCode != 0 {
		code := int(r.lastCode)
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

// listKey is r's key for the filters.
func (r *registration) listKey() listKey {
	return listKey{t: r.firstTime.Time(), id: r.id, src: r.client.Addr(), dst: r.registrar.Addr(), code: int(r.lastCode)}
}

// maxFindingsPerType bounds the findings of one type (one per source,
// AOR, ...) a result lists.
const maxFindingsPerType = 10

// findings concludes the detectors: at most maxFindingsPerType of each
// type, a warning counting the rest.
func (o *observer) findings() []result.Finding {
	all := o.run.Conclude(o)
	out := make([]result.Finding, 0, len(all))
	per := map[string]int{}
	for _, f := range all {
		if per[f.Type]++; per[f.Type] <= maxFindingsPerType {
			out = append(out, f)
		}
	}
	for _, typ := range detectors.Types() {
		if n := per[typ]; n > maxFindingsPerType {
			o.capped["~findings "+typ] = fmt.Sprintf("%d %s findings: the first %d are listed", n, typ, maxFindingsPerType)
		}
	}
	return out
}

func (o *observer) output(in Input, res *engine.Result, warnings []string) *Output {
	c := o.cfg
	out := &Output{
		File:               in.PcapFile,
		TotalPacketsInFile: res.Packets,
		SIPPacketsFound:    o.found,
		SIPPacketsAnalyzed: o.analyzed,
		Anomalies:          o.findings(), // before the warnings: the detectors say when their tables were full
		Filters:            c.filters,
		Thresholds:         c.th,
		Warnings:           append(warnings, o.budgetWarnings()...),
	}
	if c.maxPackets > 0 && o.found > c.maxPackets {
		out.Note = modkit.MaxPacketsNote(c.maxPackets, "SIP")
	}
	if o.found == 0 {
		out.Message = "No SIP packets found in this capture"
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
		if c.listMatches(cl.listKey()) {
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
		if c.listMatches(r.listKey()) {
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

// budgetWarnings disclose every table the state budget bounded, and what
// that did to the counts.
func (o *observer) budgetWarnings() []string {
	l, budget := o.lim, o.lim.budgetText()
	var w []string
	add := func(format string, args ...any) { w = append(w, fmt.Sprintf(format, args...)) }
	if o.reasm != nil && o.reasm.Evicted() > 0 {
		add("%d TCP connection(s) carrying SIP were closed early, the longest idle first, under %s, which follows %d at once: a message in flight on one of them was lost, and the connection was followed again from its next message",
			o.reasm.Evicted(), budget, l.conns)
	}
	if o.flowsCapped > 0 {
		add("more than %d TCP connections carried SIP at once: %d segment(s) of further connections were not read (counts for them are partial)", l.conns+l.conns/4, o.flowsCapped)
	}
	if o.streamDropped > 0 {
		add("%d unfinished SIP message(s) held across TCP segments were dropped, the longest idle first, under %s, which holds %d bytes of them for all connections together: the rest of each was skipped",
			o.streamDropped, budget, l.streamBytes)
	}
	if o.callsCapped > 0 {
		why := budget
		if len(o.callOrder) >= l.maxCalls {
			why = fmt.Sprintf("the call limit of %d", l.maxCalls)
		}
		add("%d call(s) were not tracked under %s (%d calls tracked): their messages are counted, the call statistics are partial", o.callsCapped, why, len(o.callOrder))
	}
	if o.callsPartial > 0 {
		add("%d INVITE transaction(s) or media descriptions of tracked calls were not kept under %s", o.callsPartial, budget)
	}
	if o.regsCapped > 0 {
		add("%d REGISTER(s) of later registrations were not tracked under %s, which pays for %d registrations: the registration statistics are partial", o.regsCapped, budget, l.regs)
	}
	if o.callIDs.Capped() {
		add("distinct Call-IDs past %d were not counted under %s: unique_call_ids is a lower bound", l.callIDs, budget)
	}
	for _, c := range []struct {
		what string
		n    int
		ctr  interface{ Capped() bool }
	}{{"user agents", l.agents, o.agents}, {"sources", l.sources, o.sources}, {"destinations", l.dests, o.dests}} {
		if c.ctr.Capped() {
			add("distinct %s past %d were not counted under %s: the top list's counts for them are in its total only", c.what, c.n, budget)
		}
	}
	if o.methods.Capped() {
		add("more than %d distinct methods: the rest are counted as (other)", maxMethods)
	}
	if o.seenForgot > 0 {
		add("retransmission detection forgot %d older message(s) under %s (it remembers the last %d to %d): a retransmission of one of them counts as a new message",
			o.seenForgot, budget, l.retrans/2, l.retrans)
	}
	for _, k := range slices.Sorted(maps.Keys(o.capped)) {
		w = append(w, o.capped[k])
	}
	return w
}

// statistics summarizes the whole capture, whatever the filters and paging.
func (o *observer) statistics() Statistics {
	var st Statistics
	st.Requests, st.Responses = o.requests, o.responses
	st.Methods, st.ResponseClasses, st.StatusCodes = map[string]int{}, map[string]int{}, map[string]int{}
	methods := map[string]int{}
	o.methods.All(func(k string, n int) { methods[text([]byte(k), 64)] += n })
	st.Methods = topCounts(methods, o.methods.Total())
	codes := map[string]int{}
	for code, n := range o.statusCodes {
		codes[strconv.Itoa(code)] += n
		st.ResponseClasses[strconv.Itoa(code/100)+"xx"] += n
	}
	st.StatusCodes = topCounts(codes, o.responses)
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
		if cl.reFailed > 0 {
			cs.ReInviteFailed++
		}
		if cl.ring.frame != 0 {
			pdd = append(pdd, ms(cl.ring.t.Time().Sub(cl.txTime.Time())))
		}
		if cl.final.frame != 0 {
			setup = append(setup, ms(cl.final.t.Time().Sub(cl.txTime.Time())))
		}
		if answer, bye := cl.answer.t.Time(), cl.bye.t.Time(); cl.answer.frame != 0 && cl.bye.frame != 0 && !bye.Before(answer) {
			dur = append(dur, float64(bye.Sub(answer).Microseconds())/1e6)
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

// maxCountKeys bounds the methods and status codes listed in statistics.
const maxCountKeys = 30

// topCounts keeps the maxCountKeys largest counts of m, and counts the rest
// of total as "(other)".
func topCounts(m map[string]int, total int) map[string]int {
	if len(m) <= maxCountKeys && func() bool {
		sum := 0
		for _, n := range m {
			sum += n
		}
		return sum == total
	}() {
		return m
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	out := map[string]int{}
	kept := 0
	for _, k := range keys[:min(len(keys), maxCountKeys)] {
		out[k] = m[k]
		kept += m[k]
	}
	if total > kept {
		out["(other)"] = total - kept
	}
	return out
}
