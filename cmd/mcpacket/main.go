// Command mcpacket is an MCP server that analyzes packet captures protocol by
// protocol, and a command line for the same analyses. With no arguments it
// serves MCP over stdio; see "mcpacket help".
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/arp"
	"github.com/mcpacket/mcpacket/internal/analyzer/capinfos"
	"github.com/mcpacket/mcpacket/internal/analyzer/dhcp"
	"github.com/mcpacket/mcpacket/internal/analyzer/dhcpv6"
	"github.com/mcpacket/mcpacket/internal/analyzer/dns"
	"github.com/mcpacket/mcpacket/internal/analyzer/http"
	"github.com/mcpacket/mcpacket/internal/analyzer/icmp"
	"github.com/mcpacket/mcpacket/internal/analyzer/lldp"
	"github.com/mcpacket/mcpacket/internal/analyzer/ntp"
	"github.com/mcpacket/mcpacket/internal/analyzer/overview"
	"github.com/mcpacket/mcpacket/internal/analyzer/packets"
	"github.com/mcpacket/mcpacket/internal/analyzer/plot"
	"github.com/mcpacket/mcpacket/internal/analyzer/sip"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/analyzer/tls"
	"github.com/mcpacket/mcpacket/internal/cli"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/records"
)

// registry is the one list of modules, in the order tools are listed. The
// overview comes first and runs every module that can share its pass.
func registry() (*analyzer.Registry, error) {
	mods := []analyzer.Module{
		capinfos.New(capinfos.Options{}),
		arp.New(arp.Options{}),
		dhcp.New(dhcp.Options{}),
		dhcpv6.New(dhcpv6.Options{}),
		dns.New(dns.Options{}),
		http.New(http.Options{}),
		icmp.New(icmp.Options{}),
		lldp.New(lldp.Options{}),
		ntp.New(ntp.Options{}),
		sip.New(sip.Options{}),
		tcp.New(tcp.Options{}),
		tls.New(tls.Options{}),
	}
	ov := overview.New(overview.Options{Modules: overview.Passers(mods...)})
	all := append([]analyzer.Module{ov}, mods...)
	// The drill-down module filters on the TCP module's analysis
	// (tcp.stream, tcp.analysis.*) and names frames by the HTTP messages,
	// TLS records and DNS-over-TCP messages the HTTP, TLS and DNS modules end in them.
	all = append(all, packets.New(packets.Options{TCP: tcp.NewAnnotator, App: func(env *analyzer.Env) dissect.AppAnalyzer {
		return dissect.Apps{http.NewAnnotator(env), tls.NewAnnotator(env), dns.NewAnnotator(env)}
	}}))
	// Charts draw the overview's sections (its own tables only, without
	// the other modules' pass) and the latency modules' samples.
	all = append(all, plot.New(plot.Options{
		Overview: overview.New(overview.Options{}).Tools()[0],
		Latency:  overview.Passers(mods...),
		TCP:      tcp.NewAnnotator,
	}))
	// Records for engines that scale out: the overview's flows, every
	// module's rows and findings (export_records).
	recs := []modkit.Recorder{ov}
	for _, m := range mods {
		if r, ok := m.(modkit.Recorder); ok {
			recs = append(recs, r)
		}
	}
	all = append(all, records.New(records.Options{Recorders: recs, Modules: overview.Passers(mods...)}))
	return analyzer.NewRegistry(all...)
}

func main() {
	reg, err := registry()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(cli.ExitError)
	}
	os.Exit(cli.Main(context.Background(), reg, os.Args[1:]))
}
