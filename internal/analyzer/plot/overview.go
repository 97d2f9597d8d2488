package plot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// overviewOut is the part of analyze_overview's output (its JSON contract)
// the charts draw.
type overviewOut struct {
	Capture struct {
		Packets       uint64 `json:"packets"`
		DataSizeBytes uint64 `json:"data_size_bytes"`
	} `json:"capture"`
	Protocols     []Node      `json:"protocols"`
	ProtocolsPage result.Page `json:"protocols_page"`
	TimeProfile   struct {
		StartTime     string   `json:"start_time"`
		BucketSeconds float64  `json:"bucket_seconds"`
		Packets       []uint64 `json:"packets"`
		Bytes         []uint64 `json:"bytes"`
		ByProtocol    []struct {
			Protocol string   `json:"protocol"`
			Frames   uint64   `json:"frames"`
			Packets  []uint64 `json:"packets"`
		} `json:"by_protocol"`
		Busiest *struct {
			Index     int    `json:"index"`
			StartTime string `json:"start_time"`
			Packets   uint64 `json:"packets"`
			Bytes     uint64 `json:"bytes"`
		} `json:"busiest"`
	} `json:"time_profile"`
	Conversations []struct {
		Type   string `json:"type"`
		Total  int    `json:"total"`
		Frames uint64 `json:"frames"`
		Bytes  uint64 `json:"bytes"`
		Items  []struct {
			AAddr     string `json:"a_addr"`
			APort     *int   `json:"a_port"`
			BAddr     string `json:"b_addr"`
			BPort     *int   `json:"b_port"`
			BytesAToB uint64 `json:"bytes_a_to_b"`
			BytesBToA uint64 `json:"bytes_b_to_a"`
			Frames    uint64 `json:"frames"`
			Bytes     uint64 `json:"bytes"`
		} `json:"items"`
	} `json:"conversations"`
	Warnings []string `json:"warnings"`
}

// maxNodes is the overview's largest protocols_limit.
const maxNodes = 2000

// overview calls the overview tool for the sections the chart draws.
func (m *Module) overview(ctx context.Context, env *analyzer.Env, a *args) (*overviewOut, error) {
	call := map[string]any{"pcap_file": a.in.PcapFile}
	switch a.chart {
	case "timeline":
		call["buckets"], call["protocol_series"] = a.buckets, true
	case "protocols":
		call["protocols_limit"] = maxNodes
	case "conversations":
		call["conversations_limit"] = a.top
		if a.convType != "ip" {
			call["conversation_type"] = a.convType
		}
	}
	args, err := json.Marshal(call)
	if err != nil {
		return nil, err
	}
	res, err := m.opts.Overview.Call(ctx, env, args)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("plot: reading the overview: %w", err)
	}
	var ov overviewOut
	if err := json.Unmarshal(b, &ov); err != nil {
		return nil, fmt.Errorf("plot: reading the overview: %w", err)
	}
	return &ov, nil
}

// timeline is the time profile: the top protocols' frames per bucket
// stacked, the rest as other, and the bytes per bucket.
func timeline(ov *overviewOut, a *args) (*Timeline, chart) {
	tp := &ov.TimeProfile
	t := &Timeline{StartTime: tp.StartTime, BucketSeconds: tp.BucketSeconds, Packets: tp.Packets, Bytes: tp.Bytes, Stacks: []Stack{}}
	other := Stack{Protocol: "other", Packets: make([]uint64, len(tp.Packets))}
	for i, s := range tp.ByProtocol {
		if i < a.top {
			t.Stacks = append(t.Stacks, Stack{Protocol: result.Text(s.Protocol, 64), Frames: s.Frames, Packets: s.Packets})
			continue
		}
		other.Frames += s.Frames
		for j, n := range s.Packets {
			other.Packets[j] += n
		}
	}
	if other.Frames > 0 {
		t.Stacks = append(t.Stacks, other)
	}
	if b := tp.Busiest; b != nil {
		t.Busiest = &Busiest{Index: b.Index, Start: b.StartTime, Packets: b.Packets, Bytes: b.Bytes}
	}
	c := chart{title: "Traffic over time"}
	var total uint64
	for _, n := range t.Packets {
		total += n
	}
	c.summary = append(c.summary, fmt.Sprintf("%d frames in %d buckets of %s from %s.", total, len(t.Packets), seconds(t.BucketSeconds), t.StartTime))
	if t.Busiest != nil {
		c.summary = append(c.summary, fmt.Sprintf("Busiest bucket %d (%s): %d frames, %d bytes.", t.Busiest.Index, t.Busiest.Start, t.Busiest.Packets, t.Busiest.Bytes))
	}
	var names []string
	for _, s := range t.Stacks {
		names = append(names, s.Protocol+" "+result.Percent(int(s.Frames), int(total)))
	}
	if len(names) > 0 {
		c.summary = append(c.summary, "Frames by innermost protocol: "+strings.Join(names, ", ")+".")
	}
	c.timeline = t
	return t, c
}

// protocols is the hierarchy's top nodes by frames, drawn in the
// hierarchy's own order.
func protocols(ov *overviewOut, a *args) (*Protocols, chart) {
	nodes := ov.Protocols
	total := ov.Capture.Packets
	idx := make([]int, len(nodes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(nodes[y].Frames, nodes[x].Frames) })
	idx = idx[:min(len(idx), a.top)]
	slices.Sort(idx)
	p := &Protocols{Frames: total, Nodes: []Node{}}
	for _, i := range idx {
		n := nodes[i]
		n.Path = result.Text(n.Path, 256)
		if total > 0 {
			n.Pct = float64(int(float64(n.Frames)/float64(total)*10000+0.5)) / 100
		}
		p.Nodes = append(p.Nodes, n)
	}
	p.Page = result.PageOf(ov.ProtocolsPage.Total, 0, a.top, len(p.Nodes))
	c := chart{title: "Protocol hierarchy", protocols: p}
	c.summary = []string{fmt.Sprintf("%d of %d hierarchy nodes with the most frames, of %d frames.", len(p.Nodes), ov.ProtocolsPage.Total, total)}
	var names []string
	for _, i := range idx[:min(len(idx), 5)] {
		names = append(names, fmt.Sprintf("%s %s", result.Text(nodes[i].Path, 256), result.Percent(int(nodes[i].Frames), int(total))))
	}
	if len(names) > 0 {
		c.summary = append(c.summary, "Largest: "+strings.Join(names, ", ")+".")
	}
	return p, c
}

// conversations is the top conversations of the type by bytes; "ip"
// merges the ipv4 and ipv6 tables.
func conversations(ov *overviewOut, a *args) (*Conversations, chart) {
	cv := &Conversations{Type: a.convType, Rows: []Conversation{}}
	var frames uint64
	for _, t := range ov.Conversations {
		if a.convType == "ip" && t.Type != "ipv4" && t.Type != "ipv6" {
			continue
		}
		cv.Total += t.Total
		cv.Bytes += t.Bytes
		frames += t.Frames
		for _, it := range t.Items {
			label := endpoint(it.AAddr, it.APort) + " <-> " + endpoint(it.BAddr, it.BPort)
			cv.Rows = append(cv.Rows, Conversation{Label: label, Type: t.Type, BytesAToB: it.BytesAToB, BytesBToA: it.BytesBToA, Frames: it.Frames, Bytes: it.Bytes})
		}
	}
	slices.SortStableFunc(cv.Rows, func(x, y Conversation) int { return cmp.Compare(y.Bytes, x.Bytes) })
	cv.Rows = cv.Rows[:min(len(cv.Rows), a.top)]
	c := chart{title: "Top conversations (" + a.convType + ")", conversations: cv}
	var shown uint64
	for _, r := range cv.Rows {
		shown += r.Bytes
	}
	c.summary = []string{fmt.Sprintf("%d %s conversations, %d bytes in %d frames; the %d drawn carry %s of the bytes.",
		cv.Total, a.convType, cv.Bytes, frames, len(cv.Rows), result.Percent(int(shown), int(cv.Bytes)))}
	if len(cv.Rows) > 0 {
		c.summary = append(c.summary, fmt.Sprintf("Top: %s, %d bytes.", cv.Rows[0].Label, cv.Rows[0].Bytes))
	}
	return cv, c
}

func endpoint(addr string, port *int) string {
	addr = result.Text(addr, 64)
	if port == nil {
		return addr
	}
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return addr + ":" + strconv.Itoa(*port)
}

// seconds writes a duration given in seconds.
func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= 10*time.Second:
		d = d.Round(100 * time.Millisecond)
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}
