#!/usr/bin/env bash
# The result cache over MCP: per tool, the first call on the 1M bench-gen
# capture with every protocol (-mix full), then its second page and a re-filtered call (answered from the
# first call's pass), each as a share of the first call's time. One server,
# a real client (the Go SDK over streamable HTTP); e2e/cache_bench_test.go.
#
#   bench/cache.sh [packets]
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1000000}
capture=bench/out/full-$packets.pcap
if [ ! -s "$capture" ]; then
  mkdir -p bench/out
  (cd "${BENCH_GEN:-../shared/bench-gen}" && go run . -n "$packets" -seed 1 -mix full -o "$OLDPWD/$capture")
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); capture $capture"
MCPACKET_BENCH_CAPTURE=$PWD/$capture go test -run '^$' -bench BenchmarkCachedCalls -benchtime 1x ./e2e | grep -v '^goos\|^goarch\|^pkg\|^cpu\|^PASS\|^ok'
