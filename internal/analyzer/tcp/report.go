package tcp

import (
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

type printer struct{ b strings.Builder }

func (p *printer) f(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

func (p *printer) flush(w io.Writer, warnings []string) error {
	for _, x := range warnings {
		p.f("\nwarning: %s\n", x)
	}
	_, err := io.WriteString(w, p.b.String())
	return err
}

// segment prints one flagged segment: its TCP header flags beside its
// analysis flags.
func (p *printer) segment(x FlaggedSegment) {
	p.f("  %6d #%d %s -> %s [%s] seq %d len %d  %s\n", x.PacketNumber, x.Stream, x.Src, x.Dst, x.TCPFlags, x.Seq, x.Len, strings.Join(x.Flags, ","))
}

func (p *printer) anomalies(as []result.Finding) {
	p.f("\nAnomalies (%d)\n", len(as))
	if len(as) == 0 {
		p.f("  none\n")
	}
	for _, a := range as {
		p.f("  [%s] %s: %s\n      evidence frames: %v\n", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
	}
}

func writeConnections(w io.Writer, o *ConnectionsOutput) error {
	var p printer
	s := o.Summary
	p.f("TCP connections in %s\n", o.File)
	p.f("  %d packets in the capture, %d TCP segments in %d connections\n", o.TotalPackets, o.TCPPacketsFound, s.TotalConnections)
	p.f("  handshakes: %d completed, %d failed (%d refused, %d unanswered, %d half open); %d midstream\n",
		s.SuccessfulHandshakes, s.FailedHandshakes, s.RefusedConnections, s.UnansweredSyns, s.HalfOpen, s.Midstream)
	p.f("  closes: %d normal, %d reset, %d still active; %d retransmissions\n", s.NormalClose, s.ResetConnections, s.ActiveConnections, s.TotalRetransmissions)
	if s.HandshakeRTTMsMedian != nil {
		p.f("  median handshake RTT %.3f ms\n", *s.HandshakeRTTMsMedian)
	}
	if len(s.ConnectionsByTCPState) > 0 {
		p.f("  states: %s\n", modkit.Counts(s.ConnectionsByTCPState))
	}
	if len(o.Issues) > 0 {
		p.f("\nIssues\n")
		for _, i := range o.Issues {
			p.f("  %s\n", i)
		}
	}
	p.f("\nConnections (%d; showing %d)\n", o.Page.Total, len(o.Connections))
	for _, c := range o.Connections {
		p.f("  #%-5d %s -> %s  %s, %d pkts, client→server %d B, server→client %d B, %.3f s", c.Stream, c.Client, c.Server, c.TCPState, c.PacketCount,
			c.BytesToServer, c.BytesToClient, c.DurationSeconds)
		if c.HandshakeRTTMs != nil {
			p.f(", rtt %.3f ms", *c.HandshakeRTTMs)
		}
		if c.Retransmissions > 0 {
			p.f(", %d retrans", c.Retransmissions)
		}
		if c.ResetBy != "" {
			p.f(", reset by %s in %s", c.ResetBy, c.ResetInState)
		}
		p.f("\n")
	}
	return p.flush(w, o.Warnings)
}

func writeAnomalies(w io.Writer, o *AnomaliesOutput) error {
	var p printer
	s := o.Statistics
	p.f("TCP anomalies in %s\n", o.File)
	p.f("  %d connections, %d segments; handshakes %d ok, %d failed, %d not captured\n", s.TotalConnections, s.TotalPackets, s.Handshake.Successful, s.Handshake.Failed, s.Handshake.Incomplete)
	p.f("  flags: SYN %d, SYN-ACK %d, FIN %d, RST %d, ACK %d\n", s.Flags.Syn, s.Flags.SynAck, s.Flags.Fin, s.Flags.Rst, s.Flags.Ack)
	if len(s.RstDistribution.ByDirection) > 0 {
		p.f("  RST direction: %s\n", modkit.Counts(s.RstDistribution.ByDirection))
	}
	p.f("  retransmissions %d (rate %.3f)\n", s.Retransmissions.Total, s.Retransmissions.Rate)
	nonzero := map[string]int{}
	for k, n := range o.AnalysisCounts {
		if n > 0 {
			nonzero[k] = n
		}
	}
	if len(nonzero) > 0 {
		p.f("  analysis flags: %s\n", modkit.Counts(nonzero))
	}
	p.anomalies(o.Anomalies)
	if len(o.Patterns) > 0 {
		p.f("\nPatterns\n")
		for _, x := range o.Patterns {
			p.f("  %s: %s\n", x.Pattern, x.Description)
		}
	}
	p.f("\nFlagged segments (%d; showing %d)\n", o.SegmentsPage.Total, len(o.Segments))
	for _, x := range o.Segments {
		p.segment(x)
	}
	return p.flush(w, o.Warnings)
}

func writeRetransmissions(w io.Writer, o *RetransmissionsOutput) error {
	var p printer
	p.f("TCP retransmissions in %s\n", o.File)
	p.f("  %d of %d segments (rate %.3f, threshold %.3f%s)\n", o.TotalRetransmissions, o.TotalPackets, o.RetransmissionRate, o.Threshold,
		map[bool]string{true: ", exceeded", false: ""}[o.ExceedsThreshold])
	nonzero := map[string]int{}
	for k, n := range o.Breakdown {
		if n > 0 {
			nonzero[k] = n
		}
	}
	if len(nonzero) > 0 {
		p.f("  %s\n", modkit.Counts(nonzero))
	}
	if o.Summary.WorstConnection != nil {
		p.f("  worst: %s (rate %.3f); %d connection(s) above the threshold\n", *o.Summary.WorstConnection, o.Summary.WorstRetransRate, o.Summary.ConnectionsAboveThreshold)
	}
	p.f("\nBy connection (%d; showing %d)\n", o.ByConnectionPage.Total, len(o.ByConnection))
	for _, c := range o.ByConnection {
		p.f("  #%-5d %s  %d of %d (%.3f), fast %d, spurious %d\n", c.Stream, c.Connection, c.RetransCount, c.TotalPackets, c.RetransRate, c.Fast, c.Spurious)
	}
	p.f("\nRetransmitted segments (%d; showing %d)\n", o.SegmentsPage.Total, len(o.Segments))
	for _, x := range o.Segments {
		p.segment(x)
	}
	return p.flush(w, o.Warnings)
}

func writeFlow(w io.Writer, o *FlowOutput) error {
	var p printer
	p.f("TCP traffic of %s in %s\n", o.Server, o.File)
	for _, d := range []struct {
		name string
		d    FlowDirection
	}{{"client→server", o.ClientToServer}, {"server→client", o.ServerToClient}} {
		p.f("  %s: %d pkts, %d B, %d B payload, SYN %d, FIN %d, RST %d, %d data, %d retrans\n", d.name, d.d.PacketCount, d.d.ByteCount,
			d.d.PayloadBytes, d.d.SynCount, d.d.FinCount, d.d.RstCount, d.d.DataPackets, d.d.Retransmissions)
	}
	p.f("  %s\n", o.Analysis.Interpretation)
	if len(o.Connections.ByTCPState) > 0 {
		p.f("  states: %s\n", modkit.Counts(o.Connections.ByTCPState))
	}
	p.f("\nClients (%d; showing %d)\n", o.ClientsPage.Total, len(o.Clients))
	for _, c := range o.Clients {
		p.f("  %-40s %d conns, client→server %d B, server→client %d B, %d resets, %d retrans\n", c.Client, c.Connections, c.BytesSent, c.BytesRecv, c.Resets, c.Retrans)
	}
	return p.flush(w, o.Warnings)
}
