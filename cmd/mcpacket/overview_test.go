package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/dhcpv6"
	"github.com/mcpacket/mcpacket/internal/analyzer/lldp"
	"github.com/mcpacket/mcpacket/internal/analyzer/overview"
	"github.com/mcpacket/mcpacket/internal/cli"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// overviewTool returns analyze_overview as the registry has it: with every
// module that can share its pass.
func overviewTool(t *testing.T) (*analyzer.Registry, analyzer.Tool) {
	t.Helper()
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tool, ok := reg.Tool("analyze_overview")
	if !ok {
		t.Fatal("analyze_overview is not registered")
	}
	return reg, tool
}

func runOverview(t *testing.T, tool analyzer.Tool, file string) *overview.Output {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"pcap_file": file})
	out, err := tool.Call(t.Context(), pcaptest.Env(0), raw)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(file), err)
	}
	return out.(*overview.Output)
}

// TestOverviewFirstAndComplete checks that analyze_overview is the first
// tool listed and runs every module that can share a pass.
func TestOverviewFirstAndComplete(t *testing.T) {
	reg, _ := overviewTool(t)
	if first := reg.Modules()[0].Tools()[0].Name; first != "analyze_overview" {
		t.Errorf("first tool is %s, want analyze_overview", first)
	}
	out := runOverview(t, mustTool(t, reg), filepath.Join(pcaptest.Root(t), "testdata", "gen", "tcp-normal.pcap"))
	var ran []string
	for _, m := range out.Modules {
		ran = append(ran, m.Module)
	}
	var want []string
	for _, m := range reg.Modules() {
		if _, ok := m.(modkit.Passer); ok {
			want = append(want, m.Name())
		}
	}
	if !slices.Equal(ran, want) {
		t.Errorf("modules run %v, want every Passer %v", ran, want)
	}
}

func mustTool(t *testing.T, reg *analyzer.Registry) analyzer.Tool {
	tool, _ := reg.Tool("analyze_overview")
	return tool
}

// TestOverviewBudget runs analyze_overview with its defaults on every
// capture of the repository and the corpus: the JSON is at most 32 KiB,
// and a list cut to fit says so in its page.
func TestOverviewBudget(t *testing.T) {
	_, tool := overviewTool(t)
	root := pcaptest.Root(t)
	var files []string
	for _, pattern := range []string{"testdata/*.pcap*", "testdata/gen/*.pcap", "internal/analyzer/overview/testdata/gen/*.pcap"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	if dir, ok := pcaptest.CorpusDir(t); ok {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, m...)
	}
	largest, cut, read := 0, 0, 0
	for _, f := range files {
		raw, _ := json.Marshal(map[string]any{"pcap_file": f})
		out, err := tool.Call(t.Context(), pcaptest.Env(0), raw)
		if err != nil {
			t.Logf("%s: %v", filepath.Base(f), err)
			continue // not a capture the engine reads; TestHostileCaptures checks the refusal
		}
		read++
		b, _ := json.Marshal(out)
		largest = max(largest, len(b))
		if len(b) > overview.ResponseBudget {
			t.Errorf("%s: %d bytes of JSON, over the %d budget", filepath.Base(f), len(b), overview.ResponseBudget)
		}
		o := out.(*overview.Output)
		if o.FlowsPage.Returned < min(o.FlowsPage.Total, 10) || o.HostsPage.Returned < min(o.HostsPage.Total, 10) {
			cut++
			if !o.FlowsPage.Truncated && o.FlowsPage.Returned < o.FlowsPage.Total {
				t.Errorf("%s: flows cut without saying so: %+v", filepath.Base(f), o.FlowsPage)
			}
		}
	}
	t.Logf("%d captures (%d read), largest answer %d bytes, %d cut to fit", len(files), read, largest, cut)
}

// TestOverviewFindingsAreModulesFindings checks, on every generated attack
// capture, that the overview's findings are exactly those of the modules
// run each on its own.
func TestOverviewFindingsAreModulesFindings(t *testing.T) {
	reg, tool := overviewTool(t)
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "*.pcap"))
	compared := 0
	for _, f := range files {
		env := pcaptest.Env(0)
		raw, _ := json.Marshal(map[string]any{"pcap_file": f, "findings_limit": 500})
		out, err := tool.Call(t.Context(), env, raw)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		var got []string
		for _, fd := range out.(*overview.Output).Findings {
			got = append(got, fmt.Sprintf("%s %s %s %d %q", fd.Module, fd.Type, fd.Severity, fd.EvidenceFramesTotal, fd.Summary))
		}
		var want []string
		for _, m := range reg.Modules() {
			p, ok := m.(modkit.Passer)
			if !ok || m.Name() == "overview" {
				continue
			}
			for _, fd := range pcaptest.Brief(t, p, f).Findings {
				want = append(want, fmt.Sprintf("%s %s %s %d %q", m.Name(), fd.Type, fd.Severity, fd.EvidenceFramesTotal, fd.Summary))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: findings\n%s\nwant the modules' own\n%s", filepath.Base(f), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		compared += len(want)
	}
	t.Logf("%d captures, %d findings compared", len(files), compared)
}

// TestOverviewCLI runs "mcpacket analyze overview F" and checks the report
// a person reads.
func TestOverviewCLI(t *testing.T) {
	reg, _ := overviewTool(t)
	var stdout, stderr bytes.Buffer
	app := &cli.App{Registry: reg, Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader("")}
	file := filepath.Join(pcaptest.Root(t), "testdata", "gen", "tcp-port-scan.pcap")
	if code := app.Run(t.Context(), []string{"analyze", "overview", file}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Overview of", "Findings", "Next steps", "Protocol hierarchy", "eth", "TCP conversations", "Hosts", "Flows:", "REJ"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}

// TestOverviewFlowServerNames: the overview's flow table shows the server
// name of TLS flows, from the tls module's brief (its hook).
func TestOverviewFlowServerNames(t *testing.T) {
	_, tool := overviewTool(t)
	out := runOverview(t, tool, filepath.Join(pcaptest.Root(t), "testdata", "gen", "tls-normal.pcap"))
	named := 0
	for _, f := range out.Flows {
		if f.Service != "tls" {
			continue
		}
		if f.ServerName != "www.example.com" {
			t.Errorf("flow %s %s:%d -> %s:%d: server name %q", f.ID, f.OrigIP, f.OrigPort, f.RespIP, f.RespPort, f.ServerName)
		}
		named++
	}
	if named != 3 {
		t.Errorf("%d TLS flows named, want 3", named)
	}
}

// TestOverviewHostFacts: the overview's hosts carry what the modules learnt
// of them beyond their traffic (their Brief.Hosts): the system name and
// capabilities an LLDP/CDP device announced, on the host with its MAC, and
// the DHCPv6 server role, on each address a server answered from. The
// expected names and addresses come from the modules' own tools.
func TestOverviewHostFacts(t *testing.T) {
	reg, tool := overviewTool(t)
	call := func(name, file string) any {
		tl, ok := reg.Tool(name)
		if !ok {
			t.Fatalf("%s is not registered", name)
		}
		raw, _ := json.Marshal(map[string]any{"pcap_file": file})
		out, err := tl.Call(t.Context(), pcaptest.Env(0), raw)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	gen := filepath.Join(pcaptest.Root(t), "testdata", "gen")

	file := filepath.Join(gen, "lldp-normal.pcap")
	named := 0
	hosts := runOverview(t, tool, file).Hosts
	for _, d := range call("analyze_network_devices", file).(*lldp.Output).Devices {
		for _, h := range hosts {
			if !slices.ContainsFunc(h.MACs, func(m string) bool { return slices.Contains(d.SourceMACs, m) }) {
				continue
			}
			named++
			want := overview.HostName{Name: d.SystemName, Source: strings.ToLower(d.Protocol)}
			if !slices.Contains(h.Names, want) {
				t.Errorf("host %s (%v): names %v, want %v among them", h.IP, h.MACs, h.Names, want)
			}
			if !slices.ContainsFunc(h.Roles, func(r string) bool { return strings.HasSuffix(r, "("+want.Source+")") }) {
				t.Errorf("host %s: roles %v, want the device's capabilities", h.IP, h.Roles)
			}
		}
	}
	if named == 0 {
		t.Error("no host of lldp-normal.pcap sent an announcement; the test checks nothing")
	}

	file = filepath.Join(gen, "dhcpv6-normal.pcap")
	hosts = runOverview(t, tool, file).Hosts
	servers := 0
	for _, s := range call("analyze_dhcpv6_packets", file).(*dhcpv6.Output).Servers {
		for _, a := range s.Addresses {
			i := slices.IndexFunc(hosts, func(h overview.Host) bool { return h.IP == a })
			if i < 0 {
				continue
			}
			servers++
			if !slices.Contains(hosts[i].Roles, "dhcpv6 server") {
				t.Errorf("host %s: roles %v, want dhcpv6 server", a, hosts[i].Roles)
			}
		}
	}
	if servers == 0 {
		t.Error("no DHCPv6 server address among the hosts; the test checks nothing")
	}
}
