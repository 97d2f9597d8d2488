#!/usr/bin/env bash
# The overview of the 1M-packet full-mix bench-gen capture with --workers 1
# and --workers 2, interleaved, runs times each (default 3): wall and CPU
# seconds and peak RSS of each run, the median speed-up, and a check that
# both answered the same JSON. Fails when the median speed-up is under 1.6x
# (issue 18; meant for an otherwise idle 2-core machine).
#
#   bench/workers.sh [runs] [packets]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
. bench/lib.sh
setup_full "${2:-1000000}"
printf "%-4s %-8s %8s %8s %12s\n" run workers wall_s cpu_s peak_RSS_MB
declare -a w1 w2
for i in $(seq "$runs"); do
  for w in 1 2; do
    /usr/bin/time -f "%e %U %S %M" -o "$out/time.workers$w" "$out/mcpacket" analyze overview "$capture" --json --workers "$w" > "$out/stdout.workers$w"
    read -r wall user sys kb < "$out/time.workers$w"
    printf "%-4s %-8s %8s %8.2f %12d\n" "$i" "$w" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((kb / 1024))
    if [ "$w" = 1 ]; then w1+=("$wall"); else w2+=("$wall"); fi
  done
  if ! cmp -s "$out/stdout.workers1" "$out/stdout.workers2"; then
    echo "FAIL: --workers 1 and --workers 2 answered differently (run $i)"; exit 1
  fi
done
m1=$(median "${w1[@]}"); m2=$(median "${w2[@]}")
ratio=$(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }')
echo "median wall: --workers 1 ${m1} s, --workers 2 ${m2} s: ${ratio}x; the same JSON each run"
if awk -v r="$ratio" 'BEGIN { exit !(r < 1.6) }'; then echo "FAIL: under 1.6x"; exit 1; fi
