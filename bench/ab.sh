#!/usr/bin/env bash
# Compare two mcpacket builds (a before and an after) on the same bench-gen
# capture, case by case, in one run. The builds take turns run by run, so a
# shared host whose speed drifts slows both alike. For each build: best and
# median wall time of N runs, median CPU time (user + system, which the
# host's drift moves least) and peak RSS.
# Used to show a change is not slower (the reshaping and hardening issues'
# "within 10%" items).
#
#   bench/ab.sh BEFORE_BIN AFTER_BIN [runs] [packets]
#
# The capture is bench/out/mix-<packets>.pcap (see compare.sh), generated
# with ../shared/bench-gen seed 1 when missing. Needs GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 runs=${3:-9} packets=${4:-1000000}
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
times=$(mktemp)
trap 'rm -f "$times" "$times.1"' EXIT
cat "$capture" > /dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); capture $capture; $runs runs each, interleaved"
printf "%-20s %-21s %-21s %-21s %s\n" case "best wall s (change)" "median wall s" "median cpu s" "peak MB"
for c in "${cases[@]}"; do
  name=${c%%|*} args=${c#*|}
  : > "$times"
  for _ in $(seq "$runs"); do
    for b in before after; do
      bin=$before
      [ "$b" = after ] && bin=$after
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S %M" -o "$times.1" "$bin" $args "$capture" --json > /dev/null 2>&1
      echo "$b $(cat "$times.1")" >> "$times"
    done
  done
  awk -v name="$name" '
    { n[$1]++; w[$1, n[$1]] = $2; c[$1, n[$1]] = $3 + $4; if ($5 / 1024 > m[$1]) m[$1] = $5 / 1024 }
    function sort(a, b, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[b, j] < a[b, i]) { t = a[b, i]; a[b, i] = a[b, j]; a[b, j] = t } }
    function med(a, b, k) { return (k % 2) ? a[b, (k + 1) / 2] : (a[b, k / 2] + a[b, k / 2 + 1]) / 2 }
    function pct(x, y) { return sprintf("%+.1f%%", (y - x) / x * 100) }
    END {
      k = n["before"]; sort(w, "before", k); sort(w, "after", k); sort(c, "before", k); sort(c, "after", k)
      bb = w["before", 1]; ba = w["after", 1]; mb = med(w, "before", k); ma = med(w, "after", k); cb = med(c, "before", k); ca = med(c, "after", k)
      printf "%-20s %-21s %-21s %-21s %d→%d\n", name, sprintf("%.2f→%.2f %s", bb, ba, pct(bb, ba)), sprintf("%.2f→%.2f %s", mb, ma, pct(mb, ma)), sprintf("%.2f→%.2f %s", cb, ca, pct(cb, ca)), m["before"], m["after"]
    }' "$times"
done
