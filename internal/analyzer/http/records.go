package http

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Row is one HTTP transaction (request and response) as a record of table
// "http" (docs/records.md): Zeek's http.log, with the Community ID of its
// connection.
type Row struct {
	TS              time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	CommunityID     string    `parquet:"community_id" json:"community_id"`
	OrigH           string    `parquet:"orig_h" json:"orig_h"`
	OrigP           int32     `parquet:"orig_p" json:"orig_p"`
	RespH           string    `parquet:"resp_h" json:"resp_h"`
	RespP           int32     `parquet:"resp_p" json:"resp_p"`
	Version         string    `parquet:"version" json:"version"`
	StreamID        int64     `parquet:"stream_id" json:"stream_id"`
	Method          string    `parquet:"method" json:"method"`
	Host            string    `parquet:"host" json:"host"`
	URI             string    `parquet:"uri" json:"uri"`
	Referrer        string    `parquet:"referrer" json:"referrer"`
	UserAgent       string    `parquet:"user_agent" json:"user_agent"`
	StatusCode      int32     `parquet:"status_code" json:"status_code"`
	StatusMsg       string    `parquet:"status_msg" json:"status_msg"`
	Server          string    `parquet:"server" json:"server"`
	RequestBodyLen  int64     `parquet:"request_body_len" json:"request_body_len"`
	ResponseBodyLen int64     `parquet:"response_body_len" json:"response_body_len"`
	ReqContentType  string    `parquet:"request_content_type" json:"request_content_type"`
	RespContentType string    `parquet:"response_content_type" json:"response_content_type"`
	RequestFrame    int64     `parquet:"request_frame" json:"request_frame"`
	ResponseFrame   int64     `parquet:"response_frame" json:"response_frame"`
	Latency         float64   `parquet:"latency" json:"latency"`
	Upgrade         string    `parquet:"upgrade" json:"upgrade"`
	Problem         string    `parquet:"problem" json:"problem"`
	Complete        bool      `parquet:"complete" json:"complete"`
}

var _ modkit.Recorder = (*Module)(nil)

// Tables returns the table "http".
func (*Module) Tables() []modkit.Table { return []modkit.Table{modkit.TableOf[Row]("http")} }

// RecordPass is NewPass with every transaction put into sink as a Row when
// it is concluded.
func (m *Module) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	p, err := m.NewPass(env)
	var obs []*observer
	p, err = modkit.RecordObservers(p, err, func(o *observer) { o.sink, obs = sink, append(obs, o) })
	return modkit.RecordWarnings(p, err, func() []string {
		var capped, closed int
		for _, o := range obs {
			capped += o.capped
			if o.reasm != nil {
				closed += o.reasm.Evicted()
			}
		}
		var w []string
		if capped > 0 {
			w = append(w, fmt.Sprintf("http: %d connections not followed, the connection table full (state budget): their transactions are in no http row", capped))
		}
		if closed > 0 {
			w = append(w, fmt.Sprintf("http: %d idle connections closed early under the state budget: their messages in progress were cut", closed))
		}
		return w
	})
}

// putRow hands a concluded transaction to the sink.
func (o *observer) putRow(t *txn) {
	r := &t.rec
	o.row = Row{
		TS: t.when.UTC(), OrigH: t.client.Addr().String(), OrigP: int32(t.client.Port()), RespH: t.server.Addr().String(), RespP: int32(t.server.Port()),
		CommunityID: flow.CommunityID(t.client.Addr(), t.server.Addr(), flow.ProtoTCP, t.client.Port(), t.server.Port(), true, false),
		Version:     r.Protocol, StreamID: int64(r.StreamID), Method: r.Method, Host: r.Host, URI: r.URI, Referrer: r.Referer, UserAgent: r.UserAgent,
		StatusCode: int32(r.Status), StatusMsg: r.Reason, Server: r.ServerSW, RequestBodyLen: r.Request.BodyBytes, ResponseBodyLen: r.Response.BodyBytes,
		ReqContentType: r.Request.ContentType, RespContentType: r.Response.ContentType, RequestFrame: int64(r.RequestFrame), ResponseFrame: int64(r.ResponseFrame),
		Latency: r.LatencyMs / 1000, Upgrade: r.Upgrade, Problem: r.Problem, Complete: r.Complete,
	}
	o.sink.Put("http", &o.row)
}
