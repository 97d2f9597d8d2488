// A real MCP client (the official TypeScript SDK) for the end-to-end tests.
//
//   node client.mjs stdio <server-binary> <tool> <args-json> [server args...]
//   node client.mjs http  <url>           <tool> <args-json> [bearer token]
//
// It connects, lists tools (each must publish an outputSchema), calls <tool>
// with a progress token, validates structuredContent against the tool's
// outputSchema with Ajv, and prints one JSON object to stdout:
//   {protocolVersion, tools: [names], isError, text, structured, valid,
//    validationErrors, progress: [..], instructions}
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv2020 from "ajv/dist/2020.js";

const [mode, target, toolName, argsJSON, ...rest] = process.argv.slice(2);
const transport = mode === "stdio"
  ? new StdioClientTransport({ command: target, args: rest, stderr: "inherit" })
  : new StreamableHTTPClientTransport(new URL(target),
      rest[0] ? { requestInit: { headers: { Authorization: `Bearer ${rest[0]}` } } } : undefined);

const client = new Client({ name: "mcpacket-e2e", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
const tool = tools.find((t) => t.name === toolName);
if (!tool) throw new Error(`tool ${toolName} not listed: ${tools.map((t) => t.name)}`);
for (const t of tools) {
  if (!t.outputSchema) throw new Error(`tool ${t.name} has no outputSchema`);
}

const progress = [];
const res = await client.callTool(
  { name: toolName, arguments: JSON.parse(argsJSON), _meta: { progressToken: "e2e" } },
  undefined,
  { onprogress: (p) => progress.push(p.progress) },
);

let valid = null;
let validationErrors = null;
if (res.structuredContent) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(tool.outputSchema);
  valid = validate(res.structuredContent);
  validationErrors = validate.errors ?? null;
}
const text = (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");

console.log(JSON.stringify({
  protocolVersion: transport.protocolVersion ?? null,
  tools: tools.map((t) => t.name),
  annotations: tool.annotations ?? null,
  isError: res.isError ?? false,
  text,
  structured: res.structuredContent ?? null,
  valid,
  validationErrors,
  progress,
  instructions: client.getInstructions() ?? null,
}));
await client.close();
