package dns

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Row is one DNS, mDNS or LLMNR message as a record of table "dns" (see
// docs/records.md): what tshark's dns.* fields and Zeek's dns.log give,
// one row per message, a response joined to its query by query_frame.
type Row struct {
	TS               time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	Frame            int64     `parquet:"frame" json:"frame"`
	CommunityID      string    `parquet:"community_id" json:"community_id"`
	SrcIP            string    `parquet:"src_ip" json:"src_ip"`
	SrcPort          int32     `parquet:"src_port" json:"src_port"`
	DstIP            string    `parquet:"dst_ip" json:"dst_ip"`
	DstPort          int32     `parquet:"dst_port" json:"dst_port"`
	Transport        string    `parquet:"transport" json:"transport"`
	Service          string    `parquet:"service" json:"service"`
	TransID          int32     `parquet:"trans_id" json:"trans_id"`
	IsResponse       bool      `parquet:"is_response" json:"is_response"`
	Opcode           int32     `parquet:"opcode" json:"opcode"`
	Rcode            *int32    `parquet:"rcode,optional" json:"rcode"`
	RcodeName        string    `parquet:"rcode_name" json:"rcode_name"`
	AA               bool      `parquet:"aa" json:"aa"`
	TC               bool      `parquet:"tc" json:"tc"`
	RD               bool      `parquet:"rd" json:"rd"`
	RA               bool      `parquet:"ra" json:"ra"`
	Query            string    `parquet:"query" json:"query"`
	RegisteredDomain string    `parquet:"registered_domain" json:"registered_domain"`
	QType            int32     `parquet:"qtype" json:"qtype"`
	QTypeName        string    `parquet:"qtype_name" json:"qtype_name"`
	AnswerCount      int32     `parquet:"answer_count" json:"answer_count"`
	Answers          []string  `parquet:"answers,list" json:"answers"`
	TTLs             []int64   `parquet:"ttls,list" json:"ttls"`
	RTT              *float64  `parquet:"rtt,optional" json:"rtt"`
	QueryFrame       *int64    `parquet:"query_frame,optional" json:"query_frame"`
	Size             int32     `parquet:"size" json:"size"`
	InICMPError      bool      `parquet:"in_icmp_error" json:"in_icmp_error"`
	Malformed        string    `parquet:"malformed" json:"malformed"`
}

// Tables returns the table "dns".
func (*Module) Tables() []modkit.Table { return []modkit.Table{modkit.TableOf[Row]("dns")} }

// RecordPass is NewPass with every message put into sink as a Row when it
// is decoded.
func (m *Module) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	p, err := m.NewPass(env)
	var obs []*observer
	p, err = modkit.RecordObservers(p, err, func(o *observer) { o.sink, obs = sink, append(obs, o) })
	return modkit.RecordWarnings(p, err, func() []string {
		var dropped, evicted, closed int
		for _, o := range obs {
			dropped, evicted = dropped+o.budget.tcpDropped, evicted+o.budget.evictedWaited
			if o.reasm != nil {
				closed += o.reasm.Evicted()
			}
		}
		var w []string
		if closed > 0 {
			w = append(w, fmt.Sprintf("dns: %d DNS-over-TCP connections closed early under the state budget; a message they had not finished is in no dns row", closed))
		}
		if dropped > 0 {
			w = append(w, fmt.Sprintf("dns: %d unfinished DNS-over-TCP messages dropped under the state budget are in no dns row", dropped))
		}
		if evicted > 0 {
			w = append(w, fmt.Sprintf("dns: %d transactions evicted under the state budget while waiting for their response: a response to one has no rtt or query_frame", evicted))
		}
		return w
	})
}

// putRow hands the message in hand to the sink.
func (o *observer) putRow(md meta) {
	p := record(&o.msg, md)
	r := &o.row
	*r = Row{
		TS: md.t.UTC(), Frame: int64(md.frame), SrcIP: p.SourceIP, SrcPort: int32(p.SourcePort), DstIP: p.DestinationIP, DstPort: int32(p.DestinationPort),
		Transport: md.transport, Service: md.service, TransID: int32(p.DNSID), IsResponse: p.Flags.IsResponse, Opcode: int32(p.Opcode),
		RcodeName: p.RcodeName, AA: p.Flags.Authoritative, TC: p.Flags.Truncated, RD: p.Flags.RecursionDesired, RA: p.Flags.RecursionAvailable,
		AnswerCount: int32(p.Counts[1]), Size: int32(p.Size), InICMPError: md.inICMP, Malformed: p.Malformed,
		Answers: o.rowAnswers[:0], TTLs: o.rowTTLs[:0],
	}
	proto := uint8(flow.ProtoUDP)
	if md.transport == "TCP" {
		proto = flow.ProtoTCP
	}
	r.CommunityID = flow.CommunityID(md.src.Addr(), md.dst.Addr(), proto, md.src.Port(), md.dst.Port(), true, false)
	if p.Rcode != nil {
		rc := int32(*p.Rcode)
		r.Rcode = &rc
	}
	if len(p.Questions) > 0 {
		q := p.Questions[0]
		r.Query, r.QType, r.QTypeName = q.Name, int32(q.Type), q.TypeName
	}
	if e := &o.ev; e.tracked && e.name != nil {
		r.RegisteredDomain = presentKey(e.name.registered())
	}
	for _, a := range p.Answers {
		r.Answers = append(r.Answers, a.Data)
		r.TTLs = append(r.TTLs, int64(a.TTL))
	}
	if t := o.answered; t != nil {
		rtt, qf := t.responseMs()/1000, int64(t.query.frame)
		r.RTT, r.QueryFrame = &rtt, &qf
	}
	o.sink.Put("dns", r)
	o.rowAnswers, o.rowTTLs = r.Answers, r.TTLs
}
