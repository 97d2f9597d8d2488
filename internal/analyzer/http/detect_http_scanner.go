package http

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyScanner is the finding type of the scanner detector.
const AnomalyScanner = "http_scanner"

// The scanner detector's thresholds.
var (
	scanner404s = analyzer.Param{Name: "scanner_404_min", Default: 20, Unit: "responses",
		Help: "404 responses to one client that make it a scanner", Min: 1, Max: 1e6, Integer: true}
	scannerPaths = analyzer.Param{Name: "scanner_paths_min", Default: 15, Unit: "paths",
		Help: "distinct paths among those 404s", Min: 1, Max: 1e6, Integer: true}
)

// scannerAgents are user agent substrings of vulnerability scanners and
// content brute-forcers (lower case).
var scannerAgents = []string{"sqlmap", "nikto", "nmap", "masscan", "zgrab", "gobuster", "dirbuster", "dirb/", "wpscan",
	"nuclei", "acunetix", "nessus", "openvas", "w3af", "hydra", "ffuf", "feroxbuster", "whatweb", "wfuzz", "arachni", "skipfish", "zmeu", "morfeus"}

// scanner flags clients that announce a scanner in their user agent (high)
// or collect many 404s over many distinct paths (medium).
var scanner = analyzer.Detector[*event, *observer]{
	Type:   AnomalyScanner,
	Params: []analyzer.Param{scanner404s, scannerPaths},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &scannerUnit{min404: th.Int(scanner404s), minPaths: th.Int(scannerPaths), clients: map[netip.Addr]*scanClient{}}
	},
}

type scanClient struct {
	tool     string
	toolEv   result.Evidence
	n404     int
	paths    map[string]struct{}
	ev404    result.Evidence
	examples []string
}

type scannerUnit struct {
	min404, minPaths int
	clients          map[netip.Addr]*scanClient
	refused          int
}

func (u *scannerUnit) client(o *observer, a netip.Addr) *scanClient {
	c := u.clients[a]
	if c == nil {
		if len(u.clients) >= o.cfg.lim.pairs/16 {
			u.refused++
			return nil
		}
		c = &scanClient{paths: map[string]struct{}{}}
		u.clients[a] = c
	}
	return c
}

func (u *scannerUnit) Observe(e *event) {
	t := e.t
	if t == nil || t.rec.Method == "" {
		return
	}
	r := &t.rec
	frame := r.RequestFrame
	if tool := scannerTool(r.UserAgent); tool != "" {
		if c := u.client(e.o, t.client.Addr()); c != nil {
			c.tool = tool
			c.toolEv.Add(frame)
			if len(c.examples) < maxExamples {
				c.examples = append(c.examples, r.Method+" "+r.URI)
			}
		}
	}
	if r.Status == 404 {
		if c := u.client(e.o, t.client.Addr()); c != nil {
			c.n404++
			c.ev404.Add(r.ResponseFrame)
			p, _, _ := strings.Cut(r.URI, "?")
			if len(c.paths) < max(u.minPaths, 1000) {
				c.paths[p] = struct{}{}
			}
			if c.tool == "" && len(c.examples) < maxExamples {
				c.examples = append(c.examples, r.Method+" "+r.URI)
			}
		}
	}
}

// scannerTool names the scanner a user agent announces, or "".
func scannerTool(ua string) string {
	l := strings.ToLower(ua)
	for _, s := range scannerAgents {
		if strings.Contains(l, s) {
			return strings.TrimSuffix(s, "/")
		}
	}
	return ""
}

func (u *scannerUnit) Conclude(_ *observer, add func(result.Finding)) {
	for _, a := range slices.SortedFunc(maps.Keys(u.clients), netip.Addr.Compare) {
		c := u.clients[a]
		switch {
		case c.tool != "":
			add(result.NewFinding(AnomalyScanner, result.High,
				fmt.Sprintf("%s sent %d request(s) with the user agent of the %s scanner", a, c.toolEv.Total(), c.tool),
				c.toolEv, map[string]any{"client": a.String(), "tool": c.tool, "requests": c.toolEv.Total(), "not_found": c.n404, "examples": c.examples}))
		case c.n404 >= u.min404 && len(c.paths) >= u.minPaths:
			add(result.NewFinding(AnomalyScanner, result.Medium,
				fmt.Sprintf("%s received %d 404 responses over %d distinct paths: content discovery or vulnerability scanning", a, c.n404, len(c.paths)),
				c.ev404, map[string]any{"client": a.String(), "not_found": c.n404, "distinct_paths": len(c.paths), "examples": c.examples}))
		}
	}
}
