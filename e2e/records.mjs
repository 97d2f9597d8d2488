// Checks export_records against the MCP tools with DuckDB (@duckdb/node-api,
// pinned in package.json), for the end-to-end tests.
//
//   node records.mjs tools  <server-binary> <capture> <outdir>
//   node records.mjs query  <dir> <sql>
//
// "tools" serves <server-binary> over stdio with --output-dir <outdir>,
// exports <capture> to Parquet (<outdir>/parquet) and JSON Lines
// (<outdir>/jsonl) with export_records, exports it again (which must be
// skipped), asks the MCP tools for their totals, reads every table back
// with DuckDB, and prints {export, again, mcp, parquet, jsonl} as JSON:
// the same totals from the tools and from each format, for the Go test to
// compare. "query" runs one SQL statement over <dir> (the string DIR in
// <sql> is replaced by it) and prints the rows as JSON.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { DuckDBInstance } from "@duckdb/node-api";

const [mode, ...args] = process.argv.slice(2);

const db = await (await DuckDBInstance.create(":memory:")).connect();
// rows runs sql and returns plain objects (BIGINT as Number).
async function rows(sql) {
  const r = await db.runAndReadAll(sql);
  return r.getRowObjectsJson().map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v])));
}

if (mode === "query") {
  const [dir, sql] = args;
  console.log(JSON.stringify(await rows(sql.replaceAll("DIR", dir))));
  process.exit(0);
}

const [bin, capture, outdir] = args;
const transport = new StdioClientTransport({ command: bin, args: ["serve", "--output-dir", outdir], stderr: "inherit" });
const client = new Client({ name: "mcpacket-e2e-records", version: "1.0.0" });
await client.connect(transport);
async function call(name, a) {
  const r = await client.callTool({ name, arguments: a }, undefined, { timeout: 1800000 });
  if (r.isError) throw new Error(`${name}: ${r.content?.map((c) => c.text).join("")}`);
  return r.structuredContent;
}

const out = { export: {}, mcp: {} };
for (const format of ["parquet", "jsonl"]) {
  out.export[format] = await call("export_records", { pcap_file: capture, format, subdir: format });
}
out.again = await call("export_records", { pcap_file: capture, format: "parquet", subdir: "parquet" });

// The tools' totals.
const ov = await call("analyze_overview", { pcap_file: capture, findings_limit: 500, flows_limit: 1000 });
const fs = ov.flow_summary;
const flows = { rows: fs.total, by_proto: fs.by_proto, by_state: fs.by_state, by_service: fs.by_service };
if (fs.total <= 5000) { // small enough to page through every flow
  const ids = new Set();
  let bytes = 0, ipBytes = 0, pkts = 0, n = 0;
  for (let off = 0; off < fs.total; off += 1000) {
    const page = off === 0 ? ov : await call("analyze_overview", { pcap_file: capture, flows_offset: off, flows_limit: 1000 });
    for (const f of page.flows) {
      ids.add(f.community_id);
      bytes += f.orig_bytes + f.resp_bytes;
      ipBytes += f.orig_ip_bytes + f.resp_ip_bytes;
      pkts += f.orig_pkts + f.resp_pkts;
      n++;
    }
  }
  Object.assign(flows, { paged: n, distinct_community_ids: ids.size, bytes, ip_bytes: ipBytes, pkts });
}
const findings = { rows: ov.findings_page.total, by_type: {} };
for (const f of ov.findings) {
  const k = `${f.module}/${f.type}`;
  findings.by_type[k] = (findings.by_type[k] ?? 0) + 1;
}
const dns = await call("analyze_dns_packets", { pcap_file: capture, limit: 1, transactions_limit: 1 });
const http = await call("analyze_http_transactions", { pcap_file: capture, limit: 1 });
const tls = await call("analyze_tls_sessions", { pcap_file: capture, limit: 1 });
const tcp = await call("analyze_tcp_connections", { pcap_file: capture, limit: 1 });
out.mcp = {
  flows,
  dns: { rows: dns.dns_packets_found, queries: dns.statistics.queries, responses: dns.statistics.responses, malformed: dns.statistics.malformed },
  http: { rows: http.summary.transactions, request_body_bytes: http.summary.request_body_bytes, response_body_bytes: http.summary.response_body_bytes },
  tls: { rows: tls.summary.sessions, quic: tls.summary.quic_sessions },
  tcp: { rows: tcp.summary.total_connections, retransmissions: tcp.summary.total_retransmissions, by_state: tcp.summary.by_tcp_state },
  findings,
};
await client.close();

// The same totals from each format, with DuckDB.
function src(format, table) {
  const glob = `${outdir}/${format}/table=${table}/*/*.${format}`;
  return format === "parquet" ? `read_parquet('${glob}', hive_partitioning=true)` : `read_json_auto('${glob}', hive_partitioning=true, format='newline_delimited')`;
}
async function byKey(sql) {
  const o = {};
  for (const r of await rows(sql)) o[r.k] = r.n;
  return o;
}
async function totals(format) {
  const present = new Set(out.export[format].tables.filter((t) => t.rows > 0).map((t) => t.table));
  const t = {};
  const q = async (table, sql, empty) => (present.has(table) ? (await rows(sql.replaceAll("SRC", src(format, table))))[0] : empty);
  t.flows = await q("flows", `select count(*) as rows, count(distinct community_id) as distinct_community_ids,
      sum(orig_bytes + resp_bytes) as bytes, sum(orig_ip_bytes + resp_ip_bytes) as ip_bytes, sum(orig_pkts + resp_pkts) as pkts,
      count(distinct "date") as dates from SRC`, { rows: 0 });
  if (present.has("flows")) {
    const s = src(format, "flows");
    t.flows.by_proto = await byKey(`select proto as k, count(*) as n from ${s} group by 1`);
    t.flows.by_state = await byKey(`select conn_state as k, count(*) as n from ${s} where proto = 'tcp' group by 1`);
    t.flows.by_service = await byKey(`select service as k, count(*) as n from ${s} where service <> '' group by 1`);
  }
  t.dns = await q("dns", `select count(*) as rows, count(*) filter (where not is_response and not in_icmp_error and malformed <> 'message shorter than the 12-byte header') as queries,
      count(*) filter (where is_response and not in_icmp_error and malformed <> 'message shorter than the 12-byte header') as responses,
      count(*) filter (where malformed <> '') as malformed from SRC`, { rows: 0 });
  t.http = await q("http", `select count(*) as rows, sum(request_body_len) as request_body_bytes, sum(response_body_len) as response_body_bytes from SRC`, { rows: 0 });
  t.tls = await q("tls", `select count(*) as rows, count(*) filter (where transport = 'quic') as quic from SRC`, { rows: 0 });
  t.tcp = await q("tcp", `select count(*) as rows, sum(retransmission) as retransmissions from SRC`, { rows: 0 });
  if (present.has("tcp")) {
    t.tcp.by_state = await byKey(`select tcp_state as k, count(*) as n from ${src(format, "tcp")} group by 1`);
    // Community ID joins the tables: every TCP connection has its flow.
    if (present.has("flows")) {
      t.tcp.without_flow = (await rows(`select count(*) as n from ${src(format, "tcp")} t anti join ${src(format, "flows")} f using (community_id)`))[0].n;
    }
  }
  t.findings = await q("findings", `select count(*) as rows from SRC`, { rows: 0 });
  t.findings.by_type = present.has("findings") ? await byKey(`select module || '/' || type as k, count(*) as n from ${src(format, "findings")} group by 1`) : {};
  return t;
}
out.parquet = await totals("parquet");
out.jsonl = await totals("jsonl");
console.log(JSON.stringify(out));
