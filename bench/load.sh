#!/usr/bin/env bash
# Load test on loopback: one HTTP server, 32 concurrent MCP clients (the Go
# SDK's), 2,000 calls mixing every tool with normal, malformed and missing
# captures. Prints throughput, latency percentiles, the server's peak RSS,
# and the protocol errors and mismatched answers (both must be 0).
#
#   bench/load.sh
#
# Needs Go, and Node.js for the e2e package's set-up (npm ci --prefix e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d e2e/node_modules ] || npm ci --prefix e2e --silent
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
go test -count=1 -run '^TestLoad$' -v ./e2e/ | grep -E 'load:|^(--- |ok|FAIL)'
