// Prints, as JSON, the command an MCP host runs for an unpacked bundle:
// the mcpb library's own getMcpConfigForManifest (the function Claude
// Desktop uses) applied to its manifest, its folder and a user's settings.
// TestBundle runs what it prints.
//
//   node packaging/resolve.mjs MANIFEST EXTENSION_DIR '{"capture_folders":["/data"]}'
import { readFileSync } from "node:fs";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const [manifestPath, extensionPath, userConfig] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath,
  systemDirs: {},
  userConfig: JSON.parse(userConfig),
  pathSeparator: "/",
});
if (!config) {
  console.error("resolve: no MCP config (a required setting is missing)");
  process.exit(1);
}
process.stdout.write(JSON.stringify(config) + "\n");
