// Many tool calls over one connection, for the response-size tests.
//
//   node batch.mjs <server-binary> <calls.jsonl> [server args...]
//
// Each line of calls.jsonl is {"tool": name, "arguments": {...}}. For each
// call it prints one JSON line: {tool, arguments, isError, bytes (UTF-8
// length of the text content), skipped (a tool the server does not list), keys (the text content's top-level keys in
// order), structuredKeys (those of structuredContent), error}.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, callsFile, ...serverArgs] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: bin, args: serverArgs, stderr: "ignore" });
const client = new Client({ name: "mcpacket-e2e-batch", version: "1.0.0" });
await client.connect(transport);
const listed = new Set((await client.listTools()).tools.map((t) => t.name));
const calls = readFileSync(callsFile, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
for (const call of calls) {
  const out = { tool: call.tool, arguments: call.arguments };
  if (!listed.has(call.tool)) { // e.g. export_packets, served only with --output-dir
    out.skipped = true;
    console.log(JSON.stringify(out));
    continue;
  }
  try {
    const res = await client.callTool({ name: call.tool, arguments: call.arguments }, undefined, { timeout: 300000 });
    const text = (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
    out.isError = res.isError ?? false;
    out.bytes = Buffer.byteLength(text, "utf8");
    if (!out.isError) {
      out.keys = Object.keys(JSON.parse(text));
      out.structuredKeys = Object.keys(res.structuredContent ?? {});
    } else {
      out.text = text;
    }
  } catch (e) {
    out.error = String(e);
  }
  console.log(JSON.stringify(out));
}
await client.close();
