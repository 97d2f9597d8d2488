package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// exportTotals are the totals records.mjs reports from the MCP tools and
// from DuckDB over each exported format.
type exportTotals struct {
	Flows struct {
		Rows                 int64            `json:"rows"`
		ByProto              map[string]int64 `json:"by_proto"`
		ByState              map[string]int64 `json:"by_state"`
		ByService            map[string]int64 `json:"by_service"`
		Paged                *int64           `json:"paged"`
		DistinctCommunityIDs int64            `json:"distinct_community_ids"`
		Bytes                int64            `json:"bytes"`
		IPBytes              int64            `json:"ip_bytes"`
		Pkts                 int64            `json:"pkts"`
	} `json:"flows"`
	DNS struct {
		Rows, Queries, Responses, Malformed int64
	} `json:"dns"`
	HTTP struct {
		Rows              int64 `json:"rows"`
		RequestBodyBytes  int64 `json:"request_body_bytes"`
		ResponseBodyBytes int64 `json:"response_body_bytes"`
	} `json:"http"`
	TLS struct {
		Rows int64 `json:"rows"`
		QUIC int64 `json:"quic"`
	} `json:"tls"`
	TCP struct {
		Rows            int64            `json:"rows"`
		Retransmissions int64            `json:"retransmissions"`
		ByState         map[string]int64 `json:"by_state"`
		WithoutFlow     int64            `json:"without_flow"`
	} `json:"tcp"`
	Findings struct {
		Rows   int64            `json:"rows"`
		ByType map[string]int64 `json:"by_type"`
	} `json:"findings"`
}

type exportResult struct {
	Capture string `json:"capture"`
	Skipped bool   `json:"skipped"`
	Message string `json:"message"`
	Tables  []struct {
		Table string   `json:"table"`
		Rows  int64    `json:"rows"`
		Files []string `json:"files"`
	} `json:"tables"`
}

type recordsRun struct {
	Export  map[string]exportResult `json:"export"`
	Again   exportResult            `json:"again"`
	MCP     exportTotals            `json:"mcp"`
	Parquet exportTotals            `json:"parquet"`
	JSONL   exportTotals            `json:"jsonl"`
}

// exportCaptures are the captures whose export is checked against the
// tools: a bundled one, corpus captures with DNS, TLS and QUIC when the
// corpus is there, and $MCPACKET_EXPORT_CAPTURE (the 1M bench capture,
// say) when set.
func exportCaptures(t *testing.T) []string {
	root := pcaptest.Root(t)
	caps := []string{filepath.Join(root, "testdata", "http-download.pcap.gz")}
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, f := range []string{"dns-lab-mixed-chrissanders.pcapng", "mixed-sites-tls-quic-ipv6-ndpi.pcapng", "ipv6-http-tls-ndpi.pcap"} {
			caps = append(caps, filepath.Join(dir, f))
		}
	} else {
		t.Log("MCPACKET_CORPUS unset: checking the bundled capture only")
	}
	if c := os.Getenv("MCPACKET_EXPORT_CAPTURE"); c != "" {
		caps = append(caps, c)
	}
	return caps
}

// TestExportRecordsMatchTools exports each capture to Parquet and JSON
// Lines over MCP, reads every table back with DuckDB, and checks that the
// counts and sums equal what the MCP tools report on the same capture.
func TestExportRecordsMatchTools(t *testing.T) {
	bin, dir := setup(t)
	requireDuckDB(t, dir)
	for _, capture := range exportCaptures(t) {
		t.Run(filepath.Base(capture), func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "records.mjs", "tools", bin, capture, out)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("node records.mjs: %v\nstderr: %s", err, stderr.String())
			}
			var run recordsRun
			if err := json.Unmarshal(stdout.Bytes(), &run); err != nil {
				t.Fatalf("records.mjs output %q: %v", stdout.String(), err)
			}
			if !run.Again.Skipped || len(run.Again.Tables) != 0 {
				t.Errorf("a second export of the capture into the same directory was not skipped: %+v", run.Again)
			}
			for format, got := range map[string]exportTotals{"parquet": run.Parquet, "jsonl": run.JSONL} {
				compareTotals(t, format, run.MCP, got)
				for _, tb := range run.Export[format].Tables {
					if tb.Rows > 0 && len(tb.Files) == 0 {
						t.Errorf("%s: table %s has %d rows and no file", format, tb.Table, tb.Rows)
					}
				}
			}
			t.Logf("flows %d, dns %d, http %d, tls %d, tcp %d, findings %d", run.MCP.Flows.Rows, run.MCP.DNS.Rows, run.MCP.HTTP.Rows, run.MCP.TLS.Rows, run.MCP.TCP.Rows, run.MCP.Findings.Rows)
		})
	}
}

func compareTotals(t *testing.T, format string, want, got exportTotals) {
	t.Helper()
	eq := func(what string, w, g int64) {
		if w != g {
			t.Errorf("%s: %s = %d in the records, %d from the MCP tools", format, what, g, w)
		}
	}
	eqMap := func(what string, w, g map[string]int64) {
		if len(w) == 0 && len(g) == 0 {
			return
		}
		if !maps.Equal(w, g) {
			t.Errorf("%s: %s = %v in the records, %v from the MCP tools", format, what, g, w)
		}
	}
	eq("flows rows", want.Flows.Rows, got.Flows.Rows)
	eqMap("flows by proto", want.Flows.ByProto, got.Flows.ByProto)
	eqMap("TCP flows by conn_state", want.Flows.ByState, got.Flows.ByState)
	eqMap("flows by service", want.Flows.ByService, got.Flows.ByService)
	if want.Flows.Paged != nil { // every flow was paged through
		eq("flows paged", *want.Flows.Paged, got.Flows.Rows)
		eq("distinct Community IDs", want.Flows.DistinctCommunityIDs, got.Flows.DistinctCommunityIDs)
		eq("flow payload bytes", want.Flows.Bytes, got.Flows.Bytes)
		eq("flow IP bytes", want.Flows.IPBytes, got.Flows.IPBytes)
		eq("flow packets", want.Flows.Pkts, got.Flows.Pkts)
	}
	eq("dns rows", want.DNS.Rows, got.DNS.Rows)
	eq("dns queries", want.DNS.Queries, got.DNS.Queries)
	eq("dns responses", want.DNS.Responses, got.DNS.Responses)
	eq("dns malformed", want.DNS.Malformed, got.DNS.Malformed)
	eq("http rows", want.HTTP.Rows, got.HTTP.Rows)
	eq("http request body bytes", want.HTTP.RequestBodyBytes, got.HTTP.RequestBodyBytes)
	eq("http response body bytes", want.HTTP.ResponseBodyBytes, got.HTTP.ResponseBodyBytes)
	eq("tls rows", want.TLS.Rows, got.TLS.Rows)
	eq("quic sessions", want.TLS.QUIC, got.TLS.QUIC)
	eq("tcp rows", want.TCP.Rows, got.TCP.Rows)
	eq("tcp retransmissions", want.TCP.Retransmissions, got.TCP.Retransmissions)
	eqMap("tcp by state", want.TCP.ByState, got.TCP.ByState)
	eq("TCP connections without a flow of their Community ID", 0, got.TCP.WithoutFlow)
	if want.Findings.Rows <= 500 { // analyze_overview lists at most 500
		eq("findings", want.Findings.Rows, got.Findings.Rows)
		eqMap("findings by module/type", want.Findings.ByType, got.Findings.ByType)
	}
}

func requireDuckDB(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Fatal("@duckdb/node-api is not installed: run `npm ci --prefix e2e` (make test does it)")
	}
}

var dnsRowsRE = regexp.MustCompile(`(?m)^\s+dns\s+(\d+) rows`)

// TestExportRecordsDirectory exports a directory of captures in one
// command (the corpus, or the bundled captures without it) and runs one
// DuckDB query over all of them: DNS names per registered domain across
// captures.
func TestExportRecordsDirectory(t *testing.T) {
	bin, dir := setup(t)
	requireDuckDB(t, dir)
	src, ok := pcaptest.CorpusDir(t)
	if !ok {
		src = filepath.Join(pcaptest.Root(t), "testdata")
		t.Log("MCPACKET_CORPUS unset: exporting the bundled testdata captures instead of the corpus")
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "export", "records", src, "-o", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// A damaged capture among them fails alone (exit 1); the rest are
	// exported.
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("mcpacket export records: %v\n%s", err, stderr.String())
	}
	var dnsRows int64
	exported := 0
	for _, m := range dnsRowsRE.FindAllStringSubmatch(stdout.String(), -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		dnsRows += n
		exported++
	}
	if exported < 10 || dnsRows == 0 {
		t.Fatalf("exported %d captures with %d DNS rows in all:\n%s", exported, dnsRows, stdout.String())
	}
	query := func(sql string) []map[string]any {
		t.Helper()
		c := exec.CommandContext(ctx, "node", "records.mjs", "query", out, sql)
		c.Dir = dir
		b, err := c.Output()
		if err != nil {
			t.Fatalf("query %s: %v", sql, err)
		}
		var rows []map[string]any
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("query output %q: %v", b, err)
		}
		return rows
	}
	all := query(`select count(*) as n, count(distinct filename) as captures from read_parquet('DIR/table=dns/*/*.parquet', hive_partitioning=true, filename=true)`)
	if got := int64(all[0]["n"].(float64)); got != dnsRows {
		t.Errorf("DuckDB reads %d DNS rows across the export, the exports reported %d", got, dnsRows)
	}
	perDomain := query(`select registered_domain, count(distinct lower(query)) as names, count(distinct filename) as captures
		from read_parquet('DIR/table=dns/*/*.parquet', hive_partitioning=true, filename=true)
		where registered_domain <> '' group by 1 order by names desc, registered_domain limit 10`)
	if len(perDomain) == 0 {
		t.Fatal("no registered domain across the exported DNS rows")
	}
	for _, r := range perDomain {
		if r["names"].(float64) < 1 || r["captures"].(float64) < 1 {
			t.Errorf("row %v: a domain with no name or no capture", r)
		}
	}
	t.Logf("%d captures, %d DNS rows in %v captures; top registered domains: %v", exported, dnsRows, all[0]["captures"], perDomain)
}
