#!/usr/bin/env bash
# Each chart of plot_traffic (mcpacket plot) on the 1M-packet full-mix
# bench-gen capture, runs times each (default 3): wall and CPU seconds and
# peak RSS, and the PNG's size. Fails when a chart's median wall time is 2 s
# or more (issue 19). tcp_sequence draws tcp.stream 5.
#
#   bench/plot.sh [runs] [packets]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
. bench/lib.sh
setup_full "${2:-1000000}"
printf "%-14s %14s %8s %12s %10s\n" chart median_wall_s cpu_s peak_RSS_MB png_bytes
fail=0
for chart in timeline protocols conversations latency tcp_sequence; do
  extra=()
  [ "$chart" = tcp_sequence ] && extra=(--tcp-stream 5)
  walls=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$out/time.plot" "$out/mcpacket" plot "$capture" --chart "$chart" "${extra[@]}" -o "$out/$chart.png" --force > /dev/null
    read -r wall user sys kb < "$out/time.plot"
    walls+=("$wall")
  done
  m=$(median "${walls[@]}")
  printf "%-14s %14s %8.2f %12d %10d\n" "$chart" "$m" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((kb / 1024)) "$(stat -c %s "$out/$chart.png")"
  if awk -v w="$m" 'BEGIN { exit !(w >= 2) }'; then echo "FAIL: $chart takes 2 s or more"; fail=1; fi
done
exit $fail
