#!/usr/bin/env bash
# Peak RSS of analyze_http_transactions on the 1M full-mix bench capture,
# and on the same capture with one 1 GiB HTTP download appended (issue 16,
# acceptance 4: flat within 10%). The download is TestHTTPDownloadFlat's
# (a GET and a 200 of 1 GiB in 32 KiB segments), written to a file with
# MCPACKET_BUDGET_CAPTURE_DIR, moved in time just after the bench capture
# (editcap -t) and appended to it (mergecap -a). Needs GNU time, editcap and
# mergecap (Wireshark's, as tshark is installed for the tests).
#
#   bench/http-download.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
capture=bench/out/full-1000000.pcap
if [ ! -s "$capture" ]; then
  mkdir -p bench/out
  (cd "${BENCH_GEN:-../shared/bench-gen}" && go run . -n 1000000 -seed 1 -mix full -o "$OLDPWD/$capture")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MCPACKET_BUDGET_CAPTURE_DIR=$tmp go test -count=1 -run 'TestHTTPDownloadFlat$' ./cmd/mcpacket >/dev/null
dl=$tmp/http-download-1024m.pcap
# The bench capture ends at 2026-01-15 09:07:51, the download starts at
# 2024-06-03 09:00:00: move it to 2026-01-15 09:08:00.
editcap -t 51062880 "$dl" "$tmp/dl.pcap"
mergecap -a -F pcap -w "$tmp/with-download.pcap" "$capture" "$tmp/dl.pcap"
go build -o "$tmp/mcpacket" ./cmd/mcpacket
peak() { # file: the largest peak RSS of $runs runs, in KiB
  local m=0 kb
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%M" -o "$tmp/time" "$tmp/mcpacket" analyze http "$1" --json >/dev/null
    kb=$(cat "$tmp/time")
    m=$(( kb > m ? kb : m ))
  done
  echo "$m"
}
base=$(peak "$capture")
with=$(peak "$tmp/with-download.pcap")
change=$(awk -v a="$base" -v b="$with" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')
echo "peak RSS of analyze http (largest of $runs): $capture $((base/1024)) MiB; with a 1 GiB download appended $((with/1024)) MiB ($change%)"
awk -v a="$base" -v b="$with" 'BEGIN { exit !(b <= a * 1.10 && b >= a * 0.90) }' || { echo "FAIL: not flat within 10%"; exit 1; }
