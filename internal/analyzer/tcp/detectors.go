package tcp

import (
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// detectors are the module's detectors, one file each (detect_<type>.go),
// in the order their findings come out before Run.Conclude sorts them by
// severity. They conclude from the connections that match the call's
// filters (*results); those that observe see every tracked segment
// (event).
var detectors = analyzer.Detectors[event, *results]{
	portScan,
	synFlood,
	handshakeFailures,
	halfOpenConnections,
	highRetransmissionRate,
	rstStorm,
	zeroWindowStall,
}

// defaultThresholds are the detectors' thresholds at their defaults: what
// analyze_tcp_connections' issues and the shared pass use.
func defaultThresholds() analyzer.Thresholds { return analyzer.NewThresholds(detectors.Params()) }

// maxPerType bounds the findings of one type (one per scanner or server);
// the rest are dropped.
const maxPerType = 10

// outputLast are the thresholds the thresholds object of
// analyze_tcp_anomalies lists last: they came last in it before the
// detectors became units, while their findings came before those of
// high_retransmission_rate, rst_storm and zero_window_stall (and still do).
var outputLast = []*analyzer.Param{&handshakeFailMin, &handshakeFailMinRate, &halfOpenMin}

// thresholdsOutput is th with its thresholds in the output's order: the
// declaration order, except outputLast at the end.
func thresholdsOutput(th analyzer.Thresholds) analyzer.Thresholds {
	var first, last []analyzer.Param
	for _, p := range th.Params() {
		if isLast(p) {
			last = append(last, p)
		} else {
			first = append(first, p)
		}
	}
	out := analyzer.NewThresholds(append(first, last...))
	for _, p := range out.Params() {
		_, _ = out.Set(p.Name, th.Get(p)) // th holds only values within bounds
	}
	return out
}

func isLast(p analyzer.Param) bool {
	for _, q := range outputLast {
		if q.Name == p.Name {
			return true
		}
	}
	return false
}

// failedAttempt reports whether a connection attempt (a SYN) came to
// nothing: refused or never answered.
func failedAttempt(v *view) bool { return v.tcpState == "refused" || v.tcpState == "syn_sent" }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// issues phrases findings as mcpcap's issues strings.
func issues(fs []result.Finding) []string {
	out := []string{}
	for _, f := range fs {
		sev := f.Severity.String()
		out = append(out, strings.ToUpper(sev[:1])+sev[1:]+": "+f.Type+": "+f.Summary)
	}
	return out
}
