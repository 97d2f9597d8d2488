package tls

import (
	"fmt"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Row is one TLS, DTLS or QUIC session as a record of table "tls"
// (docs/records.md): Zeek's ssl.log with JA3/JA3S/JA4 and the Community ID
// of its connection.
type Row struct {
	TS           time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	CommunityID  string    `parquet:"community_id" json:"community_id"`
	OrigH        string    `parquet:"orig_h" json:"orig_h"`
	OrigP        int32     `parquet:"orig_p" json:"orig_p"`
	RespH        string    `parquet:"resp_h" json:"resp_h"`
	RespP        int32     `parquet:"resp_p" json:"resp_p"`
	Transport    string    `parquet:"transport" json:"transport"`
	Version      string    `parquet:"version" json:"version"`
	Cipher       string    `parquet:"cipher" json:"cipher"`
	ServerName   string    `parquet:"server_name" json:"server_name"`
	ALPN         string    `parquet:"alpn" json:"alpn"`
	Resumption   string    `parquet:"resumption" json:"resumption"`
	Established  bool      `parquet:"established" json:"established"`
	JA3          string    `parquet:"ja3" json:"ja3"`
	JA3S         string    `parquet:"ja3s" json:"ja3s"`
	JA4          string    `parquet:"ja4" json:"ja4"`
	CertChain    []string  `parquet:"cert_chain_sha256,list" json:"cert_chain_sha256"`
	Failure      string    `parquet:"failure" json:"failure"`
	BytesToResp  int64     `parquet:"encrypted_bytes_to_server" json:"encrypted_bytes_to_server"`
	BytesToOrig  int64     `parquet:"encrypted_bytes_to_client" json:"encrypted_bytes_to_client"`
	Handshake    *float64  `parquet:"handshake_time,optional" json:"handshake_time"`
	FirstFrame   int64     `parquet:"first_frame" json:"first_frame"`
	ClientHelloF int64     `parquet:"client_hello_frame" json:"client_hello_frame"`
	ServerHelloF int64     `parquet:"server_hello_frame" json:"server_hello_frame"`
	QUICVersion  string    `parquet:"quic_version" json:"quic_version"`
	Malformed    string    `parquet:"malformed" json:"malformed"`
}

var _ modkit.Recorder = (*Module)(nil)

// Tables returns the table "tls".
func (*Module) Tables() []modkit.Table { return []modkit.Table{modkit.TableOf[Row]("tls")} }

// RecordPass is NewPass with every session put into sink as a Row when the
// pass ends (a session's byte counts grow to the end of its connection).
// Sessions are those analyze_tls_sessions lists: within the state budget.
func (m *Module) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	p, err := m.NewPass(env)
	if err != nil {
		return nil, err
	}
	sp := p.(*modkit.SimplePass)
	obs := sp.Obs[0].(*observer)
	conclude := sp.Conclude
	sp.Conclude = func(res *engine.Result) modkit.Brief {
		var r Row
		for _, s := range obs.sessions {
			r = sessionRow(s)
			sink.Put("tls", &r)
		}
		b := conclude(res)
		if n := obs.sessionsDropped; n > 0 {
			b.Warnings = append(b.Warnings, fmt.Sprintf("tls: the tls table reached its bound of %d sessions (state budget): %d later sessions are in no tls row", obs.cfg.lim.sessions, n))
		}
		if n := obs.connsEvicted; n > 0 {
			b.Warnings = append(b.Warnings, fmt.Sprintf("tls: %d connections evicted before their end under the state budget: their later records were not parsed (their rows may lack the handshake's end)", n))
		}
		return b
	}
	return sp, nil
}

func sessionRow(s *session) Row {
	p := s.present(false)
	proto := uint8(flow.ProtoTCP)
	if s.quic || s.dtls {
		proto = flow.ProtoUDP
	}
	r := Row{
		TS: s.start.UTC(), OrigH: s.client.Addr().String(), OrigP: int32(s.client.Port()), RespH: s.server.Addr().String(), RespP: int32(s.server.Port()),
		CommunityID: flow.CommunityID(s.client.Addr(), s.server.Addr(), proto, s.client.Port(), s.server.Port(), true, false),
		Transport:   p.Transport, Version: p.Version, Cipher: p.Cipher, ServerName: p.SNI, ALPN: p.ALPN, Resumption: p.Resumption,
		Established: p.Finished || p.FirstDataMs != nil, JA3: p.JA3, JA3S: p.JA3S, JA4: p.JA4, CertChain: p.Certificates, Failure: p.Failure,
		BytesToResp: p.BytesToSrv, BytesToOrig: p.BytesToCli, FirstFrame: int64(p.FirstPacket), ClientHelloF: int64(p.ClientHelloP),
		ServerHelloF: int64(p.ServerHelloP), QUICVersion: p.QUICVersion, Malformed: p.Malformed,
	}
	if p.HandshakeMs != nil {
		h := *p.HandshakeMs / 1000
		r.Handshake = &h
	}
	return r
}
