package overview

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// FlowRow is one flow as a record of table "flows" (docs/records.md):
// Zeek's conn.log, with the Community ID and the frames it spans.
type FlowRow struct {
	TS          time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	UID         string    `parquet:"uid" json:"uid"`
	CommunityID string    `parquet:"community_id" json:"community_id"`
	OrigH       string    `parquet:"orig_h" json:"orig_h"`
	OrigP       int32     `parquet:"orig_p" json:"orig_p"`
	RespH       string    `parquet:"resp_h" json:"resp_h"`
	RespP       int32     `parquet:"resp_p" json:"resp_p"`
	Proto       string    `parquet:"proto" json:"proto"`
	Service     string    `parquet:"service" json:"service"`
	Duration    float64   `parquet:"duration" json:"duration"`
	OrigBytes   int64     `parquet:"orig_bytes" json:"orig_bytes"`
	RespBytes   int64     `parquet:"resp_bytes" json:"resp_bytes"`
	ConnState   string    `parquet:"conn_state" json:"conn_state"`
	MissedBytes int64     `parquet:"missed_bytes" json:"missed_bytes"`
	History     string    `parquet:"history" json:"history"`
	OrigPkts    int64     `parquet:"orig_pkts" json:"orig_pkts"`
	OrigIPBytes int64     `parquet:"orig_ip_bytes" json:"orig_ip_bytes"`
	RespPkts    int64     `parquet:"resp_pkts" json:"resp_pkts"`
	RespIPBytes int64     `parquet:"resp_ip_bytes" json:"resp_ip_bytes"`
	FirstFrame  int64     `parquet:"first_frame" json:"first_frame"`
	LastFrame   int64     `parquet:"last_frame" json:"last_frame"`
}

var _ modkit.Recorder = (*Module)(nil)

// Tables returns the table "flows".
func (*Module) Tables() []modkit.Table { return []modkit.Table{modkit.TableOf[FlowRow]("flows")} }

// RecordPass runs the overview's own tables (not the modules it runs in
// analyze_overview) and puts every flow into sink when the pass ends: a
// flow is final only then, since any later packet may still extend it.
// The flow table holds at most Options.MaxFlows flows, and no more than
// env's state budget pays for at recordFlowBytes each; flows past it are
// counted in the export's warnings, as in analyze_overview.
func (m *Module) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	// Only the flow table is exported: the conversation and host tables
	// are kept minimal, so an export's memory is the flow table's.
	opts := m.opts
	opts.MaxConversations, opts.MaxHosts = 1, 1
	opts.MaxFlows = min(opts.MaxFlows, env.StateItems(recordFlowBytes, 1))
	own := newOwnPass(env, opts)
	return &modkit.SimplePass{Obs: own.Observers(), Conclude: func(res *engine.Result) modkit.Brief {
		own.stop()
		var r FlowRow
		for i := range int32(own.obs.flows.recs.len()) {
			f := own.obs.flows.recs.at(i)
			r = own.obs.flows.record(f)
			sink.Put("flows", &r)
		}
		b := own.Brief(res)
		if n := own.obs.flows.droppedPkts; n > 0 {
			b.Warnings = append(b.Warnings, fmt.Sprintf("flows: the flow table reached its bound of %d flows (state budget): %d packets of later flows are in no flow row", opts.MaxFlows, n))
		}
		return b
	}}, nil
}

// recordFlowBytes is what one flow of an export's flow table takes: its
// record, its transport pair's record, the pair's index slots at their
// sparsest, and a TCP flow's state.
const recordFlowBytes = int(unsafe.Sizeof(flowRec{})+unsafe.Sizeof(pairRec{})) + 3*8 + tcpStateBytes

func (t *flowTable) record(f *flowRec) FlowRow {
	oa, op := t.orig(f)
	ra, rp := t.resp(f)
	ob, rb := flowBytes(f)
	return FlowRow{
		TS: time.Unix(0, f.start).UTC(), UID: flow.ID(int(f.firstFrame)), CommunityID: t.communityID(f),
		OrigH: result.Addr(oa), OrigP: int32(op), RespH: result.Addr(ra), RespP: int32(rp),
		Proto: flow.ProtoName(f.proto), Service: serviceNames[f.service], Duration: float64(f.lastTime-f.start) / 1e9,
		OrigBytes: int64(ob), RespBytes: int64(rb), ConnState: f.conn.State(), MissedBytes: int64(f.conn.MissedBytes()), History: f.conn.History(),
		OrigPkts: int64(f.pkts[0]), OrigIPBytes: int64(f.ipBytes[0]), RespPkts: int64(f.pkts[1]), RespIPBytes: int64(f.ipBytes[1]),
		FirstFrame: int64(f.firstFrame), LastFrame: int64(f.lastFrame),
	}
}
