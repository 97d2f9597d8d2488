package tcp

import (
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	cid "github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Row is one TCP connection with its analysis flags as a record of table
// "tcp" (docs/records.md): what tshark's conv,tcp and tcp.analysis.*
// give per tcp.stream, with the Community ID.
type Row struct {
	TS               time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	Stream           int64     `parquet:"stream" json:"stream"`
	CommunityID      string    `parquet:"community_id" json:"community_id"`
	OrigH            string    `parquet:"orig_h" json:"orig_h"`
	OrigP            int32     `parquet:"orig_p" json:"orig_p"`
	RespH            string    `parquet:"resp_h" json:"resp_h"`
	RespP            int32     `parquet:"resp_p" json:"resp_p"`
	DirectionSource  string    `parquet:"direction_source" json:"direction_source"`
	TCPState         string    `parquet:"tcp_state" json:"tcp_state"`
	CloseReason      string    `parquet:"close_reason" json:"close_reason"`
	HandshakeDone    bool      `parquet:"handshake_completed" json:"handshake_completed"`
	HandshakeRTT     *float64  `parquet:"handshake_rtt,optional" json:"handshake_rtt"`
	Duration         float64   `parquet:"duration" json:"duration"`
	Packets          int64     `parquet:"packets" json:"packets"`
	BytesToServer    int64     `parquet:"bytes_to_server" json:"bytes_to_server"`
	BytesToClient    int64     `parquet:"bytes_to_client" json:"bytes_to_client"`
	PayloadToServer  int64     `parquet:"payload_to_server" json:"payload_to_server"`
	PayloadToClient  int64     `parquet:"payload_to_client" json:"payload_to_client"`
	SynCount         int32     `parquet:"syn_count" json:"syn_count"`
	SynAckCount      int32     `parquet:"syn_ack_count" json:"syn_ack_count"`
	FinCount         int32     `parquet:"fin_count" json:"fin_count"`
	RstCount         int32     `parquet:"rst_count" json:"rst_count"`
	ResetBy          string    `parquet:"reset_by" json:"reset_by"`
	FirstFrame       int64     `parquet:"first_frame" json:"first_frame"`
	LastFrame        int64     `parquet:"last_frame" json:"last_frame"`
	Retransmission   int32     `parquet:"retransmission" json:"retransmission"`
	FastRetrans      int32     `parquet:"fast_retransmission" json:"fast_retransmission"`
	SpuriousRetrans  int32     `parquet:"spurious_retransmission" json:"spurious_retransmission"`
	OutOfOrder       int32     `parquet:"out_of_order" json:"out_of_order"`
	LostSegment      int32     `parquet:"lost_segment" json:"lost_segment"`
	AckLostSegment   int32     `parquet:"ack_lost_segment" json:"ack_lost_segment"`
	DuplicateAck     int32     `parquet:"duplicate_ack" json:"duplicate_ack"`
	ZeroWindow       int32     `parquet:"zero_window" json:"zero_window"`
	ZeroWindowProbe  int32     `parquet:"zero_window_probe" json:"zero_window_probe"`
	ZeroWindowProbeA int32     `parquet:"zero_window_probe_ack" json:"zero_window_probe_ack"`
	WindowFull       int32     `parquet:"window_full" json:"window_full"`
	WindowUpdate     int32     `parquet:"window_update" json:"window_update"`
	KeepAlive        int32     `parquet:"keep_alive" json:"keep_alive"`
	KeepAliveAck     int32     `parquet:"keep_alive_ack" json:"keep_alive_ack"`
	ReusedPorts      bool      `parquet:"reused_ports" json:"reused_ports"`
}

var _ modkit.Recorder = (*Module)(nil)

// Tables returns the table "tcp".
func (*Module) Tables() []modkit.Table { return []modkit.Table{modkit.TableOf[Row]("tcp")} }

// RecordPass is NewPass with every connection put into sink as a Row when
// the pass ends (a connection is final only then). Connections are those
// analyze_tcp_connections lists: within the state budget.
func (m *Module) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	p, _, err := m.sharedPass(env, sink)
	return p, err
}

func (v *view) row() Row {
	c := v.record(false)
	r := Row{
		TS: nsTime(v.c.firstTime).UTC(), Stream: int64(c.Stream), DirectionSource: c.DirectionSource, TCPState: c.TCPState, CloseReason: c.CloseReason,
		OrigH: v.client.Addr().String(), OrigP: int32(v.client.Port()), RespH: v.server.Addr().String(), RespP: int32(v.server.Port()),
		CommunityID:   cid.CommunityID(v.client.Addr(), v.server.Addr(), cid.ProtoTCP, v.client.Port(), v.server.Port(), true, false),
		HandshakeDone: c.HandshakeComplete, Duration: c.DurationSeconds, Packets: int64(c.PacketCount),
		BytesToServer: c.BytesToServer, BytesToClient: c.BytesToClient, PayloadToServer: c.PayloadToServer, PayloadToClient: c.PayloadToClient,
		SynCount: int32(c.SynCount), SynAckCount: int32(c.SynAckCount), FinCount: int32(c.FinCount), RstCount: int32(c.RstCount), ResetBy: c.ResetBy,
		FirstFrame: int64(c.FirstPacket), LastFrame: int64(c.LastPacket), ReusedPorts: c.ReusedPorts,
	}
	if c.HandshakeRTTMs != nil {
		s := *c.HandshakeRTTMs / 1000
		r.HandshakeRTT = &s
	}
	a := c.Analysis
	r.Retransmission, r.FastRetrans, r.SpuriousRetrans = int32(a["retransmission"]), int32(a["fast_retransmission"]), int32(a["spurious_retransmission"])
	r.OutOfOrder, r.LostSegment, r.AckLostSegment, r.DuplicateAck = int32(a["out_of_order"]), int32(a["lost_segment"]), int32(a["ack_lost_segment"]), int32(a["duplicate_ack"])
	r.ZeroWindow, r.ZeroWindowProbe, r.ZeroWindowProbeA = int32(a["zero_window"]), int32(a["zero_window_probe"]), int32(a["zero_window_probe_ack"])
	r.WindowFull, r.WindowUpdate, r.KeepAlive, r.KeepAliveAck = int32(a["window_full"]), int32(a["window_update"]), int32(a["keep_alive"]), int32(a["keep_alive_ack"])
	return r
}
