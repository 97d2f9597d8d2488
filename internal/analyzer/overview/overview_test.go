package overview

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// fakeModule is a module that shares the pass: it counts the frames it
// sees and reports fixed findings and a summary naming a server.
type fakeModule struct {
	name     string
	findings []result.Finding
	summary  any
}

type fakeIn struct {
	PcapFile string `json:"pcap_file"`
	Domain   string `json:"domain,omitempty"`
	ClientIP string `json:"client_ip,omitempty"`
}

type fakeOut struct{}

func (m *fakeModule) Name() string               { return m.name }
func (m *fakeModule) Prompts() []analyzer.Prompt { return nil }
func (m *fakeModule) Tools() []analyzer.Tool {
	return []analyzer.Tool{analyzer.NewTool(analyzer.Tool{Name: "analyze_" + m.name + "_packets", Description: "fake"},
		func(context.Context, *analyzer.Env, fakeIn) (*fakeOut, error) { return &fakeOut{}, nil }, nil)}
}

func (m *fakeModule) NewPass(*analyzer.Env) (modkit.Pass, error) { return &fakePass{m: m}, nil }

type fakePass struct {
	m      *fakeModule
	frames int
}

func (p *fakePass) Observers() []engine.Observer {
	return []engine.Observer{engine.ObserverFunc(func(*engine.Packet) { p.frames++ })}
}

func (p *fakePass) Brief(*engine.Result) modkit.Brief {
	return modkit.Brief{Module: p.m.name, Summary: p.m.summary, Findings: p.m.findings}
}

func finding(typ string, sev result.Severity, frames int, details map[string]any) result.Finding {
	var ev result.Evidence
	for i := range frames {
		ev.Add(i + 1)
	}
	return result.NewFinding(typ, sev, typ+" summary", ev, details)
}

// TestFindingsRankedWithTheirCalls runs two fake modules beside the
// overview: findings are ranked by severity, then evidence; each names the
// call that shows it, with the arguments its details give; next steps
// start with them; a module's summary names a server's role.
func TestFindingsRankedWithTheirCalls(t *testing.T) {
	dns := &fakeModule{name: "fakedns", summary: map[string]any{"dns_servers": []string{"10.0.0.80"}, "clients": []string{"192.168.1.10"}},
		findings: []result.Finding{
			finding("slow_server", result.Low, 50, nil),
			finding("tunnel", result.High, 3, map[string]any{"domain": "evil.example", "ignored": []int{1}}),
		}}
	other := &fakeModule{name: "fakeother", findings: []result.Finding{
		finding("flood", result.High, 40, map[string]any{"client_ip": "192.168.1.10", "rate": 9.5}),
		finding("odd", result.Medium, 1, nil),
	}}
	file := genFile(t, "conn-SF.pcap")
	out := analyze(t, Input{PcapFile: file}, dns, other)
	var got []string
	for _, f := range out.Findings {
		got = append(got, f.Module+"/"+f.Type+"/"+f.Severity)
	}
	want := "fakeother/flood/high fakedns/tunnel/high fakeother/odd/medium fakedns/slow_server/low"
	if strings.Join(got, " ") != want {
		t.Errorf("findings %v, want %s", got, want)
	}
	if c := out.FindingCounts; c["high"] != 2 || c["medium"] != 1 || c["low"] != 1 {
		t.Errorf("counts %v", c)
	}
	tunnel := out.Findings[1]
	if tunnel.Details.Tool != "analyze_fakedns_packets" || tunnel.Details.Arguments["domain"] != "evil.example" ||
		tunnel.Details.Arguments["pcap_file"] != file || len(tunnel.Details.Arguments) != 2 {
		t.Errorf("tunnel details %+v", tunnel.Details)
	}
	if f := out.Findings[0]; len(f.EvidenceFrames) != maxEvidence || f.EvidenceFramesTotal != 40 || f.Details.Arguments["client_ip"] != "192.168.1.10" {
		t.Errorf("flood %+v", f)
	}
	if len(out.NextSteps) < 3 || len(out.NextSteps) > 5 || out.NextSteps[0].Tool != "analyze_fakeother_packets" || out.NextSteps[1].Tool != "analyze_fakedns_packets" {
		t.Errorf("next steps %+v", out.NextSteps)
	}
	if len(out.Modules) != 2 || out.Modules[0].Findings != 2 {
		t.Errorf("modules %+v", out.Modules)
	}
	var server *Host
	for i := range out.Hosts {
		if out.Hosts[i].IP == "10.0.0.80" {
			server = &out.Hosts[i]
		}
	}
	if server == nil || !strings.Contains(strings.Join(server.Roles, ","), "fakedns server") {
		t.Errorf("server host %+v", server)
	} else if len(server.Services) != 1 || server.Services[0].Port != 80 || server.Services[0].Proto != "tcp" {
		t.Errorf("server services %+v", server.Services)
	}
	if !strings.Contains(strings.Join(out.Summary, " "), "the most severe: flood") {
		t.Errorf("summary %q", out.Summary)
	}
}

// TestFlowFiltersAndPaging checks each flow filter and the pages.
func TestFlowFiltersAndPaging(t *testing.T) {
	file := genFile(t, "udp-states.pcap")
	all := analyze(t, Input{PcapFile: file, FlowsSort: "start"})
	if all.FlowsPage.Total != 3 || all.FlowSummary.Total != 3 || all.FlowSummary.ByProto["udp"] != 3 {
		t.Fatalf("flows %+v summary %+v", all.FlowsPage, all.FlowSummary)
	}
	cases := []struct {
		name string
		in   Input
		ids  string
	}{
		{"state", Input{State: "s0"}, "F3"},
		{"port", Input{Port: 40002}, "F4"},
		{"address", Input{Address: "10.0.0.80"}, "F1 F3 F4"},
		{"address none", Input{Address: "10.9.9.9"}, ""},
		{"protocol", Input{Protocol: "tcp"}, ""},
		{"service none", Input{Service: "none"}, "F1 F3 F4"},
		{"end time", Input{EndTime: "2024-06-03T09:00:00.025Z"}, "F1"},
		{"start time", Input{StartTime: "2024-06-03T09:00:00.035Z"}, "F4"},
		{"page", Input{FlowsLimit: 1, FlowsOffset: 1}, "F3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.PcapFile, in.FlowsSort = file, "start"
			out := analyze(t, in)
			var ids []string
			for _, f := range out.Flows {
				ids = append(ids, f.ID)
			}
			if strings.Join(ids, " ") != c.ids {
				t.Errorf("flows %v, want %s", ids, c.ids)
			}
			if out.FlowSummary.Total != 3 {
				t.Errorf("summary covers %d flows, want all 3", out.FlowSummary.Total)
			}
		})
	}
	page := analyze(t, Input{PcapFile: file, FlowsSort: "start", FlowsLimit: 1, FlowsOffset: 1})
	if pg := page.FlowsPage; pg.Total != 3 || pg.Returned != 1 || !pg.Truncated || pg.NextOffset == nil || *pg.NextOffset != 2 {
		t.Errorf("page %+v", pg)
	}
}

// TestArgumentErrors checks that wrong arguments are refused with a
// message naming them.
func TestArgumentErrors(t *testing.T) {
	m := New(Options{})
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{FlowsLimit: 5000}, "flows_limit"},
		{Input{HostsOffset: -1}, "hosts_offset"},
		{Input{Buckets: 5000}, "buckets"},
		{Input{ConversationType: "ipx"}, "conversation_type"},
		{Input{ConversationsSort: "size"}, "conversations_sort"},
		{Input{State: "ESTABLISHED"}, "state"},
		{Input{Service: "gopher"}, "service"},
		{Input{Protocol: "sctp"}, "protocol"},
		{Input{Address: "10.0.0"}, "address"},
		{Input{Port: 70000}, "port"},
		{Input{StartTime: "yesterday"}, "start_time"},
		{Input{FlowsSort: "size"}, "flows_sort"},
	} {
		c.in.PcapFile = genFile(t, "conn-SF.pcap")
		_, err := m.analyze(t.Context(), nil, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.in, err, c.want)
		}
	}
}

// TestOutputOrderAndJSON checks that the answer is summary first and
// marshals.
func TestOutputOrderAndJSON(t *testing.T) {
	out := analyze(t, Input{PcapFile: genFile(t, "conn-reuse.pcap")})
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	order := []string{`"file"`, `"summary"`, `"capture"`, `"findings"`, `"next_steps"`, `"protocols"`, `"time_profile"`, `"conversations"`, `"hosts":[`, `"flow_summary"`, `"flows":[`, `"warnings"`}
	last := -1
	for _, k := range order {
		i := strings.Index(s, k)
		if i < last {
			t.Errorf("%s comes before what precedes it", k)
		}
		last = i
	}
	if out.TimeProfile.Busiest == nil || len(out.TimeProfile.Packets) == 0 || out.Protocols[0].Path != "eth" {
		t.Errorf("time profile %+v protocols %+v", out.TimeProfile, out.Protocols)
	}
}
