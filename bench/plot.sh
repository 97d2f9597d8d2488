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
packets=${2:-1000000}
gen=${BENCH_GEN:-../shared/bench-gen}
out=bench/out
mkdir -p "$out"
capture="$out/full-$packets.pcap"
if [ ! -s "$capture" ]; then
  echo "generating $capture with $gen ($packets packets, seed 1 -mix full)"
  (cd "$gen" && go run . -n "$packets" -seed 1 -mix full -o "$OLDPWD/$capture")
fi
CGO_ENABLED=0 go build -o "$out/mcpacket" ./cmd/mcpacket
cat "$capture" > /dev/null # warm the page cache

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "capture: $capture ($(stat -L -c %s "$capture") bytes, $packets packets)"
printf "%-14s %14s %8s %12s %10s\n" chart median_wall_s cpu_s peak_RSS_MB png_bytes
median() { printf "%s\n" "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
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
