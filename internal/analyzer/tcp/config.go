package tcp

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging defaults and limits.
const (
	DefaultLimit         = 20
	DefaultDetailedLimit = 5
	MaxLimit             = 1000
)

// Common are the arguments every TCP tool takes: the capture and which
// connections to look at.
type Common struct {
	PcapFile   string `json:"pcap_file" jsonschema:"path or http(s) URL"`
	ServerIP   string `json:"server_ip,omitempty" jsonschema:"connections with this endpoint, taken as the server"`
	ServerPort int    `json:"server_port,omitempty" jsonschema:"connections with this port, taken as the server's"`
	ClientIP   string `json:"client_ip,omitempty" jsonschema:"connections from this client"`
	StartTime  string `json:"start_time,omitempty" jsonschema:"connections active from this time"`
	EndTime    string `json:"end_time,omitempty" jsonschema:"connections active up to this time"`
}

// ConnectionsInput is the argument object of analyze_tcp_connections.
type ConnectionsInput struct {
	Common
	Detailed bool   `json:"detailed,omitempty" jsonschema:"add options, timing and throughput per direction (pages of 5)"`
	State    string `json:"state,omitempty" jsonschema:"syn_sent, refused, syn_received, established, half_closed, closed, reset, midstream, or active"`
	SortBy   string `json:"sort_by,omitempty" jsonschema:"stream (default), bytes, packets, retransmissions, duration"`
	Limit    *int   `json:"limit,omitempty" jsonschema:"connections per page (default 20; 0: none)"`
	Offset   int    `json:"offset,omitempty"`
}

// AnomaliesInput is the argument object of analyze_tcp_anomalies.
type AnomaliesInput struct {
	Common
	AnalysisFlag string `json:"analysis_flag,omitempty" jsonschema:"flagged segments with this flag: retransmission, fast_retransmission, spurious_retransmission, out_of_order, lost_segment, ack_lost_segment, duplicate_ack, zero_window, zero_window_probe, zero_window_probe_ack, window_full, window_update, keep_alive, keep_alive_ack, reused_ports"`
	Stream       *int   `json:"stream,omitempty" jsonschema:"flagged segments of this tcp.stream"`
	Limit        *int   `json:"limit,omitempty" jsonschema:"flagged segments per page (default 20; 0: none)"`
	Offset       int    `json:"offset,omitempty"`
	// Thresholds are the detectors' thresholds (the tool's Params), set by
	// the front end.
	Thresholds analyzer.Thresholds `json:"-"`
}

// RetransmissionsInput is the argument object of analyze_tcp_retransmissions.
type RetransmissionsInput struct {
	Common
	Threshold      float64 `json:"threshold,omitempty" jsonschema:"rate that flags a connection or the capture (default 0.02)"`
	Limit          *int    `json:"limit,omitempty" jsonschema:"connections per page (default 20; 0: none)"`
	Offset         int     `json:"offset,omitempty"`
	SegmentsLimit  *int    `json:"segments_limit,omitempty" jsonschema:"retransmitted segments per page (default 20)"`
	SegmentsOffset int     `json:"segments_offset,omitempty"`
}

// FlowInput is the argument object of analyze_traffic_flow.
type FlowInput struct {
	PcapFile   string `json:"pcap_file" jsonschema:"path or http(s) URL"`
	ServerIP   string `json:"server_ip" jsonschema:"the server"`
	ServerPort int    `json:"server_port,omitempty" jsonschema:"only this port of it"`
	ClientIP   string `json:"client_ip,omitempty" jsonschema:"connections from this client"`
	StartTime  string `json:"start_time,omitempty" jsonschema:"connections active from this time"`
	EndTime    string `json:"end_time,omitempty" jsonschema:"connections active up to this time"`
	Limit      *int   `json:"limit,omitempty" jsonschema:"clients per page (default 20; 0: none)"`
	Offset     int    `json:"offset,omitempty"`
}

// Filter echoes the connection filters applied (mcpcap's filter object,
// with more keys).
type Filter struct {
	ServerIP   *string `json:"server_ip" jsonschema:"null when not given"`
	ServerPort *int    `json:"server_port" jsonschema:"null when not given"`
	ClientIP   string  `json:"client_ip,omitempty"`
	StartTime  string  `json:"start_time,omitempty"`
	EndTime    string  `json:"end_time,omitempty"`
	State      string  `json:"state,omitempty"`
	SortBy     string  `json:"sort_by,omitempty"`
}

// connFilter selects connections.
type connFilter struct {
	serverIP   netip.Addr
	serverPort uint16
	clientIP   netip.Addr
	start, end int64 // ns; 0 when open
	state      string
	echo       Filter
}

func newConnFilter(c Common) (*connFilter, error) {
	f := &connFilter{}
	var err error
	if f.serverIP, err = result.ParseIP("server_ip", c.ServerIP); err != nil {
		return nil, err
	}
	if f.serverIP.IsValid() {
		str := f.serverIP.String()
		f.echo.ServerIP = &str
	}
	if c.ServerPort != 0 {
		if c.ServerPort < 0 || c.ServerPort > 65535 {
			return nil, fmt.Errorf("server_port %d is not a port number (1-65535)", c.ServerPort)
		}
		f.serverPort = uint16(c.ServerPort)
		p := c.ServerPort
		f.echo.ServerPort = &p
	}
	if f.clientIP, err = result.ParseIP("client_ip", c.ClientIP); err != nil {
		return nil, err
	}
	if f.clientIP.IsValid() {
		f.echo.ClientIP = f.clientIP.String()
	}
	start, end, err := result.ParseTimeRange(c.StartTime, c.EndTime)
	if err != nil {
		return nil, err
	}
	if !start.IsZero() {
		f.start = start.UnixNano()
	}
	if !end.IsZero() {
		f.end = end.UnixNano()
	}
	f.echo.StartTime, f.echo.EndTime = result.FormatTime(start), result.FormatTime(end)
	return f, nil
}

// States a connection can end in (tcp_state), and mcpcap's two states.
var tcpStates = []string{"syn_sent", "refused", "syn_received", "established", "half_closed", "closed", "reset", "midstream"}

func (f *connFilter) setState(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil
	}
	if s != "active" && !slices.Contains(tcpStates, s) {
		return fmt.Errorf("state %q is not a connection state; use one of %s, or active", s, strings.Join(tcpStates, ", "))
	}
	f.state, f.echo.State = s, s
	return nil
}

// matches reports whether the oriented connection v passes the filter.
func (f *connFilter) matches(v *view) bool {
	if f.serverIP.IsValid() || f.serverPort != 0 {
		if !v.filterMatched {
			return false
		}
	}
	if f.clientIP.IsValid() && v.client.Addr() != f.clientIP {
		return false
	}
	if f.start != 0 && v.c.lastTime < f.start {
		return false
	}
	if f.end != 0 && v.c.firstTime > f.end {
		return false
	}
	switch f.state {
	case "":
	case "active":
		return v.state == "active" // mcpcap's: neither FIN nor RST seen
	default:
		return v.tcpState == f.state
	}
	return true
}

// sortKeys are the orders of the connections list.
var sortKeys = []string{"stream", "bytes", "packets", "retransmissions", "duration"}

func parseSort(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "stream", nil
	}
	if !slices.Contains(sortKeys, s) {
		return "", fmt.Errorf("sort_by %q is not an order; use one of %s", s, strings.Join(sortKeys, ", "))
	}
	return s, nil
}

func msOf(d int64) float64 { return float64(d/1000) / 1000 }

func secondsOf(d int64) float64 { return float64(d/1000) / 1e6 }
