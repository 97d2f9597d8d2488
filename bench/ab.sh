#!/usr/bin/env bash
# Compare two mcpacket builds (a before and an after) on the same bench-gen
# capture, case by case, in one run: best wall time of N runs and peak RSS.
# Used to show a change is not slower (the reshaping issue's acceptance 6).
#
#   bench/ab.sh BEFORE_BIN AFTER_BIN [runs] [packets]
#
# The capture is bench/out/mix-<packets>.pcap (see compare.sh), generated
# with ../shared/bench-gen seed 1 when missing. Needs GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 runs=${3:-3} packets=${4:-1000000}
capture=bench/out/mix-$packets.pcap
if [ ! -s "$capture" ]; then
  mkdir -p bench/out
  (cd "${BENCH_GEN:-../shared/bench-gen}" && go run . -n "$packets" -seed 1 -o "$OLDPWD/$capture")
fi
cases=(
  "dns|analyze dns"
  "icmp|analyze icmp"
  "dhcp|analyze dhcp"
  "sip|analyze sip"
  "tcp-connections|analyze tcp --tool analyze_tcp_connections"
  "tcp-retransmissions|analyze tcp --tool analyze_tcp_retransmissions"
)
best() { # bin args...: prints "best_seconds max_rss_mb"
  local bin=$1; shift
  local bs=999999 rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o /tmp/ab.time "$bin" "$@" "$capture" --json > /dev/null 2>&1
    read -r s kb < /tmp/ab.time
    bs=$(awk -v a="$bs" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
    rss=$(( kb/1024 > rss ? kb/1024 : rss ))
  done
  echo "$bs $rss"
}
cat "$capture" > /dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); capture $capture; best of $runs"
printf "%-22s %10s %10s %8s %10s %10s\n" case before_s after_s change before_MB after_MB
for c in "${cases[@]}"; do
  name=${c%%|*} args=${c#*|}
  # shellcheck disable=SC2086
  read -r bs brss < <(best "$before" $args)
  # shellcheck disable=SC2086
  read -r as arss < <(best "$after" $args)
  change=$(awk -v a="$bs" -v b="$as" 'BEGIN { printf "%+.1f%%", (b - a) / a * 100 }')
  printf "%-22s %10s %10s %8s %10s %10s\n" "$name" "$bs" "$as" "$change" "$brss" "$arss"
done
