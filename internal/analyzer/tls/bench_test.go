package tls

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the tool on the generated normal capture, or on
// $MCPACKET_BENCH_CAPTURE (a bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "tls-normal.pcap", New(Options{}).analyze, func(file string) Input { return Input{PcapFile: file} })
}

// TestBenchSidecar compares the summary of a bench-gen capture
// ($MCPACKET_BENCH_CAPTURE, -mix full) with the true counts its generator
// wrote beside it (<capture>.json). It skips when the variable is unset.
func TestBenchSidecar(t *testing.T) {
	file := os.Getenv("MCPACKET_BENCH_CAPTURE")
	if file == "" {
		t.Skip("MCPACKET_BENCH_CAPTURE is not set (bench/out/full-1000000.pcap)")
	}
	raw, err := os.ReadFile(file + ".json")
	if err != nil {
		t.Skip("no sidecar: ", err)
	}
	var truth struct {
		TLS struct {
			Sessions       int            `json:"sessions"`
			ClientHellos   int            `json:"client_hellos"`
			ServerHellos   int            `json:"server_hellos"`
			ByOutcome      map[string]int `json:"sessions_by_outcome"`
			ByNegotiatedV  map[string]int `json:"server_hellos_by_negotiated_version"`
			ClientHelloSNI int            `json:"client_hellos_with_sni"`
		} `json:"tls"`
		QUIC struct {
			Connections  int `json:"connections"`
			ClientHellos int `json:"client_hellos"`
			ServerHellos int `json:"server_hellos"`
		} `json:"quic"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	out := analyze(t, Input{PcapFile: file, Limit: intp(0)})
	sm := out.Summary
	tl, q := truth.TLS, truth.QUIC
	if sm.TLSSessions != tl.Sessions || sm.QUICSessions != q.Connections || sm.ClientHellos != tl.ClientHellos+q.ClientHellos ||
		sm.ServerHellos != tl.ServerHellos+q.ServerHellos || sm.Failed != tl.ByOutcome["handshake_failure"] ||
		sm.Resumed != tl.ByOutcome["resumed_tls12_ticket"]+tl.ByOutcome["resumed_tls13_psk"] ||
		sm.Versions["TLS 1.2"] != tl.ByNegotiatedV["TLS 1.2"] || sm.Versions["TLS 1.3"] != tl.ByNegotiatedV["TLS 1.3"]+q.ServerHellos {
		t.Errorf("summary %+v, truth tls %+v quic %+v", sm, tl, q)
	}
}
